"""The ``--where`` evaluator: a compiled expression walked over one row at a time, with the
functions, text methods and date fields it may call."""

from __future__ import annotations

import ast
import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from formkit.where.values import (WhereError, arith, as_date, as_number, as_text, compare, empty, limit,
                                  show)


def _date_function(*args: Any) -> dt.date:
    if len(args) == 3 and all(isinstance(a, int) for a in args):
        try:
            return dt.date(*args)
        except ValueError as exc:
            raise WhereError(f"日期不存在：{args}") from exc
    if len(args) == 1:
        day = as_date(args[0])
        if day is not None:
            return day
    raise WhereError(f"date(…) 需要一个日期，如 date(\"2023-06-10\") 或 date(2023, 6, 10)，收到 {args}")


def _to_int(value: Any) -> int:
    number = as_number(value)
    if number is None:
        raise WhereError(f"{show(value)} 不是数字")
    return int(number)


def _to_float(value: Any) -> float:
    number = as_number(value)
    if number is None:
        raise WhereError(f"{show(value)} 不是数字")
    return float(number)


def _length(value: Any) -> int:
    if isinstance(value, (str, list, tuple, dict)):
        return len(value)
    return len(as_text(value))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": _length, "str": as_text, "int": _to_int, "float": _to_float, "abs": abs, "round": round,
    "min": min, "max": max, "date": _date_function,
}
STRING_METHODS = {"startswith", "endswith", "strip", "lstrip", "rstrip", "lower", "upper", "replace", "split",
                  "count", "find", "isdigit"}
DATE_FIELDS = {"year", "month", "day"}
_ROW_NUMBER = "行号"


class Where:
    """A compiled ``--where`` expression; call it on a row (a mapping of column → value)."""

    def __init__(self, text: str, tree: ast.Expression, names: set[str]):
        self.text = text
        self._tree = tree
        self.names = names  # the column names the expression reads

    def check_names(self, available: Iterable[str]) -> None:
        """Raise :class:`WhereError` when the expression reads a name the table does not have."""
        available = set(available) | {_ROW_NUMBER}
        folded = {unicodedata.normalize("NFKC", n) for n in available}
        missing = sorted(n for n in self.names if n not in available and n not in folded)
        if missing:
            shown = "、".join(sorted(available - {_ROW_NUMBER}))
            raise WhereError(f"--where 条件中的“{'”“'.join(missing)}”不是数据中的列；数据中的列：{shown}")

    def __call__(self, row: Mapping[str, Any], row_number: int | None = None) -> bool:
        value = self._eval(self._tree.body, row, row_number)
        return bool(value) and not empty(value)

    def _name(self, name: str, row: Mapping[str, Any], row_number: int | None) -> Any:
        if name in row:
            return row[name]
        if name == _ROW_NUMBER:
            return row_number
        for key in row:  # Python reads identifiers NFKC-normalised (ｘ is x)
            if unicodedata.normalize("NFKC", key) == name:
                return row[key]
        raise WhereError(f"数据中没有列“{name}”")

    def _eval(self, node: ast.AST, row: Mapping[str, Any], n: int | None) -> Any:  # noqa: C901
        ev = self._eval
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node.id, row, n)
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                result: Any = True
                for value in node.values:
                    result = ev(value, row, n)
                    if not result or empty(result):
                        return False
                return result
            for value in node.values:
                result = ev(value, row, n)
                if result and not empty(result):
                    return result
            return False
        if isinstance(node, ast.UnaryOp):
            operand = ev(node.operand, row, n)
            if isinstance(node.op, ast.Not):
                return not operand or empty(operand)
            number = as_number(operand)
            if number is None:
                raise WhereError(f"{show(operand)} 不是数字")
            return -number if isinstance(node.op, ast.USub) else number
        if isinstance(node, ast.Compare):
            left = ev(node.left, row, n)
            for op, right_node in zip(node.ops, node.comparators):
                right = ev(right_node, row, n)
                if not compare(op, left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BinOp):
            return arith(node.op, ev(node.left, row, n), ev(node.right, row, n))
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [ev(e, row, n) for e in node.elts]
        if isinstance(node, ast.Attribute):
            base = ev(node.value, row, n)
            if isinstance(base, Mapping):
                if node.attr in base:
                    return base[node.attr]
                raise WhereError(f"没有“{node.attr}”这一项")
            if isinstance(base, dt.date) and node.attr in DATE_FIELDS:
                return getattr(base, node.attr)
            day = as_date(base) if isinstance(base, str) and node.attr in DATE_FIELDS else None
            if day is not None:
                return getattr(day, node.attr)
            raise WhereError(f"{show(base)} 没有“{node.attr}”")
        if isinstance(node, ast.Subscript):
            base = ev(node.value, row, n)
            if isinstance(node.slice, ast.Slice):
                parts = [ev(p, row, n) if p is not None else None
                         for p in (node.slice.lower, node.slice.upper, node.slice.step)]
                if not all(p is None or isinstance(p, int) for p in parts):
                    raise WhereError("切片的位置应为整数")
                seq = base if isinstance(base, (list, tuple)) else as_text(base)
                return seq[slice(*parts)]
            key = ev(node.slice, row, n)
            try:
                if isinstance(base, Mapping):
                    return base[key]
                if isinstance(key, int) and not isinstance(key, bool):
                    return (base if isinstance(base, (list, tuple)) else as_text(base))[key]
            except (KeyError, IndexError):
                raise WhereError(f"{show(base)} 中没有 {show(key)}") from None
            raise WhereError(f"无法从 {show(base)} 中取 {show(key)}")
        if isinstance(node, ast.Call):
            args = [ev(a, row, n) for a in node.args]
            func = node.func
            if isinstance(func, ast.Attribute):
                target = ev(func.value, row, n)
                text = as_text(target)
                args = [tuple(as_text(x) for x in a) if isinstance(a, list)
                        else a if isinstance(a, int) and not isinstance(a, bool) else as_text(a) for a in args]
                try:
                    result = getattr(text, func.attr)(*args)
                except (TypeError, ValueError) as exc:
                    raise WhereError(f"{func.attr}(…) 的参数不对：{exc}") from None
                if isinstance(result, str):
                    limit(result)
                return result
            try:
                return FUNCTIONS[func.id](*args)  # type: ignore[union-attr]
            except WhereError:
                raise
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise WhereError(f"{func.id}(…) 无法计算：{exc}") from None  # type: ignore[union-attr]
        raise WhereError("不支持的写法")  # the whitelist in compile_where keeps us from here
