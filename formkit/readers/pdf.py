"""PDF files with a text layer → Grids through pdfplumber; a scan has no text and is refused.

Each ruled table on a page becomes one Grid named ``第{page}页表{n}`` (kind ``pdf``), its rows
and columns counted within that table. pdfplumber never joins a table across pages: the layout
module continues a form from one grid to the next when the header is repeated, or when a
headerless table has the same width. The page text outside the tables goes to the grids around
it, as Word paragraphs do: lines before a table → ``Grid.before`` (title, 填报单位, 填报日期),
lines after it → ``Grid.after`` (填表人, notes); text between two tables belongs to both.

This module reads the file page by page within its limits; ``pdf_guard`` holds the guards
against hostile files (the time budget, content-stream sizes), ``pdf_page`` turns a page into
grids, ``pdf_cells`` a table into rows, ``pdf_join`` mends tables a page break cut.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from formkit.readers.base import Unreadable
from formkit.readers.pdf_guard import Overtime, time_limit
from formkit.readers.pdf_join import Placed, carry_spans, join_split_rows
from formkit.readers.pdf_page import page_to_grids
from formkit.table import Grid

MAX_PAGES = 200
MAX_SECONDS = 60.0            # reading budget for one file, checked between pages
SCAN_CHARS_PER_PAGE = 30      # fewer characters than this a page, on pictures, and no table: a scan

TOO_SLOW = "PDF内容过于复杂，{seconds}秒内未能读完，请提交可编辑的Excel或Word文件"
SCAN = "扫描件无文字层，请提交可编辑的文件"
CID = ("PDF使用了无法解码的字体（文字提取为“(cid:…)”），无法可靠读取，"
       "请提交可编辑的Excel或Word文件")


def read_pdf(path: Path, name: str) -> list[Grid]:
    """Return one Grid per table on the pages, with the page text before and after each."""
    import pdfplumber

    # pdfminer logs font quirks as warnings; a finding says what matters, stderr stays quiet.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:
        msg = _describe(exc).lower()
        if "password" in msg or "encrypt" in msg:
            raise Unreadable("文件已加密，请取消密码后重新提交") from exc
        raise Unreadable("PDF文件已损坏，无法读取，请提交可编辑的Excel或Word文件") from exc
    started = time.monotonic()
    try:
        with pdf, time_limit(MAX_SECONDS + min(5.0, 1.0 + MAX_SECONDS / 10)):
            try:
                pages = pdf.pages
            except Exception as exc:
                raise Unreadable("PDF文件已损坏（页面结构无法解析），请提交可编辑的Excel或Word文件") from exc
            if len(pages) > MAX_PAGES:
                raise Unreadable(f"PDF页数过多（{len(pages)}页，上限{MAX_PAGES}页），请拆分后提交或提交Excel/Word文件")
            grids: list[Grid] = []
            placed: list[Placed] = []
            margin_seen: set[str] = set()
            pending: list[str] = []
            chars_seen = 0
            image_pages = 0
            for page_no, page in enumerate(pages, start=1):
                if time.monotonic() - started > MAX_SECONDS:
                    raise Unreadable(TOO_SLOW.format(seconds=int(MAX_SECONDS)))
                try:
                    chars_seen += page_to_grids(page, page_no, name, grids, pending, placed, margin_seen)
                    image_pages += bool(page.images)
                finally:
                    page.close()  # drop the page's cached objects: memory stays flat over many pages
    except Overtime as exc:
        raise Unreadable(TOO_SLOW.format(seconds=int(MAX_SECONDS))) from exc
    if chars_seen == 0:
        raise Unreadable(SCAN)
    if not grids and image_pages * 2 >= len(pages) and chars_seen < SCAN_CHARS_PER_PAGE * len(pages):
        # Pictures of pages with a stray line of text (a page number, a stamp added later):
        # still a scan — no table text to read.
        raise Unreadable(SCAN)
    join_split_rows(placed)
    carry_spans(placed)
    if grids:
        grids[-1].after = list(pending)
    elif pending:
        # Text but no ruled table: keep the lines so the caller can tell what the file holds.
        grids.append(Grid(file=name, sheet="正文", kind="pdf", rows=[], before=list(pending), index=0))
    if any("(cid:" in text for text in _all_text(grids)):
        raise Unreadable(CID)
    return grids


def _describe(exc: BaseException) -> str:
    """Return the names and messages along an exception's chain (pdfplumber wraps pdfminer's)."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen and len(parts) < 5:
        seen.add(id(exc))
        parts.append(f"{type(exc).__name__} {exc!r}")
        exc = exc.__cause__ or exc.__context__
    return " ".join(parts)


def _all_text(grids: list[Grid]):
    for g in grids:
        yield from g.before
        yield from g.after
        for row in g.rows:
            for cell in row:
                yield cell.text
