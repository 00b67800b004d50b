"""PDF files with a text layer → Grids through pdfplumber; a scan has no text and is refused."""

from __future__ import annotations

from pathlib import Path

from formkit.normalize import clean_text
from formkit.readers import Unreadable
from formkit.table import Grid, RawCell

MAX_PAGES = 200


def read_pdf(path: Path, name: str) -> list[Grid]:
    """Return one Grid per table found on the pages, with the page text above it."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:
        msg = str(exc).lower()
        if "password" in msg or "encrypt" in msg:
            raise Unreadable("文件已加密，请取消密码后重新提交") from exc
        raise Unreadable("PDF文件已损坏，无法读取，请提交可编辑的Excel或Word文件") from exc
    grids: list[Grid] = []
    any_text = False
    with pdf:
        for page_no, page in enumerate(pdf.pages[:MAX_PAGES], start=1):
            text = page.extract_text() or ""
            if text.strip():
                any_text = True
            lines = [clean_text(t) for t in text.splitlines() if t.strip()]
            for t_index, table in enumerate(page.extract_tables()):
                rows = [[RawCell(clean_text(c or ""), clean_text(c or "")) if c else RawCell("")
                         for c in row] for row in table]
                width = max((len(r) for r in rows), default=0)
                rows = [r + [RawCell("")] * (width - len(r)) for r in rows]
                grids.append(Grid(file=name, sheet=f"第{page_no}页表{t_index + 1}", kind="pdf",
                                  rows=rows, before=lines if t_index == 0 else [], index=len(grids)))
    if not any_text:
        raise Unreadable("扫描件无文字层，请提交可编辑的文件")
    if any("(cid:" in c.text for g in grids for r in g.rows for c in r):
        raise Unreadable("PDF使用了无法解码的字体，文字无法提取，请提交可编辑的Excel或Word文件")
    return grids
