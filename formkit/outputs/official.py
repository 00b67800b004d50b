"""Word documents in the GB/T 9704-2012 layout (党政机关公文格式), built on python-docx.

All the raw WordprocessingML formkit writes lives in this module: East-Asian fonts, the
document grid, repeated table header rows, page-number fields, odd/even footers. The blank
forms, the provincial report and the letters share it.

The arithmetic (GB/T 9704-2012 §5.2, §7):

* A4 210 × 297 mm; 天头 (top) 37 mm, 订口 (left) 28 mm; text block 156 × 225 mm, hence
  bottom 35 mm and right 26 mm.
* 22 lines in 225 mm: 28.99 pt a line, rounded down to 579 twips (28.95 pt) so that 22
  lines surely fit. It is the exact line spacing of the Normal style and the grid's
  ``w:linePitch``.
* 28 characters in 156 mm: 15.79 pt a character, less than the 16 pt (3号) glyph. The
  grid (``w:type="linesAndChars"``) narrows the pitch by ``w:charSpace`` in 1/4096 pt:
  (15.79 − 16) × 4096 ≈ −848 (rounded down).
* Page numbers ``— 1 —`` in 4号 (14 pt) 宋体, one character in from the right edge of the
  text block on odd pages and from the left on even pages, their top 7 mm below the text
  block.

Landscape pages (horizontal tables, §10.1) keep the very same text block on the sheet: the
page is turned a quarter clockwise so the table's head lies on the binding edge of an odd
page. The portrait left margin (订口 28 mm) becomes the top, the portrait top (天头 37 mm)
the right, the portrait right (26 mm) the bottom and the portrait bottom (35 mm) the left:
a 225 × 156 mm text block. The page number stays in the footer of the turned page (the
standard puts it at the sheet's foot, which would need a rotated text box).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm, Pt, Twips

from formkit.outputs.ooxml import repack

A4_MM = (210, 297)
PORTRAIT_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LANDSCAPE_MARGINS_MM = {"top": 28, "bottom": 26, "left": 35, "right": 37}
TEXT_BLOCK_MM = (156, 225)
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

BODY_SIZE = 16  # 3号
TITLE_SIZE = 22  # 2号
PAGE_NUMBER_SIZE = 14  # 4号

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"

_PT_PER_MM = 72 / 25.4
LINE_PITCH_TWIPS = math.floor(TEXT_BLOCK_MM[1] * _PT_PER_MM / LINES_PER_PAGE * 20)  # 579
CHAR_SPACE = math.floor((TEXT_BLOCK_MM[0] * _PT_PER_MM / CHARS_PER_LINE - BODY_SIZE) * 4096)  # -848
PAGE_NUMBER_GAP_MM = 7
HEADER_DISTANCE_MM = 15

# Child order of the elements this module inserts into (ECMA-376 Part 1 sequences); a child
# in the wrong place makes Word refuse or "repair" the file.
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)
_PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)
_SECTPR_ORDER = (
    "w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type", "w:pgSz",
    "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType", "w:cols", "w:formProt",
    "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi", "w:rtlGutter",
    "w:docGrid", "w:printerSettings", "w:sectPrChange",
)
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)
_TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
    "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
)
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _ensure(parent, tag: str, order: Sequence[str]):
    """Return ``parent``'s child ``tag``, inserted at its schema position when missing."""
    child = parent.find(qn(tag))
    if child is not None:
        return child
    child = OxmlElement(tag)
    successors = {qn(t) for t in order[order.index(tag) + 1:]}
    for existing in parent:
        if existing.tag in successors:
            existing.addprevious(child)
            return child
    parent.append(child)
    return child


def _rpr_of(target):
    """Return the ``w:rPr`` of a run or a style, created when missing."""
    element = target._r if hasattr(target, "_r") else target.element
    return element.get_or_add_rPr()


# --- fonts ---------------------------------------------------------------------------------

def set_east_asian_font(target, name: str, latin: str | None = None) -> None:
    """Return nothing; set the East-Asian font (``w:eastAsia``) of a run or style.

    python-docx's ``font.name`` sets only the Latin slots, so Chinese text would fall back to
    another font. Theme font attributes are removed because they override explicit names.
    ``latin`` also sets ``w:ascii``/``w:hAnsi`` (digits in a title should match the title).
    """
    _set_rfonts(_rpr_of(target), east_asian=name, latin=latin)


def _set_rfonts(rpr, east_asian: str | None = None, latin: str | None = None) -> None:
    rfonts = _ensure(rpr, "w:rFonts", _RPR_ORDER)
    for attr in _THEME_FONT_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    if east_asian:
        rfonts.set(qn("w:eastAsia"), east_asian)
    if latin:
        rfonts.set(qn("w:ascii"), latin)
        rfonts.set(qn("w:hAnsi"), latin)
        rfonts.set(qn("w:cs"), latin)


def east_asian_font(target) -> str | None:
    """Return the ``w:eastAsia`` font set directly on a run or style, else None."""
    element = target._r if hasattr(target, "_r") else target.element
    rpr = element.find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


def style_run(run, size: float | None = None, font: str | None = None, latin: str | None = None,
              bold: bool | None = None):
    """Return ``run`` after setting its size (pt), East-Asian and Latin font, and weight."""
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if font or latin:
        _set_rfonts(_rpr_of(run), east_asian=font, latin=latin)
    return run


def _set_mark_font(paragraph, size: float, font: str, latin: str = LATIN_FONT, bold: bool = False) -> None:
    """Set the paragraph mark's font: what Word uses for text typed into an empty paragraph."""
    rpr = _ensure(paragraph._p.get_or_add_pPr(), "w:rPr", _PPR_ORDER)
    _set_rfonts(rpr, east_asian=font, latin=latin)
    if bold:
        _ensure(rpr, "w:b", _RPR_ORDER)
    half_points = str(int(round(size * 2)))
    _ensure(rpr, "w:sz", _RPR_ORDER).set(qn("w:val"), half_points)
    _ensure(rpr, "w:szCs", _RPR_ORDER).set(qn("w:val"), half_points)


# --- document, page and styles -------------------------------------------------------------

def new_official_document(landscape: bool = False):
    """Return a new python-docx Document with the GB/T 9704-2012 page, grid and body style.

    Portrait: A4, margins 37/35/28/26 mm (top/bottom/left/right). Landscape: the same text
    block turned a quarter (28/26/35/37 mm), see the module docstring.
    """
    doc = Document()
    _drop_thumbnail(doc)
    _set_doc_defaults(doc)
    _set_normal_style(doc)
    set_page_layout(doc.sections[0], landscape=landscape)
    return doc


def _drop_thumbnail(doc) -> None:
    """Remove python-docx's template thumbnail, a picture of some other document."""
    rels = doc.part.package.rels
    for r_id, rel in list(rels.items()):
        if rel.reltype.endswith("/metadata/thumbnail"):
            rels.pop(r_id)
            getattr(rels, "_target_parts_by_rId", {}).pop(r_id, None)


def set_page_layout(section, landscape: bool = False) -> None:
    """Return nothing; give ``section`` the A4 page, margins and document grid of the standard."""
    short, long_ = Mm(A4_MM[0]), Mm(A4_MM[1])
    margins = LANDSCAPE_MARGINS_MM if landscape else PORTRAIT_MARGINS_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    section.top_margin = Mm(margins["top"])
    section.bottom_margin = Mm(margins["bottom"])
    section.left_margin = Mm(margins["left"])
    section.right_margin = Mm(margins["right"])
    section.gutter = Mm(0)
    section.header_distance = Mm(HEADER_DISTANCE_MM)
    # The footer's bottom edge sits so that the page number's top is 7 mm below the text.
    section.footer_distance = Emu(Mm(margins["bottom"] - PAGE_NUMBER_GAP_MM) - Pt(PAGE_NUMBER_SIZE))
    grid = _ensure(section._sectPr, "w:docGrid", _SECTPR_ORDER)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def doc_grid(section) -> dict:
    """Return the section's document grid attributes (type, linePitch, charSpace)."""
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        return {}
    return {k: grid.get(qn(f"w:{k}")) for k in ("type", "linePitch", "charSpace")}


def restart_page_numbering(section, start: int = 1) -> None:
    """Return nothing; make the page numbers of ``section`` start again at ``start``."""
    _ensure(section._sectPr, "w:pgNumType", _SECTPR_ORDER).set(qn("w:start"), str(start))


def _set_doc_defaults(doc) -> None:
    """Put the body fonts, size and language in ``w:docDefaults`` (the fallback of every style)."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = _ensure(defaults, "w:rPrDefault", ("w:rPrDefault", "w:pPrDefault"))
    rpr = _ensure(rpr_default, "w:rPr", ("w:rPr",))
    _set_rfonts(rpr, east_asian=BODY_FONT, latin=LATIN_FONT)
    half_points = str(BODY_SIZE * 2)
    _ensure(rpr, "w:sz", _RPR_ORDER).set(qn("w:val"), half_points)
    _ensure(rpr, "w:szCs", _RPR_ORDER).set(qn("w:val"), half_points)
    lang = _ensure(rpr, "w:lang", _RPR_ORDER)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr_default = _ensure(defaults, "w:pPrDefault", ("w:pPrDefault",))
    ppr = _ensure(ppr_default, "w:pPr", ("w:pPr",))
    spacing = _ensure(ppr, "w:spacing", _PPR_ORDER)
    spacing.set(qn("w:before"), "0")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(LINE_PITCH_TWIPS))
    spacing.set(qn("w:lineRule"), "exact")


def _set_normal_style(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_SIZE)
    set_east_asian_font(normal, BODY_FONT, latin=LATIN_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing = Twips(LINE_PITCH_TWIPS)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


# --- paragraphs ----------------------------------------------------------------------------

def _indent_first_line(paragraph, chars: int = 2, size: float = BODY_SIZE) -> None:
    """Indent the first line by ``chars`` characters (in character units and in twips)."""
    paragraph.paragraph_format.first_line_indent = Pt(chars * size)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def compact(paragraph):
    """Return ``paragraph`` set to single spacing, off the document grid (tables, notes)."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing = 1.0
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    _ensure(paragraph._p.get_or_add_pPr(), "w:snapToGrid", _PPR_ORDER).set(qn("w:val"), "0")
    return paragraph


def _outline_level(paragraph, level: int) -> None:
    """Show the paragraph in Word's navigation pane at ``level`` (0 = top)."""
    _ensure(paragraph._p.get_or_add_pPr(), "w:outlineLvl", _PPR_ORDER).set(qn("w:val"), str(level))


def add_attachment_label(doc, text: str):
    """Return a new paragraph ``附件N`` in 3号黑体 at the top left (GB/T 9704-2012 §8)."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    style_run(paragraph.add_run(text), BODY_SIZE, HEADING1_FONT, latin=HEADING1_FONT)
    return paragraph


def add_title(doc, text: str, space_before_lines: int = 0):
    """Return a new centred title paragraph in 2号 (22 pt) 方正小标宋简体."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if space_before_lines:
        paragraph.paragraph_format.space_before = Twips(LINE_PITCH_TWIPS * space_before_lines)
    style_run(paragraph.add_run(text), TITLE_SIZE, TITLE_FONT, latin=TITLE_FONT)
    return paragraph


def _add_heading(doc, text: str, font: str, level: int):
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_first_line(paragraph)
    _outline_level(paragraph, level)
    style_run(paragraph.add_run(text), BODY_SIZE, font, latin=font)
    return paragraph


def add_heading1(doc, text: str):
    """Return a new level-1 heading (一、…) in 3号黑体, indented two characters."""
    return _add_heading(doc, text, HEADING1_FONT, 0)


def add_heading2(doc, text: str):
    """Return a new level-2 heading (（一）…) in 3号楷体_GB2312, indented two characters."""
    return _add_heading(doc, text, HEADING2_FONT, 1)


def add_body(doc, text: str):
    """Return a new body paragraph: justified, first line indented two characters."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_first_line(paragraph)
    if text:
        paragraph.add_run(text)
    return paragraph


def add_text(doc, text: str, size: float | None = None, font: str | None = None, bold: bool = False,
             align=WD_ALIGN_PARAGRAPH.LEFT, tight: bool = False):
    """Return a new unindented paragraph (form lines, notes); ``tight`` = single spacing."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    if tight:
        compact(paragraph)
    style_run(paragraph.add_run(text), size, font, bold=bold or None)
    return paragraph


# --- tables --------------------------------------------------------------------------------

# --- sizing columns from their content ------------------------------------------------------

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
        _ensure(row._tr.get_or_add_trPr(), "w:cantSplit", _TRPR_ORDER)
        for c_index, cell in enumerate(row.cells):
            cell.width = col_widths[c_index]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = compact(cell.paragraphs[0])
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            font = header_font if is_header else body_font
            _set_mark_font(paragraph, font_size, font, bold=is_header)
            text = str(values[c_index]) if c_index < len(values) and values[c_index] is not None else ""
            if text:
                style_run(paragraph.add_run(text), font_size, font, latin=LATIN_FONT, bold=is_header or None)
    mark_header_row(table.rows[0])
    return table


def mark_header_row(row) -> None:
    """Return nothing; make Word repeat ``row`` at the top of each page (``w:tblHeader``)."""
    _ensure(row._tr.get_or_add_trPr(), "w:tblHeader", _TRPR_ORDER)


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
    borders = _ensure(tbl_pr, "w:tblBorders", _TBLPR_ORDER)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = _ensure(borders, f"w:{edge}", ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV"))
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), str(inner if edge.startswith("inside") else outer))
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
    margins = _ensure(tbl_pr, "w:tblCellMar", _TBLPR_ORDER)
    for edge in ("left", "right"):
        mar = _ensure(margins, f"w:{edge}", ("w:top", "w:left", "w:bottom", "w:right"))
        mar.set(qn("w:w"), "57")  # 1 mm: dense forms need the room
        mar.set(qn("w:type"), "dxa")


# --- fields and page numbers ---------------------------------------------------------------

def _fld_char(kind: str):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def add_field(paragraph, instruction: str, cached: str) -> list:
    """Return the runs of a complex field (e.g. ``PAGE``) appended to ``paragraph``.

    The cached result is what Word shows before it updates the field; without one Word
    offers to repair the file.
    """
    begin = paragraph.add_run()
    begin._r.append(_fld_char("begin"))
    instr_run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    instr_run._r.append(instr)
    separate = paragraph.add_run()
    separate._r.append(_fld_char("separate"))
    result = paragraph.add_run(cached)
    end = paragraph.add_run()
    end._r.append(_fld_char("end"))
    return [begin, instr_run, separate, result, end]


def field_instructions(paragraph) -> list[str]:
    """Return the field instructions (``PAGE`` …) found in ``paragraph``."""
    return [el.text.strip() for el in paragraph._p.iter(qn("w:instrText")) if el.text]


def _page_number_paragraph(paragraph, odd: bool) -> None:
    compact(paragraph)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    one_char = Pt(PAGE_NUMBER_SIZE)
    if odd:
        paragraph.paragraph_format.right_indent = one_char
    else:
        paragraph.paragraph_format.left_indent = one_char
    runs = [paragraph.add_run("— ")]
    runs += add_field(paragraph, "PAGE", "1" if odd else "2")
    runs.append(paragraph.add_run(" —"))
    for run in runs:
        style_run(run, PAGE_NUMBER_SIZE, PAGE_NUMBER_FONT, latin=PAGE_NUMBER_FONT)


def add_page_number_footer(section) -> None:
    """Return nothing; put ``— N —`` page numbers in ``section``'s footers.

    Odd pages right-aligned, even pages left-aligned, each one character in; the document's
    settings get ``w:evenAndOddHeaders`` so Word uses the separate even footer.
    """
    section.part.settings.odd_and_even_pages_header_footer = True
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        paragraphs = footer.paragraphs
        paragraph = paragraphs[0] if paragraphs and not paragraphs[0].text else footer.add_paragraph()
        _page_number_paragraph(paragraph, odd)


# --- saving --------------------------------------------------------------------------------

def save_document(doc, path: str | Path) -> Path:
    """Return ``path`` after saving ``doc`` there with reproducible zip entries."""
    buffer = io.BytesIO()
    doc.save(buffer)
    Path(path).write_bytes(repack(buffer.getvalue()))
    return Path(path)


def length_mm(length: Length | None) -> float | None:
    """Return a python-docx length in millimetres, rounded to 0.1 mm."""
    return None if length is None else round(Length(length).mm, 1)
