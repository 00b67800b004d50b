"""Merged cells inside the data give their value to every row they cover."""

from docx import Document

from formkit import api
from tests.builders import CODES, EVAL_HEADERS, eval_row, standard_eval_sheet, write_xlsx


def test_xlsx_vertically_merged_values(tmp_path, campaign):
    rows = [eval_row(1), eval_row(2, "南京云杉示例材料有限公司", CODES["nj2"]),
            eval_row(3, "南京北辰示例软件有限公司", CODES["nj3"])]
    sheet = standard_eval_sheet(rows)
    for r in (5, 6):  # leave the covered cells empty, as Excel stores them
        sheet[r][6] = ""
        sheet[r][7] = ""
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": sheet}, {"Sheet1": ["G5:G7", "H5:H7"]})
    result = api.check([path], campaign)
    assert result.findings == []
    recs = result.files[0].submissions[0].records
    assert [r.value("method") for r in recs] == ["委托机构"] * 3
    assert [r.value("evaluator") for r in recs] == ["江苏示例知识产权服务中心"] * 3
    assert recs[2].cells["method"].source.where() == "Sheet1!G7"


def test_docx_vmerge_and_gridspan_in_data(tmp_path, campaign):
    doc = Document()
    doc.add_paragraph("填报单位：南京市知识产权局 填报日期：2023-06-01 批次：第一批")
    table = doc.add_table(rows=3, cols=14)
    rows = [eval_row(1), eval_row(2, "南京云杉示例材料有限公司", CODES["nj2"])]
    for j, h in enumerate(EVAL_HEADERS):
        table.cell(0, j).text = h
        for i, row in enumerate(rows, start=1):
            table.cell(i, j).text = str(row[h])
    merged = table.cell(1, 7).merge(table.cell(2, 7))  # 评价机构 merged down
    merged.text = "江苏示例知识产权服务中心"
    table.cell(2, 12).merge(table.cell(2, 13))  # 联系电话 spans into 备注
    path = tmp_path / "南京市.docx"
    doc.save(path)
    result = api.check([path], campaign)
    recs = result.files[0].submissions[0].records
    assert [r.value("evaluator") for r in recs] == ["江苏示例知识产权服务中心"] * 2
    assert recs[1].value("phone") == "13812345678"
    assert recs[1].raw("remark") == "13812345678"  # a span repeats the text in each grid column
