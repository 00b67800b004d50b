"""The report's chart: each city's evaluation-qualified count against its target and last year.

Drawn with matplotlib's Agg backend (no display needed) in a Chinese font found on the machine
(Noto Sans/Serif CJK, Source Han, WenQuanYi, SimSun, SimHei, Microsoft YaHei …). Without one,
the labels would come out as empty boxes, so :func:`find_cjk_font` raises a
:class:`~formkit.errors.FormkitError` that says how to install one.

The PNG is reproducible: the same data, fonts and matplotlib version give the same bytes
(no timestamp or software name in the file).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Sequence

from formkit.errors import FormkitError

#: Fonts tried first, in order (simplified-Chinese faces before the other CJK ones).
PREFERRED_FONTS = (
    "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
    "Source Han Serif SC", "Source Han Serif CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Microsoft YaHei", "SimHei", "SimSun", "NSimSun", "FangSong", "KaiTi", "DengXian",
    "PingFang SC", "Heiti SC", "STHeiti", "Songti SC", "STSong", "AR PL UMing CN", "AR PL UKai CN",
    "Droid Sans Fallback", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Serif CJK TC", "Noto Serif CJK JP",
)
#: Substrings of family names worth a look when none of the preferred fonts is installed; a
#: candidate is taken only if it really has Chinese glyphs.
CJK_HINTS = ("CJK", "Han Sans", "Han Serif", "WenQuanYi", "Hei", "Song", "Kai", "Ming", "Fang", "Yuan",
             "Chinese", "SC", "GB")

NO_FONT = ("本机没有可显示中文的字体，无法绘制报告中的图表。请安装中文字体后重试，"
           "如 Debian/Ubuntu：sudo apt-get install fonts-noto-cjk；Windows 和 WPS 自带的宋体、黑体亦可。"
           "安装后如仍提示，请删除 matplotlib 的字体缓存（~/.cache/matplotlib）")

#: The alternative text that marks the report's chart picture (replaced when the report is made).
CHART_MARK = "formkit:chart"

# 156 mm wide (the text block), about 0.6 of it high.
WIDTH_MM = 156
HEIGHT_MM = 92
DPI = 200

COLOURS = {"actual": "#C00000", "target": "#7F7F7F", "last_year": "#D9D9D9"}


@dataclass(frozen=True)
class CityFigures:
    """One city's bars: this year's evaluation-qualified count, its target and last year's."""

    city: str
    actual: int
    target: int | None
    last_year: int | None


def find_cjk_font() -> str:
    """Return the family name of an installed font that has Chinese glyphs.

    Raises :class:`FormkitError` (in Chinese, saying how to install one) when there is none.
    """
    from matplotlib import font_manager

    entries = list(font_manager.fontManager.ttflist)
    names = {entry.name for entry in entries}
    for name in PREFERRED_FONTS:
        if name in names:
            return name
    for entry in sorted(entries, key=lambda e: e.name):
        if any(hint.lower() in entry.name.lower() for hint in CJK_HINTS) and _has_chinese(entry):
            return entry.name
    raise FormkitError(NO_FONT)


def _has_chinese(entry) -> bool:
    """Return whether the font of a font-manager entry has glyphs for common Chinese characters."""
    from matplotlib.ft2font import FT2Font

    try:
        try:
            font = FT2Font(entry.fname, face_index=getattr(entry, "index", 0))
        except TypeError:  # matplotlib before 3.10 reads the first face only
            font = FT2Font(entry.fname)
        return all(font.get_char_index(ord(ch)) for ch in "中文企业")
    except (OSError, RuntimeError, ValueError):
        return False


def evaluation_chart(figures: Sequence[CityFigures], year: int, last_year: int | None = None) -> bytes:
    """Return a PNG: per city, bars of the qualified count, the target and last year's count."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    font = find_cjk_font()
    last_year = last_year if last_year is not None else year - 1
    rc = {
        "font.family": [font, "DejaVu Sans"],
        "font.size": 9,
        "axes.unicode_minus": False,
        "svg.hashsalt": "formkit",
    }
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(WIDTH_MM / 25.4, HEIGHT_MM / 25.4), dpi=DPI)
        ax = fig.add_subplot()
        n = len(figures)
        xs = list(range(n))
        width = 0.27
        series = (
            ("actual", f"{year}年绩效评价合格企业数", [f.actual for f in figures], -width),
            ("target", f"{year}年度指导性计划", [f.target or 0 for f in figures], 0.0),
            ("last_year", f"{last_year}年绩效评价合格企业数", [f.last_year or 0 for f in figures], width),
        )
        for key, label, values, offset in series:
            bars = ax.bar([x + offset for x in xs], values, width, label=label, color=COLOURS[key],
                          edgecolor="#404040", linewidth=0.4)
            if key == "actual":
                ax.bar_label(bars, padding=1, fontsize=7.5)
        ax.set_xticks(xs, [f.city for f in figures], fontsize=8.5)
        ax.set_ylabel("企业数（家）")
        top = max([1] + [v for _k, _l, values, _o in series for v in values])
        ax.set_ylim(0, top * 1.18 + 1)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", linewidth=0.3, color="#BFBFBF")
        ax.set_axisbelow(True)
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=3)
        fig.tight_layout(pad=0.4)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def placeholder_png(width: int = 1560, height: int = 920) -> bytes:
    """Return a plain light-grey PNG (the chart's stand-in in the template), byte-for-byte stable."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    border = b"\x00" + b"\xa6" * width  # filter byte, then grey pixels
    inner = b"\x00\xa6" + b"\xf2" * (width - 2) + b"\xa6"
    rows = [border] + [inner] * (height - 2) + [border]
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))
