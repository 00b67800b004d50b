"""The Excel blank with openpyxl: 附件N and the title, the header block, the declared header row,
the data rows with their formats, dropdowns for the enumerated columns and input hints, the
signature line and notes below, and the print setup; saved with fixed dates."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from pathlib import Path
from typing import Sequence

from formkit.campaign import Campaign
from formkit.forms import Column, Form
from formkit.outputs.palette import HEADER_FILL
from formkit.outputs.blank.layout import (
    FOOTER_LINE, HEADER_LABELS, NOTES_LABEL, Filled, blank_row_count, numbered_notes, prefilled_rows,
)

BATCH_VALUES = ("第一批", "第二批")
XLSX_BLANK_ROWS = 20
XLSX_FONT = "宋体"
XLSX_TITLE_FONT = "方正小标宋简体"
XLSX_LABEL_FONT = "黑体"

_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "uscc": "@", "phone": "@", "text": "@", "body": "@",
                   "city": "@", "multienum": "@", "int": "0"}
_LEFT_TYPES = {"text", "multienum", "body"}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(form: Form) -> str:
    """Return the short Chinese sheet name of a form (绩效评价合格企业, 质量抽查情况 …)."""
    name = re.sub(r"\{year\}(年度|年)?", "", form.title)
    for prefix in ("企业贯标", "贯标"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
            break
    for suffix in ("汇总表", "表"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return _SHEET_FORBIDDEN.sub("_", name)[:31] or form.key


def _list_formula(values: Sequence[str]) -> str | None:
    """Return an inline list formula for a dropdown, or None when Excel cannot take it inline."""
    if any("," in v for v in values):
        return None
    formula = '"' + ",".join(v.replace('"', '""') for v in values) + '"'
    return formula if len(formula) <= 255 else None


def build_workbook(form: Form, campaign: Campaign, filled: "Filled | None" = None):
    """Return the workbook of ``form``: blank, or in the blank's layout with ``filled``'s values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    title = form.title_for(campaign.year)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(form)
    cols = form.columns
    ncols = len(cols)
    last_letter = get_column_letter(ncols)
    widths = [col.width for col in cols]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name=XLSX_FONT, size=11)
    wrap_left = Alignment(horizontal="left", vertical="center", wrap_text=True)

    # Row 1: 附件N; row 2: the title across the table.
    ws.cell(1, 1, f"附件{form.attachment}").font = Font(name=XLSX_LABEL_FONT, size=14)
    ws.row_dimensions[1].height = 22
    ws.merge_cells(f"A2:{last_letter}2")
    title_cell = ws.cell(2, 1, title)
    title_cell.font = Font(name=XLSX_TITLE_FONT, size=18, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 36

    validations = []
    row = 3
    if form.header_block:
        validations += _write_header_block(ws, form, row, widths, body_font,
                                           filled.block if filled is not None else None)
        ws.row_dimensions[row].height = 24
        row += 1

    # The header row, exactly as declared.
    header_row = row
    header_font = Font(name=XLSX_FONT, size=11, bold=True)
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for index, col in enumerate(cols, start=1):
        cell = ws.cell(header_row, index, col.header)
        cell.font, cell.fill, cell.border = header_font, header_fill, box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[header_row].height = 15 * _max_lines([c.header for c in cols], widths) + 8

    # The data rows: empty for the cities; the province's own plan lists the cities.
    prefilled = filled.rows if filled is not None else prefilled_rows(form, campaign)
    count = len(prefilled) if prefilled is not None else blank_row_count(form, campaign, XLSX_BLANK_ROWS)
    first = header_row + 1
    last = header_row + count
    for r in range(first, last + 1):
        ws.row_dimensions[r].height = 20
        values = prefilled[r - first] if prefilled is not None else None
        for index, col in enumerate(cols, start=1):
            cell = ws.cell(r, index)
            if values and values[index - 1] not in (None, ""):
                value = values[index - 1]
                cell.value = int(value) if col.type == "seq" and str(value).isdigit() else value
                if isinstance(value, str) and value[:1] in "=+-@":
                    cell.data_type = "s"  # a city's text is never a formula
            cell.border, cell.font = box, body_font
            cell.number_format = _NUMBER_FORMATS.get(col.type, "General")
            cell.alignment = Alignment(
                horizontal="left" if col.type in _LEFT_TYPES else "center", vertical="center", wrap_text=True)
    has_total = prefilled is not None and form.has_total_row and (filled is None or filled.total)
    data_last = last - 1 if has_total else last
    if has_total:
        for index in range(1, ncols + 1):
            ws.cell(last, index).font = Font(name=XLSX_FONT, size=11, bold=True)

    for index, col in enumerate(cols, start=1):
        letter = get_column_letter(index)
        validations += _column_validations(col, f"{letter}{first}:{letter}{data_last}", wb)

    # Below the table: the signature line (city forms), then the numbered notes.
    row = last + 1
    if not form.issued_by_province:
        ws.merge_cells(f"A{row}:{last_letter}{row}")
        cell = ws.cell(row, 1, FOOTER_LINE)
        cell.font, cell.alignment = body_font, Alignment(horizontal="left", vertical="center")
        ws.row_dimensions[row].height = 24
        row += 1
    if form.notes:
        for text in (NOTES_LABEL, *numbered_notes(form)):
            ws.merge_cells(f"A{row}:{last_letter}{row}")
            cell = ws.cell(row, 1, text)
            cell.font, cell.alignment = body_font, wrap_left
            ws.row_dimensions[row].height = 16 * _max_lines([text], [sum(widths)]) + 4
            row += 1

    for dv in validations:
        ws.add_data_validation(dv)

    ws.freeze_panes = f"A{header_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    fixed = dt.datetime(campaign.year, 1, 1)
    wb.properties.creator = "formkit"
    wb.properties.lastModifiedBy = "formkit"
    wb.properties.title = title
    wb.properties.created = fixed
    wb.properties.modified = fixed
    return wb


def _write_header_block(ws, form: Form, row: int, widths: list[int], font, values: dict | None = None) -> list:
    """Write each header-block label in its own cell with its value cell (empty in a blank) to its right."""
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    underline = Border(bottom=Side(style="thin", color="000000"))
    validations = []
    column = 2  # column A is the narrow 序号
    for item in form.header_block:
        label = HEADER_LABELS.get(item, f"{item}：")
        need = 2 * len(label) + 1
        while column < len(widths) - 1 and widths[column - 1] < need:
            column += 1
        label_cell = ws.cell(row, column, label)
        label_cell.font = font
        label_cell.alignment = Alignment(horizontal="right", vertical="center")
        value_cell = ws.cell(row, column + 1)
        if values and values.get(item):
            value_cell.value = values[item]
        value_cell.font, value_cell.border = font, underline
        value_cell.alignment = Alignment(horizontal="left", vertical="center")
        if item == "date":
            value_cell.number_format = "yyyy-mm-dd"
        if item == "batch":
            dv = DataValidation(type="list", formula1=_list_formula(BATCH_VALUES), allow_blank=True,
                                showErrorMessage=True, errorStyle="warning", errorTitle="批次",
                                error=f"请从下拉列表中选择：{'、'.join(BATCH_VALUES)}",
                                showInputMessage=True, promptTitle="批次",
                                prompt=f"请选择：{'、'.join(BATCH_VALUES)}")
            dv.add(value_cell.coordinate)
            validations.append(dv)
        column += 3  # a gap column between the pairs
    return validations


def _column_validations(col: Column, sqref: str, wb) -> list:
    """Return the data validations of one column: a dropdown for an enum, hints for others."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if col.type == "enum" and col.values:
        formula = _list_formula(col.values) or _list_sheet_formula(wb, col)
        choices = "、".join(col.values)
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            showErrorMessage=True, errorStyle="warning", errorTitle=col.header[:32],
                            error=f"请从下拉列表中选择：{choices}"[:225],  # Excel's limits: 225 and 255
                            showInputMessage=True, promptTitle=col.header[:32],
                            prompt=f"请从下拉列表中选择：{choices}"[:255])
    elif col.type == "multienum" and col.values:
        dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=col.header[:32],
                            prompt=f"可填多项，用“、”分隔：{'、'.join(col.values)}"[:255])
    elif col.type == "date":
        dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=col.header[:32],
                            prompt="日期格式：2023-05-06")
    elif col.type == "uscc":
        dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=col.header[:32],
                            prompt="18位统一社会信用代码，本列为文本格式，请勿改为数字")
    else:
        return []
    dv.add(sqref)
    return [dv]


def _list_sheet_formula(wb, col: Column) -> str:
    """Return a range formula to the column's values on a hidden 下拉选项 sheet."""
    from openpyxl.utils import get_column_letter

    ws = wb["下拉选项"] if "下拉选项" in wb.sheetnames else wb.create_sheet("下拉选项")
    ws.sheet_state = "hidden"
    index = ws.max_column + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    letter = get_column_letter(index)
    ws.cell(1, index, col.header)
    for r, value in enumerate(col.values, start=2):
        ws.cell(r, index, value)
    return f"'下拉选项'!${letter}$2:${letter}${len(col.values) + 1}"


def _max_lines(texts: Sequence[str], widths: Sequence[float]) -> int:
    """Return how many lines the longest of ``texts`` wraps to in columns of ``widths``."""
    lines = 1
    for text, width in zip(texts, widths):
        units = sum(1.0 if ord(ch) < 0x2E80 else 2.1 for ch in text)
        lines = max(lines, math.ceil(units / max(width - 1, 1)))
    return lines


def save_workbook(wb, path: Path) -> None:
    """Save ``wb`` keeping its fixed dates (``Workbook.save`` stamps the current time)."""
    from openpyxl.writer.excel import ExcelWriter

    from formkit.outputs.ooxml import repack

    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # closes the archive
    path.write_bytes(repack(buffer.getvalue()))
