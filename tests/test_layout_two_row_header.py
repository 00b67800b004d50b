"""A header in two rows with merged cells: a parent over its children, others merged down."""

import datetime as dt

from docx import Document

from formkit import api

TOP = ["序号", "企业名称", "统一社会信用代码", "所在县（市、区）", "认证情况", "认证情况", "认证情况", "认证依据标准",
       "抽查情况", "抽查情况", "抽查情况", "抽查情况", "认证机构处理措施", "备注"]
SUB = ["", "", "", "", "认证机构", "证书编号", "发证日期", "", "抽查日期", "抽查结论", "主要问题", "整改期限", "", ""]
ROW = [1, "徐州松柏示例机械有限公司", "91320302MA1Y2D3L7B", "鼓楼区", "中知（北京）认证有限公司", "165IP200001R0M",
       "2021-05-06", "GB/T 29490-2013", "2023-08-01", "达标", "", "", "无", ""]


def _merges():
    merges = ["A1:N1"]
    for col in "ABCDHMN":
        merges.append(f"{col}3:{col}4")
    merges += ["E3:G3", "I3:L3"]
    return merges


def test_xlsx_two_row_header(tmp_path, campaign):
    from tests.builders import write_xlsx

    top = [t if i in (0, 1, 2, 3, 4, 7, 8, 12, 13) else "" for i, t in enumerate(TOP)]
    rows = [["2023年度企业贯标质量抽查情况汇总表"], ["填报单位：徐州市知识产权局", "", "", "", "", "填报日期：2023-11-20"],
            top, SUB, ROW]
    path = write_xlsx(tmp_path / "徐州.xlsx", {"抽查": rows}, {"抽查": _merges()})
    # shift the merges: title row is 1, header rows are 3 and 4
    result = api.check([path], campaign)
    [sub] = result.files[0].submissions
    assert sub.form == "spotcheck" and sub.header_row == 3
    [rec] = sub.records
    assert rec.value("body") == "中知（北京）认证有限公司"
    assert rec.value("cert_no") == "165IP200001R0M"
    assert rec.value("cert_date") == dt.date(2021, 5, 6)
    assert rec.value("check_date") == dt.date(2023, 8, 1)
    assert rec.value("conclusion") == "达标"
    assert rec.value("measure") == "无"
    assert rec.cells["cert_no"].source.where() == "抽查!F5"
    assert sub.columns["cert_no"].where() == "抽查!F4"
    assert sub.missing == []
    codes = [f.code for f in result.findings]
    assert "missing-column" not in codes and "required" not in codes


def test_docx_two_row_header_with_gridspan_and_vmerge(tmp_path, campaign):
    doc = Document()
    doc.add_paragraph("2023年度企业贯标质量抽查情况汇总表")
    doc.add_paragraph("填报单位：徐州市知识产权局　填报日期：2023-11-20")
    table = doc.add_table(rows=3, cols=14)
    table.style = "Table Grid"
    for j in range(14):
        if SUB[j] == "":
            table.cell(0, j).text = TOP[j]
        else:
            table.cell(1, j).text = SUB[j]
        table.cell(2, j).text = str(ROW[j])
    for j in range(14):
        if SUB[j] == "":
            table.cell(0, j).merge(table.cell(1, j))
    table.cell(0, 4).merge(table.cell(0, 6)).text = "认证情况"
    table.cell(0, 8).merge(table.cell(0, 11)).text = "抽查情况"
    path = tmp_path / "徐州市-附件3.docx"
    doc.save(path)

    result = api.check([path], campaign)
    [sub] = result.files[0].submissions
    [rec] = sub.records
    assert rec.value("cert_no") == "165IP200001R0M"
    assert rec.value("problems") is None and rec.value("conclusion") == "达标"
    assert rec.cells["check_date"].source.cell == "第3行第9列"
    assert sub.missing == []
