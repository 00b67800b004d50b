"""Compiling ``--where``: the expression parsed with :mod:`ast` and checked against the whitelist
of nodes, functions and text methods before any row is seen."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from formkit.where.evaluate import FUNCTIONS, STRING_METHODS, Where
from formkit.where.fullwidth import normalize
from formkit.where.values import WhereError

MAX_EXPRESSION = 2000

_ALLOWED_TEXT = ("列名、文字、数字、比较（== != < <= > >=、in）、and/or/not、+ - * / 运算、"
                 "startswith 等文字方法和 len/int/date 等函数")

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
