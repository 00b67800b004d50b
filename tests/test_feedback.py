"""`formkit letters feedback`: one 数据问题反馈函 per city, every finding of the city exactly once,
the official layout, the resubmission date, the 附件 after the body, PDF pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from formkit import api
from formkit.cli import main
from formkit.outputs.letters import feedback as feedback_mod
from formkit.outputs.letters import load_merged, urge_items
from tests.builders import require_soffice
from tests.test_letters import assert_letter_layout, body_paragraphs

AS_OF = dt.date(2024, 1, 15)
TITLE = "关于2023年度贯标工作报送材料数据问题的反馈函"
CITIES = ["南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市",
          "镇江市", "泰州市", "宿迁市"]


@pytest.fixture(scope="module")
def findings(merged_dir):
    return json.loads((merged_dir / "findings.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def written(merged_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("feedback")
    run = CliRunner().invoke(main, ["letters", "feedback", str(merged_dir), "-o", str(out), "--combined"])
    assert run.exit_code == 0, run.output
    return out, run.output


def _letter(folder: Path, city: str) -> Path:
    [path] = folder.glob(f"[0-9][0-9][0-9]-{city}知识产权局-数据问题反馈函.docx")
    return path


def _attachment_rows(doc) -> list[tuple[str, str, str, str]]:
    """Return (类别, 位置, 问题, 原值) of every row of the 附件's problem tables."""
    rows = []
    for table in doc.tables:
        header = [c.text for c in table.rows[0].cells]
        assert header == ["序号", "类别", "位置", "问题及修改要求", "原值"]
        for row in table.rows[1:]:
            cells = [c.text for c in row.cells]
            rows.append((cells[1], cells[2], cells[3], cells[4]))
    return rows


def test_one_letter_per_city_with_findings_in_official_order(written):
    folder, output = written
    names = sorted(p.name for p in folder.glob("0*.docx"))
    assert names == [f"{n:03d}-{city}知识产权局-数据问题反馈函.docx" for n, city in enumerate(CITIES, start=1)]
    assert (folder / "全部-数据问题反馈函.docx").is_file()
    assert "共生成数据问题反馈函13份（发文字号 苏知办函〔2023〕101号—苏知办函〔2023〕113号" in output
    # The province's own 附件1 (total-mismatch) is nobody's city: no letter for it.
    assert not any("省局" in n for n in names)


def test_a_city_without_findings_gets_no_letter(merged_dir, tmp_path):
    copy = tmp_path / "merged"
    shutil.copytree(merged_dir, copy)
    kept = [f for f in json.loads((copy / "findings.json").read_text(encoding="utf-8")) if f["city"] != "南京市"]
    (copy / "findings.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    result = api.feedback_letters(copy, tmp_path / "out")
    assert [letter.context["设区市"] for letter in result.letters] == CITIES[1:]


@pytest.mark.parametrize("city", CITIES)
def test_each_letter_lists_exactly_its_citys_findings(written, findings, merged_dir, campaign, city):
    folder, _ = written
    doc = assert_letter_layout(_letter(folder, city), TITLE)
    mine = [f for f in findings if f["city"] == city]
    in_attachment = [f for f in mine if f["code"] not in feedback_mod.CITY_LEVEL]
    expected = sorted((("错误" if f["severity"] == "error" else "警告"), feedback_mod.position(f), f["message"],
                       f["value"] or "") for f in in_attachment)
    assert sorted(_attachment_rows(doc)) == expected
    rows = _attachment_rows(doc)
    # Errors first within each file's table.
    for table in doc.tables:
        kinds = [row.cells[1].text for row in table.rows[1:]]
        assert kinds == sorted(kinds, key=lambda k: k != "错误")
    text = "\n".join(p.text for p in doc.paragraphs)
    errors = sum(f["severity"] == "error" for f in mine)
    assert f"经检查发现数据问题{len(mine)}处，其中错误{errors}处、警告{len(mine) - errors}处。" in text
    # The city-level findings are the body's items, worded as in the 催报函.
    items = urge_items(load_merged(merged_dir, campaign), campaign, city) \
        if any(f["code"] in feedback_mod.CITY_LEVEL for f in mine) else []
    for item in items:
        assert f"{item['序号']}.{item['内容']}" in text
    assert ("此外，汇总核对还发现以下情况：" in text) == bool(items)
    assert ("附件：" + f"{city}报送材料数据问题清单" in text) == bool(rows)


def test_suqian_letter_counts_files_and_names_its_city_level_problems(written):
    folder, _ = written
    doc = Document(str(_letter(folder, "宿迁市")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "你局共报送材料3份" in text
    assert "1.附件4《企业贯标备案信息异常情况汇总表》应于2023年7月31日前报送，至今未收到。请尽快补报。" in text
    assert "有效抽查企业27家" in text and "差3家" in text
    [row] = _attachment_rows(doc)
    assert row[:2] == ("错误", "Sheet1!C19（统一社会信用代码）") and row[3] == "913213249066618000"
    # The 附件 line sits under the body, before the signature; the 附件 itself after it, on a new page.
    texts = [p.text for p in doc.paragraphs]
    k_line = texts.index("附件：宿迁市报送材料数据问题清单")
    k_sign = texts.index("2023年12月20日")
    k_label = texts.index("附件")
    assert k_line < k_sign < k_label
    assert texts[k_label + 2] == "宿迁市报送材料数据问题清单"
    breaks = [k for k, p in enumerate(doc.paragraphs) if 'w:type="page"' in p._p.xml]
    assert breaks and k_sign < breaks[-1] < k_label
    assert "宿迁市-附件3-2023年度企业贯标质量抽查情况汇总表.xlsx" in texts[k_label + 4]


def test_taizhou_late_is_in_the_body_not_the_attachment(written):
    folder, _ = written
    doc = Document(str(_letter(folder, "泰州市")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "（第二批）应于2023年12月10日前报送，填报日期为2023年12月15日，已收到，属逾期报送。" in text
    assert _attachment_rows(doc) == []
    assert "附件：" not in text and "附件" not in [p.text for p in doc.paragraphs]


def test_resubmission_date_follows_the_campaign(merged_dir, campaign, tmp_path):
    result = api.feedback_letters(merged_dir, tmp_path / "a", campaign=campaign)
    assert {letter.context["重报期限"] for letter in result.letters} == {"2023年12月27日"}  # 12-20 + 7
    doc = Document(str(result.paths[0]))
    assert any("于2023年12月27日前将更正后的全部材料重新报送江苏省知识产权局产业促进处" in p.text for p in doc.paragraphs)
    longer = dataclasses.replace(campaign, letters={**campaign.letters, "resubmit_days": 10})
    again = api.feedback_letters(merged_dir, tmp_path / "b", campaign=longer, start=1)
    assert again.letters[0].context["重报期限"] == "2023年12月30日"
    assert again.letters[0].context["发文字号"] == "苏知办函〔2023〕1号"
    broken = dataclasses.replace(campaign, letters={**campaign.letters, "resubmit_days": "七天"})
    with pytest.raises(Exception, match="resubmit_days"):
        api.feedback_letters(merged_dir, tmp_path / "c", campaign=broken)


def test_an_unreadable_file_counts_for_the_city_its_folder_names(merged_dir, tmp_path, campaign):
    copy = tmp_path / "merged"
    shutil.copytree(merged_dir, copy)
    data = json.loads((copy / "findings.json").read_text(encoding="utf-8"))
    data.append({"severity": "error", "code": "unreadable", "message": "文件已加密，请取消密码后重新提交",
                 "form": None, "city": None, "file": "盐城市/盐城市-附件3-加密.xlsx", "sheet": None, "row": None,
                 "column": None, "cell": None, "key": None, "value": None})
    (copy / "findings.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = api.feedback_letters(copy, tmp_path / "out", campaign=campaign)
    [yancheng] = [letter for letter in result.letters if letter.context["设区市"] == "盐城市"]
    assert yancheng.context["文件数"] == 5 and yancheng.context["问题数"] == 2
    files = [f["文件"] for f in yancheng.context["明细"]]
    assert "盐城市-附件3-加密.xlsx" in files
    [row] = [q for f in yancheng.context["明细"] if f["文件"] == "盐城市-附件3-加密.xlsx" for q in f["问题"]]
    assert row["位置"] == "整个文件" and row["问题"] == "文件已加密，请取消密码后重新提交"


def test_body_stays_within_two_pages_and_pdf(merged_dir, tmp_path):
    """The letter up to its 成文日期 fits on two pages; the 附件 follows on its own pages."""
    require_soffice()
    import pdfplumber

    out = tmp_path / "out"
    result = api.feedback_letters(merged_dir, out, combined=True, pdf=True, start=1)
    assert result.letters[0].context["发文字号"] == "苏知办函〔2023〕1号"
    assert result.pdfs == [p.with_suffix(".pdf") for p in result.outputs] and len(result.pdfs) == 14
    pages = 0
    for path in result.pdfs[:-1]:
        with pdfplumber.open(path) as pdf:
            texts = [(page.extract_text() or "").replace(" ", "") for page in pdf.pages]
        pages += len(texts)
        [signed] = [k for k, t in enumerate(texts) if "2023年12月20日" in t]
        assert signed <= 1, path.name
        attached = [k for k, t in enumerate(texts) if t.strip().split("\n")[0] == "附件"]
        if "泰州" not in path.name:
            assert attached and attached[0] == signed + 1, path.name
    with pdfplumber.open(result.pdfs[-1]) as pdf:  # 全部-数据问题反馈函.pdf: every letter, no page more
        assert result.pdfs[-1].name == "全部-数据问题反馈函.pdf" and len(pdf.pages) == pages


def test_sample_body_text_is_official(written):
    folder, _ = written
    doc = Document(str(_letter(folder, "无锡市")))
    body = [p.text for p in body_paragraphs(doc)]
    assert body[0].startswith("根据江苏省知识产权局办公室《关于做好2023年度企业知识产权管理标准化工作的通知》")
    assert "你局共报送材料4份，经检查发现数据问题2处，其中错误1处、警告1处。" in body[0]
    assert re.search(r"2份文件中的2处问题逐条列于附件", "\n".join(body))
