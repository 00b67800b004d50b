"""`formkit lint`: what breaks a template, found in the raw WordprocessingML, and `--fix`."""

from __future__ import annotations

import re

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from formkit.cli import main
from formkit.errors import FormkitError
from formkit.outputs.lint import fix, lint, require_clean
from tests.test_render import W_NS, compat_templates, docx_template, raw_template, run_xml, texts

# Word's own run properties after an edit or a spell-check: language marks, a bold piece, a
# font hint — each piece of the tag becomes its own w:r.
LANG = '<w:lang w:eastAsia="zh-CN"/>'
BOLD = '<w:b/><w:bCs/><w:lang w:eastAsia="zh-CN"/>'
HINT = '<w:rFonts w:hint="eastAsia"/><w:lang w:eastAsia="zh-CN"/>'


def p(*runs: str, ppr: str = "") -> str:
    return f"<w:p {W_NS}>{ppr}" + "".join(runs) + "</w:p>"


def word_saved_template(path: Path) -> Path:
    """A template as Word leaves it: split tags (several w:r, proofErr marks) and curly quotes."""
    return raw_template(path, [
        p(run_xml("致", LANG), run_xml("{{", HINT), '<w:proofErr w:type="spellStart"/>', run_xml(" 企业", BOLD),
          run_xml("名称", LANG), '<w:proofErr w:type="spellEnd"/>', run_xml(" }", HINT), run_xml("}：", LANG)),
        p(run_xml("{%p if 设区市 == “南京市” %}")),
        p(run_xml("南京市的企业请于{{ 截止日期 }}前报送。")),
        p(run_xml("{%p endif %}")),
        p(run_xml("联系人：{{ 联系人|default(‘", LANG), run_xml("无’) }}", BOLD)),
    ])


def codes(report) -> list[tuple[str, str]]:
    return [(pr.code, pr.where) for pr in report.problems]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# --- the Word-saved template: found, fixed, rendered -----------------------------------------------

def test_split_tags_and_curly_quotes_are_found(tmp_path):
    report = lint(word_saved_template(tmp_path / "t.docx"))
    assert codes(report) == [("split-tag", "正文第1段"), ("curly-quote", "正文第2段"), ("curly-quote", "正文第5段"),
                             ("split-tag", "正文第5段")]
    assert all(pr.fixable for pr in report.problems)
    assert "被 Word 拆成了5段" in str(report.problems[0])
    assert [t.text for t in report.tags] == ["{{ 企业名称 }}", "{%p if 设区市 == “南京市” %}", "{{ 截止日期 }}",
                                             "{%p endif %}", "{{ 联系人|default(‘无’) }}"]
    assert report.tags[0].runs == 5
    assert report.variables == ["企业名称", "截止日期", "联系人", "设区市"]


def test_fix_joins_split_tags_straightens_quotes_and_then_renders(tmp_path):
    template = word_saved_template(tmp_path / "t.docx")
    original = template.read_bytes()
    fixed = tmp_path / "fixed.docx"
    changes = fix(template, fixed)
    assert (changes.joined, changes.quotes) == (2, 4)
    assert template.read_bytes() == original  # the original is never modified
    assert lint(fixed).problems == []
    xml = zipfile.ZipFile(fixed).read("word/document.xml").decode()
    # the tag now sits whole in the run where it started, with that run's formatting
    assert '<w:rFonts w:hint="eastAsia"/><w:lang w:eastAsia="zh-CN"/></w:rPr><w:t>{{ 企业名称 }}</w:t>' in xml
    assert '{%p if 设区市 == "南京市" %}' in xml and "{{ 联系人|default('无') }}" in xml
    assert texts(fixed)[0] == "致{{ 企业名称 }}："
    data = tmp_path / "d.csv"
    data.write_text("企业名称,设区市,截止日期,联系人\nA&B<科技>,南京市,2023年6月10日,\n乙公司,苏州市,2023年6月10日,王一\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("render", fixed, data, "-o", out)
    assert run.exit_code == 0, run.output
    first, second = sorted(out.iterdir())
    assert texts(first) == ["致A&B<科技>：", "南京市的企业请于2023年6月10日前报送。", "联系人："]
    assert texts(second) == ["致乙公司：", "联系人：王一"]


def test_lint_command_fix_writes_a_clean_copy(tmp_path):
    template = word_saved_template(tmp_path / "t.docx")
    run = invoke("lint", template)
    assert run.exit_code == 1
    assert "正文第1段：标签“{{ 企业名称 }}”被 Word 拆成了5段" in run.output and "可用 --fix 自动修复" in run.output
    assert "变量（4个）：企业名称、截止日期、联系人、设区市" in run.output
    run = invoke("lint", template, "--fix", "-o", tmp_path / "new.docx")
    assert run.exit_code == 0, run.output
    assert "已写出修复后的模板" in run.output and "合并被拆开的标签2个" in run.output and "拉直引号4处" in run.output
    assert invoke("lint", tmp_path / "new.docx").exit_code == 0


def test_split_tag_in_a_table_cell_and_a_footer_are_located(tmp_path):
    path = docx_template(tmp_path / "t.docx", ["正文"], table=[["名称", "得分"], ["{{ 名称 }}", "{{ 得分 }}"]],
                         footer="{{ 文号 }}")
    doc = Document(str(path))
    cell = doc.tables[0].cell(1, 1).paragraphs[0]
    cell.runs[0].text = "{{ 得"
    cell.add_run("分 }}").bold = True
    footer = doc.sections[0].footer.paragraphs[0]
    footer.runs[0].text = "{{ 文"
    footer.add_run("号 }}").italic = True
    doc.save(path)
    report = lint(path)
    assert codes(report) == [("split-tag", "表格1第2行第2列"), ("split-tag", "页脚（footer1.xml）第1段")]
    fix(path, tmp_path / "f.docx")
    assert lint(tmp_path / "f.docx").problems == []


# --- full-width characters -------------------------------------------------------------------------

def test_fullwidth_braces_and_punctuation_are_found_and_fixed(tmp_path):
    path = docx_template(tmp_path / "t.docx", ["｛｛ 企业名称 ｝｝", "{% if 得分 ＞＝ 60 %}合格{% endif %}",
                                               "{{ 备注 if 备注 != \"（无）\" else \"\" }}"])
    report = lint(path)
    assert codes(report) == [("fullwidth", "正文第1段"), ("fullwidth", "正文第2段")]
    assert "全角" in str(report.problems[0]) and "＞ ＝" in str(report.problems[1])
    changes = fix(path, tmp_path / "f.docx")
    assert changes.fullwidth == 6
    assert lint(tmp_path / "f.docx").problems == []
    assert texts(tmp_path / "f.docx")[:2] == ["{{ 企业名称 }}", "{% if 得分 >= 60 %}合格{% endif %}"]
    # full-width text inside quotes is the user's text and stays
    assert texts(tmp_path / "f.docx")[2] == "{{ 备注 if 备注 != \"（无）\" else \"\" }}"


# --- structure ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("paragraphs,expected", [
    (["{%p if a %}", "x"], [("unbalanced", "正文第1段")]),
    (["{%p for x in a %}", "{{ x }}", "{%p endif %}"], [("unbalanced", "正文第3段")]),
    (["x", "{%p endif %}"], [("unbalanced", "正文第2段")]),
    (["{% else %}"], [("unbalanced", "正文第1段")]),
    (["{%p if a %}", "{%p for x in b %}", "{%p endif %}"], [("unbalanced", "正文第2段")]),
    (["{% if a %}开始", "中间", "结束{% endif %}"], []),  # plain tags across paragraphs: docxtpl merges them
    (["{{ 名称 "], [("unclosed-tag", "正文第1段")]),
    (["说明：{%p if a %}", "{%p endif %}"], [("p-misuse", "正文第1段")]),
    (["{%tr for r in a %}", "{%tr endfor %}"], [("tr-misuse", "正文第1段"), ("tr-misuse", "正文第2段")]),
    (["{%tc for r in a %}", "{%tc endfor %}"], [("tc-misuse", "正文第1段"), ("tc-misuse", "正文第2段")]),
    (["{% tr for r in a %}", "{% tr endfor %}"], [("tr-misuse", "正文第1段"), ("tr-misuse", "正文第2段")]),
])
def test_structure_problems(tmp_path, paragraphs, expected):
    report = lint(docx_template(tmp_path / "t.docx", paragraphs))
    assert codes(report) == expected, [str(pr) for pr in report.problems]


def test_block_opened_in_a_paragraph_and_closed_in_a_cell(tmp_path):
    path = docx_template(tmp_path / "t.docx", ["{% if a %}开始"], table=[["结束{% endif %}", ""]])
    report = lint(path)
    assert codes(report) == [("unbalanced", "表格1第1行第1列")]
    assert "不在同一层结构中" in str(report.problems[0])


def test_row_tag_with_other_text_in_the_row(tmp_path):
    path = docx_template(tmp_path / "t.docx", [], table=[["{%tr for r in a %}", "说明"], ["{{ r }}", ""],
                                                         ["{%tr endfor %}", ""]])
    assert codes(lint(path)) == [("tr-misuse", "表格1第1行第1列")]


def test_row_block_closed_as_a_paragraph_block(tmp_path):
    path = docx_template(tmp_path / "t.docx", [], table=[["{%tr for r in a %}", ""], ["{{ r }}", ""]],
                         after=["{%p endfor %}"])
    report = lint(path)
    assert [c for c, _w in codes(report)] == ["unbalanced"]
    assert "开头用了 {%tr %}" in str(report.problems[0])


def test_syntax_error_is_reported_with_the_engines_message(tmp_path):
    report = lint(docx_template(tmp_path / "t.docx", ["{{ 名称 | }}"]))
    assert [pr.code for pr in report.problems] == ["syntax"]
    assert "语法错误" in str(report.problems[0])


def test_well_made_templates_are_clean(tmp_path):
    templates = compat_templates(tmp_path)
    for kind, path in templates.items():
        report = lint(path)
        if kind == "runs":  # its {{ 编号 }} is split on purpose (docxtpl joins it; lint says so)
            assert codes(report) == [("split-tag", "正文第2段")]
            continue
        assert report.problems == [], (path.name, [str(pr) for pr in report.problems])


# --- with DATA ---------------------------------------------------------------------------------------

def test_missing_variables_and_unused_columns(tmp_path):
    path = docx_template(tmp_path / "t.docx", ["{{ 企业名称 }}{{ 得分 }}{{ 序号 }}{{ 联系电话 }}"])
    data = tmp_path / "d.csv"
    data.write_text("企业名称,得分（分）,联系人电话,备注\n甲,1,2,3\n", encoding="utf-8")
    report = lint(path, ["企业名称", "得分（分）", "联系人电话", "备注"], {"得分": "得分（分）"})
    assert [(pr.code, pr.severity) for pr in report.problems] == [
        ("missing-variable", "error"), ("unused-column", "note"), ("unused-column", "note")]
    assert "“联系电话”在数据中没有对应的列（是不是“联系人电话”？）" in str(report.problems[0])
    run = invoke("lint", path, data)
    assert run.exit_code == 1
    assert "数据：d.csv（1行），列：企业名称、得分（分）、联系人电话、备注" in run.output
    assert "提示：数据中的列“备注”模板没有用到" in run.output
    data.write_text("企业名称,得分,联系电话,备注\n甲,1,2,3\n", encoding="utf-8")
    run = invoke("lint", path, data)
    assert run.exit_code == 0 and "未发现问题" in run.output  # an unused column is a note only


def test_missing_variables_only_tested_are_notes_printed_ones_problems(tmp_path):
    path = docx_template(tmp_path / "t.docx", [
        "{% if user %}欢迎，{{ user }}{% endif %}{{ 企业名称 }}",
        "{%p if 类型 == '特' or 加急 %}", "{{ 备注|default('无') }}", "{%p endif %}",
        "{% if 等级 %}{% else %}{{ 等级 }}{% endif %}", "{% for r in 明细 %}{{ r }}{% endfor %}"])
    data = tmp_path / "d.csv"
    data.write_text("企业名称\n甲\n", encoding="utf-8")
    report = lint(path, ["企业名称"], {})
    assert sorted((pr.code, pr.severity, re.search("“(.+?)”", pr.message).group(1)) for pr in report.problems) == [
        ("missing-variable", "error", "明细"), ("missing-variable", "error", "等级"),
        ("optional-variable", "note", "user"), ("optional-variable", "note", "加急"),
        ("optional-variable", "note", "备注"), ("optional-variable", "note", "类型")]
    run = invoke("lint", path, data)
    assert run.exit_code == 1
    assert "模板输出的变量“明细”在数据中没有对应的列" in run.output
    assert "提示：变量“user”在数据中没有对应的列，模板只在条件中用到它，按“不成立”处理" in run.output
    only_tested = docx_template(tmp_path / "u.docx", ["{% if user %}欢迎，{{ user }}{% endif %}{{ 企业名称 }}"])
    run = invoke("lint", only_tested, data)
    assert run.exit_code == 0, run.output  # notes only
    assert "提示：变量“user”" in run.output and "未发现问题" in run.output


def test_lint_lists_tags_and_variables_of_a_clean_template(tmp_path):
    path = docx_template(tmp_path / "t.docx", ["{{ 名称 }}", "{%p for r in 明细 %}", "{{ r.事项 }}", "{%p endfor %}"])
    run = invoke("lint", path)
    assert run.exit_code == 0, run.output
    assert "标签（4个）" in run.output and "正文第2段  {%p for r in 明细 %}" in run.output
    assert "变量（2个）：名称、明细" in run.output and "未发现问题" in run.output


# --- require_clean, for letters/report --template -------------------------------------------------------

def test_require_clean(tmp_path):
    require_clean(compat_templates(tmp_path)["rows"])
    broken = word_saved_template(tmp_path / "t.docx")
    with pytest.raises(FormkitError) as err:
        require_clean(broken)
    message = str(err.value)
    assert message.startswith("模板 t.docx 有4处问题，无法使用：")
    assert "正文第1段：标签“{{ 企业名称 }}”被 Word 拆成了5段" in message and "--fix -o" in message
    require_clean(broken, allow_fixable=True)  # the engine itself joins split tags, straightens quotes
    with pytest.raises(FormkitError, match="没有对应的"):
        require_clean(docx_template(tmp_path / "u.docx", ["{%p if a %}"]), allow_fixable=True)


# --- exit statuses -----------------------------------------------------------------------------------------

def test_lint_usage_errors_are_status_2(tmp_path):
    template = docx_template(tmp_path / "t.docx", ["{{ 名称 }}"])
    assert invoke("lint", template, "--fix").exit_code == 2
    assert invoke("lint", template, "-o", tmp_path / "x.docx").exit_code == 2
    run = invoke("lint", template, "--fix", "-o", template)
    assert run.exit_code == 2 and "原模板" in run.output
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    run = invoke("lint", tmp_path / "bad.docx")
    assert run.exit_code == 2 and "不是有效的 Word 文档" in run.output
    assert invoke("lint", tmp_path / "none.docx").exit_code == 2
    assert invoke("lint", template, tmp_path / "none.csv").exit_code == 2


def test_lint_refuses_a_template_with_a_dtd(tmp_path):
    path = raw_template(tmp_path / "t.docx", [p(run_xml("{{ a }}"))])
    data = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    data["word/document.xml"] = data["word/document.xml"].replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY e "boom">]>', 1)
    with zipfile.ZipFile(path, "w") as z:
        for name, content in data.items():
            z.writestr(name, content)
    with pytest.raises(FormkitError, match="DTD"):
        lint(path)


def test_lint_reads_data_with_sheet_and_header_row(tmp_path):
    from tests.builders import write_xlsx

    path = docx_template(tmp_path / "t.docx", ["{{ 企业名称 }}{{ 得分 }}"])
    data = write_xlsx(tmp_path / "d.xlsx", {"说明": [["x"]], "名单": [["标题"], ["说明", "行"], ["企业名称", "得分"],
                                                                   ["甲", 1]]})
    run = invoke("lint", path, data, "--sheet", "名单", "--header-row", "3")
    assert run.exit_code == 0, run.output
    assert "数据：d.xlsx（工作表“名单”，1行），列：企业名称、得分" in run.output
    run = invoke("lint", path, data, "--sheet", "名单")  # the first row with two cells: 说明/行
    assert run.exit_code == 1 and "“企业名称”在数据中没有对应的列" in run.output


def test_letters_and_report_refuse_a_broken_user_template(tmp_path, campaign):
    import datetime as dt

    from formkit import api
    from formkit.resources import samples_dir

    merged = tmp_path / "merged"
    api.merge_to([samples_dir()], merged, campaign, as_of=dt.date(2024, 1, 15))
    broken = docx_template(tmp_path / "broken.docx", ["{%p if 企业名称 %}", "{{ 企业名称 }}"])  # no endif
    run = invoke("letters", "urge", merged, "-o", tmp_path / "out", "--template", broken)
    assert run.exit_code == 2 and "unbalanced" not in run.output
    assert "broken.docx" in run.output and not (tmp_path / "out").exists()
    run = invoke("report", merged, "-o", tmp_path / "r.docx", "--template", broken)
    assert run.exit_code == 2 and "broken.docx" in run.output and not (tmp_path / "r.docx").exists()
    # a template Word split into runs, with curly quotes, is repaired by the engine and accepted
    word = word_saved_template(tmp_path / "word.docx")
    with pytest.raises(FormkitError):
        require_clean(word)
    require_clean(word, allow_fixable=True)
