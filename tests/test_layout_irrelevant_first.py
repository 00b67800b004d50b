"""An unrelated sheet or table before the real one is passed over."""

from formkit import api
from tests.builders import EVAL_HEADERS, eval_row, standard_eval_sheet, write_docx, write_xlsx


def test_xlsx_irrelevant_sheet_first(tmp_path, campaign):
    cover = [["关于报送2023年度第一批贯标绩效评价合格企业的说明"], ["序号", "事项", "备注"], [1, "共报送1家", ""]]
    path = write_xlsx(tmp_path / "南京市.xlsx", {"说明": cover, "附件2": standard_eval_sheet([eval_row(1)])})
    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert sub.sheet == "附件2" and sub.records[0].cells["name"].source.where() == "附件2!B5"


def test_docx_irrelevant_table_first(tmp_path, campaign):
    letterhead = [["南京市知识产权局", "宁知函〔2023〕12号"], ["签发人", "张三"]]
    table = [EVAL_HEADERS, [str(eval_row(1)[h]) for h in EVAL_HEADERS]]
    path = write_docx(tmp_path / "南京市.docx", ["关于报送贯标绩效评价合格企业名单的函"], [letterhead, table],
                      between=[["附件2", "2023年度贯标绩效评价合格企业汇总表", "填报单位：南京市知识产权局 填报日期：2023-06-02 批次：第一批"]])
    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert sub.sheet == "表2" and sub.batch == 1 and len(sub.records) == 1


def test_nothing_recognisable_is_unknown_form(tmp_path, campaign):
    path = write_xlsx(tmp_path / "南京市.xlsx", {"Sheet1": [["姓名", "年龄"], ["张三", 30]]})
    result = api.check([path], campaign)
    assert [(f.code, f.severity, f.file) for f in result.findings] == [("unknown-form", "error", "南京市.xlsx")]
    assert "表头" in result.findings[0].message
