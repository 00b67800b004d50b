"""A new document in the GB/T 9704-2012 layout: the A4 page, margins and document grid of each
section, the document defaults and Normal style (body font, exact line pitch), saving."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm, Pt, Twips

from formkit.outputs.official.fonts import set_east_asian_font, set_rfonts
from formkit.outputs.official.standard import (A4_MM, BODY_FONT, BODY_SIZE, CHAR_SPACE, HEADER_DISTANCE_MM,
                                               LANDSCAPE_MARGINS_MM, LATIN_FONT, LINE_PITCH_TWIPS,
                                               PAGE_NUMBER_GAP_MM, PAGE_NUMBER_SIZE, PORTRAIT_MARGINS_MM)
from formkit.outputs.ooxml import repack
from formkit.outputs.wordml import PPR_ORDER, RPR_ORDER, SECTPR_ORDER, ensure


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
    grid = ensure(section._sectPr, "w:docGrid", SECTPR_ORDER)
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
    ensure(section._sectPr, "w:pgNumType", SECTPR_ORDER).set(qn("w:start"), str(start))


def _set_doc_defaults(doc) -> None:
    """Put the body fonts, size and language in ``w:docDefaults`` (the fallback of every style)."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = ensure(defaults, "w:rPrDefault", ("w:rPrDefault", "w:pPrDefault"))
    rpr = ensure(rpr_default, "w:rPr", ("w:rPr",))
    set_rfonts(rpr, east_asian=BODY_FONT, latin=LATIN_FONT)
    half_points = str(BODY_SIZE * 2)
    ensure(rpr, "w:sz", RPR_ORDER).set(qn("w:val"), half_points)
    ensure(rpr, "w:szCs", RPR_ORDER).set(qn("w:val"), half_points)
    lang = ensure(rpr, "w:lang", RPR_ORDER)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr_default = ensure(defaults, "w:pPrDefault", ("w:pPrDefault",))
    ppr = ensure(ppr_default, "w:pPr", ("w:pPr",))
    spacing = ensure(ppr, "w:spacing", PPR_ORDER)
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


def save_document(doc, path: str | Path) -> Path:
    """Return ``path`` after saving ``doc`` there with reproducible zip entries."""
    buffer = io.BytesIO()
    doc.save(buffer)
    Path(path).write_bytes(repack(buffer.getvalue()))
    return Path(path)


def length_mm(length: Length | None) -> float | None:
    """Return a python-docx length in millimetres, rounded to 0.1 mm."""
    return None if length is None else round(Length(length).mm, 1)
