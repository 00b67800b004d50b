"""The filing register (备案名单): import, merge --db, apply, history, undo, due, export, locking."""

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from formkit import api, registry
from formkit.samplegen import register as registry_samples
from formkit.cli import main
from formkit.findings import CODES as FINDING_CODES
from formkit.forms import FORM_ORDER, get_form, load_forms, load_register_form
from formkit.resources import samples_dir
from tests.builders import CODES, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2023, 12, 31)
ON = dt.date(2023, 8, 1)
HEADERS = ["序号", "设区市", "企业名称", "统一社会信用代码", "备案时间", "认证证书编号", "发证日期",
           "最近绩效评价日期", "状态", "宽限期至"]


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def merged(tmp_path_factory, campaign):
    out = tmp_path_factory.mktemp("merged") / "汇总"
    api.merge_to([samples_dir()], out, campaign, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def records(merged):
    return json.loads((merged / "records.json").read_text(encoding="utf-8"))["forms"]


@pytest.fixture(scope="module")
def sample_rows(campaign):
    return registry_samples.register_rows(campaign)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory, campaign):
    path = tmp_path_factory.mktemp("template") / "formkit.sqlite"
    result = registry.import_files(path, [registry_samples.sample_register_path()], campaign)
    assert result.rejected == 0 and result.changeset == 1
    return path


@pytest.fixture
def db(tmp_path, template_db):
    path = tmp_path / "formkit.sqlite"
    shutil.copy(template_db, path)
    return path


def sql_dump(path) -> str:
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def run_cli(args, cwd=None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def register_file(path, rows, title="江苏省企业贯标备案名单"):
    return write_xlsx(path, {"备案名单": [[title], HEADERS, *rows]})


def code(county="320102", body="12345678"):
    """Return a valid USCC for a county code (GB 11714 and GB 32100 check characters)."""
    from stdnum.cn import uscc

    from formkit.samplegen.enterprises import org_check

    first17 = "91" + county + body + org_check(body)
    return first17 + uscc.calc_check_digit(first17)


# ------------------------------------------------------------------ the form

def test_register_form_is_declared_apart_from_the_four_attachments():
    assert tuple(load_forms()) == FORM_ORDER == ("plan", "evaluation", "spotcheck", "anomaly")
    form = get_form("register")
    assert form is load_register_form() and form.issued_by_province
    assert [c.header for c in form.columns][:9] == HEADERS[:9]
    assert [c.key for c in form.required_columns] == ["city", "name", "uscc", "filing_date"]
    assert FINDING_CODES["not-filed"] == FINDING_CODES["filing-date-mismatch"] == "warning"


def test_cli_import_does_not_load_sqlalchemy():
    code_ = "import sys, formkit.cli; print('sqlalchemy' in sys.modules, 'formkit.registry' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code_], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_url_resolution():
    assert registry.resolve_url("x/formkit.sqlite").startswith("sqlite:////")
    url = "postgresql://office:secret@db.example/guanbiao"
    # Plain postgresql:// runs on psycopg 3, formkit's own driver (SQLAlchemy would pick psycopg2).
    assert registry.resolve_url(url) == "postgresql+psycopg://office:secret@db.example/guanbiao"
    assert "secret" not in registry.display_name(url)


# ------------------------------------------------------------------ import

def test_sample_register_is_current_and_deterministic(tmp_path, campaign):
    path = registry_samples.write_register(tmp_path / "r.xlsx", campaign)
    assert path.read_bytes() == registry_samples.sample_register_path().read_bytes()


def test_import_sample_register(db, sample_rows, campaign):
    state = registry.dump(db)
    assert len(state["enterprises"]) == len(sample_rows)
    assert len(state["changesets"]) == 1 and len(state["changes"]) == len(sample_rows)
    assert state_of(db) == {r["uscc"]: {k: r[k] for k in registry.FIELDS} for r in sample_rows}
    # Re-importing the same file changes nothing: no change set, the same bytes of data.
    before = sql_dump(db)
    result = registry.import_files(db, [registry_samples.sample_register_path()], campaign)
    assert result.changes == [] and result.changeset is None and result.differences == []
    assert sql_dump(db) == before


def test_import_rejects_rows_that_fail_a_check(tmp_path, campaign):
    good, mismatch, hostile = CODES["nj1"], code("320502", "AB345678"), code("320211", "HJ345678")
    bad_check = CODES["nj2"][:17] + ("0" if CODES["nj2"][17] != "0" else "1")
    path = register_file(tmp_path / "名单.xlsx", [
        [1, "南京市", "南京青禾示例科技有限公司", good, "2016-04-06", "", "", "", "正常"],
        [2, "南京市", "南京错码示例有限公司", bad_check, "2017-04-06"],
        [3, "南京市", "南京无日期示例有限公司", CODES["nj3"], ""],
        [4, "苏州市", "苏州宽限示例有限公司", CODES["sz1"], "2016-06-01", "", "", "", "宽限期"],
        [5, "南京市", "南京青禾示例科技有限公司", good, "2016-04-06"],
        [6, "北京市", "北京示例有限公司", CODES["wx1"], "2018-04-01"],
        [7, "南京市", "苏州码南京市示例有限公司", mismatch, "2019-06-01"],
        [8, "无锡市", '=HYPERLINK("http://example.com","点我")', hostile, "2019-08-01"],
    ])
    db = tmp_path / "formkit.sqlite"
    run = run_cli(["registry", "import", path, "--db", db])
    assert run.exit_code == 1, run.output
    assert "8行，其中5行有错误未导入" in run.output
    result = registry.read_register([path], campaign)
    found = sorted((f.cell, f.code) for f in result.findings)
    assert found == [("B8", "enum"), ("D4", "uscc"), ("D7", "duplicate"), ("D9", "city-mismatch"),
                     ("E5", "required"), ("J6", "required")], found
    state = registry.dump(db)["enterprises"]
    assert sorted(r[1] for r in state) == sorted([good, mismatch, hostile])
    # Export: every text is text, never a formula; the file imports again with no change.
    out = tmp_path / "导出.xlsx"
    run = run_cli(["registry", "export", "-o", out, "--db", db])
    assert run.exit_code == 0, run.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["备案名单", "状态统计", "变更记录"]
    cells = [c for row in wb["备案名单"].iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    before = sql_dump(db)
    run = run_cli(["registry", "import", out, "--db", db])
    assert run.exit_code == 0 and "没有需要导入的变更" in run.output, run.output
    assert sql_dump(db) == before


def test_import_fills_blanks_and_reports_differences(tmp_path, campaign):
    db = tmp_path / "formkit.sqlite"
    first = register_file(tmp_path / "a.xlsx", [[1, "南京市", "南京青禾示例科技有限公司", CODES["nj1"], "2016-04-06"]])
    second = register_file(tmp_path / "b.xlsx", [[1, "南京市", "南京青禾示例科技股份有限公司", CODES["nj1"], "2016-04-06",
                                                  "165IP190001R0M", "2019-05-06"]])
    registry.import_files(db, [first], campaign)
    result = registry.import_files(db, [second], campaign)
    assert [(c.field, c.new) for c in result.changes] == [("cert_no", "165IP190001R0M"), ("cert_date", dt.date(2019, 5, 6))]
    assert [(d.field, d.old, d.new, d.source_cell) for d in result.differences] == [
        ("name", "南京青禾示例科技有限公司", "南京青禾示例科技股份有限公司", "C3")]
    assert registry.enterprise(db, CODES["nj1"])["name"] == "南京青禾示例科技有限公司"
    result = registry.import_files(db, [second], campaign, update=True)
    assert [(c.field, c.old) for c in result.changes] == [("name", "南京青禾示例科技有限公司")]
    assert registry.enterprise(db, CODES["nj1"])["name"] == "南京青禾示例科技股份有限公司"
    history = registry.change_rows(db, uscc=CODES["nj1"])
    assert [(h["changeset_id"], h["action"], h["field"], h["source_file"], h["source_cell"]) for h in history] == [
        (1, "add", None, "a.xlsx", "D3"), (2, "update", "cert_no", "b.xlsx", "F3"),
        (2, "update", "cert_date", "b.xlsx", "G3"), (3, "update", "name", "b.xlsx", "C3")]


def test_missing_database_is_a_clear_error(tmp_path):
    run = run_cli(["registry", "due", "--db", tmp_path / "没有.sqlite"])
    assert run.exit_code == 2 and "找不到备案名单数据库" in run.output
    not_db = tmp_path / "x.sqlite"
    not_db.write_text("not a database")
    run = run_cli(["registry", "history", "--db", not_db])
    assert run.exit_code == 2 and "备案名单数据库" in run.output


# ------------------------------------------------------------------ merge --db

def test_merge_db_sample_register_gives_no_register_warnings(db, merged, tmp_path):
    out = tmp_path / "o"
    run = run_cli(["merge", samples_dir(), "-o", out, "--as-of", AS_OF.isoformat(), "--db", db])
    assert run.exit_code == 1, run.output  # the seeded errors
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert not [f for f in findings if f["code"] in ("not-filed", "filing-date-mismatch")]
    plain = json.loads((merged / "findings.json").read_text(encoding="utf-8"))
    assert findings == plain


def test_registry_findings_not_filed_and_date_mismatch(db, campaign):
    from formkit.merge import merge

    result = merge([samples_dir()], campaign, as_of=AS_OF)
    ev = [r for r in result.records["evaluation"] if r.valid]
    an = [r for r in result.records["anomaly"] if r.valid]
    gone, moved, removed = ev[0], ev[1], an[0]
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM enterprises WHERE uscc = ?", (gone.value("uscc"),))
        con.execute("UPDATE enterprises SET filing_date = '2011-01-01' WHERE uscc = ?", (moved.value("uscc"),))
        con.execute("UPDATE enterprises SET status = '已删除', status_date = '2022-07-31', status_reason = '已注销'"
                    " WHERE uscc = ?", (removed.value("uscc"),))
    con.close()
    found = registry.registry_findings(result.records, db)
    assert [(f.code, f.severity, f.file, f.cell) for f in found] == [
        ("not-filed", "warning", gone.source.file, gone.cells["uscc"].source.cell),
        ("filing-date-mismatch", "warning", moved.source.file, moved.cells["filing_date"].source.cell),
        ("not-filed", "warning", removed.source.file, removed.cells["uscc"].source.cell),
    ]
    assert "2011年1月1日" in found[1].message and "已注销" in found[2].message
    assert found[0].key == gone.raw("uscc") and found[0].city == gone.submission.city


# ------------------------------------------------------------------ apply, history, undo

def expected_after_apply(records, before):
    """Return USCC → expected fields after apply, computed from records.json (an oracle)."""
    state = {k: dict(v) for k, v in before.items()}
    for item in records["anomaly"]:
        v = item["values"]
        if not item["valid"] or v["uscc"] not in state:
            continue
        row = state[v["uscc"]]
        if v["action"] == "删除":
            row.update(status="已删除", status_date=ON)
        elif v["action"] == "标记跟踪":
            row.update(status="经营异常", status_date=ON)
        elif v["action"] == "更新名称":
            row["name"] = v["new_name"]
        else:
            row.update(status="宽限期", status_date=ON, grace_until=dt.date.fromisoformat(v["grace_until"]))
    for item in records["evaluation"]:
        v = item["values"]
        if item["valid"] and v["uscc"] in state:
            day = dt.date.fromisoformat(v["eval_date"])
            row = state[v["uscc"]]
            row["eval_date"] = max(day, row["eval_date"] or day)
    return state


def state_of(db):
    reg = registry.open_registry(db)
    try:
        with reg.read() as conn:
            return registry.load_state(conn)
    finally:
        reg.close()


def test_apply_dry_run_then_apply(db, merged, records):
    before_sql = sql_dump(db)
    before = state_of(db)
    run = run_cli(["registry", "apply", merged, "--db", db, "--date", ON.isoformat()])
    assert run.exit_code == 0 and "以上为预览" in run.output, run.output
    assert sql_dump(db) == before_sql

    run = run_cli(["registry", "apply", merged, "--db", db, "--date", ON.isoformat(), "--yes"])
    assert run.exit_code == 0 and "变更集编号 2" in run.output, run.output
    after = state_of(db)
    expected = expected_after_apply(records, before)
    keys = ("city", "name", "filing_date", "eval_date", "status", "status_date", "grace_until")
    assert {c: {k: r[k] for k in keys} for c, r in after.items()} == \
           {c: {k: r[k] for k in keys} for c, r in expected.items()}
    assert len(after) == len(before)  # never a lost row
    removed = [r for r in after.values() if r["status"] == "已删除" and r["status_date"] == ON]
    assert removed and all(r["status_reason"] for r in removed)

    # Each change names its source file and cell, old and new value.
    renamed = next(i for i in records["anomaly"] if i["valid"] and i["values"]["action"] == "更新名称")
    change = [c for c in registry.change_rows(db, uscc=renamed["values"]["uscc"]) if c["changeset_id"] == 2]
    assert [(c["action"], c["field"], c["old_value"], c["new_value"], c["source_file"], c["source_cell"])
            for c in change] == [("rename", "name", before[renamed["values"]["uscc"]]["name"],
                                  renamed["values"]["new_name"], renamed["file"], renamed["cells"]["new_name"])]
    assert change[0]["command"].startswith("formkit") and change[0]["created_at"]

    # Applying the same merge again changes nothing.
    done = sql_dump(db)
    run = run_cli(["registry", "apply", merged, "--db", db, "--yes"])
    assert run.exit_code == 0 and "没有需要应用的变更" in run.output, run.output
    assert sql_dump(db) == done


def test_apply_then_undo_restores_the_full_dump(db, merged):
    before_sql = sql_dump(db)
    before = registry.dump(db)
    result = registry.apply_merged(db, merged, yes=True, on=ON)
    assert result.changeset == 2 and len(result.changes) > 100
    assert registry.dump(db) != before
    run = run_cli(["registry", "undo", "2", "--db", db])
    assert run.exit_code == 0 and "以上为预览" in run.output
    run = run_cli(["registry", "undo", "2", "--db", db, "--yes"])
    assert run.exit_code == 0 and "已撤销变更集 2" in run.output, run.output
    assert registry.dump(db) == before
    assert sql_dump(db) == before_sql


def test_undo_refuses_when_a_later_change_set_changed_the_same_field(db, merged, tmp_path, campaign):
    before = sql_dump(db)
    result = registry.apply_merged(db, merged, yes=True, on=ON)
    renamed = next(c for c in result.changes if c.action == "rename")
    fix = register_file(tmp_path / "更正.xlsx", [[1, renamed.city, "更正后的示例名称有限公司", renamed.uscc,
                                                  state_of(db)[renamed.uscc]["filing_date"].isoformat()]])
    assert registry.import_files(db, [fix], campaign, update=True).changeset == 3
    run = run_cli(["registry", "undo", "2", "--db", db, "--yes"])
    assert run.exit_code == 2 and "请先撤销变更集 3" in run.output, run.output
    assert run_cli(["registry", "undo", "3", "--db", db, "--yes"]).exit_code == 0
    assert run_cli(["registry", "undo", "2", "--db", db, "--yes"]).exit_code == 0
    assert sql_dump(db) == before


def test_history_cli(db, merged):
    registry.apply_merged(db, merged, yes=True, on=ON)
    run = run_cli(["registry", "history", "--db", db])
    assert run.exit_code == 0 and "导入" in run.output and "应用" in run.output
    item = registry.change_rows(db, changeset=2)[0]
    run = run_cli(["registry", "history", item["uscc"], "--db", db])
    assert run.exit_code == 0 and item["uscc"] in run.output and "现状" in run.output
    run = run_cli(["registry", "history", "2", "--db", db, "--json"])
    data = json.loads(run.output)
    assert len(data["changes"]) == len(registry.change_rows(db, changeset=2))
    run = run_cli(["registry", "history", "99", "--db", db])
    assert run.exit_code == 2 and "没有编号为 99 的变更集" in run.output


# ------------------------------------------------------------------ due

def test_due_on_the_sample_register(db, sample_rows, records, campaign):
    due = registry.due_enterprises(str(db), registry_samples.DUE_AS_OF, campaign)
    codes = [d["uscc"] for d in due]
    assert codes == registry_samples.expected_due(sample_rows)
    assert len(codes) == len(set(codes)) == 31
    # The sample data's own 超5年 rows that pass the filing-age check are all due (5-year rule) …
    stock = {i["values"]["uscc"] for i in records["anomaly"]
             if i["values"]["type"] == "备案超5年未认证或评价" and "filing-age" not in i["findings"]}
    five = {d["uscc"] for d in due if d["rule"] == "5-year"}
    assert stock and stock <= five
    # … and no evaluated or certified enterprise is.
    evaluated = {i["values"]["uscc"] for i in records["evaluation"]}
    certified = {i["values"]["uscc"] for i in records["spotcheck"]}
    assert not (set(codes) & (evaluated | certified))
    assert {d["rule"] for d in due} == {"5-year", "grace-expired"}
    assert all(d["grace_deadline"] == dt.date(2024, 7, 31) for d in due if d["rule"] == "5-year")
    cities = [campaign.city_order(d["city"]) for d in due]
    assert cities == sorted(cities)


def test_due_later_uses_both_rules(db, sample_rows, campaign):
    as_of = dt.date(2026, 12, 31)
    due = registry.due_enterprises(db, as_of, campaign)

    def oracle(row):
        if row["status"] == "已删除" or row["cert_no"] or row["eval_date"]:
            return False
        if row["status"] == "宽限期":
            return row["grace_until"] < as_of
        years = 5 if row["filing_date"].year < campaign.year else 3
        return row["filing_date"] <= as_of.replace(year=as_of.year - years)

    assert sorted(d["uscc"] for d in due) == sorted(r["uscc"] for r in sample_rows if oracle(r))
    new = [d for d in due if d["rule"] == "3-year"]
    assert len(new) == 13 and all(d["filing_date"].year == 2023 for d in new)


def test_due_after_apply_drops_the_reviewed(db, merged, campaign, sample_rows):
    registry.apply_merged(db, merged, yes=True, on=ON)
    due = {d["uscc"] for d in registry.due_enterprises(db, registry_samples.DUE_AS_OF, campaign)}
    extras = {r["uscc"] for r in sample_rows if r["role"].startswith("extra-") and r["role"] in registry_samples.DUE_ROLES}
    assert due == extras


def test_due_cli(db):
    run = run_cli(["registry", "due", "--as-of", "2023-07-31", "--db", db])
    assert run.exit_code == 0 and "到期未认证或评价的备案企业31家" in run.output, run.output
    run = run_cli(["registry", "due", "--as-of", "2023-07-31", "--db", db, "--json"])
    data = json.loads(run.output)
    assert len(data) == 31 and set(data[0]) >= {"city", "name", "uscc", "filing_date", "grace_deadline"}


# ------------------------------------------------------------------ two processes

def _apply_cmd(db, merged, *extra):
    return [sys.executable, "-m", "formkit", "registry", "apply", str(merged), "--db", str(db), "--yes", *extra]


def _env(sleep=None):
    env = dict(os.environ)
    env.pop(registry.ENV_TEST_SLEEP, None)
    if sleep:
        env[registry.ENV_TEST_SLEEP] = str(sleep)
    return env


def _wait_for(path: Path, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "apply never started writing"
        time.sleep(0.01)


def test_two_applies_at_once_give_one_change_set(db, merged):
    journal = Path(str(db) + "-journal")
    first = subprocess.Popen(_apply_cmd(db, merged), env=_env(0.02), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    _wait_for(journal, first)
    impatient = subprocess.run(_apply_cmd(db, merged, "--wait", "0.2"), env=_env(), capture_output=True,
                               text=True, timeout=60)
    patient = subprocess.Popen(_apply_cmd(db, merged, "--wait", "120"), env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0 and "变更集编号 2" in out, err
    assert impatient.returncode == 2 and "正被另一个 formkit 命令修改" in impatient.stderr, impatient.stderr
    out, err = patient.communicate(timeout=120)
    assert patient.returncode == 0 and "没有需要应用的变更" in out, (out, err)
    assert "正被另一个 formkit 命令修改，等待其完成" in err
    kinds = [r["kind"] for r in registry.changeset_rows(db)]
    assert kinds == ["import", "apply"]


def _masked(dump):
    """Return a dump without the change sets' timestamps (two runs differ only there)."""
    dump = dict(dump)
    dump["changesets"] = [(r[0], None, *r[2:]) for r in dump["changesets"]]
    return dump


def test_killed_apply_leaves_before_or_after(db, merged, tmp_path):
    other = tmp_path / "other.sqlite"
    shutil.copy(db, other)
    before = registry.dump(db)
    registry.apply_merged(other, merged, yes=True, on=dt.date.today())
    after = registry.dump(other)

    proc = subprocess.Popen(_apply_cmd(db, merged), env=_env(0.01), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    _wait_for(Path(str(db) + "-journal"), proc)
    time.sleep(0.3)  # some dozens of changes written, not all
    assert proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    state = registry.dump(db)
    assert state == before or _masked(state) == _masked(after)
    assert state == before  # killed midway: nothing was committed
    # The register works afterwards: the apply runs to the end.
    assert registry.apply_merged(db, merged, yes=True).changeset == 2


def test_apply_skips_enterprises_not_in_the_register(db, merged, records):
    item = next(i for i in records["evaluation"] if i["valid"])
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM enterprises WHERE uscc = ?", (item["values"]["uscc"],))
    con.close()
    result = registry.apply_merged(db, merged, yes=False, on=ON)
    skipped = [s for s in result.skipped if s.uscc == item["values"]["uscc"]]
    assert [s.reason for s in skipped] == ["该企业不在备案名单中（未备案），未应用"]
    assert item["values"]["uscc"] not in {c.uscc for c in result.changes}



def test_apply_refuses_what_merge_did_not_write(db, merged, tmp_path):
    """records.json is read as the letters read it (formkit.merged_files): the same messages."""
    empty = tmp_path / "空"
    empty.mkdir()
    run = run_cli(["registry", "apply", empty, "--db", db])
    assert run.exit_code == 2
    assert f"{empty} 不是 formkit merge 的输出文件夹（缺少 records.json）" in run.output
    assert "再用该文件夹更新备案名单" in run.output
    run = run_cli(["registry", "apply", tmp_path / "没有", "--db", db])
    assert run.exit_code == 2 and "不是文件夹，也不是 formkit merge 的输出" in run.output
    broken = tmp_path / "坏"
    broken.mkdir()
    (broken / "records.json").write_text("{", encoding="utf-8")
    run = run_cli(["registry", "apply", broken, "--db", db])
    assert run.exit_code == 2 and "已损坏，不是 formkit merge 写出的 JSON" in run.output
    (broken / "records.json").write_text("[]", encoding="utf-8")
    with pytest.raises(Exception, match="的内容不是 formkit merge 的记录（缺少 forms）"):
        registry.apply_merged(db, broken / "records.json")
    # records.json itself is taken as well as its folder
    assert registry.apply_merged(db, merged / "records.json", on=ON).changes

def test_demo_helper(tmp_path, merged, campaign):
    from formkit.cli import register_demo

    lines = register_demo(tmp_path / "备案名单", merged, campaign)
    assert "导入示例名单" in lines[0] and "试运行" in lines[1] and "31家" in lines[3]
    assert [r["kind"] for r in registry.changeset_rows(tmp_path / "备案名单" / "formkit.sqlite")] == ["import"]
