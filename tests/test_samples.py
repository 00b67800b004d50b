"""The bundled samples: every seeded defect at its cell, and nothing else."""

import json
import re
from pathlib import Path

from click.testing import CliRunner

from formkit import api, samplegen
from formkit.cli import main
from formkit.findings import flatten
from formkit.resources import samples_dir

ROOT = Path(__file__).resolve().parent.parent
E2 = "2023年度贯标绩效评价合格企业汇总表"
E3 = "2023年度企业贯标质量抽查情况汇总表"
E4 = "企业贯标备案信息异常情况汇总表"

# The seeded defects of samples/README.md, written out by hand: (file, sheet, cell, code).
EXPECTED = [
    (f"南京市/南京市-附件2-{E2}（第一批）.xlsx", "Sheet1", "C7", "uscc"),
    (f"南通市/南通市-附件2-{E2}（第一批）.docx", "表1", "第3行第13列", "phone"),
    (f"宿迁市/宿迁市-附件3-{E3}.xlsx", "Sheet1", "C19", "uscc"),
    (f"常州市/常州市-附件3-{E3}.docx", "表1", "第13行第8列", "enum"),
    (f"徐州市/徐州市-附件3-{E3}.xlsx", "Sheet1", "K11", "required"),
    (f"扬州市/扬州市-附件3-{E3}.docx", "表1", "第10行第5列", "uncertified-body"),
    (f"无锡市/无锡市-附件2-{E2}（第一批）.docx", "表1", "第5行第9列", "date"),
    (f"泰州市/泰州市-附件2-{E2}（第二批）.docx", None, None, "late"),
    (f"淮安市/淮安市-附件4-{E4}.docx", "表1", "第4行第4列", "filing-age"),
    (f"盐城市/盐城市-附件2-{E2}（第二批）.xlsx", "Sheet1", "K7", "not-qualified"),
    ("省局/附件1-2023年度企业贯标指导性计划分解表.xlsx", "Sheet1", "D17", "total-mismatch"),
    (f"苏州市/苏州市-附件2-{E2}（第二批）.xlsx", "Sheet1", "J9", "number"),
    (f"苏州市/苏州市-附件4-{E4}.xlsx", "Sheet1", "F8", "required"),
    (f"连云港市/连云港市-附件4-{E4}.xlsx", "Sheet1", "I6", "action-mismatch"),
    (f"镇江市/镇江市-附件2-{E2}（第一批）.xlsx", "Sheet1", "C6", "city-mismatch"),
]


def test_samples_exact_findings(campaign):
    result = api.check([samples_dir()], campaign)
    assert flatten(result.findings, "file", "sheet", "cell", "code") == EXPECTED


def test_seeded_defect_details(campaign):
    result = api.check([samples_dir()], campaign)
    by_code = {(f.code, f.file.split("/")[0]): f for f in result.findings}
    o_for_zero = by_code[("uscc", "南京市")]
    assert "字母O应为数字0" in o_for_zero.message and o_for_zero.value == o_for_zero.key
    truncated = by_code[("uscc", "宿迁市")]
    assert truncated.value == "913213249066618000" and "15位" in truncated.message
    assert truncated.key == "913213249066618000"  # written out in full, no exponent
    late = by_code[("late", "泰州市")]
    assert late.severity == "warning" and late.value == "2023年12月15日" and "2023年12月10日" in late.message
    total = by_code[("total-mismatch", "省局")]
    assert total.value == "114" and "111" in total.message and total.city is None


def test_samples_records_read(campaign):
    result = api.check([samples_dir()], campaign)
    per = {}
    for fr in result.files:
        for sub in fr.submissions:
            key = (sub.city, sub.form, sub.batch)
            per[key] = per.get(key, 0) + len(sub.records)
    for city, counts in samplegen.ROW_COUNTS.items():
        assert per[(city, "evaluation", 1)] == counts["evaluation_1"], city
        assert per[(city, "evaluation", 2)] == counts["evaluation_2"], city
        assert per[(city, "spotcheck", None)] == counts["spotcheck"], city
        assert per.get((city, "anomaly", None), 0) == counts["anomaly"], city
    assert sum(per.values()) == 614
    assert per[(None, "plan", None)] == 13


def test_readme_lists_every_seeded_defect():
    text = (ROOT / "samples" / "README.md").read_text(encoding="utf-8")
    for file, sheet, cell, code in EXPECTED:
        assert Path(file).name in text, file
        assert f"`{code}`" in text or code in text
    assert len(samplegen.SEEDED_DEFECTS) == len(EXPECTED)


def test_generator_matches_committed_samples(tmp_path):
    samplegen.generate(tmp_path)
    committed = sorted(p.relative_to(samples_dir()).as_posix() for p in samples_dir().rglob("*.*"))
    fresh = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    assert fresh == committed
    for rel in committed:
        assert (tmp_path / rel).read_bytes() == (samples_dir() / rel).read_bytes(), rel


def test_cli_json_equals_library(campaign):
    result = api.check([samples_dir()], campaign)
    run = CliRunner().invoke(main, ["check", "--json", str(samples_dir())])
    assert run.exit_code == 1
    assert json.loads(run.output) == [f.to_dict() for f in result.findings]
    keys = {"severity", "code", "message", "form", "city", "file", "sheet", "row", "column", "cell", "key", "value"}
    assert all(set(item) == keys for item in json.loads(run.output))


def test_cli_human_output_groups_by_file():
    run = CliRunner().invoke(main, ["check", str(samples_dir())])
    assert run.exit_code == 1
    out = run.output
    assert "■ 南京市/南京市-附件2-" in out and "位置" in out and "原值" in out
    assert re.search(r"共检查52个文件，读取\d+条记录；发现错误10处、警告5处。", out)
