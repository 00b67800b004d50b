"""Tables that share a few headers with a form are not that form: `unknown-form`, never a form.

SPEC §3: a table is a form only when its title names the form or its header holds more than
half of the form's required columns (after aliases). `missing-column` is for a table that is
clearly the form and lacks some columns.
"""

from __future__ import annotations

import pytest

from formkit import api
from tests.builders import EVAL_HEADERS, eval_row, write_docx, write_xlsx

LOOKED_FOR = ("附件1“2023年度企业贯标指导性计划分解表”", "附件2“2023年度贯标绩效评价合格企业汇总表”",
              "附件3“2023年度企业贯标质量抽查情况汇总表”", "附件4“企业贯标备案信息异常情况汇总表”")

ROSTER = ["序号", "姓名", "性别", "出生日期", "身份证号码", "部门", "职务", "证书名称", "证书编号", "发证机关",
          "发证日期", "证件到期日", "联系电话", "备注"]
ROSTER_ROWS = [
    [1, "张伟", "男", "1985-03-02", "320102198503021234", "研发部", "工程师", "知识产权内审员证书", "IPMS-2022-0113",
     "中知（北京）认证有限公司", "2022-05-06", "2025-05-05", "13812345678", ""],
    [2, "李娜", "女", "1990-11-20", "32010419901120242X", "法务部", "专员", "专利代理师资格证", "ZL20210456",
     "国家知识产权局", "2021-12-01", "", "13912345678", "长期有效"],
]
STATISTICS = ["序号", "设区市", "贯标备案企业数（家）", "认证企业数（家）", "抽查企业数（家）", "较上年增减", "备注"]
CONTACTS = ["序号", "企业名称", "所在县（市、区）", "联系人", "联系电话", "电子邮箱", "备注"]
CERTIFICATE_REGISTER = ["序号", "证书持有人", "认证机构", "证书编号", "发证日期", "有效期至", "认证范围", "备注"]
TRAINING = ["序号", "培训日期", "培训内容", "主讲单位", "参训企业数", "参训人数", "备注"]


def nonform_tables() -> dict[str, tuple[str, list[list]]]:
    """Return realistic tables an office might send by mistake: (title, rows) by scenario."""
    return {
        "staff-roster": ("南京示例科技有限公司知识产权工作人员花名册", [ROSTER] + ROSTER_ROWS),
        "statistics": ("2023年度各设区市企业贯标工作情况统计表", [STATISTICS]
                       + [[i, c, 120 + i, 30 + i, 31, "+3", ""] for i, c in enumerate(["南京市", "无锡市", "徐州市"], 1)]),
        "contacts": ("贯标企业联系人名单", [CONTACTS]
                     + [[1, "南京青禾示例科技有限公司", "玄武区", "王一", "13812345678", "wy@example.cn", ""]]),
        "certificates": ("企业认证证书台账", [CERTIFICATE_REGISTER]
                         + [[1, "南京青禾示例科技有限公司", "方圆标志认证集团有限公司", "00223IP0001R0M", "2023-01-05",
                             "2026-01-04", "知识产权管理", ""]]),
        "training": ("2023年贯标培训情况表", [TRAINING] + [[1, "2023-05-06", "GB/T 29490宣贯", "南京市知识产权局", 35, 80, ""]]),
    }


@pytest.mark.parametrize("scenario", sorted(nonform_tables()))
def test_nonform_xlsx_is_unknown_form(tmp_path, campaign, scenario):
    title, rows = nonform_tables()[scenario]
    path = write_xlsx(tmp_path / f"南京市-{scenario}.xlsx", {"Sheet1": [[title]] + rows})
    result = api.check([path], campaign)
    assert [(f.code, f.file) for f in result.findings] == [("unknown-form", path.name)]
    assert result.files[0].submissions == []
    message = result.findings[0].message
    assert all(name in message for name in LOOKED_FOR), message


@pytest.mark.parametrize("scenario", sorted(nonform_tables()))
def test_nonform_docx_is_unknown_form(tmp_path, campaign, scenario):
    title, rows = nonform_tables()[scenario]
    texts = [["" if v is None else str(v) for v in row] for row in rows]
    path = write_docx(tmp_path / f"南京市-{scenario}.docx", [title, "填报单位：南京市知识产权局"], [texts])
    result = api.check([path], campaign)
    assert [f.code for f in result.findings] == ["unknown-form"]


def test_roster_is_not_taken_for_spotcheck(tmp_path, campaign):
    """The case reported: a staff roster was answered with five missing-column errors of 附件3."""
    path = write_xlsx(tmp_path / "花名册.xlsx", {"Sheet1": [ROSTER] + ROSTER_ROWS})
    result = api.check([path], campaign)
    assert not any(f.code == "missing-column" for f in result.findings)
    assert [f.code for f in result.findings] == ["unknown-form"]
    assert "只含附件3的2个必填列（“认证证书编号”“发证日期”），该表共有7个必填列，不足一半" in result.findings[0].message


def test_roster_beside_a_real_form_is_passed_over(tmp_path, campaign):
    form = [["2023年度贯标绩效评价合格企业汇总表"], ["填报单位（盖章）：南京市知识产权局", "", "", "", "", "填报日期：2023年6月8日"],
            EVAL_HEADERS, [eval_row(1)[h] for h in EVAL_HEADERS]]
    path = write_xlsx(tmp_path / "南京市-附件2-第一批.xlsx", {"花名册": [ROSTER] + ROSTER_ROWS, "附件2": form})
    result = api.check([path], campaign)
    assert result.findings == []
    assert [(s.form, s.sheet) for s in result.files[0].submissions] == [("evaluation", "附件2")]


def test_titled_form_lacking_columns_is_missing_column(tmp_path, campaign):
    """A table titled as 附件3 is that form even with few of its columns: what it lacks is named."""
    headers = ["序号", "企业名称", "统一社会信用代码", "认证机构", "备注"]
    rows = [["附件3"], ["2023年度企业贯标质量抽查情况汇总表"], headers,
            [1, "南京青禾示例科技有限公司", "9132010229141777XY", "中国质量认证中心", ""]]
    path = write_xlsx(tmp_path / "南京市-附件3.xlsx", {"Sheet1": rows})
    result = api.check([path], campaign)
    missing = [f.column for f in result.findings if f.code == "missing-column"]
    assert missing == ["认证证书编号", "发证日期", "抽查日期", "抽查结论"]
    assert {f.code for f in result.findings} == {"missing-column"}


def test_untitled_table_with_most_required_columns_is_the_form(tmp_path, campaign):
    """No title, but 5 of 附件2's 7 required columns: 附件2 with two columns missing."""
    headers = ["序号", "企业名称", "统一社会信用代码", "贯标备案时间", "评价机构（专家组）", "评价日期", "备注"]
    row = eval_row(1)
    path = write_xlsx(tmp_path / "南京市-附件2-第一批.xlsx",
                      {"Sheet1": [headers, [row.get(h, "") for h in headers]]})
    result = api.check([path], campaign)
    assert sorted(f.column for f in result.findings if f.code == "missing-column") == ["评价方式", "评价结论"]
    [sub] = result.files[0].submissions
    assert sub.form == "evaluation" and len(sub.records) == 1


def test_untitled_table_with_half_the_required_columns_is_not_the_form(tmp_path, campaign):
    """Exactly half is not more than half: 附件4 has 5 required columns, 2 present → unknown-form."""
    headers = ["序号", "企业名称", "统一社会信用代码", "联系人", "备注"]
    path = write_xlsx(tmp_path / "名单.xlsx", {"Sheet1": [headers, [1, "南京青禾示例科技有限公司", "9132010229141777XY", "王一", ""]]})
    result = api.check([path], campaign)
    assert [f.code for f in result.findings] == ["unknown-form"]
