"""Build the report and letter templates in ``templates/docx/`` (GB/T 9704-2012 layout, Jinja tags).

Run ``python -m formkit.outputs.make_templates`` after changing the wording here; the files are
written with fixed zip times and document properties, so the same code gives the same bytes.
tests/test_letters.py checks that the committed templates match what this module builds.
The letters are built here from the blocks of :mod:`formkit.outputs.template_parts`; the report
template is :mod:`formkit.outputs.report_template`.

The templates are ordinary Word files a user can open and edit in Word or WPS: the tags are
docxtpl's (``{{ 企业名称 }}``, ``{%p if 抄送 %}``, ``{%tr for q in 明细 %}``) and every variable
is listed, with an example, in docs/templates.md. Nothing in them names a province or a year:
those come from the campaign file through the variables.

Letters follow the 信函 layout of GB/T 9704-2012 (§10.1) where it matters to a reader: the
issuing office in red at the top over a red double rule, the document number under it on the
right, the title in 2号小标宋, the addressee flush left, body text indented two characters
(an enterprise's codes on lines of their own at its head, see :func:`_identifiers`),
the signature and the date (Arabic numerals) on the right, a note in brackets with the contact,
and the 抄送 line between two rules. Page numbers are ``— 1 —``, odd pages right, even left.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

from formkit.outputs import official
from formkit.outputs.ooxml import repack
from formkit.outputs.report_template import report
from formkit.outputs.template_parts import contact_note, control, copy_to, finish, opening, signature

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

_INTRO = "根据{{ 通知发文机关 }}{{ 通知 }}（以下简称《通知》）要求，"
# Urging the enterprises to rectify: within their deadlines, unless some have passed by 成文日期.
_RECTIFY = ("{% if 逾期整改企业数 == 企业数 %}抓紧完成整改（上述企业的整改期限均已届满）"
            "{% elif 逾期整改企业数 %}抓紧完成整改（其中{{ 逾期整改企业数 }}家企业的整改期限已届满）"
            "{% else %}在整改期限内完成整改{% endif %}")
_RULE_BODIES = ("按照《通知》“发现贯标未达相关标准的，要求企业限期整改，并对作出相关认证的第三方机构进行约谈或"
                "书面提醒”的规定，")


# --- the letters ---------------------------------------------------------------------------------

def _letter(title_hint: str, body: list[str | Callable]) -> object:
    """A letter: the opening, ``body`` (a text is a body paragraph, a function adds to the document),
    the signature, the contact note and the 抄送 line."""
    doc = official.new_official_document()
    opening(doc)
    for part in body:
        if callable(part):
            part(doc)
        else:
            official.add_body(doc, part)
    signature(doc)
    contact_note(doc)
    copy_to(doc)
    return finish(doc, title_hint)


def _identifiers(*names: str) -> Callable:
    """Lines ``名称：{{ 名称 }}`` at the head of the body, one paragraph each, for an enterprise's codes.

    A code is one unbreakable Latin word: set inline in a justified paragraph, it moves to the
    next line whenever it does not fit, and the line before is stretched with wide gaps (in
    Word, WPS and LibreOffice alike), at a place that moves with every name and office. On a
    line of its own after a fixed label it starts at the same place in every letter, fits the
    28-character line (2 + 9 characters and the code: 14 characters wide for the widest of
    :data:`USCC_SAMPLES` in DejaVu Serif, LibreOffice's Times New Roman here, and under 16 for
    any valid code, whose region code is digits) and is its paragraph's last line, which
    justification never stretches.
    """
    def add(doc) -> None:
        for name in names:
            official.add_body(doc, f"{name}：{{{{ {name} }}}}")
    return add


def reminder():
    """提醒函: to an enterprise filed over five years, willing to certify; states the grace deadline."""
    return _letter("提醒函", [
        _identifiers("统一社会信用代码"),
        _INTRO + "{{ 市局 }}对本地区贯标备案企业信息进行了全面复核。经核实，你单位于{{ 备案时间 }}完成贯标备案，"
        "至{{ 复核截止日期 }}已超过{{ 超期年限 }}年，仍未通过认证或绩效评价。",
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
        _identifiers("统一社会信用代码", "认证机构", "证书编号"),
        _INTRO + "{{ 市局 }}对通过贯标认证的本地企业开展了质量抽查。{{ 抽查日期 }}抽查发现，你单位贯标未达到"
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
    return _letter("约谈通知书", [
        _BODY_INTRO,
        _enterprise_table,
        _RULE_BODIES + "现决定对你机构进行约谈。请你机构主要负责人于{{ 回复期限 }}前，携上述企业认证过程的"
        "自查报告和整改措施，到{{ 省局 }}{{ 联系处室 }}接受约谈，具体时间另行商定。",
        "请你机构切实落实认证机构主体责任，严格按照标准和认证规则开展认证，督促上述企业" + _RECTIFY + "。"
        "发现认证机构存在违法违规行为的，将按《通知》规定交由市场监管综合执法机构依法处理。",
        "特此通知。",
    ])


def written_reminder():
    """书面提醒函: to a certification body, listing its enterprises that failed with 书面提醒."""
    return _letter("书面提醒函", [
        _BODY_INTRO,
        _enterprise_table,
        _RULE_BODIES + "现对你机构予以书面提醒。请你机构对上述企业的认证过程逐一自查，督促企业" + _RECTIFY
        + "，并于{{ 回复期限 }}前将自查和整改情况书面报送{{ 省局 }}{{ 联系处室 }}。",
        "请你机构切实落实认证机构主体责任，严格按照标准和认证规则开展认证，确保认证质量。发现认证机构存在违法"
        "违规行为的，将按《通知》规定交由市场监管综合执法机构依法处理。",
        "特此函告。",
    ])


def _urge_items(doc) -> None:
    control(doc, "{%p for x in 明细 %}")
    official.add_body(doc, "{{ x.序号 }}.{{ x.内容 }}")
    control(doc, "{%p endfor %}")


def urge():
    """催报函: to a city office, listing what is missing, late or short, with the deadlines."""
    return _letter("催报函", [
        _INTRO + "各设区市知识产权局应按时报送贯标绩效评价、质量抽查和备案信息复核情况。"
        "经汇总核对，你局有以下{{ 事项数 }}项工作尚未达到《通知》要求：",
        _urge_items,
        # Only what is missing or short is asked for; a city whose items were all received (late)
        # is told to keep the deadlines from now on, not to send them again.
        "请你局高度重视，{% if 需报送 %}对照《通知》要求抓紧补报、补足，于{{ 回复期限 }}前将有关材料"
        "报送{{ 省局 }}{{ 联系处室 }}。{% else %}今后严格按照《通知》规定的时限和要求报送有关材料。{% endif %}",
        "特此函告。",
    ])


# --- the feedback letter (数据问题反馈函) -------------------------------------------------------

def _page_break(doc) -> None:
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
    opening(doc)
    official.add_body(doc, _INTRO + "{{ 省局 }}对各设区市报送的{{ 年度 }}年度贯标工作材料进行了汇总检查。你局共报送"
                      "材料{{ 文件数 }}份，经检查发现数据问题{{ 问题数 }}处，其中错误{{ 错误数 }}处、警告{{ 警告数 }}处。")
    control(doc, "{%p if 明细 %}")
    official.add_body(doc, "{{ 问题文件数 }}份文件中的{{ 文件问题数 }}处问题逐条列于附件（按文件排列，错误在前），写明了所在"
                      "位置、问题及修改要求和原填写内容。错误须逐条修改；警告请逐条核实，确属无误的请在重新报送时说明情况。")
    control(doc, "{%p endif %}")
    control(doc, "{%p if 市级问题 %}")
    official.add_body(doc, "此外，汇总核对还发现以下情况：")
    control(doc, "{%p for x in 市级问题 %}")
    official.add_body(doc, "{{ x.序号 }}.{{ x.内容 }}")
    control(doc, "{%p endfor %}")
    control(doc, "{%p endif %}")
    official.add_body(doc, "请你局组织核实更正，于{{ 重报期限 }}前将更正后的全部材料重新报送{{ 省局 }}{{ 联系处室 }}。")
    official.add_body(doc, "特此函告。")
    control(doc, "{%p if 明细 %}")
    doc.add_paragraph()
    official.add_body(doc, "附件：{{ 附件名称 }}")
    control(doc, "{%p endif %}")
    signature(doc)
    contact_note(doc)
    control(doc, "{%p if 明细 %}")
    _page_break(doc)
    official.add_attachment_label(doc, "附件")
    doc.add_paragraph()
    official.add_title(doc, "{{ 附件名称 }}")
    doc.add_paragraph()
    control(doc, "{%p for f in 明细 %}")
    official.add_heading2(doc, "（{{ f.编号 }}）{{ f.文件 }}")
    official.add_body(doc, "错误{{ f.错误数 }}处、警告{{ f.警告数 }}处。")
    _problem_table(doc)
    control(doc, "{%p endfor %}")
    control(doc, "{%p endif %}")
    copy_to(doc)
    return finish(doc, "数据问题反馈函")


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
