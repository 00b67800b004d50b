"""Values of DATA cells: what a text cell and a workbook cell become (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

_INT_TEXT = re.compile(r"-?(?:0|[1-9]\d{0,14})")
_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9]\d{0,14})\.\d{1,10}")


def text_value(text: str, numbers: bool) -> Any:
    """Return the value of a text cell: the text itself (dates too), a number only when ``numbers``."""
    stripped = text.strip()
    if not stripped:
        return ""
    if numbers:
        if _INT_TEXT.fullmatch(stripped):
            return int(stripped)
        if _DECIMAL_TEXT.fullmatch(stripped):
            return Decimal(stripped)
    return text


def _number_text(value: float) -> str:
    from formkit.normalize import number_text

    return number_text(value)


def excel_value(value: Any) -> Any:
    """Return the value of a calamine cell (see the package docstring)."""
    if value is None:
        return ""
    if type(value) is str:
        return text_value(value, numbers=False) if value else ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value) if abs(value) < 1e15 else _number_text(value)
        return value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
