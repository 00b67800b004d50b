"""One PDF page → its grids: limits checked before pdfminer interprets it, each ruled table a
Grid, the text outside the tables given to the grids around it, running headers dropped."""

from __future__ import annotations

from formkit.normalize import clean_text
from formkit.readers.base import Unreadable
from formkit.readers.pdf_cells import table_to_rows
from formkit.readers.pdf_guard import content_size
from formkit.readers.pdf_join import Placed, spanning_cells
from formkit.table import Grid

MAX_PAGE_CHARS = 40000        # characters on one page (a normal A4 form page holds < 5,000)
MAX_PAGE_GRAPHICS = 20000     # lines + rects + curves on one page (table rulings)
MAX_PAGE_CONTENT = 2 * 1024 * 1024  # decoded content-stream bytes of one page (real form pages: < 200 KB)
MARGIN_BAND = 0.08            # top and bottom share of a page where running headers/footers sit


def page_to_grids(page, page_no: int, name: str, grids: list[Grid], pending: list[str],
                  placed: list[Placed] | None = None, margin_seen: set[str] | None = None) -> int:
    """Append the page's tables to ``grids`` and its free text to them or ``pending``; return its char count.

    A line in the top or bottom margin that an earlier page had there too is a running
    header or footer (a title repeated on every page): it is dropped, or each page would
    look like a new form instead of the table continued.
    """
    size = content_size(page, MAX_PAGE_CONTENT)
    if size > MAX_PAGE_CONTENT:
        # Checked before pdfminer interprets the page: a few KB can inflate to hundreds of MB
        # of drawing operators, and interpreting them would take minutes.
        raise Unreadable(f"PDF第{page_no}页内容过多（超过{MAX_PAGE_CONTENT // (1024 * 1024)} MB的绘制指令），"
                         "无法读取，请提交Excel或Word文件")
    chars = page.chars
    if len(chars) > MAX_PAGE_CHARS:
        raise Unreadable(f"PDF第{page_no}页内容过多（{len(chars)}个字符），无法读取，请提交Excel或Word文件")
    if len(page.lines) + len(page.rects) + len(page.curves) > MAX_PAGE_GRAPHICS:
        raise Unreadable(f"PDF第{page_no}页图形过于复杂，无法识别表格，请提交Excel或Word文件")
    visible = sum(1 for c in chars if c.get("text", "").strip())
    if not visible:
        return 0
    tables = sorted(page.find_tables(), key=lambda t: (t.bbox[1], t.bbox[0]))
    lines = page.extract_text_lines(return_chars=False) if chars else []
    boxes = [t.bbox for t in tables]
    free = [ln for ln in lines if not any(_inside(ln, box) for box in boxes)]
    if margin_seen is not None:
        free = _drop_running(free, float(page.height), margin_seen)
    for t_index, table in enumerate(tables):
        top = table.bbox[1]
        above = [ln for ln in free if ln["bottom"] <= top + 1]
        free = [ln for ln in free if ln["bottom"] > top + 1]
        pending.extend(_texts(above))
        if grids:
            grids[-1].after = list(pending)
        grid = Grid(file=name, sheet=f"第{page_no}页表{t_index + 1}", kind="pdf",
                    rows=table_to_rows(table, page_no), before=list(pending), index=len(grids))
        grids.append(grid)
        if placed is not None:
            xs = sorted({round(c[0], 1) for c in table.cells} | {round(c[2], 1) for c in table.cells})
            placed.append(Placed(grid, page_no, t_index == 0, t_index == len(tables) - 1, xs,
                                  spanning_cells(grid.rows)))
        pending.clear()
    pending.extend(_texts(free))
    return visible


def _inside(line: dict, box: tuple) -> bool:
    """Return True when a text line's middle lies within a table's box."""
    x0, top, x1, bottom = box
    ym = (line["top"] + line["bottom"]) / 2
    return top - 1 <= ym <= bottom + 1 and line["x1"] > x0 and line["x0"] < x1


def _drop_running(lines: list[dict], height: float, seen: set[str]) -> list[dict]:
    """Return the lines less running headers/footers already seen in an earlier page's margin."""
    band = height * MARGIN_BAND
    kept, here = [], set()
    for ln in lines:
        in_margin = ln["bottom"] <= band or ln["top"] >= height - band
        key = clean_text(ln.get("text", "")).replace(" ", "")
        if in_margin and key:
            if key in seen:
                continue
            here.add(key)
        kept.append(ln)
    seen |= here
    return kept


def _texts(lines: list[dict]) -> list[str]:
    out = []
    for ln in lines:
        text = clean_text(ln.get("text", ""))
        if text:
            out.append(text)
    return out
