"""Header variants: aliases, bracketed notes, line breaks, 日期↔时间, columns in any order, extra columns."""

import datetime as dt

from click.testing import CliRunner

from formkit import api
from formkit.cli import main
from tests.builders import CODES, write_docx, write_xlsx

HEADERS = ["备注", "单位名称", "统一社会信用代码\n（18位）", "评价\n时间", "贯标备案日期", "所在县市区",
           "评价结果", "评价方式", "评价机构/专家组", "得分", "电话", "企业规模", "联系人"]
ROW = ["", "无锡远帆示例电子有限公司", CODES["wx1"], "2023年4月3日", "2020.6.15", "滨湖区", "合格",
       "组织专家", "无锡市贯标评价专家组", "90", "0510-85123456", "中型", "赵六"]


def test_xlsx_aliases_any_order_extra_column(tmp_path, campaign):
    rows = [["2023年度贯标绩效评价合格企业汇总表"], ["填报单位（盖章）：无锡市知识产权局", "", "", "填报日期：2023.6.5"],
            HEADERS, ROW]
    path = write_xlsx(tmp_path / "无锡.xlsx", {"Sheet1": rows})
    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert sub.form == "evaluation" and sub.extra_columns == ["企业规模"]
    [rec] = sub.records
    assert rec.value("name") == "无锡远帆示例电子有限公司"
    assert rec.value("eval_date") == dt.date(2023, 4, 3)
    assert rec.value("filing_date") == dt.date(2020, 6, 15)
    assert rec.value("method") == "组织专家" and rec.value("conclusion") == "合格"
    assert rec.value("evaluator") == "无锡市贯标评价专家组"
    assert rec.cells["uscc"].source.where() == "Sheet1!C4"
    assert rec.cells["eval_date"].source.where() == "Sheet1!D4"
    assert "category" not in rec.cells  # an optional column the city left out


def test_extra_column_is_reported_once_as_info(tmp_path):
    rows = [["填报单位：无锡市知识产权局", "", "", "填报日期：2023-06-05"], HEADERS, ROW, ROW[:1] + ["无锡二号示例有限公司"] + ROW[2:]]
    path = write_xlsx(tmp_path / "无锡市.xlsx", {"Sheet1": rows})
    out = CliRunner().invoke(main, ["check", str(path)]).output
    assert out.count("企业规模") == 1 and "未识别的列（已忽略）" in out


def test_docx_shortened_spotcheck_headers(tmp_path, campaign):
    headers = ["序号", "企业名称", "信用代码", "认证机构名称", "证书编号", "发证时间", "依据标准", "检查日期", "检查结论",
               "存在问题", "整改时限", "对认证机构的处理措施"]
    row = ["1", "常州明川示例装备有限公司", "91320411MA1Q8K5E1D", "中知认证", "165IP210088R0M", "2021/3/2",
           "GB/T29490-2013", "2023-09-12", "不符合", "内审记录缺失", "2023-11-30", "约谈认证机构"]
    path = write_docx(tmp_path / "常州市.docx", ["企业贯标质量抽查情况汇总表", "填报单位：常州市知识产权局 填报日期：2023-11-25"],
                      [[headers, row]])
    result = api.check([path], campaign)
    [sub] = result.files[0].submissions
    assert sub.form == "spotcheck" and sub.missing == []
    [rec] = sub.records
    assert rec.value("body") == "中知（北京）认证有限公司"  # an alias of an approved body
    assert rec.value("standard") == "GB/T 29490-2013"
    assert rec.value("conclusion") == "未达标" and rec.value("measure") == "约谈"
    assert rec.value("deadline") == dt.date(2023, 11, 30)
    codes = [f.code for f in result.findings]
    assert codes == ["uscc"]  # the made-up code above is not valid; nothing else is wrong


def test_missing_required_column(tmp_path, campaign):
    headers = ["序号", "企业名称", "所在县（市、区）", "贯标备案时间", "评价方式", "评价机构（专家组）", "评价日期", "评价结论"]
    row = ["1", "南京青禾示例科技有限公司", "玄武区", "2021-04-06", "委托机构", "某中心", "2023-03-01", "合格"]
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": [["填报单位：南京市知识产权局 填报日期：2023-06-01"], headers, row]})
    result = api.check([path], campaign)
    missing = [(f.code, f.column, f.row, f.severity) for f in result.findings]
    assert missing == [("missing-column", "统一社会信用代码", 2, "error")]
