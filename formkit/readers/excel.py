"""Excel workbooks (.xlsx/.xlsm, and .xls through the same engine) → Grids.

python-calamine reads values about ten times faster than openpyxl and reports merged
ranges; formulas come back as their cached values. Merged cells are unfolded here so every
covered position carries the value (a merged 设区市 cell belongs to each row it spans).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from formkit.normalize import clean_text, number_text
from formkit.readers import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, Unreadable
from formkit.table import Grid, RawCell

EMPTY = RawCell("")


def to_raw(value) -> RawCell:
    """Return the RawCell for a calamine value: text as the user sees it, typed value kept."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return RawCell("是" if value else "否", value)
    if isinstance(value, (int, float)):
        return RawCell(number_text(value), value, is_number=True)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return RawCell(value.date().isoformat(), value.date(), is_date=True)
        return RawCell(value.isoformat(sep=" "), value, is_date=True)
    if isinstance(value, dt.date):
        return RawCell(value.isoformat(), value, is_date=True)
    if isinstance(value, dt.time):
        return RawCell(value.isoformat(), value)
    if isinstance(value, dt.timedelta):
        return RawCell(str(value), value)
    text = str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    return RawCell(clean_text(text), text)


def _open(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as first:
        exc = first
    try:
        # from_path picks the format by extension: a ".xls" that is really xlsx (or the
        # reverse) opens when calamine is left to tell the format by the bytes.
        with open(path, "rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    except Exception:
        pass
    msg = str(exc).lower()
    if "password" in msg or "encrypt" in msg:
        raise Unreadable("文件已加密，请取消密码后重新提交") from exc
    raise Unreadable(f"Excel文件已损坏，无法读取（{str(exc)[:80]}），请用Excel或WPS另存后重新提交") from exc


def read_xlsx(path: Path, name: str) -> list[Grid]:
    """Return one Grid per visible worksheet, merged cells unfolded, rows capped."""
    book = _open(path)
    grids = []
    try:
        metas = book.sheets_metadata
    except Exception:  # older files without metadata
        metas = None
    for index, sheet_name in enumerate(book.sheet_names):
        if metas is not None and "WorkSheet" not in str(metas[index].typ):
            continue
        try:
            sheet = book.get_sheet_by_index(index)
        except Exception as exc:
            raise Unreadable(f"工作表“{sheet_name}”无法读取（{str(exc)[:60]}）") from exc
        grids.append(sheet_to_grid(sheet, name, sheet_name, index))
    return grids


def sheet_to_grid(sheet, file: str, sheet_name: str, index: int) -> Grid:
    """Return the Grid of one calamine sheet, rows numbered as Excel shows them."""
    start = sheet.start or (0, 0)
    row0, col0 = start
    rows: list[list[RawCell]] = []
    seen: dict = {"": EMPTY}  # repeated texts (enum values, bodies) share one RawCell
    get = seen.get
    for i, values in enumerate(sheet.iter_rows()):
        if i >= MAX_ROWS:
            break
        row = []
        append = row.append
        for value in values[:MAX_COLS] if len(values) > MAX_COLS else values:
            if type(value) is str:
                cell = get(value)
                if cell is None:
                    cell = seen[value] = to_raw(value)
                append(cell)
            else:
                append(to_raw(value))
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    # Left-pad so that column indexes are absolute (a table starting in column C stays C).
    if col0 or any(len(r) != width for r in rows):
        grid_rows = [[EMPTY] * col0 + r + [EMPTY] * (width - len(r)) for r in rows]
    else:
        grid_rows = rows
    merged = getattr(sheet, "merged_cell_ranges", None) or []
    for (r1, c1), (r2, c2) in merged:
        tr, tc = r1 - row0, c1
        if not (0 <= tr < len(grid_rows)) or tc >= len(grid_rows[tr]):
            continue
        top_left = grid_rows[tr][tc]
        for r in range(max(r1 - row0, 0), min(r2 - row0 + 1, len(grid_rows))):
            row = grid_rows[r]
            for c in range(c1, min(c2 + 1, len(row))):
                if (r, c) != (tr, tc):
                    row[c] = top_left
    return Grid(file=file, sheet=sheet_name, kind="excel", rows=grid_rows,
                row_numbers=[row0 + i + 1 for i in range(len(grid_rows))], index=index)
