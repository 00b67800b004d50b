"""PDF submissions: a table over several pages read once, the header block, scans and bad PDFs."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from formkit import api, uscc
from formkit.readers import Unreadable, office, pdf, pdf_page, read_grids
from tests.builders import EVAL_HEADERS, require_soffice
from tests.hostile_files import write_pdf

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "peer" / "pdfplumber"
SCAN = "扫描件无文字层，请提交可编辑的文件"
COUNTIES = ["玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区"]


def valid_uscc(k: int, region: str = "320102") -> str:
    """Return the k-th valid credit code of a fictional enterprise in ``region``."""
    body = f"{58000000 + k * 7919:08d}"
    first17 = "91" + region + body + uscc.org_check_char(body)
    return first17 + uscc.gb32100_check_char(first17)


def eval_rows(n: int) -> list[list[str]]:
    rows = []
    for k in range(1, n + 1):
        rows.append([str(k), f"南京第{k}号示例科技有限公司", valid_uscc(k), COUNTIES[k % len(COUNTIES)],
                     "高新技术企业", f"2021-04-{k % 28 + 1:02d}", "委托机构", "江苏示例知识产权服务中心",
                     f"2023-03-{k % 28 + 1:02d}", str(70 + k % 29), "合格", "王一", "13812345678", ""])
    return rows


def landscape_doc() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    style = doc.styles["Normal"]
    style.font.size = Pt(9)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    return doc


def add_table(doc: Document, rows: list[list[str]], repeat_header: bool = True):
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for tr, row in zip(table.rows, rows):  # table.cell(i, j) is quadratic in python-docx
        for cell, value in zip(tr.cells, row):
            cell.text = value
    if repeat_header:
        trpr = table.rows[0]._tr.get_or_add_trPr()
        header = OxmlElement("w:tblHeader")
        header.set(qn("w:val"), "true")
        trpr.append(header)
    return table


def to_pdf(docx: Path) -> Path:
    require_soffice()
    made = office.convert_batch([docx], "pdf:writer_pdf_Export", docx.parent / "pdf")[docx]
    assert isinstance(made, Path), made
    final = docx.with_suffix(".pdf")
    made.rename(final)
    return final


# ------------------------------------------------------------ a table over several pages

@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory) -> Path:
    require_soffice()
    folder = tmp_path_factory.mktemp("pdf")
    doc = landscape_doc()
    # A running header repeating the title on every page must not start a new form each page.
    doc.sections[0].header.paragraphs[0].text = "南京市 2023年度贯标绩效评价合格企业汇总表"
    for text in ("附件2", "2023年度贯标绩效评价合格企业汇总表",
                 "填报单位（盖章）：南京市知识产权局      填报日期：2023年6月8日      批次：第一批"):
        doc.add_paragraph(text)
    add_table(doc, [EVAL_HEADERS] + eval_rows(60))
    doc.add_paragraph("填表人：王一      审核人：李二      联系电话：025-83211234")
    docx = folder / "南京市-附件2-评价表.docx"
    doc.save(docx)
    return to_pdf(docx)


def test_multi_page_table_read_once(long_pdf, campaign):
    family, grids = read_grids(long_pdf)
    assert family == "pdf"
    assert len(grids) >= 3 and all(g.kind == "pdf" for g in grids)  # 60 rows do not fit on two pages
    assert [g.sheet for g in grids[:2]] == ["第1页表1", "第2页表1"]
    assert grids[1].rows[0][1].text == "企业名称"  # the header row repeated on the next page
    assert "填报单位（盖章）：南京市知识产权局 填报日期：2023年6月8日 批次：第一批" in grids[0].before
    assert any(line.startswith("填表人：王一") for line in grids[-1].after)

    result = api.check([long_pdf], campaign)
    [fr] = result.files
    [sub] = fr.submissions
    assert sub.form == "evaluation"
    assert [r.raw("seq") for r in sub.records] == [str(k) for k in range(1, 61)]  # each row once
    assert [r.raw("uscc") for r in sub.records] == [valid_uscc(k) for k in range(1, 61)]
    assert (sub.city, sub.batch, sub.fill_date) == ("南京市", 1, dt.date(2023, 6, 8))
    assert sub.block.unit.raw == "南京市知识产权局"
    assert sub.block.footer.get("填表人") == "王一"
    assert result.findings == []
    # Provenance: page and table, then row and column within that table.
    first, last = sub.records[0], sub.records[-1]
    assert (first.source.sheet, first.source.row) == ("第1页表1", 2)
    assert first.cells["uscc"].source.cell == "第2行第3列"
    assert last.source.file == long_pdf.name
    pages = [int(r.source.sheet[1:r.source.sheet.index("页")]) for r in sub.records]
    assert pages == sorted(pages) and pages[-1] > 2


def test_row_broken_across_pages_is_joined(tmp_path, campaign):
    # Long cells make rows tall: Word (and LibreOffice) break a row across the page boundary.
    require_soffice()
    doc = landscape_doc()
    doc.add_paragraph("2023年度贯标绩效评价合格企业汇总表")
    doc.add_paragraph("填报单位（盖章）：南京市知识产权局  填报日期：2023年6月8日  批次：第一批")
    rows = eval_rows(12)
    for row in rows:
        row[13] = "备注" * 60  # a long 备注 wraps over many lines
    add_table(doc, [EVAL_HEADERS] + rows, repeat_header=False)
    docx = tmp_path / "南京市-附件2-评价表.docx"
    doc.save(docx)
    result = api.check([to_pdf(docx)], campaign)
    [sub] = result.files[0].submissions
    assert [r.raw("seq") for r in sub.records] == [str(k) for k in range(1, 13)]
    assert [r.raw("remark") for r in sub.records] == ["备注" * 60] * 12
    assert result.findings == []


def test_merged_cells_give_their_value(tmp_path, campaign):
    doc = landscape_doc()
    doc.add_paragraph("2023年度贯标绩效评价合格企业汇总表")
    doc.add_paragraph("填报单位（盖章）：南京市知识产权局  填报日期：2023年6月8日  批次：第一批")
    rows = eval_rows(3)
    table = add_table(doc, [EVAL_HEADERS] + rows)
    merged = table.cell(1, 3).merge(table.cell(2, 3))  # one 所在县 for the first two rows
    merged.text = "玄武区"
    spanned = table.cell(3, 11).merge(table.cell(3, 12))  # 联系人 and 联系电话 in one cell
    spanned.text = "王一"
    docx = tmp_path / "南京市-附件2-评价表.docx"
    doc.save(docx)
    result = api.check([to_pdf(docx)], campaign)
    [sub] = result.files[0].submissions
    assert [r.raw("county") for r in sub.records] == ["玄武区", "玄武区", COUNTIES[3]]
    assert sub.records[2].raw("contact") == "王一" and sub.records[2].raw("phone") == "王一"


# ------------------------------------------------------------ what cannot be read

def scanned_pdf(path: Path) -> Path:
    """Return an image-only PDF of a table (what a scanner makes): no text layer at all."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for i in range(8):
        draw.line([(100, 200 + i * 60), (1140, 200 + i * 60)], fill="black", width=2)
    for x in (100, 200, 500, 800, 1140):
        draw.line([(x, 200), (x, 620)], fill="black", width=2)
    for i in range(7):
        draw.text((120, 220 + i * 60), f"{i + 1}   91320102MA1XXXX{i}   2023-05-0{i + 1}", fill="black")
    img.save(path, "PDF", resolution=150)
    return path


def test_scan_without_text_layer(tmp_path, campaign):
    path = scanned_pdf(tmp_path / "南京市-附件2-扫描件.pdf")
    result = api.check([path], campaign)
    assert [(f.code, f.message, f.file) for f in result.findings] == [("unreadable", SCAN, path.name)]


def test_scan_with_a_page_number_is_still_a_scan(tmp_path, campaign):
    # Scans put into Word (or stamped with a page number) have a few characters of text.
    require_soffice()
    from PIL import Image

    image = tmp_path / "page.png"
    Image.new("RGB", (1240, 900), "white").save(image)
    doc = landscape_doc()
    doc.add_picture(str(image), width=Mm(240))
    doc.add_paragraph("第 1 页")
    docx = tmp_path / "南京市-附件2-扫描件.docx"
    doc.save(docx)
    path = to_pdf(docx)
    result = api.check([path], campaign)
    assert [(f.code, f.message) for f in result.findings] == [("unreadable", SCAN)]


def _cid_pdf(path: Path) -> Path:
    """Write a PDF whose font has no character map: pdfminer gives (cid:NN) for its text."""
    content = b"BT /F1 12 Tf 72 700 Td <0041004200430044> Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /XYZ /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /XYZ"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
    ]
    return write_pdf(path, objs)


def test_cid_glyphs_are_reported_not_guessed(tmp_path, campaign):
    path = _cid_pdf(tmp_path / "字体.pdf")
    [finding] = api.check([path], campaign).findings
    assert finding.code == "unreadable" and "(cid:" in finding.message and "无法" in finding.message


def test_broken_and_encrypted_pdfs(tmp_path, campaign):
    broken = tmp_path / "损坏.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<\n" + b"\x00garbage" * 50)
    [finding] = api.check([broken], campaign).findings
    assert finding.code == "unreadable"
    password = CORPUS / "password-example.pdf"
    if password.exists():
        [finding] = api.check([password], campaign).findings
        assert (finding.code, finding.message) == ("unreadable", "文件已加密，请取消密码后重新提交")


def test_page_and_time_limits(long_pdf, campaign, monkeypatch):
    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    [finding] = api.check([long_pdf], campaign).findings
    assert finding.code == "unreadable" and "页数过多" in finding.message
    monkeypatch.setattr(pdf, "MAX_PAGES", 200)
    monkeypatch.setattr(pdf_page, "MAX_PAGE_CHARS", 10)
    with pytest.raises(Unreadable, match="内容过多"):
        read_grids(long_pdf)
    monkeypatch.setattr(pdf_page, "MAX_PAGE_CHARS", 40000)
    monkeypatch.setattr(pdf, "MAX_SECONDS", -1.0)
    with pytest.raises(Unreadable, match="过于复杂"):
        read_grids(long_pdf)


CORPUS_FILES = sorted(CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_peer_pdfs_never_raise(path, campaign):
    started = time.monotonic()
    result = api.check([path], campaign)
    assert time.monotonic() - started < 30
    assert [f.code for f in result.findings] in (["unknown-form"], ["unreadable"]), result.findings
    assert all(f.file == path.name for f in result.findings)


def test_peer_corpus_present():
    if not CORPUS_FILES:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"peer corpus missing at {CORPUS}")
        pytest.skip("peer corpus not beside this checkout")
    assert len(CORPUS_FILES) >= 19
