"""Word documents in the GB/T 9704-2012 layout (党政机关公文格式), built on python-docx.

The raw WordprocessingML of formkit's own documents lives in this package: East-Asian fonts,
the document grid, repeated table header rows, page-number fields, odd/even footers. The blank
forms, the provincial report and the letters share it. One job a module: ``standard`` (the
standard's numbers and their arithmetic), ``fonts``, ``document`` (page, sections, defaults,
saving), ``paragraphs`` (titles, headings, body), ``tables`` (measured column widths, the
bordered table), ``fields`` (page numbers). The schema order of inserted children is
:mod:`formkit.outputs.wordml`.
"""

from __future__ import annotations

from formkit.outputs.official.document import (doc_grid, length_mm, new_official_document, restart_page_numbering,
                                               save_document, set_page_layout)
from formkit.outputs.official.fields import add_field, add_page_number_footer, field_instructions
from formkit.outputs.official.fonts import east_asian_font, set_east_asian_font, style_run
from formkit.outputs.official.paragraphs import (add_attachment_label, add_body, add_heading1, add_heading2, add_text,
                                                 add_title, compact)
from formkit.outputs.official.standard import (A4_MM, BODY_FONT, BODY_SIZE, CHAR_SPACE, CHARS_PER_LINE,
                                               HEADER_DISTANCE_MM, HEADING1_FONT, HEADING2_FONT,
                                               LANDSCAPE_MARGINS_MM, LATIN_FONT, LINE_PITCH_TWIPS, LINES_PER_PAGE,
                                               PAGE_NUMBER_FONT, PAGE_NUMBER_GAP_MM, PAGE_NUMBER_SIZE,
                                               PORTRAIT_MARGINS_MM, TEXT_BLOCK_MM, TITLE_FONT, TITLE_SIZE)
from formkit.outputs.official.tables import (CELL_MARGIN_MM, LATIN_EM, LATIN_EM_DEFAULT, add_table, column_width_mm,
                                             is_header_row, mark_header_row, text_width_mm)

__all__ = [
    "A4_MM", "BODY_FONT", "BODY_SIZE", "CELL_MARGIN_MM", "CHAR_SPACE", "CHARS_PER_LINE", "HEADER_DISTANCE_MM",
    "HEADING1_FONT", "HEADING2_FONT", "LANDSCAPE_MARGINS_MM", "LATIN_EM", "LATIN_EM_DEFAULT", "LATIN_FONT",
    "LINE_PITCH_TWIPS", "LINES_PER_PAGE", "PAGE_NUMBER_FONT", "PAGE_NUMBER_GAP_MM", "PAGE_NUMBER_SIZE",
    "PORTRAIT_MARGINS_MM", "TEXT_BLOCK_MM", "TITLE_FONT", "TITLE_SIZE",
    "add_attachment_label", "add_body", "add_field", "add_heading1", "add_heading2", "add_page_number_footer",
    "add_table", "add_text", "add_title", "column_width_mm", "compact", "doc_grid", "east_asian_font",
    "field_instructions", "is_header_row", "length_mm", "mark_header_row", "new_official_document",
    "restart_page_numbering", "save_document", "set_east_asian_font", "set_page_layout", "style_run",
    "text_width_mm",
]
