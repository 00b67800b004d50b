"""Rows that are not data: blank rows, prefilled 序号, notes, totals, footers."""

from formkit import api
from tests.builders import CODES, EVAL_HEADERS, eval_row, standard_eval_sheet, write_docx, write_xlsx


def test_blank_note_total_footer_rows_are_skipped(tmp_path, campaign):
    sheet = standard_eval_sheet([eval_row(1)])
    sheet += [[2] + [""] * 13,  # a blank template row with its 序号 prefilled
              [],
              [3, "南京云杉示例材料有限公司"] + [eval_row(3)[h] for h in EVAL_HEADERS[2:]],
              ["合计", "", "", "", "", "", "", "", "", "", "", "", "", ""],
              ["填表人：张三", "", "", "审核人：李四", "", "", "联系电话：025-83230000"],
              ["填表说明：1. 本表只填报合格企业。"],
              ["2. 日期格式为2023-05-06。", "x"]]
    sheet[7][2] = CODES["nj2"]
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": sheet})
    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert [r.source.row for r in sub.records] == [5, 8]
    assert len(sub.totals) == 1 and sub.totals[0].source.row == 9
    assert sub.block.footer == {"填表人": "张三", "审核人": "李四", "联系电话": "025-83230000"}


def test_note_row_stops_the_table(tmp_path, campaign):
    sheet = standard_eval_sheet([eval_row(1)]) + [["注：以上企业均已公示。"], ["1", "这一行不是数据"]]
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": sheet}, {"Sheet1": ["A6:N6"]})
    result = api.check([path], campaign)
    assert [len(s.records) for s in result.files[0].submissions] == [1]
    assert result.findings == []


def test_docx_footer_paragraph_and_blank_rows(tmp_path, campaign):
    rows = [EVAL_HEADERS, [str(eval_row(1)[h]) for h in EVAL_HEADERS], ["2"] + [""] * 13, [""] * 14]
    path = write_docx(tmp_path / "南京市.docx", ["填报单位：南京市知识产权局 填报日期：2023年6月1日"], [rows],
                      ["填表人：王五　　审核人：赵六　　联系电话：13900001111"])
    result = api.check([path], campaign)
    [sub] = result.files[0].submissions
    assert len(sub.records) == 1 and result.findings == []
    assert sub.block.footer["审核人"] == "赵六"


def test_plan_total_row_checked(tmp_path, campaign):
    headers = ["序号", "设区市", "贯标备案企业数（家）", "绩效评价合格企业数（家）", "认证企业数（家）", "抽查企业数（家）", "备注"]
    rows = [["2023年度企业贯标指导性计划分解表"], headers,
            [1, "南京市", 100, 12, 30, 30, ""], [2, "无锡", 90, 12, 25, 30, ""], ["总计", "", 190, 25, 55, 60, ""]]
    path = write_xlsx(tmp_path / "plan.xlsx", {"计划": rows})
    result = api.check([path], campaign)
    [sub] = result.files[0].submissions
    assert [r.value("city") for r in sub.records] == ["南京市", "无锡市"]
    assert [(f.code, f.cell, f.value, f.column) for f in result.findings] == [
        ("total-mismatch", "D5", "25", "绩效评价合格企业数（家）")]
