"""The sample files as written: a form in the blank attachment's layout (xlsx or docx), and the
one way every sample workbook is saved, with fixed timestamps so two runs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from formkit.forms import get_form
from formkit.fsutil import write_bytes
from formkit.normalize import chinese_date

HEADER_ROW = 4          # xlsx: row 1 附件N, row 2 title, row 3 header block, row 4 headers
PLAN_HEADER_ROW = 3     # the plan has no header block
#: Zip entry time of every sample file.
ZIP_TIME = (2023, 4, 19, 9, 0, 0)


def normalise_zip(data: bytes) -> bytes:
    """Return the same package with every entry dated ZIP_TIME (byte-identical runs)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def save_xlsx(wb, path: Path, *, creator: str, title: str, stamp: dt.datetime) -> None:
    """Write the openpyxl workbook ``wb`` to ``path`` with fixed properties and entry times."""
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.creator = creator
    wb.properties.last_modified_by = creator
    wb.properties.title = title
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()   # save_workbook() would stamp "now" as modified
    write_bytes(path, normalise_zip(buf.getvalue()))


def header_row(ws, row: int, cols) -> object:
    """Write the column headers of ``cols`` (bold, centred, framed, declared widths) in ``row``;
    return the thin border the data cells use too."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for j, col in enumerate(cols, 1):
        c = ws.cell(row, j, col.header)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
        ws.column_dimensions[get_column_letter(j)].width = col.width
    return border


def text_date(value: dt.date, style: str) -> str:
    return chinese_date(value) if style == "cn" else value.isoformat()


def write_form_xlsx(path: Path, form_key: str, title: str, header: list[str] | None,
                rows: list[dict], footer: str | None, date_style: str, stamp: dt.datetime) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    form = get_form(form_key)
    cols = form.columns
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ncol = len(cols)
    ws.cell(1, 1, f"附件{form.attachment}")
    ws.cell(2, 1, title).font = Font(bold=True, size=16)
    ws.cell(2, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    hrow = HEADER_ROW
    if header is None:
        hrow = PLAN_HEADER_ROW
    else:
        for text, col in zip(header, (1, 6, 10)):
            ws.cell(3, col, text)
    border = header_row(ws, hrow, cols)
    r = hrow
    for i, row in enumerate(rows, 1):
        r = hrow + i
        for j, col in enumerate(cols, 1):
            value = row.get(col.key) if col.key != "seq" else row.get("seq", i)
            cell = ws.cell(r, j)
            if isinstance(value, dt.date):
                if date_style == "cell":
                    cell.value = value
                    cell.number_format = "yyyy-mm-dd"
                else:
                    cell.value = text_date(value, date_style)
            else:
                cell.value = value
                if col.type == "uscc" and isinstance(value, str):
                    cell.number_format = "@"
                elif col.type == "uscc":
                    cell.number_format = "0"
            cell.border = border
    if footer:
        ws.cell(r + 2, 1, footer)
    save_xlsx(wb, path, creator="formkit samplegen", title=title, stamp=stamp)


def write_form_docx(path: Path, form_key: str, title: str, header: list[str], rows: list[dict],
                footer: str, date_style: str, stamp: dt.datetime) -> None:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    form = get_form(form_key)
    cols = form.columns
    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_paragraph(f"附件{form.attachment}")
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(title)
    run.bold = True
    run.font.size = Pt(16)
    doc.add_paragraph("　　　　".join(header))
    table = doc.add_table(rows=1 + len(rows), cols=len(cols))
    table.style = "Table Grid"
    for j, col in enumerate(cols):
        table.rows[0].cells[j].text = col.header
    for i, row in enumerate(rows, 1):
        cells = table.rows[i].cells
        for j, col in enumerate(cols):
            value = row.get(col.key) if col.key != "seq" else row.get("seq", i)
            if value is None:
                continue
            cells[j].text = text_date(value, date_style) if isinstance(value, dt.date) else str(value)
    doc.add_paragraph(footer)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = "formkit samplegen"
    cp.title = title
    cp.created = cp.modified = cp.last_printed = stamp
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    write_bytes(path, normalise_zip(buf.getvalue()))
