"""Tables a page break cut, mended: a row split across two pages glued back, a merged cell's
value carried onto the next page (pdfplumber reads each page on its own)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from formkit.readers.pdf_cells import EMPTY
from formkit.table import Grid, RawCell

COL_TOLERANCE = 2.0           # points: column rulings of a table continued on the next page
SEQ_HEADER = re.compile(r"^(序号|编号|序)$")


@dataclass
class Placed:
    """Where a grid's table sat: page, order on the page, column rulings."""

    grid: Grid
    page: int
    first_on_page: bool
    last_on_page: bool
    xs: list[float]
    #: ids of the cells that cover more than one row (merged down), taken before rows are joined
    spans: set[int] = field(default_factory=set)


def join_split_rows(placed: list[Placed]) -> None:
    """Glue back a row that a page break cut in two (Word lets a row break across pages).

    The tail of such a row is the first data row of the table on the next page: same column
    rulings, 序号 empty where the row above has one, and text only in some of the cells that
    had text.
    Its text is appended to the row above, and the tail row dropped (row numbers kept).
    """
    for prev, cur, seq_col, i in _continued_tables(placed):
        if seq_col is None or i >= len(cur.grid.rows):
            continue
        head, tail = prev.grid.rows[-1], cur.grid.rows[i]
        if len(head) != len(tail) or seq_col >= len(tail):
            continue
        if tail[seq_col].text or not head[seq_col].text or _is_header_row(head, seq_col):
            continue
        filled = [j for j, c in enumerate(tail) if c.text]
        head_filled = sum(1 for c in head if c.text)
        # A tail holds only the cells that wrapped (short values — dates, scores — never do);
        # a real row that merely lacks its 序号 has all its other cells.
        if not filled or any(not head[j].text for j in filled) or len(filled) > head_filled - 2:
            continue
        joined: dict[int, RawCell] = {}
        new_row = []
        for j, (a, b) in enumerate(zip(head, tail)):
            if not b.text:
                new_row.append(a)
                continue
            key = (id(a), id(b))
            if key not in joined:  # a spanned cell is one object at several positions
                text = a.text + b.text
                joined[key] = RawCell(text, text)
            new_row.append(joined[key])
        prev.grid.rows[-1] = new_row
        # A merged cell cut by the break goes on below the tail: its rows get the whole text.
        # So do the rows above the break that the same cell covers.
        rows, above = cur.grid.rows, prev.grid.rows
        for j, (a, b) in enumerate(zip(head, tail)):
            if not b.text:
                continue
            r = i + 1
            while r < len(rows) and j < len(rows[r]) and rows[r][j] is b:
                rows[r][j] = new_row[j]
                r += 1
            r = len(above) - 2
            while r >= 0 and j < len(above[r]) and above[r][j] is a:
                above[r][j] = new_row[j]
                r -= 1
        del rows[i]
        del cur.grid.row_numbers[i]


def carry_spans(placed: list[Placed]) -> None:
    """Give a vertically merged cell that a page break cut its value on the next page too.

    Word and LibreOffice print a merged cell's text in its first part only: on the next page
    the rest of the span is an empty box. When a table continues on the next page (same
    column rulings, last table of one page and first of the next), a column whose first data
    cell there is empty, while the cell that closed the previous page has text, and one of
    the two is a span over several rows, is that span continued: every position of the empty
    box gets the text. An entirely empty first row there (the empty rest of a row the break
    cut, every cell blank) is dropped first.

    A span whose parts are one row on each page looks exactly like a filled cell over an
    empty one: it is taken for a span only when the column has cells merged down elsewhere
    on those two pages (the city merges that column); otherwise the empty cell stays empty.
    """
    for prev, cur, seq_col, i in _continued_tables(placed):
        rows = cur.grid.rows
        if i < len(rows) and i + 1 < len(rows) and not any(c.text for c in rows[i]):
            del rows[i]
            del cur.grid.row_numbers[i]
        if i >= len(rows):
            continue
        above = prev.grid.rows
        last = above[-1]
        if seq_col is not None and _is_header_row(last, seq_col):
            continue
        for j, top in enumerate(rows[i]):
            if j >= len(last):
                break
            bottom = last[j]
            if top.text or not bottom.text:
                continue
            if (id(top) not in cur.spans and id(bottom) not in prev.spans
                    and not _merges_down(rows, j, cur.spans) and not _merges_down(above, j, prev.spans)):
                continue
            r = i
            while r < len(rows) and j < len(rows[r]) and rows[r][j] is top:
                rows[r][j] = bottom
                r += 1


def _continued_tables(placed: list[Placed]):
    """Yield (previous, current, 序号 column or None, index of current's first data row) for
    each table that continues the one closing the previous page (same column rulings)."""
    seq_col: int | None = None
    for k, cur in enumerate(placed):
        found = _seq_column(cur.grid)
        if found is not None:
            seq_col = found
        if k == 0:
            continue
        prev = placed[k - 1]
        if not (prev.last_on_page and cur.first_on_page and cur.page == prev.page + 1):
            continue
        if not _same_columns(prev.xs, cur.xs) or not prev.grid.rows or not cur.grid.rows:
            continue
        i = 0
        while i < len(cur.grid.rows) and seq_col is not None and _is_header_row(cur.grid.rows[i], seq_col):
            i += 1
        yield prev, cur, seq_col, i


def _merges_down(rows: list[list[RawCell]], j: int, spans: set[int]) -> bool:
    """Return True when column ``j`` of these rows holds a cell merged down over several rows."""
    return any(j < len(row) and id(row[j]) in spans for row in rows)


def spanning_cells(rows: list[list[RawCell]]) -> set[int]:
    """Return the ids of the cells found at the same column in two consecutive rows."""
    out: set[int] = set()
    for upper, lower in zip(rows, rows[1:]):
        for a, b in zip(upper, lower):
            if a is b and a is not EMPTY:
                out.add(id(a))
    return out


def _seq_column(grid: Grid) -> int | None:
    for row in grid.rows[:6]:
        for j, cell in enumerate(row[:4]):
            if SEQ_HEADER.match(cell.text.replace(" ", "")):
                return j
    return None


def _is_header_row(row: list[RawCell], seq_col: int) -> bool:
    return seq_col < len(row) and bool(SEQ_HEADER.match(row[seq_col].text.replace(" ", "")))


def _same_columns(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= COL_TOLERANCE for x, y in zip(a, b))
