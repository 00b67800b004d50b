"""`--where EXPR`: a small, safe expression language over a row's columns (parsed, never eval'd)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formkit.where import WhereError, compile_where, normalize

ROW = {"设区市": "南京市", "企业名称": "南京青禾科技有限公司", "得分": 85, "得分文字": "85", "小数": Decimal("59.5"),
       "代码": "913201022914177000", "区号": 320100, "备案日期": dt.date(2016, 3, 1), "日期文字": "2019-11-30",
       "备注": "", "空": None, "合格": True, "联系人": {"姓名": "王一", "电话": "13812345678"},
       "明细": [{"事项": "备案"}, {"事项": "核查"}], "列表": ["甲", "乙"]}


def ok(expr: str, row=ROW, **kw) -> bool:
    return compile_where(expr, row.keys())(row, **kw)


@pytest.mark.parametrize("expr,expected", [
    ('设区市 == "南京市"', True),
    ("设区市 == '苏州市'", False),
    ('设区市 != "苏州市"', True),
    ("得分 >= 60", True),
    ("60 <= 得分 < 80", False),
    ("80 <= 得分 < 90", True),
    ("得分文字 >= 60", True),  # a number written as text compares as a number
    ("得分文字 == 85", True),
    ("小数 < 60", True),
    ("小数 < 59.6", True),
    ("得分 + 10 > 90", True),
    ("得分 * 2 == 170", True),
    ("得分 % 2 == 1", True),
    ("-得分 < 0", True),
    ("得分 / 0 == 1 or True", None),  # division by zero is an error
    ('设区市 in ["南京市", "苏州市"]', True),
    ('设区市 not in ("南京市", "苏州市")', False),
    ('"科技" in 企业名称', True),
    ('企业名称.startswith("南京")', True),
    ('企业名称.endswith(("有限公司", "厂"))', True),
    ("代码[:2] == '91'", True),
    ("代码.startswith('9132')", True),
    ("str(区号).startswith('32')", True),
    ("区号.startswith('3201')", True),  # a number's text, for text methods
    ("len(代码) == 18", True),
    ("备案日期 < '2018-01-01'", True),
    ("备案日期 < date('2015-01-01')", False),
    ("备案日期.year == 2016", True),
    ("日期文字 > 备案日期", True),
    ("日期文字 >= '2019年11月30日'", True),  # two date texts compare as days (render keeps text as text)
    ("日期文字 > '2019年12月1日'", False),
    ("'b' > 'a'", True),  # other texts compare as texts
    ("备注 == ''", True),
    ("not 备注", True),
    ("空 is None", True),
    ("备注 is None", True),  # an empty cell is None-like
    ("空 >= 0", False),  # an empty cell is never more or less than anything
    ("空 < 0", False),
    ("合格 and 得分 > 60", True),
    ("合格 == True", True),
    ("联系人.姓名 == '王一'", True),
    ("联系人['电话'].startswith('138')", True),
    ("'核查' in 列表 or len(明细) == 2", True),
    ("明细[0].事项 == '备案'", True),
    ("行号 == 7", True),
    ("max(得分, 90) == 90 and abs(-3) == 3 and round(小数) == 60 and int('12') == 12", True),
])
def test_expressions(expr, expected):
    if expected is None:
        with pytest.raises(WhereError, match="除数为零"):
            ok(expr, row_number=7)
        return
    assert ok(expr, row_number=7) is expected


@pytest.mark.parametrize("written,python", [
    ('设区市 = "南京市"', '设区市 == "南京市"'),
    ("得分 <> 60", "得分 != 60"),
    ("得分＞＝60　且", "得分>=60 且"),
    ("设区市 == “南京市”", "设区市 == '南京市'"),
    ("（得分 ＞ 1）", "(得分 > 1)"),
    ("x == '=' ", "x == '=' "),
    ("a == 'x = y'", "a == 'x = y'"),
])
def test_typing_conveniences(written, python):
    assert normalize(written) == python


def test_convenient_forms_evaluate():
    assert ok('设区市 = "南京市" and 得分 <> 60')
    assert ok("得分 ＞＝ 60 and 设区市 == “南京市”")


@pytest.mark.parametrize("expr", [
    "__import__('os').system('echo hacked')",
    "().__class__.__bases__[0].__subclasses__()",
    "设区市.__class__",
    "设区市._x",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('1')",
    "getattr(设区市, 'upper')()",
    "[x for x in 列表]",
    "(lambda: 1)()",
    "2 ** 1000000",
    "设区市 if 合格 else 1",
    "{'a': 1}",
    "f'{设区市}'",
    "(a := 1)",
    "设区市.format(1)",
    "设区市.encode()",
    "len(*列表)",
    "~得分",
    "得分 << 3",
])
def test_everything_outside_the_whitelist_is_refused(expr):
    with pytest.raises(WhereError):
        compile_where(expr)


def test_unknown_column_is_named_with_the_columns():
    with pytest.raises(WhereError, match="“得份”不是数据中的列；数据中的列：.*得分"):
        compile_where("得份 > 60", ["设区市", "得分"])


@pytest.mark.parametrize("expr", ["", "   ", "得分 >", "得分 >>> 1", "设区市 == 南京市 市", "x" * 3000,
                                  "(" * 500 + "1" + ")" * 500, "a\x00b"])
def test_bad_expressions_are_refused_in_chinese(expr):
    with pytest.raises(WhereError) as err:
        compile_where(expr)
    assert not str(err.value).isascii()


@pytest.mark.parametrize("expr,message", [
    ("企业名称 >= 60", "无法比较"),
    ("企业名称 * 2 == 1", "不是数字"),
    ("企业名称 + 1 == 1", "不是数字"),
    ("联系人.地址 == 1", "没有“地址”"),
    ("代码[99] == 1", "没有"),
    ("int(企业名称) == 1", "不是数字"),
    ("date('不是日期') == 1", "date"),
    ("企业名称.replace('', 企业名称 * 1) == 1", "不是数字"),
])
def test_row_errors_are_where_errors(expr, message):
    with pytest.raises(WhereError, match=message):
        ok(expr)


def test_text_cannot_be_made_huge():
    row = {"a": "x" * 10_000}
    with pytest.raises(WhereError, match="过长"):
        compile_where("a.replace('x', a) == ''")(row)
    with pytest.raises(WhereError):
        compile_where("a * 100000 == ''")(row)


def test_names_read_by_the_expression():
    where = compile_where("设区市 == '南京市' and len(企业名称) > 3 and 联系人.姓名 == 'x'")
    assert where.names == {"设区市", "企业名称", "联系人"}


def test_fullwidth_letters_in_names_are_read_as_python_reads_them():
    row = {"ＡＢ": 1}
    assert compile_where("ＡＢ == 1", row.keys())(row)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(["设区市", "得分", "企业名称", "==", "=", "<>", ">=", "and", "or", "not", "in", "(", ")", "[",
                           "]", ",", "'南京市'", "“苏州”", "60", "-", "+", "*", "/", ".", "startswith", "__class__",
                           "len", "date", "'2020-01-01'", "None", "行号", ":", " "])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=12).map(" ".join)))
def test_any_text_is_parsed_or_refused_never_crashes(expr):
    try:
        where = compile_where(expr, ROW.keys())
    except WhereError:
        return
    try:
        where(ROW, row_number=3)
    except WhereError:
        pass
