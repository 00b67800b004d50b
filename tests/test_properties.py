"""Same file, same answer (SPEC §3): what a file yields never depends on what else is read.

Over every bundled sample (52 files) and generated variants — among them a 附件2 and a 附件3
whose columns share names and synonyms (``conclusion``: 不合格 is 不合格 in 附件2, 未达标 in
附件3) — each file's records and per-file findings are the same read alone (with a fresh
campaign, as a new process would), in its folder, in any order, beside copies of other
cities' files, and through ``check`` and ``merge``; ``merge`` of any permutation of its
inputs writes byte-identical summary.json, findings.json and records.json.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from formkit import api
from formkit.campaign import load_campaign
from formkit.merge import merge
from formkit.resources import samples_dir
from tests.builders import write_synonym_pair

SAMPLES = sorted(p for p in samples_dir().rglob("*") if p.is_file() and not p.name.startswith("."))
#: Codes that compare files or cities: they legitimately depend on the other inputs of a merge.
CROSS_CODES = {"duplicate", "conflict", "name-mismatch", "spotcheck-quota", "below-last-year",
               "plan-shortfall", "missing-submission"}
AS_OF = dt.date(2023, 12, 31)
# Few examples, drawn reproducibly; no shrinking (one merge takes a second: a failure is
# reported as drawn, with the order that broke it).
PROPERTY = settings(max_examples=6, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def file_view(fr) -> dict:
    """Return what one file yields, as a user sees it: forms, records (raw, value, problem, place), findings."""
    subs = [(s.form, s.sheet, s.city, s.batch, str(s.fill_date), s.header_row, tuple(s.missing)) for s in fr.submissions]
    records = [(r.form, r.source.sheet, r.source.row,
                tuple((k, c.raw, repr(c.value), c.problem, c.source.cell) for k, c in r.cells.items()))
               for r in fr.records]
    return {"submissions": subs, "records": records, "findings": findings_view(fr.findings)}


def findings_view(findings) -> list[tuple]:
    """Return findings as sorted tuples of every JSON key, the file named by its base name."""
    out = []
    for f in findings:
        d = f.to_dict()
        d["file"] = Path(d["file"]).name if d["file"] else None
        out.append(tuple(d.items()))
    return sorted(out, key=repr)


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> list[Path]:
    """Return generated files: the 附件2/附件3 pair sharing column names, for two cities."""
    root = tmp_path_factory.mktemp("variants")
    files = list(write_synonym_pair(root / "南京市", "南京市", "320102"))
    files += write_synonym_pair(root / "苏州市", "苏州市", "320505")
    return files


@pytest.fixture(scope="module")
def universe(variants) -> list[Path]:
    assert len(SAMPLES) == 52
    return SAMPLES + variants


@pytest.fixture(scope="module")
def alone(universe) -> dict[Path, dict]:
    """Return each file read alone, each with its own freshly loaded campaign."""
    return {path: file_view(api.check([path], load_campaign()).files[0]) for path in universe}


def test_alone_results_are_what_the_samples_say(alone, variants):
    """The baseline is not empty: the synonym 附件3 alone has its action-mismatch and 4 未达标 rows."""
    spot = alone[variants[1]]
    assert [(dict(f)["code"], dict(f)["cell"]) for f in spot["findings"]] == [("action-mismatch", "M8")]
    assert sum("'未达标'" in repr(r) for r in spot["records"]) == 4
    assert sum(len(v["records"]) for v in alone.values()) > 600


@PROPERTY
@given(data=st.data())
def test_any_subset_in_any_order_reads_each_file_as_alone(universe, alone, campaign, data):
    """One long-lived campaign (as in the portal), many runs, files in a drawn order."""
    chosen = data.draw(st.lists(st.sampled_from(universe), min_size=2, max_size=len(universe), unique=True))
    order = data.draw(st.permutations(chosen))
    result = api.check(order, campaign)
    assert [fr.path for fr in result.files] == list(order)
    for fr in result.files:
        assert file_view(fr) == alone[fr.path], fr.name


def test_synonym_pair_in_either_order(variants, alone, campaign):
    """The case reported: 附件3 after 附件2 (and before) gives the 附件3's findings as alone."""
    eval_file, spot_file = variants[:2]
    for order in ([eval_file, spot_file], [spot_file, eval_file]):
        result = api.check(order, campaign)
        by_path = {fr.path: file_view(fr) for fr in result.files}
        assert by_path[spot_file] == alone[spot_file]
        assert by_path[eval_file] == alone[eval_file]


def test_synonym_folder_merge_counts_failed_as_alone(variants, tmp_path):
    """A folder with that 附件3 after a 附件2: the same findings and `failed` count as alone."""
    folder = tmp_path / "收件箱"
    folder.mkdir()
    for path in variants[:2]:
        shutil.copy2(path, folder / path.name)
    together = merge([folder], load_campaign(), as_of=AS_OF)
    by_itself = merge([variants[1]], load_campaign(), as_of=AS_OF)
    spot = variants[1].name
    assert together.summary["cities"]["南京市"]["spotcheck"]["failed"] == 3
    assert by_itself.summary["cities"]["南京市"]["spotcheck"] == together.summary["cities"]["南京市"]["spotcheck"]
    own = [f for f in together.findings if f.file and Path(f.file).name == spot and f.code not in CROSS_CODES]
    assert findings_view(own) == findings_view([f for f in by_itself.findings if f.code not in CROSS_CODES])
    assert [f.code for f in own] == ["action-mismatch"]


@PROPERTY
@given(data=st.data())
def test_folder_with_copies_of_other_cities(universe, alone, campaign, data):
    """Each file keeps its answer in its own folder, beside copies of other cities' files."""
    target = data.draw(st.sampled_from(universe))
    city = target.parent.name
    others = [p for p in universe if p.parent.name != city]
    copies = data.draw(st.lists(st.sampled_from(others), min_size=1, max_size=8, unique=True))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / city
        folder.mkdir()
        shutil.copy2(target, folder / target.name)
        for k, other in enumerate(copies):
            shutil.copy2(other, folder / f"副本{k:02d}-{other.name}")
        result = api.check([Path(tmp)], campaign)
        [fr] = [fr for fr in result.files if Path(fr.name).name == target.name]
        assert file_view(fr) == alone[target]


def _merge_view(result) -> dict[str, list]:
    """Return per file: its records as merged and its own (non cross-file) findings."""
    out: dict[str, list] = {}
    kept = {id(s) for s in result.submissions}
    for fr in result.files:
        if fr.submissions and not any(id(s) in kept for s in fr.submissions):
            continue  # superseded by a newer file of the same city and form
        out[fr.name] = [findings_view(f for f in result.findings
                                      if f.file == fr.name and f.code not in CROSS_CODES)]
    return out


def test_merge_keeps_every_file_answer(universe, alone, campaign):
    """Through merge, each file's records and own findings are those it has alone."""
    result = merge(universe, campaign, as_of=AS_OF)
    kept = {id(s) for s in result.submissions}
    merged_records = {id(r) for records in result.records.values() for r in records}
    checked = 0
    for fr in result.files:
        if fr.submissions and not all(id(s) in kept for s in fr.submissions):
            continue
        view = alone[fr.path]
        assert file_view(fr)["records"] == view["records"], fr.name
        assert all(id(r) in merged_records for r in fr.records), fr.name
        own = [f for f in result.findings if f.file == fr.name and f.code not in CROSS_CODES]
        assert findings_view(own) == [f for f in view["findings"] if dict(f)["code"] not in CROSS_CODES], fr.name
        checked += 1
    assert checked >= 52  # every sample; a variant may be superseded by its city's sample


def _merge_bytes(paths: list[Path], campaign) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        api.merge_to(paths, out, campaign, as_of=AS_OF)
        return {name: (out / name).read_bytes() for name in ("summary.json", "findings.json", "records.json")}


@pytest.fixture(scope="module")
def merged_once(universe) -> dict[str, bytes]:
    return _merge_bytes(universe, load_campaign())


@settings(PROPERTY, max_examples=3)
@given(data=st.data())
def test_merge_of_any_permutation_is_byte_identical(universe, merged_once, campaign, data):
    order = data.draw(st.permutations(universe))
    assert _merge_bytes(list(order), campaign) == merged_once


def test_merge_outputs_name_no_input_order(merged_once):
    """The outputs are not trivially equal: they hold the records and findings of every file."""
    summary = json.loads(merged_once["summary.json"])
    records = json.loads(merged_once["records.json"])
    assert summary["totals"]["spotcheck"]["rows"] > 300
    assert sum(len(v) for v in records["forms"].values()) > 600
    assert json.loads(merged_once["findings.json"])


def test_all_files_in_reverse_order(universe, alone, campaign):
    result = api.check(list(reversed(universe)), campaign)
    for fr in result.files:
        assert file_view(fr) == alone[fr.path], fr.name


def test_cli_check_json_of_the_pair_is_the_library_answer(variants, tmp_path):
    """`formkit check --json` of the folder: the same findings as the library, per file as alone."""
    from click.testing import CliRunner

    from formkit.cli import main

    folder = tmp_path / "南京市"
    folder.mkdir()
    for path in variants[:2]:
        shutil.copy2(path, folder / path.name)
    run = CliRunner().invoke(main, ["check", "--json", str(folder)])
    assert run.exit_code == 1, run.output
    printed = json.loads(run.output)
    assert [(Path(f["file"]).name, f["code"], f["cell"]) for f in printed] == [
        (variants[0].name, "not-qualified", "K8"), (variants[1].name, "action-mismatch", "M8")]
    assert printed == [f.to_dict() for f in api.check([folder], load_campaign()).findings]


def test_columns_of_one_name_keep_their_own_meaning():
    """The value cache is per column object: same key, same text, each form's own value."""
    import dataclasses

    from formkit.forms import get_form
    from formkit.table import RawCell, Source
    from formkit.values import parse_cell

    campaign = load_campaign()
    evaluation, spotcheck = get_form("evaluation").column("conclusion"), get_form("spotcheck").column("conclusion")
    renamed = dataclasses.replace(spotcheck, synonyms={"不合格": "达标"})  # same key and header, other meaning
    src = Source("x.xlsx", "Sheet1", 5, 11)
    for order in ([evaluation, spotcheck, renamed], [renamed, spotcheck, evaluation]):
        values = {id(col): (parse_cell(col, RawCell("不合格"), src, campaign).value,
                            parse_cell(col, RawCell("达标"), src, campaign).value) for col in order}
        assert values[id(evaluation)] == ("不合格", "合格")
        assert values[id(spotcheck)] == ("未达标", "达标")
        assert values[id(renamed)] == ("达标", "达标")
