"""`formkit convert`: every record survives xlsx → docx → xlsx; json, csv and pdf outputs."""

import csv
import json

import pdfplumber
from click.testing import CliRunner

from formkit import api
from formkit.cli import main
from formkit.resources import samples_dir
from tests.builders import assert_chinese_fonts, require_soffice


def _records(result):
    """Return per (form, city, batch) the records' normalised values, in order."""
    out = {}
    for fr in result.files:
        for sub in fr.submissions:
            key = (sub.form, sub.city, sub.batch)
            out.setdefault(key, []).extend(tuple(sorted((k, str(c.value)) for k, c in r.cells.items()))
                                           for r in sub.records)
    return out


def test_round_trip_xlsx_docx_xlsx_keeps_every_record(tmp_path, campaign):
    runner = CliRunner()
    run = runner.invoke(main, ["convert", str(samples_dir()), "--to", "docx", "-o", str(tmp_path / "docx")])
    assert run.exit_code == 0, run.output
    assert "读取52个文件，转换52张表格（614条记录）为 docx" in run.output
    run = runner.invoke(main, ["convert", str(tmp_path / "docx"), "--to", "xlsx", "-o", str(tmp_path / "xlsx")])
    assert run.exit_code == 0, run.output

    original = api.check([samples_dir()], campaign)
    back = api.check([tmp_path / "xlsx"], campaign)
    assert _records(back) == _records(original)
    assert sum(len(v) for v in _records(back).values()) == 614
    # the same problems come back at the same records
    assert sorted((f.code, f.key) for f in back.findings) == sorted((f.code, f.key) for f in original.findings)


def test_json_and_csv_carry_provenance(tmp_path, campaign):
    src = samples_dir() / "南京市"
    CliRunner().invoke(main, ["convert", str(src), "--to", "json", "-o", str(tmp_path / "j")])
    CliRunner().invoke(main, ["convert", str(src), "--to", "csv", "-o", str(tmp_path / "c")])
    [jpath] = [p for p in (tmp_path / "j").iterdir() if "第一批" in p.name]
    data = json.loads(jpath.read_text(encoding="utf-8"))
    assert data["form"] == "evaluation" and data["city"] == "南京市" and data["batch"] == 1
    assert data["records"][0]["来源位置"] == "Sheet1 第5行" or data["records"][0]["来源位置"].startswith("Sheet1!")
    assert len(data["records"]) == 7
    [cpath] = [p for p in (tmp_path / "c").iterdir() if "第一批" in p.name]
    rows = list(csv.DictReader(cpath.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 7 and rows[0]["设区市"] == "南京市" and rows[0]["统一社会信用代码"] == data["records"][0]["统一社会信用代码"]


def test_pdf_through_libreoffice(tmp_path):
    require_soffice()
    src = samples_dir() / "南京市" / "南京市-附件4-企业贯标备案信息异常情况汇总表.xlsx"
    run = CliRunner().invoke(main, ["convert", str(src), "--to", "pdf", "-o", str(tmp_path)])
    assert run.exit_code == 0, run.output
    [pdf] = list(tmp_path.glob("*.pdf"))
    assert not list(tmp_path.glob("*.docx"))
    with pdfplumber.open(pdf) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
    assert "企业贯标备案信息异常情况汇总表" in text.replace(" ", "")
    assert_chinese_fonts(pdf, serif=False)


def test_unreadable_input_is_reported(tmp_path):
    bad = tmp_path / "in" / "坏.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(b"")
    run = CliRunner().invoke(main, ["convert", str(bad.parent), "--to", "xlsx", "-o", str(tmp_path / "o")])
    assert run.exit_code == 1 and "未能转换" in run.output and "文件为空" in run.output
