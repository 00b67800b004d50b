"""The numbers of GB/T 9704-2012 (党政机关公文格式): page, margins, text block, sizes and fonts.

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

import math

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
