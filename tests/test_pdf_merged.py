"""PDF tables with vertically merged cells read like the Word table they were printed from.

Word and LibreOffice print a vertically merged cell's text once, in its first part; pdfplumber
gives ``None`` for the rows it covers, and where the span runs onto the next page the rest is
an empty box there. Every row the span covers must get its value, on both pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from formkit import api
from formkit.readers import office
from formkit.resources import samples_dir
from tests.builders import EVAL_HEADERS, merge_down, merge_equal_runs, require_soffice
from tests.test_pdf import add_table, eval_rows, landscape_doc, valid_uscc

MERGED_COLUMNS = ("评价方式", "评价机构", "认证机构", "认证依据标准", "企业类别", "处理意见", "异常类型", "企业意愿")


def to_pdfs(docs: list[Path], outdir: Path) -> dict[Path, Path]:
    """Return each .docx's PDF copy, made by LibreOffice in one call."""
    require_soffice()
    made = office.convert_batch(docs, "pdf:writer_pdf_Export", outdir)
    assert all(isinstance(p, Path) for p in made.values()), made
    return made


def records_of(result) -> list[dict]:
    return [{k: c.value for k, c in r.cells.items()} for r in result.files[0].records]


def problems_of(result) -> list[tuple]:
    """Return the findings as a user compares two copies: code, column, the row's key, value.

    Spaces are left out of the value: a PDF wraps “GB/T 29490-2016” at its space, and the
    reader joins wrapped lines without one.
    """
    return sorted((f.code, f.column, f.key, (f.value or "").replace(" ", "")) for f in result.findings)


def portrait_doc() -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    return doc


def _evaluation_docx(path: Path, n: int, repeat_header: bool) -> Path:
    doc = portrait_doc()
    for line in ("附件2", "2023年度贯标绩效评价合格企业汇总表",
                 "填报单位（盖章）：南京市知识产权局    填报日期：2023年6月8日   批次：第一批"):
        doc.add_paragraph(line)
    table = add_table(doc, [EVAL_HEADERS] + eval_rows(n), repeat_header=repeat_header)
    merge_down(table, 6, 1, n)          # 评价方式 for every enterprise
    merge_down(table, 7, 1, 5)          # 评价机构 for the first five …
    merge_down(table, 7, 6, n - 2)      # … and for the next ones, over the page break
    doc.save(path)
    return path


@pytest.mark.parametrize("repeat_header", [False, True], ids=["header-once", "header-repeated"])
def test_evaluation_spans_over_page_breaks(tmp_path, campaign, repeat_header):
    """The case reported: 14 enterprises, 评价方式 and 评价机构 merged, the table over 3 pages."""
    docx = _evaluation_docx(tmp_path / "南京市-附件2-第一批.docx", 14, repeat_header)
    pdf = to_pdfs([docx], tmp_path / "pdf")[docx]
    from_docx, from_pdf = api.check([docx], campaign), api.check([pdf], campaign)
    assert len(from_docx.files[0].records) == 14 and from_docx.findings == []
    assert records_of(from_pdf) == records_of(from_docx)
    assert from_pdf.findings == [], [(f.code, f.sheet, f.cell) for f in from_pdf.findings]
    assert [r.value("method") for r in from_pdf.files[0].records] == ["委托机构"] * 14
    assert len({r.source.sheet for r in from_pdf.files[0].records}) >= 2  # the spans did cross a page


def test_spotcheck_body_spanning_rows_on_a_landscape_page_break(tmp_path, campaign):
    """附件3: 认证机构 merged over runs of enterprises certified by the same body, 35 rows."""
    headers = ["序号", "企业名称", "统一社会信用代码", "所在县（市、区）", "认证机构", "认证证书编号", "发证日期",
               "认证依据标准", "抽查日期", "抽查结论", "主要问题", "整改期限", "认证机构处理措施", "备注"]
    bodies = ["方圆标志认证集团有限公司"] * 12 + ["中国质量认证中心"] * 15 + ["中知（北京）认证有限公司"] * 8
    rows = []
    for k, body in enumerate(bodies, start=1):
        failed = k in (5, 20)
        rows.append([str(k), f"南京第{k}号示例科技有限公司", valid_uscc(k), "玄武区", body, f"165IP22{k:04d}R0M",
                     "2022-03-01", "GB/T 29490-2013", "2023-09-01", "未达标" if failed else "达标",
                     "知识产权目标未分解" if failed else "", "2023-12-01" if failed else "",
                     "书面提醒" if failed else "无", ""])
    doc = landscape_doc()
    for line in ("附件3", "2023年度企业贯标质量抽查情况汇总表", "填报单位（盖章）：南京市知识产权局    填报日期：2023年11月20日"):
        doc.add_paragraph(line)
    table = add_table(doc, [headers] + rows)
    merge_down(table, 4, 1, 12)
    merge_down(table, 4, 13, 27)
    merge_down(table, 4, 28, 35)
    merge_down(table, 7, 1, 35)  # 认证依据标准 for all
    docx = tmp_path / "南京市-附件3.docx"
    doc.save(docx)
    pdf = to_pdfs([docx], tmp_path / "pdf")[docx]
    from_docx, from_pdf = api.check([docx], campaign), api.check([pdf], campaign)
    assert [r.value("body") for r in from_docx.files[0].records] == bodies
    assert records_of(from_pdf) == records_of(from_docx)
    assert problems_of(from_pdf) == problems_of(from_docx) == []
    assert len({r.source.sheet for r in from_pdf.files[0].records}) >= 2


def test_pdf_copies_of_sample_docx_with_merged_cells(tmp_path, campaign):
    """Every bundled sample .docx, with its runs of equal values merged down, printed to PDF by
    LibreOffice: the PDF reads to the same records and the same problems as the .docx (and
    the merged .docx as the original)."""
    originals = sorted(samples_dir().rglob("*.docx"))
    assert len(originals) >= 20
    merged: dict[Path, Path] = {}
    spans = 0
    for k, original in enumerate(originals):
        out = tmp_path / "docx" / f"{k:02d}" / original.name
        spans += merge_equal_runs(original, out, MERGED_COLUMNS)
        merged[original] = out
    assert spans >= 50  # the samples do have runs to merge, some over page breaks
    pdfs = to_pdfs(list(merged.values()), tmp_path / "pdf")
    for original, docx in merged.items():
        base = api.check([original], campaign)
        from_docx = api.check([docx], campaign)
        from_pdf = api.check([pdfs[docx]], campaign)
        assert records_of(from_docx) == records_of(base), original.name
        assert records_of(from_pdf) == records_of(from_docx), original.name
        assert problems_of(from_pdf) == problems_of(from_docx) == problems_of(base), original.name
