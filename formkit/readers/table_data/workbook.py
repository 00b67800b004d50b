"""DATA tables from workbooks (.xlsx/.xlsm/.xls/.ods) through python-calamine: the sheet chosen,
merged cells unfolded, behind the readers' zip guard and encryption check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from formkit.readers.base import Unreadable, check_zip, ole_is_encrypted
from formkit.readers.table_data.table import (HEADER_SCAN_ROWS, MAX_COLS, MAX_ROWS, Table, TableError, from_grid,
                                            guess_header)
from formkit.readers.table_data.values import excel_value


def _check_zip(path: Path, name: str) -> None:
    """Raise TableError when a workbook package fails the readers' one zip guard."""
    try:
        check_zip(path)
    except Unreadable as exc:
        reason = str(exc)
        raise TableError(f"数据文件 {name} {reason[2:] if reason.startswith('文件') else reason}") from None


def load_workbook(path: Path, name: str, sheet: str | None, header_row: int | None) -> Table:
    """Return the Table of a workbook's sheet (the first visible worksheet unless ``sheet`` names one)."""
    from python_calamine import CalamineWorkbook

    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK"):
        _check_zip(path, name)
    else:
        if ole_is_encrypted(path):
            raise TableError(f"数据文件 {name} 已加密，请取消密码后再试")
    try:
        with path.open("rb") as fh:
            book = CalamineWorkbook.from_filelike(fh)
    except Exception as exc:
        message = str(exc).lower()
        if "password" in message or "encrypt" in message:
            raise TableError(f"数据文件 {name} 已加密，请取消密码后再试") from None
        raise TableError(f"数据文件 {name} 无法作为 Excel 读取（{str(exc)[:80]}），请用 Excel 或 WPS 另存后再试") from None
    names = list(book.sheet_names)
    try:
        metas = book.sheets_metadata
        worksheets = [m.name for m in metas if "WorkSheet" in str(m.typ)]
        visible = [m.name for m in metas if "WorkSheet" in str(m.typ) and "Visible" == str(m.visible).split(".")[-1]]
    except Exception:  # older files without metadata
        worksheets = visible = names
    if sheet is None:
        chosen = (visible or worksheets or names or [None])[0]
        if chosen is None:
            raise TableError(f"数据文件 {name} 没有工作表")
    elif sheet in names:
        chosen = sheet
    elif sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        chosen = names[int(sheet) - 1]
    else:
        raise TableError(f"数据文件 {name} 中没有工作表“{sheet}”；现有工作表：{'、'.join(names)}")
    data = book.get_sheet_by_name(chosen)
    row0, col0 = data.start or (0, 0)
    grid: list[list[Any]] = []
    for i, values in enumerate(data.iter_rows()):
        if i >= MAX_ROWS + HEADER_SCAN_ROWS:
            raise TableError(f"数据文件 {name} 的工作表“{chosen}”超过 {MAX_ROWS} 行，请拆分后再试")
        grid.append([None] * col0 + list(values[:MAX_COLS]))
    # The header is guessed before merged cells are unfolded: a merged title over the table
    # is one filled cell, not a row of them.
    guessed = guess_header(grid)
    for (r1, c1), (r2, c2) in getattr(data, "merged_cell_ranges", None) or []:
        tr = r1 - row0
        if not 0 <= tr < len(grid) or c1 >= len(grid[tr]):
            continue
        top_left = grid[tr][c1]
        for r in range(max(tr, 0), min(r2 - row0 + 1, len(grid))):
            row = grid[r]
            for c in range(c1, min(c2 + 1, len(row))):
                if (r, c) != (tr, c1):
                    row[c] = top_left
    numbers = [row0 + i + 1 for i in range(len(grid))]
    return from_grid(grid, numbers, name, header_row, excel_value, kind="excel", sheet=chosen, guessed=guessed)
