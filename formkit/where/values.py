"""The values of ``--where``: numbers, dates and texts read the way the office means them, and
the comparisons and arithmetic over them (an empty cell is never more or less than anything).
:class:`WhereError`, the language's one error, lives here: the lowest module of the package."""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from formkit.errors import FormkitError

MAX_TEXT = 100_000  # longest text an expression may build


class WhereError(FormkitError):
    """An expression cannot be parsed, or cannot be evaluated on a row; the message is Chinese."""


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE_LIKE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def empty(value: Any) -> bool:
    """Return True for an empty cell: None or blank text."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_number(value: Any) -> int | float | Decimal | None:
    """Return the number ``value`` is or is written as, else None."""
    if _is_number(value):
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        if _NUMBER.fullmatch(text):
            try:
                return int(text) if re.fullmatch(r"[+-]?\d+", text) else Decimal(text)
            except (ValueError, InvalidOperation):
                return None
    return None


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        from formkit.normalize import parse_date

        day, _problem = parse_date(value)
        return day
    return None


def as_text(value: Any) -> str:
    """Return ``value`` as the text a cell shows (numbers in full, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        from formkit.normalize import number_text

        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def show(value: Any) -> str:
    """Return ``value`` as a message quotes it (texts in “”, at most 30 characters)."""
    if isinstance(value, str):
        return f"“{value[:30]}”"
    return as_text(value)[:30] or "空值"


def _mixed(a: Any, b: Any) -> tuple[Any, Any] | None:
    """Return ``a`` and ``b`` made comparable (numbers, dates, texts), or None when they are not."""
    if _is_number(a) and _is_number(b):
        if isinstance(a, Decimal) and isinstance(b, float):
            b = Decimal(repr(b))
        elif isinstance(b, Decimal) and isinstance(a, float):
            a = Decimal(repr(a))
        return a, b
    if isinstance(a, bool) or isinstance(b, bool):
        return (a, b) if type(a) is type(b) else None
    if _is_number(a) or _is_number(b):
        x, y = as_number(a), as_number(b)
        return _mixed(x, y) if x is not None and y is not None else None
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        x, y = as_date(a), as_date(b)
        return (x, y) if x is not None and y is not None else None
    if isinstance(a, str) and isinstance(b, str):
        if _DATE_LIKE.fullmatch(a.strip()) and _DATE_LIKE.fullmatch(b.strip()):
            x, y = as_date(a), as_date(b)  # render keeps "2019/11/30" as text: compare the days
            if x is not None and y is not None:
                return x, y
        return a, b
    return None


def _equal(a: Any, b: Any) -> bool:
    if empty(a) or empty(b):
        return empty(a) and empty(b)
    pair = _mixed(a, b)
    if pair is None:
        return a == b
    return pair[0] == pair[1]


_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_ORDER_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    kind = type(op)
    if kind is ast.Eq:
        return _equal(a, b)
    if kind is ast.NotEq:
        return not _equal(a, b)
    if kind in (ast.Is, ast.IsNot):
        same = (empty(a) and b is None) or (empty(b) and a is None) or a is b
        return same if kind is ast.Is else not same
    if kind in (ast.In, ast.NotIn):
        found = _contains(b, a)
        return found if kind is ast.In else not found
    if empty(a) or empty(b):
        return False  # an empty cell is neither more nor less than anything
    pair = _mixed(a, b)
    if pair is None:
        raise WhereError(f"无法比较 {show(a)} {_ORDER_TEXT[kind]} {show(b)}（类型不同）")
    try:
        return _ORDER[kind](*pair)
    except TypeError:
        raise WhereError(f"无法比较 {show(a)} {_ORDER_TEXT[kind]} {show(b)}") from None


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return as_text(item) in container
    if isinstance(container, Mapping):
        return as_text(item) in container or item in container
    if isinstance(container, (list, tuple, set, frozenset)):
        return any(_equal(item, x) for x in container)
    if container is None:
        return False
    return as_text(item) in as_text(container)


def arith(op: ast.operator, a: Any, b: Any) -> Any:
    kind = type(op)
    if kind is ast.Add and isinstance(a, str) and isinstance(b, str):
        return limit(a + b)
    if kind in (ast.Add, ast.Sub) and isinstance(a, dt.date) and isinstance(b, (int, float)):
        return a + dt.timedelta(days=b if kind is ast.Add else -b)
    if kind is ast.Sub and isinstance(a, dt.date) and isinstance(b, dt.date):
        return (as_date(a) - as_date(b)).days
    x, y = as_number(a), as_number(b)
    if x is None or y is None:
        bad = a if x is None else b
        raise WhereError(f"{show(bad)} 不是数字，无法计算")
    pair = _mixed(x, y)
    assert pair is not None
    x, y = pair
    try:
        if kind is ast.Add:
            return x + y
        if kind is ast.Sub:
            return x - y
        if kind is ast.Mult:
            return x * y
        if kind is ast.Div:
            return x / y
        if kind is ast.FloorDiv:
            return x // y
        if kind is ast.Mod:
            return x % y
    except (ZeroDivisionError, InvalidOperation):
        raise WhereError("除数为零") from None
    raise WhereError("不支持的运算")


def limit(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise WhereError("条件算出的文字过长")
    return text
