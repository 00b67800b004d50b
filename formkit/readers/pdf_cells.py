"""A pdfplumber table → rows of RawCells.

pdfplumber gives ``None`` for positions a spanned cell covers; the covering cell's text is
copied there, so a merged cell gives its value to every position, as in Excel and Word.
"""

from __future__ import annotations

from formkit.normalize import clean_text
from formkit.readers.base import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, Unreadable
from formkit.table import RawCell

MAX_TABLE_CELLS = 20000       # cells of one table
EMPTY = RawCell("")


def table_to_rows(table, page_no: int) -> list[list[RawCell]]:
    """Return a pdfplumber table's rows, each spanned position filled from its covering cell."""
    cells = table.cells
    if len(cells) > MAX_TABLE_CELLS:
        raise Unreadable(f"PDF第{page_no}页的表格过大（{len(cells)}个单元格），请提交Excel或Word文件")
    prows = table.rows
    texts = table.extract()
    by_box: dict[tuple, RawCell] = {}
    xs: dict[int, float] = {}
    grid: list[list[RawCell | None]] = []
    for r, (prow, trow) in enumerate(zip(prows[:MAX_ROWS], texts)):
        out: list[RawCell | None] = []
        for c, (box, text) in enumerate(zip(prow.cells[:MAX_COLS], trow)):
            if box is None:
                out.append(None)
                continue
            xs.setdefault(c, box[0])
            # One object per box, empty ones too: a span is then the same object at every
            # position it covers, which is how a span continued on the next page is told.
            cell = _raw(text) if text else RawCell("")
            by_box[box] = cell
            out.append(cell)
        grid.append(out)
    rows: list[list[RawCell]] = []
    for r, out in enumerate(grid):
        top = prows[r].bbox[1]
        rows.append([cell if cell is not None else _covering(by_box, xs.get(c), top) for c, cell in enumerate(out)])
    width = max((len(r) for r in rows), default=0)
    return [r + [EMPTY] * (width - len(r)) for r in rows]


def _covering(by_box: dict[tuple, RawCell], x: float | None, top: float) -> RawCell:
    """Return the cell whose box covers the grid position starting at (x, top), else empty."""
    if x is None:
        return EMPTY
    px, py = x + 0.5, top + 0.5
    for (x0, t0, x1, b0), cell in by_box.items():
        if x0 <= px < x1 and t0 <= py < b0:
            return cell
    return EMPTY


def _raw(text: str | None) -> RawCell:
    """Return the RawCell of a cell's text, its wrapped lines joined (a PDF wraps by width)."""
    if not text:
        return EMPTY
    text = text[:MAX_CELL_CHARS]
    # A narrow column wraps words, codes and dates anywhere: the line breaks are not the user's.
    joined = "".join(part.strip() for part in text.split("\n"))
    joined = clean_text(joined)
    return RawCell(joined, joined) if joined else EMPTY
