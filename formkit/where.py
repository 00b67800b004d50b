"""``--where EXPR``: keep the rows an expression over their columns accepts — never ``eval``.

The expression is Python-like and parsed with :mod:`ast`; only a small whitelist of nodes is
evaluated, by this module, over one row at a time:

* column names, Chinese included (``设区市``, ``得分``), and ``行号`` (the row's place in the file);
* literals: text ``"南京市"``/``'南京市'``, numbers, ``True``/``False``/``None``, lists ``[…]``;
* comparisons ``== != < <= > >=`` (chained: ``60 <= 得分 < 80``), ``in`` / ``not in``
  (``设区市 in ["南京市", "苏州市"]``, ``"科技" in 企业名称``), ``is None``;
* ``and`` / ``or`` / ``not``; arithmetic ``+ - * / // %`` and unary minus;
* text methods ``startswith endswith strip lstrip rstrip lower upper replace split count find
  isdigit``; slices and indexes ``信用代码[:2]``; ``x.键`` / ``x["键"]`` inside JSON objects;
  ``.year .month .day`` of a date;
* functions ``len str int float abs round min max date`` (``date("2023-06-10")``).

Comparisons read values the way the office means them: a text that is a number compares with
a number (``"85" >= 60``), a text that is a date with a date (``备案日期 < "2018-01-01"``),
and an empty cell is never greater or smaller than anything (``得分 >= 60`` is false for a row
without a score). Typing conveniences: ``=`` means ``==``, ``<>`` means ``!=``, and full-width
operators and curly quotes outside strings (``＞＝``, ``“南京市”``) are read as their ASCII forms.

:func:`compile_where` raises :class:`WhereError` for an expression it cannot accept (syntax,
a construct outside the whitelist, an unknown column); evaluating it on a row raises
:class:`WhereError` when that row's values cannot be compared (``"缺考" >= 60``).
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from formkit.errors import FormkitError

__all__ = ["Where", "WhereError", "compile_where"]

MAX_EXPRESSION = 2000
MAX_TEXT = 100_000  # longest text an expression may build


class WhereError(FormkitError):
    """An expression cannot be parsed, or cannot be evaluated on a row; the message is Chinese."""


# ------------------------------------------------------------------------------ typing conveniences

_FULLWIDTH_OPS = {"＝": "=", "＞": ">", "＜": "<", "！": "!", "（": "(", "）": ")", "，": ",", "［": "[",
                  "］": "]", "＋": "+", "－": "-", "＊": "*", "／": "/", "％": "%", "．": ".", "　": " ",
                  "：": ":"}
_OPEN_QUOTES = {"“": "”", "‘": "’", '"': '"', "'": "'", "「": "」"}


def normalize(expr: str) -> str:
    """Return ``expr`` with full-width operators, curly quotes, ``=`` and ``<>`` made Python."""
    out: list[str] = []
    i = 0
    n = len(expr)
    while i < n:
        ch = expr[i]
        if ch in _OPEN_QUOTES:
            close = _OPEN_QUOTES[ch]
            j = i + 1
            buf = []
            while j < n and expr[j] != close:
                if expr[j] == "\\" and ch in "\"'" and j + 1 < n:
                    buf.append(expr[j:j + 2])
                    j += 2
                    continue
                buf.append(expr[j])
                j += 1
            body = "".join(buf)
            if ch in "\"'":
                out.append(ch + body + (close if j < n else ""))
            else:  # a curly-quoted string: written out as a Python literal
                out.append(repr(body))
            i = j + 1
            continue
        ch = _FULLWIDTH_OPS.get(ch, ch)
        if ch == "=":
            prev = out[-1] if out else ""
            nxt = _FULLWIDTH_OPS.get(expr[i + 1], expr[i + 1]) if i + 1 < n else ""
            if prev not in ("=", "!", "<", ">") and nxt != "=":
                out.append("==")
                i += 1
                continue
        if ch == ">" and out and out[-1] == "<":
            out[-1] = "!"
            out.append("=")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# ------------------------------------------------------------------------------ values

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE_LIKE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_number(value: Any) -> int | float | Decimal | None:
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


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        from formkit.normalize import parse_date

        day, _problem = parse_date(value)
        return day
    return None


def _as_text(value: Any) -> str:
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


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value[:30]}”"
    return _as_text(value)[:30] or "空值"


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
        x, y = _as_number(a), _as_number(b)
        return _mixed(x, y) if x is not None and y is not None else None
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        x, y = _as_date(a), _as_date(b)
        return (x, y) if x is not None and y is not None else None
    if isinstance(a, str) and isinstance(b, str):
        if _DATE_LIKE.fullmatch(a.strip()) and _DATE_LIKE.fullmatch(b.strip()):
            x, y = _as_date(a), _as_date(b)  # render keeps "2019/11/30" as text: compare the days
            if x is not None and y is not None:
                return x, y
        return a, b
    return None


def _equal(a: Any, b: Any) -> bool:
    if _empty(a) or _empty(b):
        return _empty(a) and _empty(b)
    pair = _mixed(a, b)
    if pair is None:
        return a == b
    return pair[0] == pair[1]


_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_ORDER_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def _compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    kind = type(op)
    if kind is ast.Eq:
        return _equal(a, b)
    if kind is ast.NotEq:
        return not _equal(a, b)
    if kind in (ast.Is, ast.IsNot):
        same = (_empty(a) and b is None) or (_empty(b) and a is None) or a is b
        return same if kind is ast.Is else not same
    if kind in (ast.In, ast.NotIn):
        found = _contains(b, a)
        return found if kind is ast.In else not found
    if _empty(a) or _empty(b):
        return False  # an empty cell is neither more nor less than anything
    pair = _mixed(a, b)
    if pair is None:
        raise WhereError(f"无法比较 {_show(a)} {_ORDER_TEXT[kind]} {_show(b)}（类型不同）")
    try:
        return _ORDER[kind](*pair)
    except TypeError:
        raise WhereError(f"无法比较 {_show(a)} {_ORDER_TEXT[kind]} {_show(b)}") from None


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return _as_text(item) in container
    if isinstance(container, Mapping):
        return _as_text(item) in container or item in container
    if isinstance(container, (list, tuple, set, frozenset)):
        return any(_equal(item, x) for x in container)
    if container is None:
        return False
    return _as_text(item) in _as_text(container)


def _arith(op: ast.operator, a: Any, b: Any) -> Any:
    kind = type(op)
    if kind is ast.Add and isinstance(a, str) and isinstance(b, str):
        return _limit(a + b)
    if kind in (ast.Add, ast.Sub) and isinstance(a, dt.date) and isinstance(b, (int, float)):
        return a + dt.timedelta(days=b if kind is ast.Add else -b)
    if kind is ast.Sub and isinstance(a, dt.date) and isinstance(b, dt.date):
        return (_as_date(a) - _as_date(b)).days
    x, y = _as_number(a), _as_number(b)
    if x is None or y is None:
        bad = a if x is None else b
        raise WhereError(f"{_show(bad)} 不是数字，无法计算")
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


def _limit(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise WhereError("条件算出的文字过长")
    return text


def _date_function(*args: Any) -> dt.date:
    if len(args) == 3 and all(isinstance(a, int) for a in args):
        try:
            return dt.date(*args)
        except ValueError as exc:
            raise WhereError(f"日期不存在：{args}") from exc
    if len(args) == 1:
        day = _as_date(args[0])
        if day is not None:
            return day
    raise WhereError(f"date(…) 需要一个日期，如 date(\"2023-06-10\") 或 date(2023, 6, 10)，收到 {args}")


def _to_int(value: Any) -> int:
    number = _as_number(value)
    if number is None:
        raise WhereError(f"{_show(value)} 不是数字")
    return int(number)


def _to_float(value: Any) -> float:
    number = _as_number(value)
    if number is None:
        raise WhereError(f"{_show(value)} 不是数字")
    return float(number)


def _length(value: Any) -> int:
    if isinstance(value, (str, list, tuple, dict)):
        return len(value)
    return len(_as_text(value))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": _length, "str": _as_text, "int": _to_int, "float": _to_float, "abs": abs, "round": round,
    "min": min, "max": max, "date": _date_function,
}
STRING_METHODS = {"startswith", "endswith", "strip", "lstrip", "rstrip", "lower", "upper", "replace", "split",
                  "count", "find", "isdigit"}
DATE_FIELDS = {"year", "month", "day"}
_ROW_NUMBER = "行号"

_ALLOWED_TEXT = ("列名、文字、数字、比较（== != < <= > >=、in）、and/or/not、+ - * / 运算、"
                 "startswith 等文字方法和 len/int/date 等函数")


# ------------------------------------------------------------------------------ the evaluator


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
        return bool(value) and not _empty(value)

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
                    if not result or _empty(result):
                        return False
                return result
            for value in node.values:
                result = ev(value, row, n)
                if result and not _empty(result):
                    return result
            return False
        if isinstance(node, ast.UnaryOp):
            operand = ev(node.operand, row, n)
            if isinstance(node.op, ast.Not):
                return not operand or _empty(operand)
            number = _as_number(operand)
            if number is None:
                raise WhereError(f"{_show(operand)} 不是数字")
            return -number if isinstance(node.op, ast.USub) else number
        if isinstance(node, ast.Compare):
            left = ev(node.left, row, n)
            for op, right_node in zip(node.ops, node.comparators):
                right = ev(right_node, row, n)
                if not _compare(op, left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BinOp):
            return _arith(node.op, ev(node.left, row, n), ev(node.right, row, n))
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
            day = _as_date(base) if isinstance(base, str) and node.attr in DATE_FIELDS else None
            if day is not None:
                return getattr(day, node.attr)
            raise WhereError(f"{_show(base)} 没有“{node.attr}”")
        if isinstance(node, ast.Subscript):
            base = ev(node.value, row, n)
            if isinstance(node.slice, ast.Slice):
                parts = [ev(p, row, n) if p is not None else None
                         for p in (node.slice.lower, node.slice.upper, node.slice.step)]
                if not all(p is None or isinstance(p, int) for p in parts):
                    raise WhereError("切片的位置应为整数")
                seq = base if isinstance(base, (list, tuple)) else _as_text(base)
                return seq[slice(*parts)]
            key = ev(node.slice, row, n)
            try:
                if isinstance(base, Mapping):
                    return base[key]
                if isinstance(key, int) and not isinstance(key, bool):
                    return (base if isinstance(base, (list, tuple)) else _as_text(base))[key]
            except (KeyError, IndexError):
                raise WhereError(f"{_show(base)} 中没有 {_show(key)}") from None
            raise WhereError(f"无法从 {_show(base)} 中取 {_show(key)}")
        if isinstance(node, ast.Call):
            args = [ev(a, row, n) for a in node.args]
            func = node.func
            if isinstance(func, ast.Attribute):
                target = ev(func.value, row, n)
                text = _as_text(target)
                args = [tuple(_as_text(x) for x in a) if isinstance(a, list)
                        else a if isinstance(a, int) and not isinstance(a, bool) else _as_text(a) for a in args]
                try:
                    result = getattr(text, func.attr)(*args)
                except (TypeError, ValueError) as exc:
                    raise WhereError(f"{func.attr}(…) 的参数不对：{exc}") from None
                if isinstance(result, str):
                    _limit(result)
                return result
            try:
                return FUNCTIONS[func.id](*args)  # type: ignore[union-attr]
            except WhereError:
                raise
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise WhereError(f"{func.id}(…) 无法计算：{exc}") from None  # type: ignore[union-attr]
        raise WhereError("不支持的写法")  # the whitelist in compile_where keeps us from here


_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare,
          ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.BinOp,
          ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Constant, ast.Name, ast.Load, ast.List,
          ast.Tuple, ast.Set, ast.Attribute, ast.Subscript, ast.Slice, ast.Call)


def compile_where(expr: str, columns: Iterable[str] | None = None) -> Where:
    """Return the :class:`Where` of ``expr``; with ``columns``, also check every name exists.

    Raises :class:`WhereError` (Chinese) for a syntax error or anything outside the whitelist.
    """
    if not expr or not expr.strip():
        raise WhereError("--where 条件是空的")
    if len(expr) > MAX_EXPRESSION:
        raise WhereError(f"--where 条件过长（超过 {MAX_EXPRESSION} 个字符）")
    text = normalize(expr.strip())
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        where = f"（第{exc.offset}个字符附近）" if exc.offset else ""
        raise WhereError(f"--where 条件“{expr}”写法有误{where}：可用{_ALLOWED_TEXT}；"
                         "文字要加引号，如 设区市 == \"南京市\"") from None
    except (ValueError, RecursionError, MemoryError):
        raise WhereError(f"--where 条件“{expr[:60]}”无法解析") from None
    names: set[str] = set()
    called: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise WhereError(f"--where 条件中不能使用“{_describe(node, text)}”：只可用{_ALLOWED_TEXT}")
        if isinstance(node, ast.Call):
            if node.keywords:
                raise WhereError("--where 条件中的函数不接受 名称=值 形式的参数")
            func = node.func
            if isinstance(func, ast.Name):
                if func.id not in FUNCTIONS:
                    raise WhereError(f"--where 条件中不能调用“{func.id}”：可用的函数有 {'、'.join(FUNCTIONS)}")
                called.add(id(func))
            elif isinstance(func, ast.Attribute):
                if func.attr not in STRING_METHODS:
                    raise WhereError(f"--where 条件中不能调用“.{func.attr}()”：可用的文字方法有 "
                                     f"{'、'.join(sorted(STRING_METHODS))}")
                called.add(id(func))
            else:
                raise WhereError("--where 条件中只能调用指定的函数和文字方法")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise WhereError(f"--where 条件中不能使用“.{node.attr}”")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (str, int, float, bool, type(None))):
            raise WhereError(f"--where 条件中不能使用常量 {node.value!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in called:
            names.add(node.id)
    where = Where(expr, tree, names)
    if columns is not None:
        where.check_names(columns)
    return where


def _describe(node: ast.AST, text: str) -> str:
    segment = ast.get_source_segment(text, node) if hasattr(node, "lineno") else None
    labels = {ast.Lambda: "lambda", ast.NamedExpr: ":=", ast.Pow: "**", ast.ListComp: "列表推导",
              ast.GeneratorExp: "生成器", ast.DictComp: "字典推导", ast.SetComp: "集合推导", ast.Dict: "字典",
              ast.IfExp: "… if … else …", ast.Starred: "*", ast.JoinedStr: "f 字符串", ast.Await: "await",
              ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
              ast.Invert: "~", ast.MatMult: "@"}
    return labels.get(type(node)) or segment or type(node).__name__
