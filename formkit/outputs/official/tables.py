"""Tables of an official document: columns sized from their content (measured text widths), the
bordered table with a header row repeated on every page."""

from __future__ import annotations

from typing import Sequence

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Emu, Mm

from formkit.outputs.official.fonts import set_mark_font, style_run
from formkit.outputs.official.paragraphs import compact
from formkit.outputs.official.standard import BODY_FONT, HEADING1_FONT, LATIN_FONT
from formkit.outputs.wordml import TBLPR_ORDER, TRPR_ORDER, ensure

#: Advance widths (em) of the characters codes and dates are written with, the wider of the two
#: faces a letter's Latin text is set in: Times New Roman (Word, on the office's PCs) and DejaVu
#: Serif (LibreOffice's substitute where Times New Roman is not installed: the PDF copies).
LATIN_EM = {**dict.fromkeys("0123456789", 0.636), "A": 0.722, "B": 0.735, "C": 0.765, "D": 0.802, "E": 0.730,
            "F": 0.694, "G": 0.799, "H": 0.872, "I": 0.395, "J": 0.401, "K": 0.747, "L": 0.664, "M": 1.024,
            "N": 0.875, "O": 0.820, "P": 0.673, "Q": 0.820, "R": 0.753, "S": 0.685, "T": 0.667, "U": 0.843,
            "V": 0.722, "W": 1.028, "X": 0.712, "Y": 0.722, "Z": 0.686, "-": 0.338, "/": 0.337, ".": 0.318,
            " ": 0.318}
LATIN_EM_DEFAULT = 0.75  # lower case and anything else not listed: about an average capital
CELL_MARGIN_MM = 1.0  # each side (w:tblCellMar of add_table: 57 twips)
_MM_PER_PT = 25.4 / 72


def text_width_mm(text: str, size: float) -> float:
    """Return the width of ``text`` set at ``size`` pt: CJK characters one em, Latin ones from LATIN_EM."""
    em = 0.0
    for char in text:
        if ord(char) >= 0x2E80:  # CJK, full-width punctuation
            em += 1.0
        else:
            em += LATIN_EM.get(char.upper() if char.islower() else char, LATIN_EM_DEFAULT)
    return em * size * _MM_PER_PT


def column_width_mm(samples: Sequence[str], size: float, slack_mm: float = 1.0) -> float:
    """Return the width of a column that holds each of ``samples`` on one line at ``size`` pt.

    The cell margins and ``slack_mm`` (rounding in Word's and LibreOffice's layout) are included.
    """
    return max(text_width_mm(s, size) for s in samples) + 2 * CELL_MARGIN_MM + slack_mm


def add_table(doc, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *,
              font_size: float = 12, header_font: str = HEADING1_FONT, body_font: str = BODY_FONT,
              row_height_mm: float = 7, header_height_mm: float = 10):
    """Return a new bordered, centred table: a header row repeated on every page, then ``rows``.

    ``widths`` are relative column weights, scaled to the width of the text block. Rows do not
    break across pages; empty cells carry the body font so that typed text gets it too.
    """
    section = doc.sections[-1]
    text_width = section.page_width - section.left_margin - section.right_margin
    total = float(sum(widths))
    col_widths = [Emu(int(text_width * w / total)) for w in widths]

    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_table_lines(table)
    for i, width in enumerate(col_widths):
        table.columns[i].width = width
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(int(sum(col_widths) / 635)))  # EMU → twips

    for r_index, values in enumerate([header, *rows]):
        is_header = r_index == 0
        row = table.rows[r_index]
        row.height = Mm(header_height_mm if is_header else row_height_mm)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        ensure(row._tr.get_or_add_trPr(), "w:cantSplit", TRPR_ORDER)
        for c_index, cell in enumerate(row.cells):
            cell.width = col_widths[c_index]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = compact(cell.paragraphs[0])
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            font = header_font if is_header else body_font
            set_mark_font(paragraph, font_size, font, bold=is_header)
            text = str(values[c_index]) if c_index < len(values) and values[c_index] is not None else ""
            if text:
                style_run(paragraph.add_run(text), font_size, font, latin=LATIN_FONT, bold=is_header or None)
    mark_header_row(table.rows[0])
    return table


def mark_header_row(row) -> None:
    """Return nothing; make Word repeat ``row`` at the top of each page (``w:tblHeader``)."""
    ensure(row._tr.get_or_add_trPr(), "w:tblHeader", TRPR_ORDER)


def is_header_row(row) -> bool:
    """Return whether ``row`` is marked to repeat on each page."""
    tr_pr = row._tr.trPr
    if tr_pr is None:
        return False
    flag = tr_pr.find(qn("w:tblHeader"))
    return flag is not None and flag.get(qn("w:val"), "true") not in ("0", "false", "off")


def _set_table_lines(table, outer: int = 8, inner: int = 4) -> None:
    """Draw the table's lines directly (no table style needed): 1 pt outside, 0.5 pt inside."""
    tbl_pr = table._tbl.tblPr
    borders = ensure(tbl_pr, "w:tblBorders", TBLPR_ORDER)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = ensure(borders, f"w:{edge}", ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV"))
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), str(inner if edge.startswith("inside") else outer))
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
    margins = ensure(tbl_pr, "w:tblCellMar", TBLPR_ORDER)
    for edge in ("left", "right"):
        mar = ensure(margins, f"w:{edge}", ("w:top", "w:left", "w:bottom", "w:right"))
        mar.set(qn("w:w"), "57")  # 1 mm: dense forms need the room
        mar.set(qn("w:type"), "dxa")
