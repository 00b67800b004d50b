"""Paragraphs of an official document: the attachment label, the title, level-1 and level-2
headings, body text indented two characters, plain and compact lines."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from formkit.outputs.official.fonts import style_run
from formkit.outputs.official.standard import (BODY_SIZE, HEADING1_FONT, HEADING2_FONT, LINE_PITCH_TWIPS, TITLE_FONT,
                                               TITLE_SIZE)
from formkit.outputs.wordml import PPR_ORDER, ensure


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
    ensure(paragraph._p.get_or_add_pPr(), "w:snapToGrid", PPR_ORDER).set(qn("w:val"), "0")
    return paragraph


def _outline_level(paragraph, level: int) -> None:
    """Show the paragraph in Word's navigation pane at ``level`` (0 = top)."""
    ensure(paragraph._p.get_or_add_pPr(), "w:outlineLvl", PPR_ORDER).set(qn("w:val"), str(level))


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
