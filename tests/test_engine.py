"""The document-assembly engine: rendering, escaping, errors, sandbox, combined documents,
and parity with docxtpl on real .docx templates built here with python-docx."""

from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.builders import require_soffice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from formkit.errors import FormkitError
from formkit.outputs import official
from formkit.outputs.docx import DocxTemplate, TemplateError, record_context

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- templates -----------------------------------------------------------------------------

def split_runs(paragraph, *pieces, bold_every_other=True):
    """Add ``pieces`` as separate runs (Word splits tags like this when a user edits them)."""
    for i, piece in enumerate(pieces):
        run = paragraph.add_run(piece)
        if bold_every_other and i % 2:
            run.bold = True
    return paragraph


def letter_template(path: Path) -> Path:
    """Write a letter template: tags in paragraphs (one split across runs), a {%p if %}
    block, a {%tr for %} table loop, a tagged footer with a PAGE field; return its path."""
    doc = official.new_official_document()
    official.add_title(doc, "关于{{ 事项 }}的提醒函")
    split_runs(doc.add_paragraph(), "{{ 企业", "名称 }}", "：")
    official.add_body(doc, "你单位（统一社会信用代码：{{ 信用代码 }}）备案已超过5年。")
    doc.add_paragraph("{%p if 备注 %}")
    official.add_body(doc, "备注：{{ 备注 }}")
    doc.add_paragraph("{%p endif %}")
    official.add_table(doc, ["序号", "事项", "日期"],
                       [["{%tr for r in 记录 %}", "", ""], ["{{ loop.index }}", "{{ r.事项 }}", "{{ r.日期 }}"],
                        ["{%tr endfor %}", "", ""]], widths=[1, 4, 2])
    official.add_body(doc, "{{ 设区市 }}知识产权局")
    footer = doc.sections[0].footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.add_run("{{ 文号 }}  — ")
    official.add_field(p, "PAGE", "1")
    p.add_run(" —")
    doc.core_properties.title = "{{ 企业名称 }}提醒函"
    doc.save(path)
    return path


def context(name="南京青禾示例科技有限公司", **over):
    data = {
        "事项": "贯标备案超期", "企业名称": name, "信用代码": "9132010229141777XY", "备注": "",
        "记录": [{"事项": "贯标备案", "日期": "2016年3月1日"}, {"事项": "年度核查", "日期": "2023年7月31日"}],
        "设区市": "南京市", "文号": "苏知办函〔2023〕1号",
    }
    data.update(over)
    return data


@pytest.fixture()
def letter(tmp_path):
    return letter_template(tmp_path / "reminder.docx")


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def cell_texts(doc) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]


def open_docx(data: bytes):
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    return Document(io.BytesIO(data))


def body_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")


# --- rendering ------------------------------------------------------------------------------

def test_render_fills_paragraphs_table_loop_if_block_and_footer(letter):
    tpl = DocxTemplate.load(letter)
    doc = open_docx(tpl.render(context(备注="已申请延期")))
    assert texts(doc) == ["关于贯标备案超期的提醒函", "南京青禾示例科技有限公司：",
                          "你单位（统一社会信用代码：9132010229141777XY）备案已超过5年。", "备注：已申请延期",
                          "南京市知识产权局"]
    assert cell_texts(doc) == [[["序号", "事项", "日期"], ["1", "贯标备案", "2016年3月1日"],
                                ["2", "年度核查", "2023年7月31日"]]]
    assert doc.sections[0].footer.paragraphs[0].text.startswith("苏知办函〔2023〕1号  — ")
    assert official.field_instructions(doc.sections[0].footer.paragraphs[0]) == ["PAGE"]
    assert doc.core_properties.title == "南京青禾示例科技有限公司提醒函"


def test_false_if_block_drops_its_paragraphs(letter):
    doc = open_docx(DocxTemplate.load(letter).render(context(备注="")))
    assert not any("备注" in t or "{%" in t for t in texts(doc))


def test_untagged_members_are_the_templates_own(letter):
    tpl = DocxTemplate.load(letter)
    out = zipfile.ZipFile(io.BytesIO(tpl.render(context())))
    src = zipfile.ZipFile(letter)
    assert out.namelist() == src.namelist()
    for name in ("word/styles.xml", "word/settings.xml", "[Content_Types].xml"):
        assert out.read(name) == src.read(name)
    assert set(tpl.sources) == {"word/document.xml", "word/footer1.xml", "docProps/core.xml"}


def test_render_is_repeatable_and_reproducible(letter):
    tpl = DocxTemplate.load(letter)
    assert tpl.render(context()) == tpl.render(context())
    assert texts(open_docx(tpl.render(context(name="乙公司"))))[1] == "乙公司："


def test_variables_lists_what_the_template_reads(letter):
    assert DocxTemplate.load(letter).variables() == {"事项", "企业名称", "信用代码", "备注", "记录", "设区市", "文号"}


def test_render_to_writes_atomically(letter, tmp_path):
    out = tmp_path / "out" / "001-南京青禾-提醒函.docx"
    assert DocxTemplate.load(letter).render_to(out, context()) == out
    assert texts(Document(out))[1] == "南京青禾示例科技有限公司："
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_render_to_failure_leaves_no_file(letter, tmp_path):
    out = tmp_path / "bad.docx"
    with pytest.raises(TemplateError):
        DocxTemplate.load(letter).render_to(out, {})
    assert list(tmp_path.glob("*bad*")) == []


# --- escaping and values --------------------------------------------------------------------

def test_markup_characters_come_out_as_text(letter):
    data = DocxTemplate.load(letter).render(context(name="A&B<科技>", 设区市='"南京"'))
    assert "A&amp;B&lt;科技&gt;" in body_xml(data)
    doc = open_docx(data)
    assert texts(doc)[1] == "A&B<科技>："
    assert texts(doc)[-1] == '"南京"知识产权局'
    assert doc.core_properties.title == "A&B<科技>提醒函"


def test_newline_in_a_value_is_a_word_line_break(letter):
    data = DocxTemplate.load(letter).render(context(备注="第一行\n第二行\r\n第三行"))
    doc = open_docx(data)
    (p,) = [p for p in doc.paragraphs if p.text.startswith("备注")]
    assert p.text == "备注：第一行\n第二行\n第三行"
    assert len(p._p.findall(".//" + qn("w:br"))) == 2
    assert "\n第二行" not in body_xml(data)


def test_control_characters_are_dropped_not_written(letter):
    doc = open_docx(DocxTemplate.load(letter).render(context(name="青禾\x00\x07公司\ufffe")))
    assert texts(doc)[1] == "青禾公司："


def test_none_float_and_date_values_read_naturally(tmp_path):
    import datetime as dt

    doc = Document()
    doc.add_paragraph("[{{ a }}][{{ b }}][{{ c }}][{{ d|date_cn }}]")
    doc.save(tmp_path / "t.docx")
    out = open_docx(DocxTemplate.load(tmp_path / "t.docx").render(
        {"a": None, "b": 30.0, "c": dt.date(2023, 4, 19), "d": dt.datetime(2024, 7, 31, 9, 0)}))
    assert texts(out) == ["[][30][2023年4月19日][2024年7月31日]"]


def test_dict_keys_win_over_dict_methods(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ r.items }}/{{ r.keys }}/{{ r.values }}/{{ r.get }}")
    doc.save(tmp_path / "t.docx")
    out = open_docx(DocxTemplate.load(tmp_path / "t.docx").render(
        {"r": {"items": "甲", "keys": "乙", "values": "丙", "get": "丁"}}))
    assert texts(out) == ["甲/乙/丙/丁"]


def test_record_context_gives_a_plain_dict():
    from formkit.table import Cell, Record, Source

    cell = Cell(raw="２０２３-05-06", value="2023-05-06", source=Source("a.xlsx"))
    record = Record(form="evaluation", cells={"name": cell}, source=Source("a.xlsx"))
    assert record_context(record) == {"name": "2023-05-06"}
    assert record_context(record, raw=True) == {"name": "２０２３-05-06"}


# --- errors and the sandbox -----------------------------------------------------------------

def test_undefined_variable_names_template_and_variable(letter):
    data = context()
    del data["企业名称"]
    with pytest.raises(TemplateError) as info:
        DocxTemplate.load(letter).render(data)
    assert isinstance(info.value, FormkitError)
    assert "模板 reminder.docx 中的变量“企业名称”没有数据" in str(info.value)
    assert info.value.variable == "企业名称"


def test_undefined_attribute_in_a_loop_names_it(letter):
    with pytest.raises(TemplateError, match="变量“日期”没有数据"):
        DocxTemplate.load(letter).render(context(记录=[{"事项": "备案"}]))


def test_undefined_variable_in_footer_names_the_footer(letter):
    data = context()
    del data["文号"]
    with pytest.raises(TemplateError, match=r"模板 reminder.docx 的页脚（footer1.xml） 中的变量“文号”没有数据"):
        DocxTemplate.load(letter).render(data)


@pytest.mark.parametrize("expression", ["''.__class__.__mro__", "cycler.__init__.__globals__",
                                        "().__class__.__base__.__subclasses__()", "r.__class__"])
def test_sandbox_blocks_python_internals(tmp_path, expression):
    doc = Document()
    doc.add_paragraph("{{ %s }}" % expression)
    doc.save(tmp_path / "evil.docx")
    with pytest.raises(TemplateError, match="模板 evil.docx 试图访问不允许的内容"):
        DocxTemplate.load(tmp_path / "evil.docx").render({"r": {}})


def test_template_cannot_change_its_data(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ 记录.append(1) }}{{ r.update({'x': 1}) }}")
    doc.save(tmp_path / "mutate.docx")
    data = {"记录": [], "r": {}}
    with pytest.raises(TemplateError):
        DocxTemplate.load(tmp_path / "mutate.docx").render(data)
    assert data == {"记录": [], "r": {}}


def test_values_are_never_evaluated_as_templates(letter):
    doc = open_docx(DocxTemplate.load(letter).render(context(name="{{ 7*7 }}{% if 1 %}x{% endif %}")))
    assert texts(doc)[1] == "{{ 7*7 }}{% if 1 %}x{% endif %}："


def test_syntax_error_names_template_and_tag_text(tmp_path):
    doc = Document()
    doc.add_paragraph("开头")
    doc.add_paragraph("{% if 显示 %}条件文字")
    doc.save(tmp_path / "broken.docx")
    with pytest.raises(TemplateError) as info:
        DocxTemplate.load(tmp_path / "broken.docx")
    message = str(info.value)
    assert message.startswith("模板 broken.docx")
    assert "未闭合" in message or "endif" in message


def test_syntax_error_shows_the_paragraph_with_the_bad_tag(tmp_path):
    doc = Document()
    doc.add_paragraph("第一段")
    doc.add_paragraph("金额：{{ 金额 | }}")
    doc.add_paragraph("第三段")
    doc.save(tmp_path / "bad-tag.docx")
    with pytest.raises(TemplateError, match=r"模板 bad-tag.docx 的正文“金额：\{\{ 金额 \| \}\}”附近有语法错误"):
        DocxTemplate.load(tmp_path / "bad-tag.docx")


def test_curly_quotes_in_tags_are_straightened(tmp_path):
    doc = Document()
    doc.add_paragraph("{% if 类型 == “约谈” %}要约谈{% endif %}")
    doc.save(tmp_path / "quotes.docx")
    assert texts(open_docx(DocxTemplate.load(tmp_path / "quotes.docx").render({"类型": "约谈"}))) == ["要约谈"]


def test_output_that_is_not_xml_is_refused(tmp_path):
    # A plain {% if %} from a paragraph into a table cell cuts through the XML when false.
    doc = Document()
    doc.add_paragraph("开始{% if 显示 %}甲")
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "乙{% endif %}结束"
    doc.save(tmp_path / "span.docx")
    tpl = DocxTemplate.load(tmp_path / "span.docx")
    assert texts(open_docx(tpl.render({"显示": True}))) == ["开始甲"]
    with pytest.raises(TemplateError, match="渲染后不是有效的 XML"):
        tpl.render({"显示": False})
    with pytest.raises(TemplateError, match="第2份：模板 span.docx 渲染后不是有效的 XML"):
        tpl.render_combined_bytes([{"显示": True}, {"显示": False}])


def test_docxtpl_style_templates_are_proven_well_formed(letter, tmp_path):
    # Proven parts skip the per-letter XML check; a cross-element {% if %} does not.
    assert DocxTemplate.load(letter)._parts["word/document.xml"].proven
    assert DocxTemplate.load(parity_template(tmp_path / "p.docx"))._parts["word/document.xml"].proven
    doc = Document()
    doc.add_paragraph("开始{% if 显示 %}甲")
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "乙{% endif %}结束"
    doc.save(tmp_path / "span.docx")
    assert not DocxTemplate.load(tmp_path / "span.docx")._parts["word/document.xml"].proven


@pytest.mark.parametrize("text", ["{{ x|safe }}", "{% autoescape false %}{{ x }}{% endautoescape %}",
                                  "{% filter upper %}{{ x }}{% endfilter %}", "{% set y %}{{ x }}{% endset %}{{ y }}",
                                  "{% macro m() %}{{ x }}{% endmacro %}{{ m() }}"])
def test_raw_markup_constructs_are_checked_after_rendering(tmp_path, text):
    doc = Document()
    doc.add_paragraph(text)
    doc.save(tmp_path / "raw.docx")
    tpl = DocxTemplate.load(tmp_path / "raw.docx")
    assert not tpl._parts["word/document.xml"].proven
    if "autoescape" in text or "safe" in text:
        with pytest.raises(TemplateError, match="渲染后不是有效的 XML"):
            tpl.render({"x": "</w:t>"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=40), note=st.text(max_size=40), items=st.lists(st.text(max_size=10), max_size=3))
def test_any_text_makes_a_well_formed_document(tmp_path_factory, name, note, items):
    path = tmp_path_factory.getbasetemp() / "proven.docx"
    if not path.exists():
        parity_template(path)
    data = dict(PARITY_CONTEXTS[0], 企业名称=name, 备注=note, 条目=items)
    out = DocxTemplate.load(path).render(data)
    from lxml import etree

    etree.fromstring(zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml"))
    # Word opens it and shows the text: characters XML cannot hold dropped, line breaks kept.
    shown = texts(open_docx(out))
    assert shown[0] == f"致：{_as_shown(name)}（南京市）"
    assert [t for t in shown if t.startswith("条目")] == [f"条目{k}：{_as_shown(x)}" for k, x in enumerate(items, 1)]


def _as_shown(text: str) -> str:
    """Return ``text`` as Word shows it once rendered: breaks as newlines, invalid characters gone."""
    text = re.sub(r"\r\n|\r|\x0b", "\n", text)
    return re.sub("[\x00-\x08\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", "", text)


def test_not_a_docx_is_a_template_error(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="模板 x.docx 不是有效的 Word 文档"):
        DocxTemplate.load(tmp_path / "x.docx")
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(TemplateError, match="另存为 .docx"):
        DocxTemplate.load(tmp_path / "old.docx")
    with pytest.raises(TemplateError, match="无法读取模板"):
        DocxTemplate.load(tmp_path / "missing.docx")


def test_context_must_be_a_mapping(letter):
    with pytest.raises(TemplateError, match="必须是字典"):
        DocxTemplate.load(letter).render(["not", "a", "dict"])


# --- combined documents ---------------------------------------------------------------------

def sect_prs(doc):
    body = doc.element.body
    return [s for s in body.iter(qn("w:sectPr"))]


def test_combined_is_one_section_per_letter_numbered_from_one(letter, tmp_path):
    tpl = DocxTemplate.load(letter)
    names = ["甲公司", "乙公司", "丙公司"]
    out = tpl.render_combined([context(name=n, 文号=f"第{i + 1}号") for i, n in enumerate(names)],
                              tmp_path / "all.docx")
    doc = Document(out)
    assert len(doc.sections) == 3
    for i, section in enumerate(doc.sections):
        sect = section._sectPr
        pg = sect.find(qn("w:pgNumType"))
        assert pg is not None and pg.get(qn("w:start")) == "1"
        assert sect.find(qn("w:type")).get(qn("w:val")) == "nextPage"
        refs = sect.findall(qn("w:footerReference"))
        assert [r.get(qn("w:type")) for r in refs] == ["default"]
        # the tagged footer is rendered for its own letter
        assert section.footer.paragraphs[0].text.startswith(f"第{i + 1}号")
        assert official.field_instructions(section.footer.paragraphs[0]) == ["PAGE"]
    # sectPr order within each w:sectPr follows the schema (type before pgSz, pgNumType before cols)
    for sect in sect_prs(doc):
        tags = [child.tag.split("}")[1] for child in sect]
        assert tags.index("type") < tags.index("pgSz") < tags.index("pgNumType")
    body = texts(doc)
    positions = [body.index(f"{n}：") for n in names]
    assert positions == sorted(positions)
    assert body.count("关于贯标备案超期的提醒函") == 3
    assert [len(t.rows) for t in doc.tables] == [3, 3, 3]


def test_combined_keeps_untagged_footers_shared(tmp_path):
    doc = official.new_official_document()
    doc.add_paragraph("{{ 名称 }}")
    official.add_page_number_footer(doc.sections[0])
    doc.save(tmp_path / "t.docx")
    out = DocxTemplate.load(tmp_path / "t.docx").render_combined([{"名称": str(i)} for i in range(4)],
                                                                 tmp_path / "c.docx")
    combined = Document(out)
    assert texts(combined) == ["0", "1", "2", "3"]
    ids = {tuple(r.get(qn("r:id")) for r in s._sectPr.findall(qn("w:footerReference"))) for s in combined.sections}
    assert len(ids) == 1  # all four sections point at the template's own footers
    assert len(zipfile.ZipFile(out).namelist()) == len(zipfile.ZipFile(tmp_path / "t.docx").namelist())


def test_combined_after_a_final_table_adds_a_section_paragraph(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ 名称 }}")
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "{{ 名称 }}"
    doc.save(tmp_path / "t.docx")
    combined = Document(DocxTemplate.load(tmp_path / "t.docx").render_combined(
        [{"名称": "一"}, {"名称": "二"}], tmp_path / "c.docx"))
    assert len(combined.sections) == 2
    assert cell_texts(combined) == [[["一"]], [["二"]]]


def png_1px() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def test_combined_keeps_ids_unique(tmp_path):
    from docx.oxml import OxmlElement

    doc = Document()
    p = doc.add_paragraph("{{ 名称 }}")
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), "0")
    start.set(qn("w:name"), "落款")
    end.set(qn("w:id"), "0")
    p._p.insert(0, start)
    p._p.append(end)
    doc.add_paragraph().add_run().add_picture(io.BytesIO(png_1px()))
    doc.save(tmp_path / "t.docx")
    out = DocxTemplate.load(tmp_path / "t.docx").render_combined([{"名称": str(i)} for i in range(3)],
                                                                 tmp_path / "c.docx")
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    names = re.findall(r'<w:bookmarkStart[^>]*w:name="([^"]+)"', xml)
    ids = re.findall(r'<w:bookmarkStart[^>]*w:id="(\d+)"', xml)
    assert len(names) == len(set(names)) == 3 and len(set(ids)) == 3
    pictures = re.findall(r'<wp:docPr[^>]*\sid="(\d+)"', xml)
    assert len(pictures) == len(set(pictures)) == 3
    assert texts(Document(out))[::2] == ["0", "1", "2"]


def test_combined_error_names_the_variable(letter, tmp_path):
    bad = context()
    del bad["设区市"]
    with pytest.raises(TemplateError, match="第2份：模板 reminder.docx 中的变量“设区市”没有数据"):
        DocxTemplate.load(letter).render_combined([context(), bad], tmp_path / "c.docx")
    assert not (tmp_path / "c.docx").exists()


def test_combined_pages_restart_numbering_in_libreoffice(letter, tmp_path):
    require_soffice()
    pdfplumber = pytest.importorskip("pdfplumber")
    out = DocxTemplate.load(letter).render_combined([context(name=n) for n in ("甲公司", "乙公司", "丙公司")],
                                                    tmp_path / "all.docx")
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=120,
                   env={**os.environ, "HOME": str(tmp_path)})
    with pdfplumber.open(tmp_path / "all.pdf") as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    assert len(pages) == 3
    for page, name in zip(pages, ("甲公司", "乙公司", "丙公司")):
        text = re.sub(r"\s+", "", page)
        assert name in text
        assert text.endswith("—1—")


def libreoffice_copy(path: Path, tmp_path: Path) -> Path:
    """Return ``path`` opened and saved again by LibreOffice (templates edited there)."""
    out = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    return out / path.name


def test_template_saved_by_libreoffice(letter, tmp_path):
    require_soffice()
    tpl = DocxTemplate.load(libreoffice_copy(letter, tmp_path))
    doc = open_docx(tpl.render(context(name="A&B<科技>", 备注="一\n二")))
    assert texts(doc)[1:4] == ["A&B<科技>：", "你单位（统一社会信用代码：9132010229141777XY）备案已超过5年。", "备注：一\n二"]
    assert cell_texts(doc)[0][1:] == [["1", "贯标备案", "2016年3月1日"], ["2", "年度核查", "2023年7月31日"]]
    combined = Document(tpl.render_combined([context(name="甲"), context(name="乙")], tmp_path / "c.docx"))
    assert len(combined.sections) == 2 and texts(combined).count("甲：") == 1


# --- parity with docxtpl --------------------------------------------------------------------

def parity_template(path: Path) -> Path:
    """Write a template using {{ }}, {%p %}, {%tr %}, {%tc %}, {%r %} and {%- -%}."""
    doc = Document()
    doc.add_paragraph("致：{{ 企业名称 }}（{{ 城市 }}）")
    split_runs(doc.add_paragraph(), "编号：{", "{ 编号 }", "}")
    p = doc.add_paragraph()
    split_runs(p, "状态：", "{%r if 合格 %}", "已通过", "{%r else %}", "未通过", "{%r endif %}", "。",
               bold_every_other=False)
    doc.add_paragraph("{%p for x in 条目 %}")
    doc.add_paragraph("条目{{ loop.index }}：{{ x }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if 备注 %}")
    doc.add_paragraph("备注：{{ 备注 }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("合并前")
    doc.add_paragraph("{%- if 显示 %}中间{% endif -%}")
    doc.add_paragraph("合并后")
    rows = doc.add_table(rows=4, cols=2)
    rows.cell(0, 0).text, rows.cell(0, 1).text = "名称", "得分"
    rows.cell(1, 0).text = "{%tr for r in 明细 %}"
    rows.cell(2, 0).text, rows.cell(2, 1).text = "{{ r.名称 }}", "{{ r.得分 }}"
    rows.cell(3, 0).text = "{%tr endfor %}"
    cols = doc.add_table(rows=2, cols=3)
    cols.cell(0, 0).text, cols.cell(0, 1).text, cols.cell(0, 2).text = "{%tc for h in 列 %}", "{{ h }}", "{%tc endfor %}"
    cols.cell(1, 0).text, cols.cell(1, 1).text, cols.cell(1, 2).text = "{%tc for h in 列 %}", "{{ h }}-值", "{%tc endfor %}"
    doc.add_paragraph("结尾 {{ 企业名称 }}")
    doc.save(path)
    return path


PARITY_CONTEXTS = [
    {"企业名称": "A&B<科技>有限公司", "城市": "南京市", "编号": "No.1 & 2", "合格": True, "条目": ["甲", "乙<丙>", "丁"],
     "备注": "第一行\n第二行", "显示": True, "明细": [{"名称": "甲公司", "得分": 88}, {"名称": "乙&公司", "得分": 91}],
     "列": ["一", "二", "三", "四"]},
    {"企业名称": "丙公司", "城市": "苏州市", "编号": "7", "合格": False, "条目": [], "备注": "", "显示": False,
     "明细": [], "列": ["单"]},
]


@pytest.mark.parametrize("data", PARITY_CONTEXTS, ids=["full", "empty"])
def test_same_text_as_docxtpl(tmp_path, data):
    from docxtpl import DocxTemplate as Docxtpl

    path = parity_template(tmp_path / "parity.docx")
    theirs = Docxtpl(path)
    theirs.render(data, autoescape=True)
    buffer = io.BytesIO()
    theirs.save(buffer)
    expected = Document(io.BytesIO(buffer.getvalue()))
    ours = open_docx(DocxTemplate.load(path).render(data))
    assert texts(ours) == texts(expected)
    assert cell_texts(ours) == cell_texts(expected)
    grid = [len(t._tbl.tblGrid.findall(qn("w:gridCol"))) for t in ours.tables]
    assert grid == [len(t._tbl.tblGrid.findall(qn("w:gridCol"))) for t in expected.tables]


def test_parity_template_renders_what_it_says(tmp_path):
    ours = open_docx(DocxTemplate.load(parity_template(tmp_path / "p.docx")).render(PARITY_CONTEXTS[0]))
    body = texts(ours)
    assert body[:3] == ["致：A&B<科技>有限公司（南京市）", "编号：No.1 & 2", "状态：已通过。"]
    assert "条目2：乙<丙>" in body and "备注：第一行\n第二行" in body and "合并前中间合并后" in body
    assert body[-1] == "结尾 A&B<科技>有限公司"
    assert cell_texts(ours)[1] == [["一", "二", "三", "四"], ["一-值", "二-值", "三-值", "四-值"]]


def test_tagged_header_renders(tmp_path):
    doc = Document()
    doc.add_paragraph("正文")
    doc.sections[0].header.paragraphs[0].text = "{{ 机关 }}"
    doc.sections[0].header.paragraphs[0].runs[0].font.size = Pt(10)
    doc.save(tmp_path / "h.docx")
    out = open_docx(DocxTemplate.load(tmp_path / "h.docx").render({"机关": "江苏省知识产权局"}))
    assert out.sections[0].header.paragraphs[0].text == "江苏省知识产权局"
