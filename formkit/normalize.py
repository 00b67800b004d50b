"""Pure functions that turn the text a city typed into values, keeping the raw text.

Each ``parse_*`` returns ``(value, problem)``: the normalised value, or None with a short
Chinese reason. No function here raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from decimal import Decimal
import unicodedata

# Zero-width and other invisible characters that WPS/Word leave inside cells, and the
# invisible direction marks, bidi embeddings/isolates and variation selectors pasted from
# web pages (a code with a U+200E inside looks right and fails every check).
INVISIBLE_CHARS = ("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u061c"
                   "\u202a\u202b\u202c\u202d\u202e\u2061\u2062\u2063\u2064"
                   "\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
                   + "".join(map(chr, range(0xFE00, 0xFE10))))
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009]+")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5F) if chr(c - 0xFEE0).isalnum()}


def clean_text(raw: object) -> str:
    """Return display text without invisible characters, control characters or edge spaces."""
    if raw is None:
        return ""
    text = str(raw)
    # Fast path for the common cell: printable (no control, zero-width or odd spaces), no
    # double space, no edge space, already NFC.
    if (text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "
            and unicodedata.is_normalized("NFC", text)):
        return text
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def half_width(text: str) -> str:
    """Return text with full-width letters and digits mapped to half-width."""
    return text.translate(_FULLWIDTH_ALNUM)


def compact(text: str) -> str:
    """Return NFKC text with all spaces and invisible characters removed."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE)
    return re.sub(r"\s+", "", _CONTROL.sub("", text))


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_MARKS = re.compile(r"[*※★:：;；,，、。.·•\"'“”‘’「」]")


@functools.lru_cache(maxsize=8192)
def header_key(text: str) -> str:
    """Return a header's matching key: half-width, no spaces, no bracketed notes, 日期≡时间."""
    key = compact(text)
    prev = None
    while prev != key:
        prev, key = key, _BRACKETED.sub("", key)
    key = _MARKS.sub("", key)
    return key.replace("日期", "时间").replace("单位", "企业")


@functools.lru_cache(maxsize=8192)
def enum_key(text: str) -> str:
    """Return an enum value's matching key: NFKC, no spaces, no quotes, unified dashes."""
    key = compact(text)
    key = re.sub(r"[\"'“”‘’「」『』]", "", key)
    return re.sub(r"[—–－‐―]", "-", key).upper()


# ---------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s*[T ]?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]


def parse_date(value: object) -> tuple[dt.date | None, str | None]:
    """Return the date a cell means, from text, an Excel serial or a date cell."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000 and float(value).is_integer():
            return _EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            value = str(int(value))
        else:
            return None, "不是日期"
    text = compact(str(value))
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            y, mo, d = map(int, m.groups())
            try:
                return dt.date(y, mo, d), None
            except ValueError:
                return None, f"日期不存在（{y}年{mo}月{d}日）"
    if re.fullmatch(r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*月?", text):
        return None, "日期不完整，缺少“日”"
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return parse_date(float(text))
    return None, "不是日期"


def chinese_date(value: dt.date | None) -> str:
    """Return 2023年4月19日 (Arabic numerals, no leading zeros, per GB/T 9704); "" for None.

    The one way formkit writes a day in Chinese: findings, letters, the report, the register's
    export, render's file names and the template engine's date values all call this.
    """
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"



_NUMERALS = "一二三四五六七八九十"


def chinese_number(n: int, below: int = 100) -> str:
    """Return 一, 二 … 十, 十一 … 九十九 for 1 … 99 (headings （一）); Arabic numerals from ``below`` on.

    The letters number up to 九十九; the report's headings go Arabic from 20 (``below=20``).
    """
    if n >= below:
        return str(n)
    if n <= 10:
        return _NUMERALS[n - 1]
    if n < 20:
        return "十" + _NUMERALS[n - 11]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _NUMERALS[tens - 1] + "十" + (_NUMERALS[ones - 1] if ones else "")
    return str(n)

def add_years(day: dt.date, years: int) -> dt.date:
    """Return the same day ``years`` later (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- numbers

def parse_number(value: object, integer: bool = False) -> tuple[float | int | None, str | None]:
    """Return a number from a numeric cell or text such as '85.5', '12家', '90分'."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return None, "不是数字"
    if isinstance(value, (int, float)):
        number = value
    else:
        text = compact(str(value)).replace(",", "")
        text = re.sub(r"(家|分|个|户)$", "", text)
        if not any(ch.isdigit() for ch in text):  # "inf", "NaN" parse as floats: not numbers here
            return None, "不是数字"
        try:
            number = float(text)
        except ValueError:
            return None, "不是数字"
    try:
        finite = math.isfinite(number)
    except OverflowError:  # an int beyond float range (a 400-digit number)
        finite = False
    if not finite:  # "inf", "NaN", "1e999": a number no form means
        return None, "不是数字" if number != number else "数值过大"
    if integer:
        if float(number) != int(number):
            return None, "应为整数"
        return int(number), None
    return (int(number) if float(number).is_integer() else float(number)), None


def number_text(value: object) -> str:
    """Return a numeric cell's digits written out in full (no exponent, no .0)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # The shortest repr is what Excel shows (15 significant digits): 9.13213249066618e+17
        # is written 913213249066618000, not the binary value 913213249066617984.
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


# ---------------------------------------------------------------- phones

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(?:\+?86)?0\d{2,3}\d{7,8}(?:(?:转|ext|EXT|x|-)\d{1,6})?")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_SERVICE = re.compile(r"[48]00\d{7}")


def parse_phone(value: object) -> tuple[str | None, str | None]:
    """Return the phone text when every number in it is plausible, else a reason."""
    if value is None or value == "":
        return None, None
    text = number_text(value) if isinstance(value, (int, float)) else clean_text(value)
    parts = [p for p in re.split(r"[/、，,;；\n]|或", compact(text)) if p]
    if not parts:
        return None, None
    for part in parts:
        digits = re.sub(r"[\s()（）\-—]", "", part)
        digits = re.sub(r"^\+?86(?=1[3-9]\d{9}$)", "", digits)
        if not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits)
                or _SERVICE.fullmatch(digits) or _LOCAL.fullmatch(digits)):
            return None, f"“{part}”不像有效的手机号或固定电话"
    return text, None
