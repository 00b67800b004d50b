"""The plain layout: 附件N, title, header block, one header row, data, footer — xlsx and docx."""

import datetime as dt

from formkit import api
from formkit.findings import flatten
from tests.builders import CODES, EVAL_HEADERS, eval_row, standard_eval_sheet, write_docx, write_xlsx


def test_xlsx_records_and_provenance(tmp_path, campaign):
    rows = [eval_row(1), eval_row(2, "南京云杉示例材料有限公司", CODES["nj2"], **{"所在县（市、区）": "秦淮区"})]
    sheet = standard_eval_sheet(rows) + [[], ["填表人：张三　审核人：李四　联系电话：025-83230000"]]
    path = write_xlsx(tmp_path / "南京市-附件2.xlsx", {"Sheet1": sheet}, {"Sheet1": ["A2:N2"]})

    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert (sub.form, sub.city, sub.batch, sub.fill_date) == ("evaluation", "南京市", 1, dt.date(2023, 6, 8))
    assert sub.header_row == 4
    assert [r.raw("name") for r in sub.records] == ["南京青禾示例科技有限公司", "南京云杉示例材料有限公司"]
    second = sub.records[1]
    assert second.value("uscc") == CODES["nj2"]
    assert second.cells["uscc"].source.where() == "Sheet1!C6"
    assert str(second.cells["county"].source) == "南京市-附件2.xlsx#Sheet1!D6"
    assert second.value("eval_date") == dt.date(2023, 3, 1)
    assert second.value("score") == 88
    assert sub.block.footer == {"填表人": "张三", "审核人": "李四", "联系电话": "025-83230000"}
    assert sub.block.unit.source.where() == "Sheet1!A3"


def test_docx_records_and_provenance(tmp_path, campaign):
    rows = [eval_row(1), eval_row(2, "南京云杉示例材料有限公司", CODES["nj2"])]
    table = [EVAL_HEADERS] + [[str(r[h]) for h in EVAL_HEADERS] for r in rows]
    path = write_docx(tmp_path / "附件2.docx",
                      ["附件2", "2023年度贯标绩效评价合格企业汇总表",
                       "填报单位（盖章）：南京市知识产权局　　填报日期：2023年12月5日　　批次：第二批"],
                      [table], ["填表人：张三　审核人：李四"])
    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert (sub.form, sub.city, sub.batch, sub.fill_date) == ("evaluation", "南京市", 2, dt.date(2023, 12, 5))
    assert sub.title == "2023年度贯标绩效评价合格企业汇总表"
    cell = sub.records[1].cells["uscc"]
    assert (cell.source.sheet, cell.source.row, cell.source.col, cell.source.cell) == ("表1", 3, 3, "第3行第3列")


def test_seeded_defect_cell_in_docx(tmp_path, campaign):
    rows = [eval_row(1), eval_row(2, "南京云杉示例材料有限公司", CODES["nj2"], 评价日期="2023-02-30")]
    table = [EVAL_HEADERS] + [[str(r[h]) for h in EVAL_HEADERS] for r in rows]
    path = write_docx(tmp_path / "南京市.docx", ["填报单位：南京市知识产权局 填报日期：2023-06-01 批次：第一批"], [table])
    result = api.check([path], campaign)
    assert flatten(result.findings, "code", "sheet", "row", "cell", "column", "value") == [
        ("date", "表1", 3, "第3行第9列", "评价日期", "2023-02-30")]
    assert result.findings[0].key == CODES["nj2"]
