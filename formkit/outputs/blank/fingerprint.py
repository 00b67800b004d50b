"""Fingerprints of the blank attachments: the semantic content of a workbook or a document (what
the drift test compares with the bundled templates; zip bytes are not the content)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


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
