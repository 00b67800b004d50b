"""A PDF has no document to keep: its tables, as the readers read them, written into a new
workbook (one sheet per table, named like the findings: ``第1页表1``) and marked there."""

from __future__ import annotations

import re
from pathlib import Path

from formkit.errors import FormkitError
from formkit.findings import Finding
from formkit.outputs.annotate.workbook import landscape_a4, mark_workbook, put_text, save_workbook

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def annotate_pdf(path: Path, findings: list[Finding], name: str) -> bytes:
    """Return a workbook of the tables read from a PDF (one sheet per table), findings marked."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    from formkit.readers import Unreadable, read_grids

    wrap = Alignment(wrap_text=True, vertical="center")

    try:
        _, grids = read_grids(path, name)
    except Unreadable as exc:
        raise FormkitError(str(exc)) from exc
    wb = Workbook()
    wb.remove(wb.active)
    titles: dict[str, str] = {}
    for grid in grids:
        title = _SHEET_FORBIDDEN.sub("_", grid.sheet)[:31] or "表"
        while title in wb.sheetnames:
            title = f"{title[:28]}_{len(wb.sheetnames)}"
        titles[grid.sheet] = title
        ws = wb.create_sheet(title)
        widths: dict[int, int] = {}
        for r, row in zip(grid.row_numbers, grid.rows):
            for c, cell in enumerate(row, start=1):
                if cell.text:
                    put_text(ws, r, c, cell.text).alignment = wrap
                    widths[c] = max(widths.get(c, 6), min(24, 2 * len(cell.text) + 2))
        for c, width in widths.items():
            ws.column_dimensions[get_column_letter(c)].width = width
        landscape_a4(ws)  # printed as the city's table was
        if not grid.rows and grid.before:
            for r, line in enumerate(grid.before, start=1):
                put_text(ws, r, 1, line)
    if not wb.sheetnames:
        wb.create_sheet("表1")
    mark_workbook(wb, findings, name, titles)
    return save_workbook(wb)
