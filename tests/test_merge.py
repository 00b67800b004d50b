"""`formkit merge` on the bundled samples and on resubmissions, hostile text, repeated runs."""

import datetime as dt
import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from formkit import api
from formkit.cli import main
from formkit.findings import flatten
from formkit.forms import get_form
from formkit.merge import merge
from formkit.resources import samples_dir
from tests.builders import CODES, eval_row, standard_eval_sheet, write_xlsx

AS_OF = dt.date(2024, 1, 15)
E2 = "2023年度贯标绩效评价合格企业汇总表"
E3 = "2023年度企业贯标质量抽查情况汇总表"
E4 = "企业贯标备案信息异常情况汇总表"
TYPES = ["已注销", "经营异常", "已更名", "备案超5年未认证或评价", "备案满3年未认证或评价"]
ACTIONS = ["删除", "标记跟踪", "更新名称", "提醒并给予1年宽限期"]

# city: (evaluation rows, batch1, batch2, last_year, target), (spotcheck rows, failed),
#       (anomaly rows, by_type in TYPES order, by_action in ACTIONS order) — valid, de-duplicated.
EXPECTED_CITIES = {
    "南京市": ((12, 6, 6, 10, 12), (34, 3), (8, (2, 1, 1, 2, 2), (4, 1, 1, 2))),
    "无锡市": ((12, 6, 6, 11, 12), (32, 3), (6, (1, 1, 1, 1, 2), (3, 1, 1, 1))),
    "徐州市": ((8, 4, 4, 7, 8), (32, 3), (5, (1, 1, 1, 1, 1), (2, 1, 1, 1))),
    "常州市": ((10, 5, 5, 9, 10), (30, 3), (5, (0, 1, 1, 2, 1), (2, 1, 1, 1))),
    "苏州市": ((16, 8, 8, 15, 16), (36, 4), (6, (2, 2, 1, 1, 0), (2, 2, 1, 1))),
    "南通市": ((10, 5, 5, 8, 9), (30, 3), (5, (1, 1, 1, 1, 1), (2, 1, 1, 1))),
    "连云港市": ((4, 2, 2, 5, 6), (31, 3), (5, (1, 1, 1, 1, 1), (3, 1, 1, 0))),
    "淮安市": ((5, 3, 2, 6, 6), (32, 3), (4, (1, 0, 1, 1, 1), (2, 0, 1, 1))),
    "盐城市": ((7, 4, 3, 6, 7), (30, 3), (4, (1, 1, 0, 1, 1), (2, 1, 0, 1))),
    "扬州市": ((8, 4, 4, 7, 7), (33, 3), (6, (2, 1, 1, 1, 1), (3, 1, 1, 1))),
    "镇江市": ((6, 3, 3, 5, 6), (31, 3), (5, (1, 1, 1, 1, 1), (2, 1, 1, 1))),
    "泰州市": ((8, 4, 4, 6, 7), (32, 3), (7, (3, 1, 1, 1, 1), (5, 1, 1, 0))),
    "宿迁市": ((6, 3, 3, 4, 5), (27, 3), (0, (0, 0, 0, 0, 0), (0, 0, 0, 0))),
}

CROSS_FILE = [
    ("duplicate", "南京市", f"南京市/南京市-附件2-{E2}（第二批）.xlsx", "C10"),
    ("name-mismatch", "无锡市", f"无锡市/无锡市-附件3-{E3}.docx", "第6行第2列"),
    ("conflict", "常州市", f"常州市/常州市-附件2-{E2}（第二批）.docx", "第5行第3列"),
    ("conflict", "常州市", f"常州市/常州市-附件4-{E4}.docx", "第2行第5列"),
    ("below-last-year", "连云港市", None, None),
    ("plan-shortfall", "连云港市", None, None),
    ("below-last-year", "淮安市", None, None),
    ("plan-shortfall", "淮安市", None, None),
    ("missing-submission", "宿迁市", None, None),
    ("spotcheck-quota", "宿迁市", f"宿迁市/宿迁市-附件3-{E3}.xlsx", None),
]
CROSS_CODES = {"duplicate", "conflict", "name-mismatch", "below-last-year", "plan-shortfall",
               "missing-submission", "spotcheck-quota"}


def _expand(spec):
    (ev, sp, an) = spec
    return {"evaluation": dict(zip(("rows", "batch1", "batch2", "last_year", "target"), ev)),
            "spotcheck": {"rows": sp[0], "failed": sp[1]},
            "anomaly": {"rows": an[0], "by_type": dict(zip(TYPES, an[1])), "by_action": dict(zip(ACTIONS, an[2]))}}


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    out = tmp_path_factory.mktemp("merged")
    run = CliRunner().invoke(main, ["merge", str(samples_dir()), "-o", str(out), "--as-of", AS_OF.isoformat()])
    assert run.exit_code == 1, run.output  # the samples carry seeded errors
    return out, run.output


def test_summary_exact(merged):
    out, _ = merged
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    expected_cities = {city: _expand(spec) for city, spec in EXPECTED_CITIES.items()}
    assert summary["cities"] == expected_cities
    assert list(summary["cities"]) == list(EXPECTED_CITIES)  # official order
    assert summary["totals"] == {
        "evaluation": {"rows": 112, "batch1": 57, "batch2": 55, "last_year": 99, "target": 111},
        "spotcheck": {"rows": 410, "failed": 40},
        "anomaly": {"rows": 66, "by_type": dict(zip(TYPES, (16, 12, 11, 14, 13))),
                    "by_action": dict(zip(ACTIONS, (32, 12, 11, 11)))},
    }
    assert summary["year"] == 2023 and summary["superseded"] == []
    assert summary["findings"] == {"error": 14, "warning": 11}


def test_cross_file_findings(campaign):
    result = merge([samples_dir()], campaign, as_of=AS_OF)
    cross = [f for f in result.findings if f.code in CROSS_CODES]
    assert flatten(cross, "code", "city", "file", "cell") == CROSS_FILE
    dup = cross[0]
    assert "（第一批）.xlsx”Sheet1 第9行" in dup.message  # names the first occurrence
    conflict_eval, conflict_anomaly = cross[2], cross[3]
    assert "附件4" in conflict_eval.message and "第2行" in conflict_eval.message
    assert "附件2" in conflict_anomaly.message and "第5行" in conflict_anomaly.message


def test_outputs_written(merged):
    out, output = merged
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"全省{E2}.xlsx", f"全省{E3}.xlsx", f"全省{E4}.xlsx", "findings.json",
                            "findings.xlsx", "summary.json", "records.json"])
    wb = openpyxl.load_workbook(out / f"全省{E2}.xlsx")
    assert wb.sheetnames == ["绩效评价合格企业", "各市合计"]
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["序号", "设区市", "企业名称"] and header[-3:] == ["来源文件", "来源位置", "批次"]
    cities = [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]
    order = [c for c in EXPECTED_CITIES]
    assert cities == sorted(cities, key=order.index) and len(cities) == 118  # every row, none lost
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == "A1:R119"
    marked = {c.coordinate: (c.fill.fgColor.rgb[-6:], c.comment.text) for row in ws.iter_rows() for c in row if c.comment}
    red = [k for k, (rgb, _) in marked.items() if rgb == "FFC7CE"]
    yellow = [k for k, (rgb, _) in marked.items() if rgb == "FFEB9C"]
    assert len(red) == 6 and len(yellow) == 2
    assert any("字母O应为数字0" in text for _, text in marked.values())
    totals = list(wb["各市合计"].iter_rows(values_only=True))
    assert totals[0][:3] == ("设区市", "报送条数", "有效条数")
    assert totals[1][:3] == ("南京市", 14, 12) and totals[-1][:3] == ("合计", 118, 112)

    issues = openpyxl.load_workbook(out / "findings.xlsx")["问题清单"]
    assert issues.max_row == 1 + 25 and issues.auto_filter.ref == "A1:N26"
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert len(findings) == 25
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert [len(records["forms"][k]) for k in ("plan", "evaluation", "spotcheck", "anomaly")] == [13, 118, 413, 70]
    first = records["forms"]["evaluation"][0]
    assert first["city"] == "南京市" and first["cells"]["uscc"] == "C5" and first["valid"] is True
    assert "各市整体情况" in output and "全省合计" in output
    assert max(len(line) for line in output.splitlines() if line.startswith("  南京市 ")) < 100


def test_resubmission_replaces_older_file(tmp_path, campaign):
    rows1 = [eval_row(1), eval_row(2, "南京云杉示例材料有限公司", CODES["nj2"])]
    rows2 = rows1 + [eval_row(3, "南京北辰示例软件有限公司", CODES["nj3"])]
    write_xlsx(tmp_path / "in" / "南京市第一批.xlsx", {"S": standard_eval_sheet(rows1, date="2023年6月5日")})
    write_xlsx(tmp_path / "in" / "南京市第一批（更正）.xlsx", {"S": standard_eval_sheet(rows2, date="2023年6月8日")})
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["merge", str(tmp_path / "in"), "-o", str(out), "--as-of", "2023-06-20"])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["superseded"] == ["南京市第一批.xlsx"]
    assert summary["cities"]["南京市"]["evaluation"]["batch1"] == 3  # not 5: nothing counted twice
    assert "南京市第一批.xlsx  →  由 南京市第一批（更正）.xlsx 替代（填报日期较早）" in run.output
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert not [f for f in findings if f["code"] == "duplicate"]


def test_formula_text_stays_text(tmp_path, campaign):
    rows = [eval_row(1, "=1+1", 备注="=HYPERLINK(\"http://example.invalid\",\"点击\")"),
            eval_row(2, "@SUM(A1:A2)", CODES["nj2"], 备注="-2+3", 联系人="+86")]
    write_xlsx(tmp_path / "in" / "南京市.xlsx", {"S": standard_eval_sheet(rows)})
    out = tmp_path / "out"
    api.merge_to([tmp_path / "in"], out, campaign, as_of=dt.date(2023, 6, 20))
    ws = openpyxl.load_workbook(out / f"全省{E2}.xlsx").worksheets[0]
    values = {(r, c): ws.cell(r, c) for r in (2, 3) for c in range(1, 19)}
    assert values[(2, 3)].value == "=1+1" and values[(2, 3)].data_type == "s"
    assert values[(2, 15)].value.startswith("=HYPERLINK") and values[(2, 15)].data_type == "s"
    assert values[(3, 3)].value == "@SUM(A1:A2)" and values[(3, 3)].data_type == "s"
    assert values[(3, 15)].value == "-2+3" and values[(3, 13)].value == "+86"
    issues = openpyxl.load_workbook(out / "findings.xlsx")["问题清单"]
    assert all(c.data_type != "f" for row in issues.iter_rows() for c in row)


def test_merge_twice_is_identical(tmp_path, campaign):
    outs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}"
        api.merge_to([samples_dir()], out, campaign, as_of=AS_OF)
        outs.append(out)
    for name in ("findings.json", "summary.json", "records.json"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    for name in (f"全省{E2}.xlsx", "findings.xlsx"):
        a = [r for ws in openpyxl.load_workbook(outs[0] / name) for r in ws.iter_rows(values_only=True)]
        b = [r for ws in openpyxl.load_workbook(outs[1] / name) for r in ws.iter_rows(values_only=True)]
        assert a == b


def test_output_inside_inputs_refused(tmp_path):
    src = tmp_path / "in"
    shutil.copytree(samples_dir() / "南京市", src / "南京市")
    for target in (src, src / "汇总", src / "南京市" / next((src / "南京市").iterdir()).name):
        run = CliRunner().invoke(main, ["merge", str(src), "-o", str(target)])
        assert run.exit_code == 2, target
        assert "请换一个输出文件夹" in run.output or "应为文件夹" in run.output
    assert sorted(p.name for p in src.rglob("*")) == sorted([p.name for p in (samples_dir() / "南京市").iterdir()] + ["南京市"])


def test_missing_submission_depends_on_as_of(campaign):
    early = merge([samples_dir()], campaign, as_of=dt.date(2023, 7, 31))
    late = merge([samples_dir()], campaign, as_of=dt.date(2023, 8, 1))
    assert not [f for f in early.findings if f.code == "missing-submission"]
    assert [(f.city, f.form) for f in late.findings if f.code == "missing-submission"] == [("宿迁市", "anomaly")]


def test_json_output_matches_file(merged, tmp_path):
    run = CliRunner().invoke(main, ["merge", str(samples_dir()), "-o", str(tmp_path / "o"),
                                    "--as-of", AS_OF.isoformat(), "--json"])
    assert json.loads(run.output) == json.loads((tmp_path / "o" / "findings.json").read_text(encoding="utf-8"))


def test_parallel_writing_gives_the_same_files(tmp_path, campaign):
    from formkit.outputs.merged import write_merged

    result = merge([samples_dir()], campaign, as_of=AS_OF)
    one = write_merged(result, tmp_path / "one", parallel=False)
    two = write_merged(result, tmp_path / "two", parallel=True)
    assert [p.name for p in one] == [p.name for p in two]
    for a, b in zip(one, two):
        if a.suffix == ".json":
            assert a.read_bytes() == b.read_bytes(), a.name
        else:
            rows_a = [r for ws in openpyxl.load_workbook(a) for r in ws.iter_rows(values_only=True)]
            rows_b = [r for ws in openpyxl.load_workbook(b) for r in ws.iter_rows(values_only=True)]
            assert rows_a == rows_b, a.name
    assert not [p for p in (tmp_path / "two").iterdir() if p.name.startswith(".")]


def test_parallel_writing_reports_a_failure(tmp_path, campaign, monkeypatch):
    from formkit.errors import OutputError
    from formkit.outputs import merged as out

    result = merge([samples_dir()], campaign, as_of=AS_OF)

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(out, "write_form_workbook", broken)
    with pytest.raises((OutputError, OSError)) as exc:
        out.write_merged(result, tmp_path / "o", parallel=True)
    assert "磁盘已满" in str(exc.value)


def test_workbook_cells_equal_the_records(tmp_path, campaign):
    from formkit.outputs.merged_workbook import cell_value

    result, _ = api.merge_to([samples_dir()], tmp_path / "o", campaign, as_of=AS_OF)
    for form_key, name in (("evaluation", E2), ("spotcheck", E3), ("anomaly", E4)):
        ws = openpyxl.load_workbook(tmp_path / "o" / f"全省{name}.xlsx").worksheets[0]
        columns = [c for c in get_form(form_key).columns if c.type != "seq"]
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(result.records[form_key])
        for row, record in zip(rows, result.records[form_key]):
            got = [v.date() if isinstance(v, dt.datetime) else v for v in row[2:2 + len(columns)]]
            want = [cell_value(record, c.key) for c in columns]
            assert got == [None if w == "" else w for w in want], record.source


def test_missing_submissions_name_every_declared_slot(campaign, tmp_path):
    """Nothing sent, after the last deadline: each city owes every declared slot, named by its title."""
    from formkit.forms import submission_slots

    slots = submission_slots()
    assert [s.key for s in slots] == ["evaluation-1", "evaluation-2", "spotcheck", "anomaly"]  # SPEC §9
    (tmp_path / "empty").mkdir()
    result = merge([tmp_path / "empty"], campaign, as_of=dt.date(2024, 1, 15))
    missing = [f for f in result.findings if f.code == "missing-submission"]
    assert len(missing) == 13 * len(slots)
    nanjing = [f.message for f in missing if f.city == "南京市"]
    assert nanjing == [
        "南京市未报送附件2贯标绩效评价合格企业汇总表（第一批）（截止日期2023年6月10日），请催报",
        "南京市未报送附件2贯标绩效评价合格企业汇总表（第二批）（截止日期2023年12月10日），请催报",
        "南京市未报送附件3企业贯标质量抽查情况汇总表（截止日期2023年11月30日），请催报",
        "南京市未报送附件4企业贯标备案信息异常情况汇总表（截止日期2023年7月31日），请催报",
    ]
    # The titles are the declarations' own: the words come from forms/*.toml, not from the checks.
    assert [s.label for s in slots][2] == "附件3" + get_form("spotcheck").title_for(2023).replace("2023年度", "")


def test_duplicate_message_names_the_form_by_its_declared_title(merged):
    findings = json.loads((merged[0] / "findings.json").read_text(encoding="utf-8"))
    dup = next(f for f in findings if f["code"] == "duplicate" and f["form"] == "evaluation")
    assert "（附件2贯标绩效评价合格企业汇总表中同一信用代码只应出现一次）" in dup["message"]
