"""Values as cities type them: formulas, date styles, serials, numbers as codes, full-width text."""

import datetime as dt

from formkit import api
from tests.builders import CODES, add_cached_formula, eval_row, standard_eval_sheet, write_xlsx


def test_value_normalisation(tmp_path, campaign):
    rows = [
        eval_row(1, 评价日期="2023年5月6日", 贯标备案时间="20210406"),
        eval_row(2, "南京云杉示例材料有限公司", "９１３２０１０４６３１７０６６９１Ｂ", 评价日期="2023.5.6",
                 贯标备案时间=44300, 评价方式=" 委托第三方机构 ", 企业类别="专精特新，高企"),
        eval_row(3, "南京北辰\u200b示例软件有限公司", CODES["nj3"].lower(), 评价日期=dt.date(2023, 5, 6),
                 联系电话="025-8323 6380", 评价结论="通过"),
    ]
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": standard_eval_sheet(rows)})
    add_cached_formula(path, "xl/worksheets/sheet1.xml", "J5", "80+8", "88")
    result = api.check([path], campaign)
    assert result.findings == []
    r1, r2, r3 = result.files[0].submissions[0].records
    assert [r.value("eval_date") for r in (r1, r2, r3)] == [dt.date(2023, 5, 6)] * 3
    assert r1.value("filing_date") == dt.date(2021, 4, 6)
    assert r2.value("filing_date") == dt.date(2021, 4, 14)  # Excel serial 44300
    assert r2.value("uscc") == CODES["nj2"] and r2.raw("uscc").startswith("９１")  # raw kept
    assert r2.value("method") == "委托机构"
    assert r2.value("category") == ["专精特新中小企业", "高新技术企业"]
    assert r3.value("uscc") == CODES["nj3"] and r3.value("name") == "南京北辰示例软件有限公司"
    assert r3.value("conclusion") == "合格"
    assert r1.value("score") == 88 and r1.raw("score") == "88"  # formula gives its cached value


def test_value_errors(tmp_path, campaign):
    rows = [eval_row(1, 评价日期="2023年5月", 评价方式="自评", 评价得分="优秀", 企业类别="高企、国企", 联系电话="12345")]
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": standard_eval_sheet(rows)})
    result = api.check([path], campaign)
    got = [(f.code, f.cell, f.severity) for f in result.findings]
    assert got == [("enum", "E5", "error"), ("enum", "G5", "error"), ("date", "I5", "error"),
                   ("number", "J5", "error"), ("phone", "M5", "warning")]
    msgs = {f.cell: f.message for f in result.findings}
    assert "国企" in msgs["E5"] and "委托机构、组织专家" in msgs["G5"] and "缺少“日”" in msgs["I5"]


def test_uscc_causes(tmp_path, campaign):
    bad = {
        "I1": CODES["nj1"][:5] + "I" + CODES["nj1"][6:],   # wrong letter for a digit 1? (position 6)
        "short": CODES["nj1"][:17],
        "check": CODES["nj1"][:17] + ("0" if CODES["nj1"][17] != "0" else "1"),
        "region": "91329999" + CODES["nj1"][8:],
    }
    rows = [eval_row(i + 1, f"南京示例{i}有限公司", code) for i, code in enumerate(bad.values())]
    rows.append(eval_row(9, "南京示例九有限公司", 913201023456789000))
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": standard_eval_sheet(rows)})
    result = api.check([path], campaign)
    msgs = [f.message for f in result.findings if f.code == "uscc"]
    assert len(msgs) == 5
    assert "字母I应为数字1" in msgs[0]
    assert "应为18位，现为17位" in msgs[1]
    assert "第18位校验码不正确" in msgs[2]
    assert "行政区划代码“329999”不存在" in msgs[3]
    assert "存成了数字" in msgs[4] and "文本" in msgs[4]
