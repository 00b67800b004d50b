"""The building blocks of the built-in templates: letterhead, addressee, signature, 版记, properties.

Used by :mod:`formkit.outputs.make_templates` (the letters) and :mod:`formkit.outputs.report_template`
(the report); the layout is GB/T 9704-2012's 信函 format where it matters to a reader (see there).
"""

from __future__ import annotations

import datetime as dt

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

from formkit.outputs import official
from formkit.outputs.official import BODY_SIZE, HEADING1_FONT, LINE_PITCH_TWIPS, TITLE_FONT
from formkit.outputs.wordml import PPR_ORDER, ensure

FIXED_TIME = dt.datetime(2024, 1, 1)
RED = RGBColor(0xFF, 0x00, 0x00)
CHAR = Pt(BODY_SIZE)  # one character of 3号 text


def border(paragraph, edge: str, val: str, size: int, color: str = "000000", space: int = 1) -> None:
    """Draw a rule on one edge of ``paragraph`` (``w:pBdr``); ``size`` in eighths of a point."""
    pbdr = ensure(paragraph._p.get_or_add_pPr(), "w:pBdr", PPR_ORDER)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), val)
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    order = ("top", "left", "bottom", "right", "between", "bar")
    later = {qn(f"w:{e}") for e in order[order.index(edge) + 1:]}
    for existing in pbdr:
        if existing.tag in later:
            existing.addprevious(line)
            return
    pbdr.append(line)


def control(doc, tag: str):
    """Add a paragraph holding only a docxtpl paragraph tag (``{%p for … %}``); it vanishes when rendered."""
    return doc.add_paragraph(tag)


def letterhead(doc) -> None:
    """The issuing office in red 小标宋 over a red double rule, then the document number on the right."""
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.line_spacing = Twips(LINE_PITCH_TWIPS * 2)
    head.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    run = official.style_run(head.add_run("{{ 发文机关 }}"), 30, TITLE_FONT, latin=TITLE_FONT)
    run.font.color.rgb = RED
    rule = doc.add_paragraph()
    official.compact(rule)
    rule.paragraph_format.line_spacing = Pt(6)
    rule.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    border(rule, "bottom", "thickThinSmallGap", 24, "FF0000")
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.paragraph_format.right_indent = CHAR
    number.add_run("{{ 发文字号 }}")


def addressee(doc, text: str = "{{ 主送 }}：") -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.add_run(text)


def opening(doc) -> None:
    """A letter's opening: the letterhead, its title (``{{ 标题 }}``) and the addressee (``{{ 主送 }}``)."""
    letterhead(doc)
    doc.add_paragraph()
    official.add_title(doc, "{{ 标题 }}")
    doc.add_paragraph()
    addressee(doc)


def signature(doc, blank_lines: int = 2) -> None:
    """The signatory and 成文日期 on the right (the date four characters in, the name about centred over it).

    The last body paragraph, the blank lines, the signatory and the date are kept together: the
    date never leaves its signatory, and the signature page always carries body text
    (GB/T 9704-2012 §7.3.5: no page with the signature alone).
    """
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    for _ in range(blank_lines):
        doc.add_paragraph().paragraph_format.keep_with_next = True
    for text, indent in (("{{ 署名 }}", 2), ("{{ 成文日期 }}", 4)):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(BODY_SIZE * indent)
        paragraph.paragraph_format.keep_with_next = text != "{{ 成文日期 }}"
        paragraph.add_run(text)


def contact_note(doc) -> None:
    """附注: the contact in brackets, two characters in, under the date (GB/T 9704-2012 §7.3.6)."""
    official.add_body(doc, "（联系人：{{ 联系处室 }} {{ 联系人 }}，电话：{{ 联系电话 }}）")


def copy_to(doc) -> None:
    """版记: 抄送 between two rules, in 4号仿宋, one character in from each side."""
    control(doc, "{%p if 抄送 %}")
    doc.add_paragraph()
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.left_indent = Pt(14)
    paragraph.paragraph_format.right_indent = Pt(14)
    official.style_run(paragraph.add_run("抄送：{{ 抄送 }}。"), 14)
    border(paragraph, "top", "single", 8, space=4)
    border(paragraph, "bottom", "single", 8, space=4)
    control(doc, "{%p endif %}")


def caption(doc, text: str):
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    official.style_run(paragraph.add_run(text), 14, HEADING1_FONT, latin=HEADING1_FONT)
    return paragraph


def finish(doc, title: str):
    official.add_page_number_footer(doc.sections[0])
    props = doc.core_properties
    props.author = "formkit"
    props.last_modified_by = "formkit"
    props.title = title
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1
    return doc
