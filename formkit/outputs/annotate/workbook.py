"""Marking a workbook with openpyxl: each cell a finding names filled and commented, and the
``问题清单`` sheet put first, listing every finding with a link to its cell."""

from __future__ import annotations

import io
import re
from pathlib import Path

from formkit.findings import CODE_NAMES, SEVERITY_NAMES, Finding
from formkit.outputs.annotate.marks import (
    AUTHOR, GRID_CELL, NO_FINDING, SHEET_NAME, by_place, location,
)
from formkit.outputs.palette import HEADER_FILL, RED, YELLOW

#: Excel cell references (``C7``) as findings write them.
_EXCEL_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _text(value) -> str | None:
    if value is None:
        return None
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def put_text(ws, row: int, col: int, value):
    """Write ``value`` as a text cell (never a formula, whatever it starts with)."""
    cell = ws.cell(row=row, column=col)
    text = _text(value)
    cell.value = text
    if text is not None:
        cell.data_type = "s"
    return cell


def excel_position(f: Finding) -> tuple[int, int] | None:
    """Return the (row, column) a finding names in a sheet, or None when it names no cell."""
    from openpyxl.utils.cell import column_index_from_string

    if not f.cell:
        return None
    match = _EXCEL_CELL.match(f.cell)
    if match:
        return int(match.group(2)), column_index_from_string(match.group(1))
    match = GRID_CELL.match(f.cell)
    if match:
        return int(match.group(1)), int(match.group(2))
    return None


def _comment_text(found: list[Finding]) -> str:
    return "\n".join(f"【{SEVERITY_NAMES[f.severity]}】{f.message}" for f in found)


def mark_workbook(wb, findings: list[Finding], name: str, sheet_names: dict[str, str] | None = None) -> None:
    """Fill and comment every cell a finding names, and put the 问题清单 sheet first."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    sheet_names = sheet_names or {}
    fills = {"error": PatternFill("solid", fgColor=RED), "warning": PatternFill("solid", fgColor=YELLOW)}
    targets: dict[int, str] = {}  # id(finding) → the sheet reference of the cell marked
    for (sheet, row, col), found in by_place(findings, excel_position).items():
        title = sheet_names.get(sheet, sheet)
        if title not in wb.sheetnames:
            continue
        ws = wb[title]
        for merged in ws.merged_cells.ranges:
            if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
                row, col = merged.min_row, merged.min_col  # a merged area keeps its value, fill and note in its first cell
                break
        cell = ws.cell(row=row, column=col)
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        cell.fill = fills[worst]
        text = _comment_text(found)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n——\n{text}"
        lines = sum(1 + len(line) // 18 for line in text.splitlines())
        cell.comment = Comment(text, AUTHOR, height=min(400, 20 + 18 * lines), width=300)
        for f in found:
            targets[id(f)] = f"'{title}'!{cell.coordinate}"
    _findings_sheet(wb, findings, name, targets)


def _findings_sheet(wb, findings: list[Finding], name: str, targets: dict[int, str]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    title = SHEET_NAME
    k = 1
    while title in wb.sheetnames:
        k += 1
        title = f"{SHEET_NAME}{k}"
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    ws = wb.create_sheet(title, 0)
    wb.active = 0
    ws.sheet_view.tabSelected = True
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    put_text(ws, 1, 1, f"问题清单：{name}").font = Font(name="黑体", bold=True, size=14)
    summary = (f"共发现问题{len(findings)}处，其中错误{errors}处、警告{warnings}处。标红的单元格为错误，须修改；"
               "标黄的为警告，请核实。鼠标移到单元格上可查看批注，点击“位置”可跳到该单元格。"
               if findings else f"{NO_FINDING}。")
    put_text(ws, 2, 1, summary)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    ws.row_dimensions[2].height = 32
    ws.cell(row=2, column=1).alignment = Alignment(wrap_text=True, vertical="center")
    headers = ["序号", "类别", "位置", "问题", "问题及修改要求", "原值"]
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, header in enumerate(headers, start=1):
        cell = put_text(ws, 3, c, header)
        cell.font = Font(name="黑体", bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c, width in enumerate((6, 8, 22, 16, 60, 24), start=1):
        ws.column_dimensions[chr(64 + c)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    if not findings:
        cell = put_text(ws, 4, 1, NO_FINDING)
        ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=6)
    fills = {"error": PatternFill("solid", fgColor=RED), "warning": PatternFill("solid", fgColor=YELLOW)}
    for n, f in enumerate(findings, start=1):
        r = 3 + n
        values = [n, SEVERITY_NAMES[f.severity], location(f), CODE_NAMES.get(f.code, f.code), f.message, f.value]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value) if c == 1 else put_text(ws, r, c, value)
            cell.border = border
            cell.alignment = wrap
        ws.cell(row=r, column=2).fill = fills[f.severity]
        # Wrapped text: the row as tall as the message needs (about 28 Chinese characters a line).
        ws.row_dimensions[r].height = 15 * max(1, -(-len(f.message) // 28), -(-len(f.value or "") // 11))
        target = targets.get(id(f))
        if target:
            link = ws.cell(row=r, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=target, display=location(f))
            link.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    landscape_a4(ws)


def landscape_a4(ws) -> None:
    """Print ``ws`` on landscape A4, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def save_workbook(wb) -> bytes:
    """Return the bytes of ``wb`` saved as an .xlsx."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def annotate_xlsx(source: Path, findings: list[Finding], name: str) -> bytes:
    """Return the bytes of the workbook ``source`` with its findings marked and listed."""
    import warnings

    from openpyxl import load_workbook

    # Opened from a file object: openpyxl refuses a name ending in .xls even when the bytes are xlsx.
    with open(source, "rb") as fh, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Data Validation extension is not supported": said in the docs
        wb = load_workbook(fh, rich_text=True)
    mark_workbook(wb, findings, name)
    return save_workbook(wb)

