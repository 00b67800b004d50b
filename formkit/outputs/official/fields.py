"""Fields and page numbers: complex fields (``PAGE``) with a cached result, and the ``— N —``
footers of odd and even pages."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from formkit.outputs.official.fonts import style_run
from formkit.outputs.official.paragraphs import compact
from formkit.outputs.official.standard import PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE


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
