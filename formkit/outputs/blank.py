"""The blank attachments sent to the cities (``formkit blank``), derived from the form declarations.

Each form becomes an Excel workbook (dropdowns for the enumerated columns, text format for the
credit code, print setup) and a Word document in the official layout (GB/T 9704-2012, landscape
A4, header row repeated on each page). The bundled copies in ``templates/xlsx`` and
``templates/docx`` are regenerated with ``python -m formkit.outputs.blank``; a test checks that they
have not drifted from what this module writes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.forms import FORM_ORDER, Column, Form, get_form, load_forms
from formkit.fsutil import atomic_path, safe_filename

FORMATS = ("xlsx", "docx")

HEADER_LABELS = {"unit": "填报单位（盖章）：", "date": "填报日期：", "batch": "批次："}
BATCH_VALUES = ("第一批", "第二批")
DOCX_HEADER_PARTS = {"unit": "填报单位（盖章）：", "date": "填报日期：    年  月  日", "batch": "批次：第  批"}
FOOTER_LINE = "填表人：          审核人：          联系电话："
NOTES_LABEL = "填表说明："
TOTAL_LABEL = "合计"

XLSX_BLANK_ROWS = 20
DOCX_BLANK_ROWS = 10
BLANK_NAME = re.compile(r"^附件\d+-.+\.(xlsx|docx)$")

XLSX_FONT = "宋体"
XLSX_TITLE_FONT = "方正小标宋简体"
XLSX_LABEL_FONT = "黑体"
HEADER_FILL = "D9E1F2"

_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "uscc": "@", "phone": "@", "text": "@", "body": "@",
                   "city": "@", "multienum": "@", "int": "0"}
_LEFT_TYPES = {"text", "multienum", "body"}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


# --- names ---------------------------------------------------------------------------------

@dataclass
class Filled:
    """What a filled form adds to the blank layout: header-block values, data rows, a total row."""

    block: dict = field(default_factory=dict)  # unit / date / batch → text
    rows: list[list] = field(default_factory=list)  # one value per declared column
    total: bool = False  # the last row is a 合计 row


def blank_filename(form: Form, campaign: Campaign, fmt: str) -> str:
    """Return the file name of a blank attachment, e.g. ``附件2-2023年度贯标绩效评价合格企业汇总表.xlsx``."""
    _check_format(fmt)
    return safe_filename(f"附件{form.attachment}-{form.title_for(campaign.year)}.{fmt}", max_len=120)


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


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise FormkitError(f"不支持的格式“{fmt}”，可选：{'、'.join(FORMATS)}")


def _resolve_forms(forms: Iterable[str | Form] | None) -> list[Form]:
    if forms is None:
        return list(load_forms().values())
    resolved = []
    for item in forms:
        if isinstance(item, Form):
            resolved.append(item)
            continue
        if item not in FORM_ORDER:
            raise FormkitError(f"未知的表格“{item}”，可选：{'、'.join(FORM_ORDER)}")
        resolved.append(get_form(item))
    return resolved


# --- what goes into the table ------------------------------------------------------------

def _column_of_type(form: Form, kind: str) -> int | None:
    for index, col in enumerate(form.columns):
        if col.type == kind:
            return index
    return None


def _prefilled_rows(form: Form, campaign: Campaign) -> list[list[str]] | None:
    """Return the rows printed in a province-issued form (one per city, then 合计), else None."""
    if not form.issued_by_province:
        return None
    seq, city = _column_of_type(form, "seq"), _column_of_type(form, "city")
    rows = []
    for number, c in enumerate(campaign.cities, start=1):
        row = [""] * len(form.columns)
        if seq is not None:
            row[seq] = str(number)
        if city is not None:
            row[city] = c.name
        rows.append(row)
    if form.has_total_row:
        row = [""] * len(form.columns)
        row[city if city is not None else (1 if len(row) > 1 else 0)] = TOTAL_LABEL
        rows.append(row)
    return rows


def _blank_row_count(form: Form, campaign: Campaign, default: int) -> int:
    """Return how many empty rows a city form gets: the default, or the spot-check quota."""
    if form.key == "spotcheck":
        return max(default, int(campaign.thresholds.get("spotcheck_min_per_city", 0)))
    return default


def _numbered_notes(form: Form) -> list[str]:
    return [f"{i}. {note}" for i, note in enumerate(form.notes, start=1)]


def _list_formula(values: Sequence[str]) -> str | None:
    """Return an inline list formula for a dropdown, or None when Excel cannot take it inline."""
    if any("," in v for v in values):
        return None
    formula = '"' + ",".join(v.replace('"', '""') for v in values) + '"'
    return formula if len(formula) <= 255 else None


# --- xlsx ----------------------------------------------------------------------------------

def _build_workbook(form: Form, campaign: Campaign, filled: "Filled | None" = None):
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
    prefilled = filled.rows if filled is not None else _prefilled_rows(form, campaign)
    count = len(prefilled) if prefilled is not None else _blank_row_count(form, campaign, XLSX_BLANK_ROWS)
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
        for text in (NOTES_LABEL, *_numbered_notes(form)):
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


def _save_workbook(wb, path: Path) -> None:
    """Save ``wb`` keeping its fixed dates (``Workbook.save`` stamps the current time)."""
    from openpyxl.writer.excel import ExcelWriter

    from formkit.outputs.ooxml import repack

    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # closes the archive
    path.write_bytes(repack(buffer.getvalue()))


def write_blank_xlsx(form: Form, campaign: Campaign, path: str | Path) -> Path:
    """Return ``path`` after writing the blank Excel attachment of ``form`` there."""
    path = Path(path)
    wb = _build_workbook(form, campaign)
    with atomic_path(path) as tmp:
        _save_workbook(wb, tmp)
    return path


# --- docx ----------------------------------------------------------------------------------

def _docx_widths(form: Form, font_size: float, text_width_pt: float) -> list[float]:
    """Return column widths in points: proportional to the declared widths, but a credit
    code column keeps room for its 18 characters on one line."""
    weights = [float(col.width) for col in form.columns]
    minimum = {i: 18 * font_size * 0.55 + 8 for i, col in enumerate(form.columns) if col.type == "uscc"}
    widths = [text_width_pt * w / sum(weights) for w in weights]
    short = {i: m for i, m in minimum.items() if widths[i] < m}
    if short:
        rest = text_width_pt - sum(short.values())
        free = sum(w for i, w in enumerate(weights) if i not in short)
        widths = [short[i] if i in short else rest * w / free for i, w in enumerate(weights)]
    return widths


def _build_document(form: Form, campaign: Campaign, filled: "Filled | None" = None):
    from formkit.outputs import official

    doc = official.new_official_document(landscape=True)
    official.add_attachment_label(doc, f"附件{form.attachment}")
    official.add_title(doc, form.title_for(campaign.year))
    if form.header_block:
        if filled is not None:
            parts = [HEADER_LABELS.get(item, f"{item}：") + str(filled.block.get(item) or "") for item in form.header_block]
        else:
            parts = [DOCX_HEADER_PARTS.get(item, HEADER_LABELS.get(item, f"{item}：")) for item in form.header_block]
        official.add_text(doc, (" " * 12).join(parts), size=14)

    section = doc.sections[0]
    text_width_pt = (section.page_width - section.left_margin - section.right_margin) / 12700
    font_size = 12 if len(form.columns) <= 8 else 10.5
    rows = [["" if v is None else str(v) for v in r] for r in filled.rows] if filled is not None \
        else _prefilled_rows(form, campaign)
    if rows is None:
        rows = [[""] * len(form.columns) for _ in range(DOCX_BLANK_ROWS)]
    official.add_table(doc, [col.header for col in form.columns], rows,
                       _docx_widths(form, font_size, text_width_pt), font_size=font_size)

    if not form.issued_by_province:
        official.add_text(doc, FOOTER_LINE, size=14)
    if form.notes:
        official.add_text(doc, NOTES_LABEL, size=12, font=official.HEADING1_FONT, tight=True)
        for note in _numbered_notes(form):
            official.add_text(doc, note, size=12, tight=True)
    official.add_page_number_footer(section)

    fixed = dt.datetime(campaign.year, 1, 1)
    props = doc.core_properties
    props.author = "formkit"
    props.last_modified_by = "formkit"
    props.title = form.title_for(campaign.year)
    props.created = fixed
    props.modified = fixed
    props.revision = 1
    return doc


def write_blank_docx(form: Form, campaign: Campaign, path: str | Path) -> Path:
    """Return ``path`` after writing the blank Word attachment of ``form`` there."""
    from formkit.outputs.official import save_document

    path = Path(path)
    doc = _build_document(form, campaign)
    with atomic_path(path) as tmp:
        save_document(doc, tmp)
    return path


# --- all of them ---------------------------------------------------------------------------

_WRITERS = {"xlsx": write_blank_xlsx, "docx": write_blank_docx}


def write_blanks(campaign: Campaign, out_dir: str | Path, forms: Iterable[str | Form] | None = None,
                 formats: Sequence[str] = FORMATS) -> list[Path]:
    """Return the paths of the blank attachments written into ``out_dir``.

    ``forms`` are form keys (or Form objects), all four when None; ``formats`` any of
    ``xlsx`` and ``docx``. Each file is written to a temporary name and renamed.
    """
    for fmt in formats:
        _check_format(fmt)
    out_dir = Path(out_dir)
    written = []
    for form in _resolve_forms(forms):
        for fmt in formats:
            written.append(_WRITERS[fmt](form, campaign, out_dir / blank_filename(form, campaign, fmt)))
    return written


# --- fingerprints (what the drift test compares; zip bytes are not the content) ----------

def _plain(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


def fingerprint_xlsx(path: str | Path) -> dict:
    """Return the semantic content of a workbook: values, formats, merges, validations, page setup."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        cells, formats, styles = {}, {}, {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells[cell.coordinate] = _plain(cell.value)
                    fill = cell.fill.fgColor.rgb if cell.fill.fill_type else None
                    styles[cell.coordinate] = [cell.font.name, cell.font.sz, bool(cell.font.b), str(fill),
                                               cell.alignment.horizontal]
                if cell.number_format != "General" and cell.has_style:
                    formats[cell.coordinate] = cell.number_format
        validations = sorted(
            ([str(v) if v is not None else None for v in (dv.type, dv.formula1, dv.sqref, dv.prompt, dv.errorStyle)]
             for dv in ws.data_validations.dataValidation),
            key=lambda dv: [v or "" for v in dv])
        sheets.append({
            "name": ws.title,
            "state": ws.sheet_state,
            "cells": cells,
            "formats": formats,
            "styles": styles,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": validations,
            "freeze": ws.freeze_panes,
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.width},
            "orientation": ws.page_setup.orientation,
            "paper_size": str(ws.page_setup.paperSize) if ws.page_setup.paperSize is not None else None,
            "fit_to_width": ws.page_setup.fitToWidth,
            "print_title_rows": ws.print_title_rows,
        })
    props = wb.properties
    return {
        "properties": {"title": props.title, "creator": props.creator, "created": _plain(props.created)},
        "sheets": sheets,
    }


def _run_fingerprint(run) -> list:
    from formkit.outputs.official import east_asian_font

    return [run.text, run.font.size.pt if run.font.size else None, east_asian_font(run), run.font.bold]


def _paragraph_fingerprint(paragraph) -> dict:
    from formkit.outputs.official import field_instructions

    return {
        "text": paragraph.text,
        "align": str(paragraph.alignment) if paragraph.alignment is not None else None,
        "runs": [_run_fingerprint(r) for r in paragraph.runs],
        "fields": field_instructions(paragraph),
    }


def fingerprint_docx(path: str | Path) -> dict:
    """Return the semantic content of a Word document: paragraphs, tables, page setup, footers."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from formkit.outputs.official import doc_grid, east_asian_font, is_header_row, length_mm

    doc = Document(str(path))
    body = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            body.append({"paragraph": _paragraph_fingerprint(block)})
        elif isinstance(block, Table):
            body.append({"table": {
                "rows": [[cell.text for cell in row.cells] for row in block.rows],
                "header_rows": [i for i, row in enumerate(block.rows) if is_header_row(row)],
                "widths_mm": [length_mm(c.width) for c in block.columns],
            }})
    sections = []
    for s in doc.sections:
        sections.append({
            "page_mm": [length_mm(s.page_width), length_mm(s.page_height)],
            "orientation": str(s.orientation),
            "margins_mm": {side: length_mm(getattr(s, f"{side}_margin"))
                           for side in ("top", "bottom", "left", "right")},
            "grid": doc_grid(s),
            "footer": [_paragraph_fingerprint(p) for p in s.footer.paragraphs],
            "even_footer": [_paragraph_fingerprint(p) for p in s.even_page_footer.paragraphs],
        })
    normal = doc.styles["Normal"]
    return {
        "properties": {"title": doc.core_properties.title, "author": doc.core_properties.author},
        "normal": [normal.font.size.pt if normal.font.size else None, east_asian_font(normal)],
        "even_and_odd": doc.settings.odd_and_even_pages_header_footer,
        "body": body,
        "sections": sections,
    }


def fingerprint(path: str | Path) -> dict:
    """Return the fingerprint of a blank attachment of either format."""
    return fingerprint_xlsx(path) if str(path).endswith(".xlsx") else fingerprint_docx(path)


# --- regenerating the bundled templates ----------------------------------------------------

def main() -> int:
    """Return 0 after regenerating ``templates/xlsx`` and ``templates/docx`` from the default campaign."""
    from formkit.campaign import load_campaign
    from formkit.resources import templates_dir

    campaign = load_campaign()
    for fmt in FORMATS:
        folder = templates_dir() / fmt
        written = write_blanks(campaign, folder, formats=(fmt,))
        # Remove blanks whose title changed; other templates in the folder are not ours.
        keep = {p.name for p in written}
        for old in folder.glob(f"附件*.{fmt}"):
            if BLANK_NAME.match(old.name) and old.name not in keep:
                old.unlink()
        for p in written:
            print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def write_filled(form: Form, campaign: Campaign, filled: Filled, path: str | Path, fmt: str) -> Path:
    """Return ``path`` after writing a filled form in the blank attachment's layout (xlsx or docx)."""
    _check_format(fmt)
    path = Path(path)
    if fmt == "xlsx":
        wb = _build_workbook(form, campaign, filled)
        with atomic_path(path) as tmp:
            _save_workbook(wb, tmp)
    else:
        from formkit.outputs.official import save_document

        doc = _build_document(form, campaign, filled)
        with atomic_path(path) as tmp:
            save_document(doc, tmp)
    return path
