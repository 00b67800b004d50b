"""The Word blank in the official layout (GB/T 9704-2012, landscape A4, the header row repeated
on each page), built with :mod:`formkit.outputs.official`; fixed document properties."""

from __future__ import annotations

import datetime as dt

from formkit.campaign import Campaign
from formkit.forms import Form
from formkit.outputs.blank.layout import (
    FOOTER_LINE, HEADER_LABELS, NOTES_LABEL, Filled, numbered_notes, prefilled_rows,
)

DOCX_HEADER_PARTS = {"unit": "填报单位（盖章）：", "date": "填报日期：    年  月  日", "batch": "批次：第  批"}
DOCX_BLANK_ROWS = 10


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


def build_document(form: Form, campaign: Campaign, filled: "Filled | None" = None):
    """Return the document of ``form``: blank, or in the blank's layout with ``filled``'s values."""
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
        else prefilled_rows(form, campaign)
    if rows is None:
        rows = [[""] * len(form.columns) for _ in range(DOCX_BLANK_ROWS)]
    official.add_table(doc, [col.header for col in form.columns], rows,
                       _docx_widths(form, font_size, text_width_pt), font_size=font_size)

    if not form.issued_by_province:
        official.add_text(doc, FOOTER_LINE, size=14)
    if form.notes:
        official.add_text(doc, NOTES_LABEL, size=12, font=official.HEADING1_FONT, tight=True)
        for note in numbered_notes(form):
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
