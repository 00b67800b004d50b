"""Fonts of runs, styles and paragraph marks: the East-Asian slot python-docx does not set
(``w:eastAsia``), Latin fonts, sizes and weight."""

from __future__ import annotations

from docx.oxml.ns import qn
from docx.shared import Pt

from formkit.outputs.official.standard import LATIN_FONT
from formkit.outputs.wordml import PPR_ORDER, RPR_ORDER, ensure

_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _rpr_of(target):
    """Return the ``w:rPr`` of a run or a style, created when missing."""
    element = target._r if hasattr(target, "_r") else target.element
    return element.get_or_add_rPr()


def set_east_asian_font(target, name: str, latin: str | None = None) -> None:
    """Return nothing; set the East-Asian font (``w:eastAsia``) of a run or style.

    python-docx's ``font.name`` sets only the Latin slots, so Chinese text would fall back to
    another font. Theme font attributes are removed because they override explicit names.
    ``latin`` also sets ``w:ascii``/``w:hAnsi`` (digits in a title should match the title).
    """
    set_rfonts(_rpr_of(target), east_asian=name, latin=latin)


def set_rfonts(rpr, east_asian: str | None = None, latin: str | None = None) -> None:
    rfonts = ensure(rpr, "w:rFonts", RPR_ORDER)
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
        set_rfonts(_rpr_of(run), east_asian=font, latin=latin)
    return run


def set_mark_font(paragraph, size: float, font: str, latin: str = LATIN_FONT, bold: bool = False) -> None:
    """Set the paragraph mark's font: what Word uses for text typed into an empty paragraph."""
    rpr = ensure(paragraph._p.get_or_add_pPr(), "w:rPr", PPR_ORDER)
    set_rfonts(rpr, east_asian=font, latin=latin)
    if bold:
        ensure(rpr, "w:b", RPR_ORDER)
    half_points = str(int(round(size * 2)))
    ensure(rpr, "w:sz", RPR_ORDER).set(qn("w:val"), half_points)
    ensure(rpr, "w:szCs", RPR_ORDER).set(qn("w:val"), half_points)
