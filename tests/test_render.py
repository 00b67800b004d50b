"""`formkit render`: any Word template, one document per row of an xlsx/xls/csv/json table.

Real files throughout: workbooks written by openpyxl, CSV in UTF-8, UTF-8 with BOM and GBK,
JSON with nested values; templates built with python-docx (and raw WordprocessingML where Word's
own quirks are needed). The last section renders the same templates with docxtpl itself and
compares the paragraph and table texts.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from formkit.cli import main
from formkit.readers.table_data import TableError, identifier, load_table
from tests.builders import assert_chinese_fonts, require_soffice, write_xlsx

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


# --- building templates ------------------------------------------------------------------------

def docx_template(path: Path, paragraphs: list[str], table: list[list[str]] | None = None,
                  after: list[str] = (), footer: str | None = None) -> Path:
    """Write a template of plain paragraphs, an optional table, more paragraphs, a footer."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    for text in after:
        doc.add_paragraph(text)
    if footer:
        doc.sections[0].footer.paragraphs[0].text = footer
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def run_xml(text: str, rpr: str = "") -> str:
    """Return a w:r as Word writes it: its own formatting, xml:space when needed."""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    props = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<w:r>{props}<w:t{space}>{text}</w:t></w:r>"


def raw_template(path: Path, body_xml: list[str]) -> Path:
    """Write a .docx whose body is exactly ``body_xml`` (w:p/w:tbl elements as Word saves them)."""
    doc = Document()
    buffer = io.BytesIO()
    doc.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                xml = data.decode("utf-8")
                start = xml.index("<w:body>") + len("<w:body>")
                end = xml.index("<w:sectPr")
                xml = xml[:start] + "".join(body_xml) + xml[end:]
                data = xml.encode("utf-8")
            out.writestr(info, data)
    return path


def texts(path_or_bytes) -> list[str]:
    doc = Document(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes))
    return [p.text for p in doc.paragraphs]


def cells(path_or_bytes) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


NOTICE = ["{{ 企业名称 }}：", "统一社会信用代码：{{ 信用代码 }}，得分{{ 得分 }}，备案日期{{ 备案日期 }}。",
          "{%p if 得分 >= 60 %}", "评价合格。", "{%p else %}", "评价不合格。", "{%p endif %}"]
ROWS = [
    ["企业名称", "信用代码", "得分（分）", "备案日期", "设区市"],
    ["A&B<科技>有限公司", "032010229141777X", 88, dt.date(2016, 3, 1), "南京市"],
    ["苏州远帆电子有限公司", "913205050743915000", 59.5, dt.date(2019, 11, 30), "苏州市"],
    ["无锡嘉禾新材料有限公司", "91320211008063604C", 91, dt.date(2021, 4, 6), "无锡市"],
]


@pytest.fixture()
def notice(tmp_path):
    return docx_template(tmp_path / "通知.docx", NOTICE)


@pytest.fixture()
def workbook(tmp_path):
    """A workbook whose table sits under a merged title row, with Chinese headers."""
    rows = [["2023年度贯标企业名单", None, None, None, None], *ROWS]
    return write_xlsx(tmp_path / "名单.xlsx", {"封面": [["说明"]], "名单": rows}, merges={"名单": ["A1:E1"]})


# --- reading tables ------------------------------------------------------------------------------

def test_xlsx_chinese_headers_under_a_title_row(workbook):
    table = load_table(workbook, sheet="名单")
    assert table.columns == ["企业名称", "信用代码", "得分（分）", "备案日期", "设区市"]
    assert table.aliases == {"得分": "得分（分）"}
    assert table.row_numbers == [3, 4, 5]
    first, second = table.context(0), table.context(1)
    assert first["信用代码"] == "032010229141777X" and first["得分"] == 88 and type(first["得分"]) is int
    assert first["备案日期"] == dt.date(2016, 3, 1)
    assert second["信用代码"] == "913205050743915000" and second["得分（分）"] == 59.5


def test_default_sheet_is_the_first_visible_one_and_sheet_by_position(workbook):
    # "封面" comes first and holds one cell: a header without data
    with pytest.raises(TableError, match="没有数据行"):
        load_table(workbook)
    assert load_table(workbook, sheet="2").columns[0] == "企业名称"
    with pytest.raises(TableError, match="没有工作表“其他”.*封面、名单"):
        load_table(workbook, sheet="其他")


def test_header_row_option(workbook):
    table = load_table(workbook, sheet="名单", header_row=3)  # the first data row taken as headers
    assert table.columns[0] == "A&B<科技>有限公司" and len(table.rows) == 2
    with pytest.raises(TableError, match="没有第40行"):
        load_table(workbook, sheet="名单", header_row=40)


def test_code_typed_as_a_number_is_the_text_excel_shows(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["名称", "代码", "数"], ["甲", 913201022914177000, 12.0]]})
    row = load_table(path).rows[0]
    assert row["代码"] == "913201022914177000" and row["数"] == 12


CSV_TEXT = ("企业名称,信用代码,得分（分）,备案日期,设区市\n"
            "\"A&B<科技>有限公司\",032010229141777X,88,2016-03-01,南京市\n"
            "苏州远帆电子有限公司,913205050743915000,59.5,2019/11/30,苏州市\n"
            "无锡嘉禾新材料有限公司,91320211008063604C,91,2021年4月6日,无锡市\n")


@pytest.mark.parametrize("encoding,label", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8（带BOM）"),
                                            ("gbk", "GBK/GB18030"), ("gb18030", "GBK/GB18030")])
def test_csv_encodings_are_detected(tmp_path, encoding, label):
    path = tmp_path / "名单.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    table = load_table(path)
    assert table.encoding == label
    assert table.columns == ["企业名称", "信用代码", "得分（分）", "备案日期", "设区市"]
    first, second, third = (table.context(i) for i in range(3))
    assert first["企业名称"] == "A&B<科技>有限公司" and first["信用代码"] == "032010229141777X"
    assert second["信用代码"] == "913205050743915000"  # 18 digits: text, never a float
    assert first["得分"] == 88 and second["得分"] == Decimal("59.5")
    # a text that looks like a date stays that text (a mail merge writes what the data says)
    assert [r["备案日期"] for r in (first, second, third)] == ["2016-03-01", "2019/11/30", "2021年4月6日"]
    assert table.row_numbers == [2, 3, 4]


def test_csv_keeps_leading_zeros_and_tab_separated(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("编号\t电话\t金额\n00123\t02583341234\t85.50\n", encoding="utf-8")
    row = load_table(path).rows[0]
    assert row == {"编号": "00123", "电话": "02583341234", "金额": Decimal("85.50")}
    assert str(row["金额"]) == "85.50"


def test_json_nested_values_and_missing_keys(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"企业名称": "甲", "联系人": {"姓名": "王一"}, "明细": [{"事项": "备案"}]},
                                {"企业名称": "乙", "备注": "二", "日期": "2023-05-06"}], ensure_ascii=False),
                    encoding="utf-8")
    table = load_table(path)
    assert table.columns == ["企业名称", "联系人", "明细", "备注", "日期"]
    assert table.rows[0]["联系人"] == {"姓名": "王一"} and table.rows[0]["备注"] is None
    assert table.rows[1]["日期"] == "2023-05-06"
    assert table.row_label(1) == "第2条"


@pytest.mark.parametrize("content,message", [
    (b"", "空文件"), (b"[1, 2]", "第1条不是对象"), (b"{\"a\": ", "不是有效的 JSON"),
    (b"\x81\x30\xff\xfe\x00\x00abc", "编码无法识别|不是文本表格"),
])
def test_bad_tables_are_refused_in_chinese(tmp_path, content, message):
    path = tmp_path / ("a.json" if content[:1] in (b"[", b"{") else "a.csv")
    path.write_bytes(content)
    with pytest.raises(TableError, match=message):
        load_table(path)


def test_identifier_aliases():
    assert identifier("企业名称") is None
    assert identifier("得分（分）") == "得分"
    assert identifier("2023年目标") == "_2023年目标"
    assert identifier("联系人/电话") == "联系人_电话"


# --- the command -----------------------------------------------------------------------------------

def test_render_xlsx_one_document_per_row(notice, workbook, tmp_path):
    out = tmp_path / "out"
    run = invoke("render", notice, workbook, "-o", out, "--sheet", "名单")
    assert run.exit_code == 0, run.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["001-A&B_科技_有限公司.docx", "002-苏州远帆电子有限公司.docx", "003-无锡嘉禾新材料有限公司.docx"]
    first = texts(out / names[0])
    assert first == ["A&B<科技>有限公司：", "统一社会信用代码：032010229141777X，得分88，备案日期2016年3月1日。", "评价合格。"]
    second = texts(out / names[1])
    assert second[1] == "统一社会信用代码：913205050743915000，得分59.5，备案日期2019年11月30日。"
    assert second[2] == "评价不合格。"
    assert "已生成3份文档" in run.output


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_render_csv_in_utf8_and_gbk(notice, tmp_path, encoding):
    data = tmp_path / "名单.csv"
    data.write_bytes(CSV_TEXT.encode(encoding))
    out = tmp_path / "out"
    run = invoke("render", notice, data, "-o", out)
    assert run.exit_code == 0, run.output
    docs = sorted(out.iterdir())
    assert texts(docs[0])[:2] == ["A&B<科技>有限公司：", "统一社会信用代码：032010229141777X，得分88，备案日期2016-03-01。"]
    assert texts(docs[1])[1] == "统一社会信用代码：913205050743915000，得分59.5，备案日期2019/11/30。"
    assert texts(docs[1])[2] == "评价不合格。"


def test_text_dates_are_kept_and_the_filter_formats_on_request(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["[{{ 日期 }}][{{ 日期|中文日期 }}][{{ 备注|中文日期 }}][{{ 值|date_cn }}]"])
    data = tmp_path / "d.json"
    data.write_text(json.dumps([{"日期": "2024-01-15", "备注": "待定", "值": "2024/1/5 08:30"},
                                {"日期": "2024年01月15日", "备注": "2023-02-30", "值": None}],
                               ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", template, data, "-o", out)
    assert run.exit_code == 0, run.output
    first, second = (texts(p)[0] for p in sorted(out.iterdir()))
    assert first == "[2024-01-15][2024年1月15日][待定][2024年1月5日]"
    assert second == "[2024年01月15日][2024年1月15日][2023-02-30][]"  # not a real day: left as written


def test_excel_date_cells_are_dates_and_text_cells_stay_text(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{{ 日期 }}|{{ 文本 }}|{{ 文本|中文日期 }}"])
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["日期", "文本"], [dt.date(2024, 1, 15), "2024-01-15"]]})
    run = invoke("render", template, path, "-o", tmp_path / "out")
    assert run.exit_code == 0, run.output
    assert texts(next((tmp_path / "out").iterdir()))[0] == "2024年1月15日|2024-01-15|2024年1月15日"


def test_where_compares_date_text_as_days(tmp_path, notice):
    path = tmp_path / "名单.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", notice, path, "-o", out, "--where", '备案日期 >= "2019-01-01"')
    assert run.exit_code == 0, run.output
    assert [texts(p)[0] for p in sorted(out.iterdir())] == ["苏州远帆电子有限公司：", "无锡嘉禾新材料有限公司："]


def test_missing_variable_is_false_in_a_test_and_an_error_when_printed(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{% if user %}欢迎，{{ user }}{% endif %}{{ 名称 }}",
                                                   "{% if 类型 == '特' %}特{% else %}普{% endif %}"
                                                   "{{ 备注|default('无') }}"])
    data = tmp_path / "d.csv"
    data.write_text("名称\n甲\n", encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", template, data, "-o", out)
    assert run.exit_code == 0, run.output
    assert "注意" not in run.output  # only tested: nothing to warn about
    assert texts(next(out.iterdir())) == ["甲", "普无"]
    printed = docx_template(tmp_path / "p.docx", ["{{ user }}"])
    run = invoke("render", printed, data, "-o", tmp_path / "out2")
    assert run.exit_code == 1 and "模板 p.docx 中的变量“user”没有数据" in run.output
    looped = docx_template(tmp_path / "l.docx", ["{% for r in 明细 %}{{ r }}{% endfor %}"])
    run = invoke("render", looped, data, "-o", tmp_path / "out3")
    assert run.exit_code == 1 and "模板 l.docx 中的变量“明细”没有数据" in run.output


def test_render_json_with_nested_values(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{{ 企业名称 }}（联系人：{{ 联系人.姓名 }}）"],
                             table=[["事项", "日期"], ["{%tr for r in 明细 %}", ""], ["{{ r.事项 }}", "{{ r.日期 }}"],
                                    ["{%tr endfor %}", ""]])
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"rows": [
        {"企业名称": "甲公司", "联系人": {"姓名": "王一"}, "明细": [{"事项": "备案", "日期": "2016-03-01"},
                                                         {"事项": "核查", "日期": "2023-07-31"}]},
    ]}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", template, data, "-o", out)
    assert run.exit_code == 0, run.output
    (doc,) = out.iterdir()
    assert doc.name == "001-甲公司.docx"
    assert texts(doc)[0] == "甲公司（联系人：王一）"
    assert cells(doc)[0] == [["事项", "日期"], ["备案", "2016-03-01"], ["核查", "2023-07-31"]]


def test_name_pattern_is_cleaned_and_made_unique(notice, workbook, tmp_path):
    out = tmp_path / "out"
    run = invoke("render", notice, workbook, "-o", out, "--sheet", "名单",
                 "--name", "../{{ 设区市[:1] }}/通知 {{ 序号 }}:{{ '甲' if 得分 > 60 else '乙' }}")
    assert run.exit_code == 0, run.output
    assert {p.name for p in out.iterdir()} == {"__南_通知 1_甲.docx", "__苏_通知 2_乙.docx", "__无_通知 3_甲.docx"}
    out2 = tmp_path / "out2"
    run = invoke("render", notice, workbook, "-o", out2, "--sheet", "名单", "--name", "通知.docx")
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in out2.iterdir()) == ["通知-2.docx", "通知-3.docx", "通知.docx"]


def test_names_never_replace_the_inputs(tmp_path):
    template = docx_template(tmp_path / "通知.docx", ["{{ 名称 }}"])
    data = tmp_path / "d.csv"
    data.write_text("名称\n通知\n", encoding="utf-8")
    before = template.read_bytes()
    run = invoke("render", template, data, "-o", tmp_path, "--name", "{{ 名称 }}")
    assert run.exit_code == 0, run.output
    assert template.read_bytes() == before and (tmp_path / "通知-2.docx").exists()


def test_where_keeps_matching_rows(notice, workbook, tmp_path):
    out = tmp_path / "out"
    run = invoke("render", notice, workbook, "-o", out, "--sheet", "名单",
                 "--where", "得分 >= 60 and 设区市 in ['南京市', '无锡市'] and 备案日期 < '2020-01-01'")
    assert run.exit_code == 0, run.output
    assert [p.name for p in out.iterdir()] == ["001-A&B_科技_有限公司.docx"]
    assert "跳过2行" in run.output


def test_numbering_counts_the_documents_written(workbook, tmp_path):
    template = docx_template(tmp_path / "t.docx", ["第{{ 序号 }}份，数据第{{ 行号 }}行：{{ 企业名称 }}"])
    out = tmp_path / "out"
    run = invoke("render", template, workbook, "-o", out, "--sheet", "名单", "--where", "设区市 != '南京市'")
    assert run.exit_code == 0, run.output
    docs = sorted(out.iterdir())
    assert [texts(d)[0] for d in docs] == ["第1份，数据第4行：苏州远帆电子有限公司", "第2份，数据第5行：无锡嘉禾新材料有限公司"]


def test_a_row_that_fails_is_reported_and_the_others_written(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{{ 企业名称 }}",
                                                   "{% if 类型 == '特' %}{{ 特别说明 }}{% endif %}{{ 得分 + 1 }}"])
    data = tmp_path / "d.csv"
    data.write_text("企业名称,类型,得分\n甲,普通,1\n乙,特,2\n丙,普通,缺考\n丁,普通,4\n", encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", template, data, "-o", out)
    assert run.exit_code == 1
    assert "第3行：模板 t.docx 中的变量“特别说明”没有数据" in run.output
    assert re.search(r"第4行：模板 t\.docx 中的表达式出错.*TypeError", run.output)
    assert "2行未能生成" in run.output and "已生成2份文档" in run.output
    assert sorted(p.name for p in out.iterdir()) == ["001-甲.docx", "004-丁.docx"]
    assert "注意：模板使用的变量“特别说明”" in run.output


def test_the_same_failure_on_many_rows_is_one_line(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{{ 没有这列 }}"])
    data = tmp_path / "d.csv"
    data.write_text("名称\n" + "".join(f"企业{i}\n" for i in range(30)), encoding="utf-8")
    run = invoke("render", template, data, "-o", tmp_path / "out")
    assert run.exit_code == 1
    line = next(line for line in run.output.splitlines() if line.startswith("未生成："))
    assert line.startswith("未生成：第2、3、4、") and "等30行：模板 t.docx 中的变量“没有这列”没有数据" in line


def test_where_that_cannot_be_judged_on_a_row_is_that_rows_failure(notice, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("企业名称,信用代码,得分,备案日期\n甲,1,缺考,2020-01-01\n乙,2,70,2020-01-01\n", encoding="utf-8")
    run = invoke("render", notice, data, "-o", tmp_path / "out", "--where", "得分 >= 60")
    assert run.exit_code == 1
    assert "第2行：--where 条件无法计算：无法比较 “缺考” >= 60" in run.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["001-乙.docx"]


def test_combined_one_section_per_row_numbered_from_one(tmp_path, workbook):
    template = docx_template(tmp_path / "t.docx", ["{{ 企业名称 }}"], footer="第 {{ 序号 }} 份")
    out = tmp_path / "out"
    run = invoke("render", template, workbook, "-o", out, "--sheet", "名单", "--combined")
    assert run.exit_code == 0, run.output
    (path,) = out.iterdir()
    assert path.name == "t-合并.docx" and "共3节" in run.output
    doc = Document(str(path))
    assert [p.text for p in doc.paragraphs if p.text] == ["A&B<科技>有限公司", "苏州远帆电子有限公司", "无锡嘉禾新材料有限公司"]
    assert len(doc.sections) == 3
    body = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert body.count('w:start="1"') == 3 and body.count('w:val="nextPage"') == 3
    footers = sorted(n for n in zipfile.ZipFile(path).namelist() if "footer" in n and n.endswith(".xml"))
    rendered = [zipfile.ZipFile(path).read(n).decode() for n in footers]
    assert any("第 2 份" in x for x in rendered) and any("第 3 份" in x for x in rendered)


def test_combined_leaves_out_failing_rows(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{{ 名称 }}{{ 得分 + 1 }}"])
    data = tmp_path / "d.csv"
    data.write_text("名称,得分\n甲,1\n乙,缺\n丙,3\n", encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", template, data, "-o", out, "--combined", "--name", "全部.docx")
    assert run.exit_code == 1 and "第3行：" in run.output
    assert [p.text for p in Document(str(out / "全部.docx")).paragraphs if p.text] == ["甲2", "丙4"]
    run = invoke("render", template, data, "-o", out, "--combined", "--name", "{{ 名称 }}")
    assert run.exit_code == 2 and "只生成一个文件" in run.output


def test_pdf_converts_every_document(notice, workbook, tmp_path):
    require_soffice()
    out = tmp_path / "out"
    run = invoke("render", notice, workbook, "-o", out, "--sheet", "名单", "--pdf", "--where", "得分 > 80")
    assert run.exit_code == 0, run.output
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert pdfs == ["001-A&B_科技_有限公司.pdf", "002-无锡嘉禾新材料有限公司.pdf"]
    assert (out / pdfs[0]).read_bytes()[:5] == b"%PDF-" and "PDF 2份" in run.output
    for name in pdfs:  # a template naming no Chinese font: still SC glyphs, never a JP/KR variant
        assert_chinese_fonts(out / name, serif=False)


def test_progress_bar_only_on_a_terminal(notice, workbook, tmp_path):
    run = invoke("render", notice, workbook, "-o", tmp_path / "out", "--sheet", "名单")
    assert "生成文档" not in run.output  # CliRunner is not a terminal: no bar


@pytest.mark.parametrize("args,message", [
    (["render", "{missing}", "{data}", "-o", "{out}"], "找不到模板"),
    (["render", "{template}", "{missing}", "-o", "{out}"], "找不到数据文件"),
    (["render", "{template}", "{data}", "-o", "{out}", "--where", "得分 >>> 1"], "写法有误"),
    (["render", "{template}", "{data}", "-o", "{out}", "--where", "得份 > 1"], "“得份”不是数据中的列"),
    (["render", "{template}", "{data}", "-o", "{out}", "--where", "__import__('os').system('x')"], "不能调用"),
    (["render", "{template}", "{data}", "-o", "{out}", "--sheet", "无"], "没有工作表"),
    (["render", "{template}", "{data}", "-o", "{out}", "--name", "{{ 名字 }}"], "“名字”不是数据中的列"),
    (["render", "{template}", "{data}", "-o", "{out}", "--name", "{{ 名称 "], "写法有误"),
    (["render", "{template}", "{data}", "-o", "{out}", "--header-row", "0"], "--header-row"),
    (["render", "{broken}", "{data}", "-o", "{out}"], "语法错误"),
    (["render", "{template}", "{data}"], "缺少必需的选项"),
])
def test_command_cannot_run_is_status_2(tmp_path, args, message):
    template = docx_template(tmp_path / "t.docx", ["{{ 名称 }}"])
    broken = docx_template(tmp_path / "b.docx", ["{% if 名称 %}没有结束"])
    data = write_xlsx(tmp_path / "d.xlsx", {"S": [["名称", "得分"], ["甲", 1]]})
    values = {"template": template, "broken": broken, "data": data, "out": tmp_path / "out",
              "missing": tmp_path / "没有.docx"}
    run = invoke(*[a.format(**values) if a.startswith("{") and a.endswith("}") and a[1:-1] in values else a
                   for a in args])
    assert run.exit_code == 2, run.output
    assert message in run.output


def test_output_folder_that_is_a_file_is_status_2(notice, workbook, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    run = invoke("render", notice, workbook, "-o", target, "--sheet", "名单")
    assert run.exit_code == 2


def test_values_are_never_templates_and_markup_is_text(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{{ 名称 }}"])
    data = tmp_path / "d.json"
    data.write_text(json.dumps([{"名称": "{{ 7*7 }} A&B<科技> {% if %}"}]), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("render", template, data, "-o", out).exit_code == 0
    (doc,) = out.iterdir()
    assert texts(doc) == ["{{ 7*7 }} A&B<科技> {% if %}"]


# --- compatibility with docxtpl --------------------------------------------------------------------

def compat_templates(folder: Path) -> dict[str, Path]:
    """Templates covering {{ }}, {% %}, {%p %}, {%tr %}, {%tc %}, {%r %} and {%- -%}."""
    out = {}
    out["inline"] = docx_template(folder / "inline.docx", [
        "致：{{ 企业名称 }}（{{ 城市 }}）",
        "{% if 合格 %}已通过{% else %}未通过{% endif %}，条目：{% for x in 条目 %}{{ x }}{% if not loop.last %}、{% endif %}{% endfor %}。",
        "共{{ 条目|length }}项，{{ 企业名称|replace('有限公司', '') }}，{{ '%.1f'|format(得分) }}分",
        "{# 注释不输出 #}结束",
    ])
    out["paragraphs"] = docx_template(folder / "paragraphs.docx", [
        "{%p for x in 条目 %}", "条目{{ loop.index }}：{{ x }}", "{%p if loop.last %}", "（以上共{{ loop.length }}项）",
        "{%p endif %}", "{%p endfor %}", "{%p if 备注 %}", "备注：{{ 备注 }}", "{%p endif %}", "合并前",
        "{%- if 显示 %}中间{% endif -%}", "合并后"])
    out["rows"] = docx_template(folder / "rows.docx", ["明细："], table=[
        ["名称", "得分"], ["{%tr for r in 明细 %}", ""], ["{{ r.名称 }}", "{{ r.得分 }}"], ["{%tr endfor %}", ""],
        ["合计", "{{ 明细|sum(attribute='得分') }}"]])
    out["columns"] = docx_template(folder / "columns.docx", ["列："], table=[
        ["{%tc for h in 列 %}", "{{ h }}", "{%tc endfor %}"], ["{%tc for h in 列 %}", "{{ h }}-值", "{%tc endfor %}"]])
    runs = raw_template(folder / "runs.docx", [
        f"<w:p {W_NS}>" + run_xml("状态：") + run_xml("{%r if 合格 %}") + run_xml("已通过", "<w:b/>")
        + run_xml("{%r else %}") + run_xml("未通过", "<w:i/>") + run_xml("{%r endif %}") + run_xml("。") + "</w:p>",
        f"<w:p {W_NS}>" + run_xml("编号：{") + run_xml("{ 编号 }", "<w:b/>") + run_xml("}") + "</w:p>",
    ])
    out["runs"] = runs
    return out


COMPAT_ROWS = [
    {"企业名称": "A&B<科技>有限公司", "城市": "南京市", "编号": "No.1 & 2", "合格": True, "条目": ["甲", "乙<丙>", "丁"],
     "备注": "第一行\n第二行", "显示": True, "得分": 88.25,
     "明细": [{"名称": "甲公司", "得分": 88}, {"名称": "乙&公司", "得分": 91}], "列": ["一", "二", "三", "四"]},
    {"企业名称": "丙公司", "城市": "苏州市", "编号": "7", "合格": False, "条目": [], "备注": "", "显示": False,
     "得分": 59.5, "明细": [], "列": ["单"]},
]


@pytest.mark.parametrize("kind", ["inline", "paragraphs", "rows", "columns", "runs"])
def test_same_text_as_docxtpl(tmp_path, kind):
    from docxtpl import DocxTemplate as Docxtpl

    template = compat_templates(tmp_path)[kind]
    data = tmp_path / "data.json"
    data.write_text(json.dumps(COMPAT_ROWS, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", template, data, "-o", out)
    assert run.exit_code == 0, run.output
    ours = sorted(out.iterdir())
    assert len(ours) == len(COMPAT_ROWS)
    for row, path in zip(COMPAT_ROWS, ours):
        theirs = Docxtpl(template)
        theirs.render(json.loads(json.dumps(row)), autoescape=True)
        buffer = io.BytesIO()
        theirs.save(buffer)
        expected = buffer.getvalue()
        assert texts(path) == texts(expected), kind
        assert cells(path) == cells(expected), kind
        grid = [len(t._tbl.tblGrid.findall(qn("w:gridCol"))) for t in Document(str(path)).tables]
        assert grid == [len(t._tbl.tblGrid.findall(qn("w:gridCol"))) for t in Document(io.BytesIO(expected)).tables]


def test_compat_templates_render_what_they_say(tmp_path):
    templates = compat_templates(tmp_path)
    data = tmp_path / "data.json"
    data.write_text(json.dumps(COMPAT_ROWS[:1], ensure_ascii=False), encoding="utf-8")
    results = {}
    for kind, template in templates.items():
        out = tmp_path / kind
        assert invoke("render", template, data, "-o", out).exit_code == 0
        results[kind] = next(out.iterdir())
    assert texts(results["inline"])[:3] == ["致：A&B<科技>有限公司（南京市）", "已通过，条目：甲、乙<丙>、丁。",
                                            "共3项，A&B<科技>，88.2分"]
    assert "合并前中间合并后" in texts(results["paragraphs"])
    assert "（以上共3项）" in texts(results["paragraphs"])
    assert cells(results["rows"])[0][-1] == ["合计", "179"]
    assert cells(results["columns"])[0][1] == ["一-值", "二-值", "三-值", "四-值"]
    assert texts(results["runs"]) == ["状态：已通过。", "编号：No.1 & 2"]


# --- more table shapes ---------------------------------------------------------------------------------

def test_csv_title_line_is_skipped_or_header_row_given(tmp_path, notice):
    path = tmp_path / "名单.csv"
    path.write_text("2023年度名单\n" + CSV_TEXT, encoding="utf-8")
    table = load_table(path)
    assert table.columns[0] == "企业名称" and table.row_numbers == [3, 4, 5]
    assert load_table(path, header_row=2).columns == table.columns
    assert load_table(path, header_row=1).columns == ["2023年度名单", "列2", "列3", "列4", "列5"]
    run = invoke("render", notice, path, "-o", tmp_path / "out", "--header-row", "2")
    assert run.exit_code == 0, run.output
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_xls_saved_by_libreoffice_renders_like_the_xlsx(notice, workbook, tmp_path):
    require_soffice()
    from formkit.readers import office

    xls = office.convert_batch([workbook], "xls", tmp_path / "xls")[workbook]
    assert isinstance(xls, Path), xls
    table = load_table(xls, sheet="名单")
    assert table.rows == load_table(workbook, sheet="名单").rows
    run = invoke("render", notice, xls, "-o", tmp_path / "out", "--sheet", "名单")
    assert run.exit_code == 0, run.output
    assert texts(sorted((tmp_path / "out").iterdir())[0])[1] == \
        "统一社会信用代码：032010229141777X，得分88，备案日期2016年3月1日。"


def test_xls_that_is_really_gbk_text_is_read_as_a_table(tmp_path):
    path = tmp_path / "名单.xls"  # what some systems export: tab-separated GBK text named .xls
    path.write_bytes("企业名称\t信用代码\n甲公司\t0320100\n".encode("gbk"))
    table = load_table(path)
    assert table.rows == [{"企业名称": "甲公司", "信用代码": "0320100"}] and table.encoding == "GBK/GB18030"
    html = tmp_path / "网页.xls"
    html.write_text("<html><table><tr><td>a</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(TableError, match="HTML"):
        load_table(html)


def test_pdf_that_fails_is_reported_and_the_others_kept(notice, workbook, tmp_path, monkeypatch):
    from formkit.readers import office

    calls = []

    def fake_convert(paths, to_ext, outdir=None, **kw):
        paths = list(paths)
        calls.append((len(paths), to_ext))
        outdir.mkdir(parents=True, exist_ok=True)
        done = {}
        for k, path in enumerate(paths):
            if k == 1:
                done[path] = "LibreOffice无法转换此文件"
                continue
            made = outdir / f"f{k:04d}.pdf"
            made.write_bytes(b"%PDF-1.4 fake")
            done[path] = made
        return done

    monkeypatch.setattr(office, "find_soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(office, "convert_batch", fake_convert)
    out = tmp_path / "out"
    run = invoke("render", notice, workbook, "-o", out, "--sheet", "名单", "--pdf")
    assert run.exit_code == 1
    assert calls == [(3, "pdf")]  # one LibreOffice call for every document
    assert sorted(p.name for p in out.glob("*.pdf")) == ["001-A&B_科技_有限公司.pdf", "003-无锡嘉禾新材料有限公司.pdf"]
    assert "未生成：002-苏州远帆电子有限公司.docx：PDF 转换失败：LibreOffice无法转换此文件" in run.output
    assert "1份 PDF 转换失败" in run.output and len(list(out.glob("*.docx"))) == 3


def test_pdf_without_libreoffice_is_status_2(notice, workbook, tmp_path, monkeypatch):
    from formkit.readers import office

    monkeypatch.setattr(office, "find_soffice", lambda: None)
    run = invoke("render", notice, workbook, "-o", tmp_path / "out", "--sheet", "名单", "--pdf")
    assert run.exit_code == 2 and "LibreOffice" in run.output
    assert not (tmp_path / "out").exists()


# --- hostile DATA ------------------------------------------------------------------------------------------

def test_zip_bomb_encrypted_and_dtd_tables_are_refused(tmp_path, workbook):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/padding.bin", b"\0" * (12 * 1024 * 1024))
    with pytest.raises(TableError, match="压缩炸弹"):
        load_table(bomb)
    encrypted = tmp_path / "enc.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
                          + b"\0" * 4096)
    with pytest.raises(TableError, match="已加密"):
        load_table(encrypted)
    dtd = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(dtd, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE x [<!ENTITY e "e">]>' + data
            dst.writestr(item, data)
    with pytest.raises(TableError, match="DTD"):
        load_table(dtd)
    run = invoke("render", docx_template(tmp_path / "t.docx", ["x"]), bomb, "-o", tmp_path / "out")
    assert run.exit_code == 2 and "压缩炸弹" in run.output
