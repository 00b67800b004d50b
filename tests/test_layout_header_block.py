"""The header block in its many shapes, and how city and batch are decided."""

import datetime as dt

from formkit import api
from tests.builders import CODES, EVAL_HEADERS, eval_row, write_docx, write_xlsx


def _table(*rows):
    return [EVAL_HEADERS] + [[str(r[h]) for h in EVAL_HEADERS] for r in rows]


def test_labels_and_values_in_separate_cells(tmp_path, campaign):
    rows = [["填报单位（盖章）", "苏州市知识产权局", "", "填报日期", "2023/6/3", "", "批次", "上半年"]] + _table(
        eval_row(1, "苏州恒泰示例精密有限公司", CODES["sz1"], **{"所在县（市、区）": "吴中区"}))
    path = write_xlsx(tmp_path / "附件2.xlsx", {"Sheet1": rows})
    result = api.check([path], campaign)
    [sub] = result.files[0].submissions
    assert (sub.city, sub.batch, sub.fill_date) == ("苏州市", 1, dt.date(2023, 6, 3))
    assert sub.block.unit.source.where() == "Sheet1!B1"
    assert sub.block.date.source.where() == "Sheet1!E1"
    assert result.findings == []


def test_date_below_the_table_and_batch_from_date(tmp_path, campaign):
    path = write_docx(tmp_path / "苏州.docx", ["填报单位：苏州市知识产权局"],
                      [_table(eval_row(1, "苏州恒泰示例精密有限公司", CODES["sz1"], 评价日期="2023-10-09"))],
                      ["填表人：周七", "2023年12月8日 填报日期：2023年12月8日"])
    result = api.check([path], campaign)
    [sub] = result.files[0].submissions
    assert (sub.city, sub.batch, sub.batch_source) == ("苏州市", 2, "填报日期")
    assert result.findings == []


def test_batch_from_file_name(tmp_path, campaign):
    path = write_docx(tmp_path / "苏州市第二批.docx", ["填报单位：苏州市知识产权局"],
                      [_table(eval_row(1, "苏州恒泰示例精密有限公司", CODES["sz1"]))])
    [sub] = api.check([path], campaign).files[0].submissions
    assert (sub.batch, sub.batch_source, sub.fill_date) == (2, "文件名", None)


def test_city_from_folder_and_disagreement(tmp_path, campaign):
    row = eval_row(1, "苏州恒泰示例精密有限公司", CODES["sz1"])
    folder = tmp_path / "苏州市"
    write_docx(folder / "附件2.docx", ["填报日期：2023-06-01"], [_table(row)])
    write_docx(folder / "无锡市附件2.docx", ["填报单位：南京市知识产权局 填报日期：2023-06-01"], [_table(row)])
    result = api.check([tmp_path], campaign)
    subs = {fr.name: fr.submissions[0] for fr in result.files}
    assert subs["苏州市/附件2.docx"].city == "苏州市"
    ambiguous = subs["苏州市/无锡市附件2.docx"]
    assert ambiguous.city == "南京市"
    found = [(f.file, f.code, f.severity) for f in result.findings if f.code == "city-ambiguous"]
    assert found == [("苏州市/无锡市附件2.docx", "city-ambiguous", "warning")]
    msg = [f.message for f in result.findings if f.code == "city-ambiguous"][0]
    assert "填报单位为南京市" in msg and "文件名为无锡市" in msg and "文件夹为苏州市" in msg


def test_no_city_anywhere(tmp_path, campaign):
    path = write_docx(tmp_path / "附件2.docx", ["填报日期：2023-06-01"], [_table(eval_row(1))])
    result = api.check([path], campaign)
    assert [f.code for f in result.findings] == ["city-ambiguous"]
    assert result.files[0].submissions[0].city is None


def test_bad_fill_date(tmp_path, campaign):
    path = write_docx(tmp_path / "南京市.docx", ["填报单位：南京市知识产权局 填报日期：2023年6月31日 批次：第一批"],
                      [_table(eval_row(1))])
    result = api.check([path], campaign)
    assert [(f.code, f.column, f.value) for f in result.findings] == [("date", "填报日期", "2023年6月31日")]
