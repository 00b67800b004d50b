"""A Word table split across tables or pages: header repeated, or continued without it."""

from formkit import api
from tests.builders import CODES, EVAL_HEADERS, eval_row, write_docx

BLOCK = ["2023年度贯标绩效评价合格企业汇总表", "填报单位（盖章）：南京市知识产权局　填报日期：2023年6月9日　批次：第一批"]


def _rows(*specs):
    return [[str(eval_row(seq, name, code)[h]) for h in EVAL_HEADERS] for seq, name, code in specs]


A = (1, "南京青禾示例科技有限公司", CODES["nj1"])
B = (2, "南京云杉示例材料有限公司", CODES["nj2"])
C = (3, "南京北辰示例软件有限公司", CODES["nj3"])


def test_split_with_repeated_header(tmp_path, campaign):
    path = write_docx(tmp_path / "南京市.docx", BLOCK,
                      [[EVAL_HEADERS] + _rows(A, B), [EVAL_HEADERS] + _rows(C)], between=[["（续表）"]])
    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert [r.raw("name") for r in sub.records] == [A[1], B[1], C[1]]
    assert [(r.source.sheet, r.source.row) for r in sub.records] == [("表1", 2), ("表1", 3), ("表2", 2)]


def test_split_without_header(tmp_path, campaign):
    path = write_docx(tmp_path / "南京市.docx", BLOCK, [[EVAL_HEADERS] + _rows(A), _rows(B, C)])
    result = api.check([path], campaign)
    assert result.findings == []
    [sub] = result.files[0].submissions
    assert [r.raw("uscc") for r in sub.records] == [A[2], B[2], C[2]]
    assert sub.records[2].cells["uscc"].source.where() == "表2 第2行第3列"


def test_header_repeated_inside_one_table(tmp_path, campaign):
    path = write_docx(tmp_path / "南京市.docx", BLOCK, [[EVAL_HEADERS] + _rows(A) + [EVAL_HEADERS] + _rows(B)])
    result = api.check([path], campaign)
    assert result.findings == []
    assert [r.source.row for r in result.files[0].submissions[0].records] == [2, 4]
