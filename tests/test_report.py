"""`formkit report`: the provincial report from the bundled samples' merge output — layout, the
figures of every city, problems and next steps, the chart, errors."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from click.testing import CliRunner
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from formkit.cli import main
from formkit.errors import FormkitError
from formkit.outputs import chart, official
from formkit.outputs.letters import load_merged
from formkit.outputs.chart import CHART_MARK
from formkit.outputs.report import render_report
from formkit.outputs.report_chart import chart_member
from tests.builders import assert_chinese_fonts, require_soffice
from tests.test_letters import (HEADING1, HEADING2, assert_fonts, assert_official_layout,
                                assert_signature_and_date, body_paragraphs, first_line_indented)

AS_OF = dt.date(2024, 1, 15)
TITLE = "江苏省2023年度企业知识产权管理标准化工作情况报告"
CITIES = ["南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市",
          "镇江市", "泰州市", "宿迁市"]


@pytest.fixture(scope="module")
def report(merged_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "报告.docx"
    run = CliRunner().invoke(main, ["report", str(merged_dir), "-o", str(path)])
    assert run.exit_code == 0, run.output
    assert f"已生成：{path}" in run.output
    return path


def _table(doc, first_header: str, second_header: str):
    [table] = [t for t in doc.tables if t.rows[0].cells[1].text == second_header and t.rows[0].cells[0].text == first_header]
    return [[c.text for c in row.cells] for row in table.rows], table


def test_layout_title_headings_body(report):
    doc = assert_official_layout(report)
    title = doc.paragraphs[0]
    assert title.text == TITLE and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert_fonts(doc, title, "方正小标宋简体", 22)
    level1 = [p for p in doc.paragraphs if HEADING1.match(p.text)]
    assert [p.text for p in level1] == ["一、总体情况", "二、各设区市完成情况", "三、存在的问题", "四、下一步工作"]
    for p in level1:
        assert_fonts(doc, p, "黑体", 16)
        assert first_line_indented(p)
    level2 = [p for p in doc.paragraphs if HEADING2.match(p.text)]
    assert [p.text for p in level2][:2] == ["（一）绩效评价", "（二）质量抽查和备案信息复核"]
    assert len(level2) >= 6
    for p in level2:
        assert_fonts(doc, p, "楷体_GB2312", 16)
    body = body_paragraphs(doc)
    assert len(body) >= 10
    for p in body:
        assert_fonts(doc, p, "仿宋_GB2312", 16)
    assert_signature_and_date(doc)


def test_overall_figures_and_change_against_last_year(report):
    text = "\n".join(p.text for p in Document(str(report)).paragraphs)
    assert ("全省绩效评价合格企业112家，其中第一批57家、第二批55家，为年度指导性计划111家的100.9%；"
            "2022年为99家，比上年增加13家，增长13.1%。") in text
    assert "连云港市（4家，计划6家）、淮安市（5家，计划6家）未完成" in text
    assert "各设区市共抽查贯标认证企业410家，其中未达标40家" in text
    assert "宿迁市抽查27家，未达到每市不低于30家的要求；其余12个设区市均达到要求。" in text
    assert "各设区市共报送备案信息异常企业66家" in text and "提醒并给予1年宽限期11家" in text
    assert "汇总检查共发现数据错误14处、需核实的提示11处" in text


def test_city_tables_have_a_row_per_city_and_the_total(report):
    doc = Document(str(report))
    rows, table = _table(doc, "设区市", "年度计划")
    assert rows[0] == ["设区市", "年度计划", "第一批", "第二批", "合计", "完成率", "2022年", "较上年"]
    assert official.is_header_row(table.rows[0])
    assert [r[0] for r in rows[1:]] == CITIES + ["全省"]
    by_city = {r[0]: r for r in rows[1:]}
    assert by_city["宿迁市"] == ["宿迁市", "5", "3", "3", "6", "120.0%", "4", "+2"]
    assert by_city["连云港市"] == ["连云港市", "6", "2", "2", "4", "66.7%", "5", "−1"]
    assert by_city["全省"] == ["全省", "111", "57", "55", "112", "100.9%", "99", "+13"]
    rows, _ = _table(doc, "设区市", "抽查企业")
    assert rows[0] == ["设区市", "抽查企业", "达到要求", "其中未达标", "异常企业", "删除", "标记跟踪", "更新名称", "宽限期"]
    by_city = {r[0]: r for r in rows[1:]}
    assert [r[0] for r in rows[1:]] == CITIES + ["全省"]
    assert by_city["宿迁市"] == ["宿迁市", "27", "差3家", "3", "0", "0", "0", "0", "0"]
    assert by_city["南京市"] == ["南京市", "34", "是", "3", "8", "4", "1", "1", "2"]
    assert by_city["全省"] == ["全省", "410", "12/13", "40", "66", "32", "12", "11", "11"]


def test_problems_grouped_by_kind_and_city_with_counts(report):
    doc = Document(str(report))
    texts = [p.text for p in doc.paragraphs]
    start, end = texts.index("三、存在的问题"), texts.index("四、下一步工作")
    section = texts[start + 1:end]
    headings = [t for t in section if HEADING2.match(t)]
    assert headings == ["（一）部分材料未按时报送", "（二）部分设区市抽查数量不足", "（三）绩效评价工作进展不平衡",
                        "（四）部分贯标认证企业质量不高", "（五）报送数据质量有待提高"]
    text = "\n".join(section)
    assert "未报送1项、逾期报送1项，涉及2个设区市" in text
    assert "泰州市：附件2《2023年度贯标绩效评价合格企业汇总表》（第二批）应于2023年12月10日前报送，填报日期为2023年12月15日" in text
    assert "宿迁市：附件4《企业贯标备案信息异常情况汇总表》应于2023年7月31日前报送" in text
    assert "宿迁市有效抽查27家" in text
    assert "连云港市绩效评价合格企业4家（计划6家，2022年5家）" in text
    assert "抽查发现未达标企业40家，占抽查企业的9.8%" in text
    assert "约谈19家次、书面提醒20家次、移交执法1家次" in text
    assert "信用代码有误2处（南京市1处、宿迁市1处）" in text
    assert "表间矛盾2处（常州市2处）" in text
    assert "合计不符1处（省级计划分解表1处）" in text


def test_next_steps_follow_from_the_figures(report):
    texts = [p.text for p in Document(str(report)).paragraphs]
    section = "\n".join(texts[texts.index("四、下一步工作") + 1:])
    assert "向泰州市、宿迁市知识产权局发出催报函" in section
    assert "督促40家未达标企业在整改期限内完成整改" in section
    assert "宽限期届满（2024年7月31日）" in section
    assert "2024年3月31日前组织各设区市完成贯标备案企业信息年度核查" in section


def test_chart_is_drawn_in_place_of_the_placeholder(report):
    data = report.read_bytes()
    member = chart_member(data)
    assert member is not None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        png = archive.read(member)
        xml = archive.read("word/document.xml").decode("utf-8")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png != chart.placeholder_png()
    assert f'descr="{CHART_MARK}"' in xml
    import struct

    width, height = struct.unpack(">II", png[16:24])
    assert width > 1000 and abs(width / height - chart.WIDTH_MM / chart.HEIGHT_MM) < 0.02
    doc = Document(io.BytesIO(data))
    [shape] = doc.inline_shapes
    assert abs(shape.width.mm - 150) < 0.5


def test_report_is_reproducible(merged_dir, campaign):
    merged = load_merged(merged_dir, campaign)
    assert render_report(merged, campaign) == render_report(merged, campaign)


def test_no_chinese_font_is_a_clear_error(merged_dir, tmp_path, monkeypatch):
    from matplotlib import font_manager

    latin_only = [f for f in font_manager.fontManager.ttflist if f.name == "DejaVu Sans"]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin_only)
    with pytest.raises(FormkitError, match="fonts-noto-cjk"):
        chart.find_cjk_font()
    run = CliRunner().invoke(main, ["report", str(merged_dir), "-o", str(tmp_path / "r.docx")])
    assert run.exit_code == 2 and "中文的字体" in run.output
    assert not (tmp_path / "r.docx").exists()


def test_cjk_font_found_here():
    assert chart.find_cjk_font()  # .ci/run installs fonts-noto-cjk


def test_user_template_with_undefined_variable_is_status_2(merged_dir, tmp_path):
    doc = official.new_official_document()
    official.add_title(doc, "{{ 标题 }}")
    official.add_body(doc, "{% for c in 各市 %}{{ c.设区市 }}{{ c.没有的字段 }}{% endfor %}")
    template = tmp_path / "我的报告.docx"
    doc.save(str(template))
    run = CliRunner().invoke(main, ["report", str(merged_dir), "-o", str(tmp_path / "r.docx"), "--template",
                                    str(template)])
    assert run.exit_code == 2 and "我的报告.docx" in run.output and "没有的字段" in run.output
    assert not (tmp_path / "r.docx").exists()


def test_user_template_without_chart(merged_dir, tmp_path):
    doc = official.new_official_document()
    official.add_title(doc, "{{ 标题 }}")
    official.add_body(doc, "全省{{ 全省.合计 }}家，{{ 全省.较上年说明 }}。")
    template = tmp_path / "简报.docx"
    doc.save(str(template))
    out = tmp_path / "r.docx"
    run = CliRunner().invoke(main, ["report", str(merged_dir), "-o", str(out), "--template", str(template)])
    assert run.exit_code == 0, run.output
    assert "全省112家，比上年增加13家，增长13.1%。" in [p.text for p in Document(str(out)).paragraphs]


def test_not_a_merge_output_is_status_2(tmp_path):
    run = CliRunner().invoke(main, ["report", str(tmp_path), "-o", str(tmp_path / "r.docx")])
    assert run.exit_code == 2 and "不是 formkit merge 的输出文件夹" in run.output
    run = CliRunner().invoke(main, ["report", str(tmp_path), "-o", str(tmp_path / "r.txt")])
    assert run.exit_code == 2


def test_other_year_is_refused(merged_dir, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(merged_dir, copy)
    text = (copy / "summary.json").read_text(encoding="utf-8").replace('"year": 2023', '"year": 2022', 1)
    (copy / "summary.json").write_text(text, encoding="utf-8")
    run = CliRunner().invoke(main, ["report", str(copy), "-o", str(tmp_path / "r.docx")])
    assert run.exit_code == 2 and "2022年度" in run.output


def test_report_pdf(merged_dir, tmp_path):
    require_soffice()
    import pdfplumber

    out = tmp_path / "报告.docx"
    run = CliRunner().invoke(main, ["report", str(merged_dir), "-o", str(out), "--pdf"])
    assert run.exit_code == 0, run.output
    with pdfplumber.open(out.with_suffix(".pdf")) as pdf:
        texts = [(page.extract_text() or "").replace(" ", "") for page in pdf.pages]
        assert pdf.pages[0].images or any(page.images for page in pdf.pages)  # the chart
    assert TITLE in texts[0].replace("\n", "")
    assert all(f"—{k}—" in text for k, text in enumerate(texts, start=1))
    assert "四、下一步工作" in "".join(texts)
    fonts = assert_chinese_fonts(out.with_suffix(".pdf"))
    assert any("Sans" in name and "sc" in name for name in fonts), fonts  # the 黑体 headings: SC sans
