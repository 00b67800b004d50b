"""Word content controls (w:sdt) around cells are unwrapped: no value vanishes, nothing shifts."""

from formkit import api
from tests.builders import CODES, EVAL_HEADERS, eval_row, wrap_cells_in_sdt, write_docx


def test_cells_in_content_controls(tmp_path, campaign):
    rows = [EVAL_HEADERS] + [[str(eval_row(1)[h]) for h in EVAL_HEADERS]]
    path = write_docx(tmp_path / "南京市.docx", ["填报单位：南京市知识产权局 填报日期：2023-06-02 批次：第一批"], [rows])
    wrap_cells_in_sdt(path, 0, [(0, 2), (1, 1), (1, 2), (1, 8)])
    result = api.check([path], campaign)
    assert result.findings == []
    [rec] = result.files[0].submissions[0].records
    assert rec.value("name") == "南京青禾示例科技有限公司"
    assert rec.value("uscc") == CODES["nj1"]
    assert rec.cells["county"].source.cell == "第2行第4列"  # not shifted left
    assert rec.raw("county") == "玄武区"
