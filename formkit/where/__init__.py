"""``--where EXPR``: keep the rows an expression over their columns accepts — never ``eval``.

The expression is Python-like and parsed with :mod:`ast`; only a small whitelist of nodes is
evaluated, by this package, over one row at a time:

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

from formkit.where.compile import compile_where
from formkit.where.evaluate import Where
from formkit.where.fullwidth import normalize
from formkit.where.values import WhereError

__all__ = ["Where", "WhereError", "compile_where", "normalize"]
