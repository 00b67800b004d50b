"""Build the report and letter templates in ``templates/docx/`` (GB/T 9704-2012 layout, Jinja tags).

Run ``python -m formkit.outputs.make_templates`` after changing the wording here; the files are
written with fixed zip times and document properties, so the same code gives the same bytes.
tests/test_letters.py checks that the committed templates match what this module builds.

The templates are ordinary Word files a user can open and edit in Word or WPS: the tags are
docxtpl's (``{{ 企业名称 }}``, ``{%p if 抄送 %}``, ``{%tr for q in 明细 %}``) and every variable
is listed, with an example, in docs/templates.md. Nothing in them names a province or a year:
those come from the campaign file through the variables.

Letters follow the 信函 layout of GB/T 9704-2012 (§10.1) where it matters to a reader: the
issuing office in red at the top over a red double rule, the document number under it on the
right, the title in 2号小标宋, the addressee flush left, body text indented two characters,
the signature and the date (Arabic numerals) on the right, a note in brackets with the contact,
and the 抄送 line between two rules. Page numbers are ``— 1 —``, odd pages right, even left.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from formkit.outputs import official
from formkit.outputs.ooxml import repack
from formkit.outputs.official import BODY_SIZE, HEADING1_FONT, LINE_PITCH_TWIPS, TITLE_FONT
from formkit.outputs.wordml import PPR_ORDER as _PPR_ORDER, ensure as _ensure

#: Letter kinds (command argument) → template file name.
TEMPLATE_FILES = {
    "report": "report.docx",
    "reminder": "reminder.docx",
    "interview": "interview.docx",
    "written-reminder": "written-reminder.docx",
    "rectification": "rectification.docx",
    "urge": "urge.docx",
    "feedback": "feedback.docx",
}

#: The alternative text that marks the report's chart picture (replaced when the report is made).
CHART_MARK = "formkit:chart"

FIXED_TIME = dt.datetime(2024, 1, 1)
RED = RGBColor(0xFF, 0x00, 0x00)
CHAR = Pt(BODY_SIZE)  # one character of 3号 text

_INTRO = "根据{{ 通知发文机关 }}{{ 通知 }}（以下简称《通知》）要求，"
# Urging the enterprises to rectify: within their deadlines, unless some have passed by 成文日期.
_RECTIFY = ("{% if 逾期整改企业数 == 企业数 %}抓紧完成整改（上述企业的整改期限均已届满）"
            "{% elif 逾期整改企业数 %}抓紧完成整改（其中{{ 逾期整改企业数 }}家企业的整改期限已届满）"
            "{% else %}在整改期限内完成整改{% endif %}")
_RULE_BODIES = ("按照《通知》“发现贯标未达相关标准的，要求企业限期整改，并对作出相关认证的第三方机构进行约谈或"
                "书面提醒”的规定，")


# --- building blocks ---------------------------------------------------------------------------

def _border(paragraph, edge: str, val: str, size: int, color: str = "000000", space: int = 1) -> None:
    """Draw a rule on one edge of ``paragraph`` (``w:pBdr``); ``size`` in eighths of a point."""
    pbdr = _ensure(paragraph._p.get_or_add_pPr(), "w:pBdr", _PPR_ORDER)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), val)
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    order = ("top", "left", "bottom", "right", "between", "bar")
    later = {qn(f"w:{e}") for e in order[order.index(edge) + 1:]}
    for existing in pbdr:
        if existing.tag in later:
            existing.addprevious(line)
            return
    pbdr.append(line)


def _control(doc, tag: str):
    """Add a paragraph holding only a docxtpl paragraph tag (``{%p for … %}``); it vanishes when rendered."""
    return doc.add_paragraph(tag)


def _letterhead(doc) -> None:
    """The issuing office in red 小标宋 over a red double rule, then the document number on the right."""
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.line_spacing = Twips(LINE_PITCH_TWIPS * 2)
    head.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    run = official.style_run(head.add_run("{{ 发文机关 }}"), 30, TITLE_FONT, latin=TITLE_FONT)
    run.font.color.rgb = RED
    rule = doc.add_paragraph()
    official.compact(rule)
    rule.paragraph_format.line_spacing = Pt(6)
    rule.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    _border(rule, "bottom", "thickThinSmallGap", 24, "FF0000")
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.paragraph_format.right_indent = CHAR
    number.add_run("{{ 发文字号 }}")


def _addressee(doc, text: str = "{{ 主送 }}：") -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.add_run(text)


def _signature(doc, blank_lines: int = 2) -> None:
    """The signatory and 成文日期 on the right (the date four characters in, the name about centred over it).

    The last body paragraph, the blank lines, the signatory and the date are kept together: the
    date never leaves its signatory, and the signature page always carries body text
    (GB/T 9704-2012 §7.3.5: no page with the signature alone).
    """
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    for _ in range(blank_lines):
        doc.add_paragraph().paragraph_format.keep_with_next = True
    for text, indent in (("{{ 署名 }}", 2), ("{{ 成文日期 }}", 4)):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(BODY_SIZE * indent)
        paragraph.paragraph_format.keep_with_next = text != "{{ 成文日期 }}"
        paragraph.add_run(text)


def _contact_note(doc) -> None:
    """附注: the contact in brackets, two characters in, under the date (GB/T 9704-2012 §7.3.6)."""
    official.add_body(doc, "（联系人：{{ 联系处室 }} {{ 联系人 }}，电话：{{ 联系电话 }}）")


def _copy_to(doc) -> None:
    """版记: 抄送 between two rules, in 4号仿宋, one character in from each side."""
    _control(doc, "{%p if 抄送 %}")
    doc.add_paragraph()
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.left_indent = Pt(14)
    paragraph.paragraph_format.right_indent = Pt(14)
    official.style_run(paragraph.add_run("抄送：{{ 抄送 }}。"), 14)
    _border(paragraph, "top", "single", 8, space=4)
    _border(paragraph, "bottom", "single", 8, space=4)
    _control(doc, "{%p endif %}")


def _caption(doc, text: str):
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    official.style_run(paragraph.add_run(text), 14, HEADING1_FONT, latin=HEADING1_FONT)
    return paragraph


def _finish(doc, title: str):
    official.add_page_number_footer(doc.sections[0])
    props = doc.core_properties
    props.author = "formkit"
    props.last_modified_by = "formkit"
    props.title = title
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1
    return doc


def _letter(title_hint: str, body: list[str], table=None, after: list[str] = ()) -> object:
    doc = official.new_official_document()
    _letterhead(doc)
    doc.add_paragraph()
    official.add_title(doc, "{{ 标题 }}")
    doc.add_paragraph()
    _addressee(doc)
    for text in body:
        official.add_body(doc, text)
    if table is not None:
        table(doc)
    for text in after:
        official.add_body(doc, text)
    _signature(doc)
    _contact_note(doc)
    _copy_to(doc)
    return _finish(doc, title_hint)


# --- the letters ---------------------------------------------------------------------------------

def reminder():
    """提醒函: to an enterprise filed over five years, willing to certify; states the grace deadline."""
    return _letter("提醒函", [
        _INTRO + "{{ 市局 }}对本地区贯标备案企业信息进行了全面复核。经核实，你单位（统一社会信用代码："
        "{{ 统一社会信用代码 }}）于{{ 备案时间 }}完成贯标备案，至{{ 复核截止日期 }}已超过{{ 超期年限 }}年，"
        "仍未通过认证或绩效评价。",
        "按照《通知》“备案超过{{ 超期年限 }}年仍未通过认证或绩效评价的，对企业进行提醒，企业如果愿意开展认证或"
        "绩效评价，可给予{{ 宽限年限 }}年宽限期并优先开展绩效评价”的规定，鉴于你单位表示愿意开展认证或绩效评价，"
        "现给予{{ 宽限年限 }}年宽限期，宽限期至{{ 宽限期至 }}。",
        "请你单位对照《企业知识产权管理规范》国家标准，健全知识产权管理体系，在宽限期届满前通过第三方机构认证或"
        "绩效评价，并及时将结果报{{ 市局 }}。宽限期届满后仍未通过认证或绩效评价的，将按《通知》规定从贯标备案"
        "名单中删除。",
        "特此提醒。",
    ])


def rectification():
    """限期整改通知书: to an enterprise that failed a spot check, with its deadline."""
    return _letter("限期整改通知书", [
        _INTRO + "{{ 市局 }}对通过贯标认证的本地企业开展了质量抽查。{{ 抽查日期 }}抽查发现，你单位（统一社会"
        "信用代码：{{ 统一社会信用代码 }}；认证机构：{{ 认证机构 }}，证书编号：{{ 证书编号 }}）贯标未达到"
        "《企业知识产权管理规范》国家标准要求，主要问题是：{{ 主要问题 }}。",
        # A deadline that has passed by 成文日期 is not asked for: the letter says it has passed
        # and asks for the rectification report within letters.overdue_reply_days.
        "按照《通知》“发现贯标未达相关标准的，要求企业限期整改”的规定，{% if 整改期限已过 %}{% if 整改期限 %}"
        "抽查时确定的整改期限（{{ 整改期限 }}）已届满。{% endif %}请你单位于{{ 整改情况报送期限 }}前将整改情况书面"
        "报送{{ 市局 }}；尚未完成整改的，应说明原因，并立即对照标准逐项整改。{% else %}请你单位对照标准逐项整改，于"
        "{{ 整改期限 }}前完成整改，并将整改情况书面报送{{ 市局 }}。{% endif %}{{ 市局 }}将对整改情况进行复核。",
        "特此通知。",
    ])


#: Type size of the letters' enterprise table: 五号 (GB/T 9704 sets tables smaller than the 3号 body).
TABLE_SIZE = 10.5
#: What the code columns must hold on one line (the columns are sized from these, at TABLE_SIZE):
#: an 18-character 统一社会信用代码 with wide letters in its organisation code (as wide as the
#: widest code of the bundled samples, 91320922MAHURMMM2Q, and then some), and a certificate
#: number of the approved bodies' form (3-digit body code, IP, 6 digits, R, revision, body letter;
#: the widest of the bundled samples).
USCC_SAMPLES = ("91320922MAHURMMM2Q", "91320594MAHWQNMK2U", "9" * 18)
CERT_SAMPLES = ("001IP212656R0M", "022IP224587R0M", "165IP202957R0L")
CITY_SAMPLES = ("连云港市",)


def _enterprise_table(doc) -> None:
    """The certification body's enterprises: one entry of two rows each, codes never wrapped.

    Row 1: 序号 · 设区市 · 企业名称 · 统一社会信用代码 · 证书编号, the code columns exactly as wide
    as their content needs (:data:`USCC_SAMPLES`, :data:`CERT_SAMPLES`); row 2, under the name
    and codes: 主要问题 and 整改期限, which are prose and may wrap. Seven columns in one row
    would leave the codes too little room on a 156 mm line.
    """
    number = official.column_width_mm(["序号"], TABLE_SIZE)
    city = official.column_width_mm(CITY_SAMPLES, TABLE_SIZE)
    code = official.column_width_mm(USCC_SAMPLES, TABLE_SIZE)
    cert = official.column_width_mm(CERT_SAMPLES, TABLE_SIZE)
    name = official.TEXT_BLOCK_MM[0] - number - city - code - cert
    table = official.add_table(
        doc,
        ["序号", "设区市", "企业名称", "统一社会信用代码", "证书编号"],
        [["{%tr for q in 明细 %}"] + [""] * 4,
         ["{{ q.序号 }}", "{{ q.设区市 }}", "{{ q.企业名称 }}", "{{ q.统一社会信用代码 }}", "{{ q.证书编号 }}"],
         ["", "主要问题：{{ q.主要问题 }}。整改期限：{{ q.整改期限 }}。", "", "", ""],
         ["{%tr endfor %}"] + [""] * 4],
        widths=[number, city, name, code, cert], font_size=TABLE_SIZE)
    first, second = table.rows[2], table.rows[3]
    for cell in first.cells:  # an entry's two rows stay on one page
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True
    first.cells[0].merge(second.cells[0])  # 序号 spans the entry's two rows
    detail = second.cells[1].merge(second.cells[4])
    for paragraph in detail.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


_BODY_INTRO = (_INTRO + "各设区市知识产权局对通过贯标认证的本地企业开展了质量抽查。经抽查，由你机构认证的"
               "{{ 企业数 }}家企业（涉及{{ 涉及设区市 }}）贯标未达到《企业知识产权管理规范》国家标准要求，"
               "具体情况如下：")


def interview():
    """约谈通知书: to a certification body, listing its enterprises that failed with 约谈."""
    return _letter("约谈通知书", [_BODY_INTRO], _enterprise_table, [
        _RULE_BODIES + "现决定对你机构进行约谈。请你机构主要负责人于{{ 回复期限 }}前，携上述企业认证过程的"
        "自查报告和整改措施，到{{ 省局 }}{{ 联系处室 }}接受约谈，具体时间另行商定。",
        "请你机构切实落实认证机构主体责任，严格按照标准和认证规则开展认证，督促上述企业" + _RECTIFY + "。"
        "发现认证机构存在违法违规行为的，将按《通知》规定交由市场监管综合执法机构依法处理。",
        "特此通知。",
    ])


def written_reminder():
    """书面提醒函: to a certification body, listing its enterprises that failed with 书面提醒."""
    return _letter("书面提醒函", [_BODY_INTRO], _enterprise_table, [
        _RULE_BODIES + "现对你机构予以书面提醒。请你机构对上述企业的认证过程逐一自查，督促企业" + _RECTIFY
        + "，并于{{ 回复期限 }}前将自查和整改情况书面报送{{ 省局 }}{{ 联系处室 }}。",
        "请你机构切实落实认证机构主体责任，严格按照标准和认证规则开展认证，确保认证质量。发现认证机构存在违法"
        "违规行为的，将按《通知》规定交由市场监管综合执法机构依法处理。",
        "特此函告。",
    ])


def urge():
    """催报函: to a city office, listing what is missing, late or short, with the deadlines."""
    doc = official.new_official_document()
    _letterhead(doc)
    doc.add_paragraph()
    official.add_title(doc, "{{ 标题 }}")
    doc.add_paragraph()
    _addressee(doc)
    official.add_body(doc, _INTRO + "各设区市知识产权局应按时报送贯标绩效评价、质量抽查和备案信息复核情况。"
                      "经汇总核对，你局有以下{{ 事项数 }}项工作尚未达到《通知》要求：")
    _control(doc, "{%p for x in 明细 %}")
    official.add_body(doc, "{{ x.序号 }}.{{ x.内容 }}")
    _control(doc, "{%p endfor %}")
    # Only what is missing or short is asked for; a city whose items were all received (late)
    # is told to keep the deadlines from now on, not to send them again.
    official.add_body(doc, "请你局高度重视，{% if 需报送 %}对照《通知》要求抓紧补报、补足，于{{ 回复期限 }}前将有关材料"
                      "报送{{ 省局 }}{{ 联系处室 }}。{% else %}今后严格按照《通知》规定的时限和要求报送有关材料。{% endif %}")
    official.add_body(doc, "特此函告。")
    _signature(doc)
    _contact_note(doc)
    _copy_to(doc)
    return _finish(doc, "催报函")


# --- the report ----------------------------------------------------------------------------------

def report():
    """The consolidated provincial report: overview, per-city tables and chart, problems, next steps."""
    from formkit.outputs.chart import placeholder_png

    doc = official.new_official_document()
    official.add_title(doc, "{{ 标题 }}")
    doc.add_paragraph()
    official.add_body(doc, "{{ 年度 }}年，各设区市知识产权局按照{{ 通知发文机关 }}{{ 通知 }}（以下简称《通知》）"
                      "要求，推进企业知识产权管理标准化（贯标）工作。根据各设区市报送的材料汇总，现将有关情况报告如下。")

    official.add_heading1(doc, "一、总体情况")
    official.add_body(doc, "全省绩效评价合格企业{{ 全省.合计 }}家，其中第一批{{ 全省.第一批 }}家、第二批"
                      "{{ 全省.第二批 }}家，为年度指导性计划{{ 全省.计划 }}家的{{ 全省.完成率 }}；{{ 上年度 }}年为"
                      "{{ 全省.上年 }}家，{{ 全省.较上年说明 }}。{{ 计划完成说明 }}")
    official.add_body(doc, "质量抽查方面，各设区市共抽查贯标认证企业{{ 全省.抽查 }}家，其中未达标{{ 全省.未达标 }}家"
                      "（认证机构被约谈{{ 全省.约谈 }}家次、书面提醒{{ 全省.书面提醒 }}家次、移交执法"
                      "{{ 全省.移交执法 }}家次）。{{ 抽查要求说明 }}")
    official.add_body(doc, "备案信息复核方面，各设区市共报送备案信息异常企业{{ 全省.异常 }}家，其中{{ 全省.异常类型说明 }}；"
                      "按《通知》规定，{{ 全省.处理意见说明 }}。")
    official.add_body(doc, "汇总检查共发现数据错误{{ 错误数 }}处、需核实的提示{{ 提示数 }}处，已逐条列入问题清单反馈"
                      "各设区市核实更正；本报告的数字只计无错误的记录。")

    official.add_heading1(doc, "二、各设区市完成情况")
    official.add_heading2(doc, "（一）绩效评价")
    official.add_body(doc, "各设区市绩效评价合格企业数与年度指导性计划、上年的对比见表1和图1。")
    _caption(doc, "表1　各设区市绩效评价合格企业情况（单位：家）")
    official.add_table(
        doc, ["设区市", "年度计划", "第一批", "第二批", "合计", "完成率", "{{ 上年度 }}年", "较上年"],
        [["{%tr for c in 各市 %}"] + [""] * 7,
         ["{{ c.设区市 }}", "{{ c.计划 }}", "{{ c.第一批 }}", "{{ c.第二批 }}", "{{ c.合计 }}", "{{ c.完成率 }}",
          "{{ c.上年 }}", "{{ c.较上年 }}"],
         ["{%tr endfor %}"] + [""] * 7,
         ["全省", "{{ 全省.计划 }}", "{{ 全省.第一批 }}", "{{ 全省.第二批 }}", "{{ 全省.合计 }}", "{{ 全省.完成率 }}",
          "{{ 全省.上年 }}", "{{ 全省.较上年 }}"]],
        widths=[17, 17, 14, 14, 12, 16, 16, 14], font_size=10.5)
    picture = doc.add_paragraph()
    official.compact(picture)
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.space_before = Pt(6)
    run = picture.add_run()
    run.add_picture(io.BytesIO(placeholder_png()), width=Mm(150))
    doc_pr = run._r.find(".//" + qn("wp:docPr"))
    doc_pr.set("name", "图表")
    doc_pr.set("descr", CHART_MARK)
    _caption(doc, "图1　各设区市绩效评价合格企业数与年度指导性计划、上年对比")

    official.add_heading2(doc, "（二）质量抽查和备案信息复核")
    official.add_body(doc, "各设区市质量抽查和备案信息复核情况见表2（抽查要求为每市不低于{{ 抽查要求 }}家）。")
    _caption(doc, "表2　各设区市质量抽查和备案信息复核情况（单位：家）")
    official.add_table(
        doc, ["设区市", "抽查企业", "达到要求", "其中未达标", "异常企业", "删除", "标记跟踪", "更新名称", "宽限期"],
        [["{%tr for c in 各市 %}"] + [""] * 8,
         ["{{ c.设区市 }}", "{{ c.抽查 }}", "{{ c.抽查达标 }}", "{{ c.未达标 }}", "{{ c.异常 }}", "{{ c.删除 }}",
          "{{ c.标记跟踪 }}", "{{ c.更新名称 }}", "{{ c.宽限期 }}"],
         ["{%tr endfor %}"] + [""] * 8,
         ["全省", "{{ 全省.抽查 }}", "{{ 全省.抽查达标 }}", "{{ 全省.未达标 }}", "{{ 全省.异常 }}", "{{ 全省.删除 }}",
          "{{ 全省.标记跟踪 }}", "{{ 全省.更新名称 }}", "{{ 全省.宽限期 }}"]],
        widths=[17, 17, 17, 20, 17, 11, 17, 17, 14], font_size=10.5)

    official.add_heading1(doc, "三、存在的问题")
    _control(doc, "{%p for q in 存在问题 %}")
    official.add_heading2(doc, "{{ q.编号 }}{{ q.标题 }}")
    official.add_body(doc, "{{ q.内容 }}")
    _control(doc, "{%p endfor %}")
    _control(doc, "{%p if not 存在问题 %}")
    official.add_body(doc, "经汇总检查，未发现需要报告的问题。")
    _control(doc, "{%p endif %}")

    official.add_heading1(doc, "四、下一步工作")
    _control(doc, "{%p for q in 下一步工作 %}")
    official.add_heading2(doc, "{{ q.编号 }}{{ q.标题 }}")
    official.add_body(doc, "{{ q.内容 }}")
    _control(doc, "{%p endfor %}")

    _signature(doc)
    return _finish(doc, "贯标工作情况报告")


# --- the feedback letter (数据问题反馈函) -------------------------------------------------------

def _page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    paragraph = doc.add_paragraph()
    official.compact(paragraph)
    paragraph.add_run().add_break(WD_BREAK.PAGE)


def _problem_table(doc) -> None:
    """The problems of one file; the long texts (问题及修改要求, 原值) flush left, as a reader scans them."""
    table = official.add_table(
        doc, ["序号", "类别", "位置", "问题及修改要求", "原值"],
        [["{%tr for q in f.问题 %}"] + [""] * 4,
         ["{{ q.序号 }}", "{{ q.类别 }}", "{{ q.位置 }}", "{{ q.问题 }}", "{{ q.原值 }}"],
         ["{%tr endfor %}"] + [""] * 4],
        widths=[8, 9, 30, 60, 25], font_size=10.5)
    for c in (3, 4):
        table.rows[2].cells[c].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT


def feedback():
    """数据问题反馈函: to a city office; counts and resubmission date in the body, the problems per file in an 附件."""
    doc = official.new_official_document()
    _letterhead(doc)
    doc.add_paragraph()
    official.add_title(doc, "{{ 标题 }}")
    doc.add_paragraph()
    _addressee(doc)
    official.add_body(doc, _INTRO + "{{ 省局 }}对各设区市报送的{{ 年度 }}年度贯标工作材料进行了汇总检查。你局共报送"
                      "材料{{ 文件数 }}份，经检查发现数据问题{{ 问题数 }}处，其中错误{{ 错误数 }}处、警告{{ 警告数 }}处。")
    _control(doc, "{%p if 明细 %}")
    official.add_body(doc, "{{ 问题文件数 }}份文件中的{{ 文件问题数 }}处问题逐条列于附件（按文件排列，错误在前），写明了所在"
                      "位置、问题及修改要求和原填写内容。错误须逐条修改；警告请逐条核实，确属无误的请在重新报送时说明情况。")
    _control(doc, "{%p endif %}")
    _control(doc, "{%p if 市级问题 %}")
    official.add_body(doc, "此外，汇总核对还发现以下情况：")
    _control(doc, "{%p for x in 市级问题 %}")
    official.add_body(doc, "{{ x.序号 }}.{{ x.内容 }}")
    _control(doc, "{%p endfor %}")
    _control(doc, "{%p endif %}")
    official.add_body(doc, "请你局组织核实更正，于{{ 重报期限 }}前将更正后的全部材料重新报送{{ 省局 }}{{ 联系处室 }}。")
    official.add_body(doc, "特此函告。")
    _control(doc, "{%p if 明细 %}")
    doc.add_paragraph()
    official.add_body(doc, "附件：{{ 附件名称 }}")
    _control(doc, "{%p endif %}")
    _signature(doc)
    _contact_note(doc)
    _control(doc, "{%p if 明细 %}")
    _page_break(doc)
    official.add_attachment_label(doc, "附件")
    doc.add_paragraph()
    official.add_title(doc, "{{ 附件名称 }}")
    doc.add_paragraph()
    _control(doc, "{%p for f in 明细 %}")
    official.add_heading2(doc, "（{{ f.编号 }}）{{ f.文件 }}")
    official.add_body(doc, "错误{{ f.错误数 }}处、警告{{ f.警告数 }}处。")
    _problem_table(doc)
    _control(doc, "{%p endfor %}")
    _control(doc, "{%p endif %}")
    _copy_to(doc)
    return _finish(doc, "数据问题反馈函")


BUILDERS = {
    "report": report,
    "reminder": reminder,
    "interview": interview,
    "written-reminder": written_reminder,
    "rectification": rectification,
    "urge": urge,
    "feedback": feedback,
}


def build(kind: str) -> bytes:
    """Return the bytes of the template ``kind`` (reproducible: fixed zip times and properties)."""
    doc = BUILDERS[kind]()
    buffer = io.BytesIO()
    doc.save(buffer)
    return repack(buffer.getvalue())


def write_templates(out_dir: str | Path) -> list[Path]:
    """Return the paths of the six templates written into ``out_dir``."""
    from formkit.fsutil import write_bytes

    out_dir = Path(out_dir)
    return [write_bytes(out_dir / name, build(kind)) for kind, name in TEMPLATE_FILES.items()]


def main() -> int:
    """Return 0 after regenerating the report and letter templates in ``templates/docx``."""
    from formkit.resources import templates_dir

    for path in write_templates(templates_dir() / "docx"):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
