"""`formkit letters`: recipients from the bundled samples, the GB/T 9704 layout of every letter
(opened with python-docx), the wording a recipient gets, safety, combined documents and PDF."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Emu, Pt

from formkit.cli import main
from formkit.errors import FormkitError
from formkit.outputs import letters as letters_mod
from formkit.outputs import make_templates, official, template_parts
from formkit.outputs.letters import KINDS, build_letters, common_context, load_merged
from formkit.resources import templates_dir
from tests.builders import assert_chinese_fonts, require_soffice

AS_OF = dt.date(2024, 1, 15)
DATE = "2023年12月20日"
ROOT = Path(__file__).resolve().parent.parent
HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING2 = re.compile(r"^（[一二三四五六七八九十]+）")


# --- fixtures --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def merged(merged_dir, campaign):
    return load_merged(merged_dir, campaign)


@pytest.fixture(scope="module")
def written(merged_dir, tmp_path_factory):
    """Every kind written by the command, with --combined: {kind: (output dir, command output)}."""
    out = tmp_path_factory.mktemp("letters")
    result = {}
    for kind in KINDS:
        run = CliRunner().invoke(main, ["letters", kind, str(merged_dir), "-o", str(out / kind), "--combined"])
        assert run.exit_code == 0, run.output
        result[kind] = (out / kind, run.output)
    return result


def _docx(folder: Path, pattern: str) -> Path:
    [path] = [p for p in folder.glob("*.docx") if re.search(pattern, p.name)]
    return path


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


# --- layout helpers (shared with test_report.py) ---------------------------------------------------

def _rpr_chain(doc, paragraph, run):
    """Yield the w:rPr elements that decide a run's formatting: run, paragraph style chain, defaults."""
    if run is not None and run._r.rPr is not None:
        yield run._r.rPr
    style = paragraph.style
    while style is not None:
        rpr = style.element.find(qn("w:rPr"))
        if rpr is not None:
            yield rpr
        style = style.base_style
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    yield rpr


def east_asian(doc, paragraph, run) -> str | None:
    """Return the East-Asian font Word uses for ``run`` (w:eastAsia, read from the XML)."""
    for rpr in _rpr_chain(doc, paragraph, run):
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
    return None


def size_pt(doc, paragraph, run) -> float | None:
    for rpr in _rpr_chain(doc, paragraph, run):
        sz = rpr.find(qn("w:sz"))
        if sz is not None:
            return int(sz.get(qn("w:val"))) / 2
    return None


def text_runs(paragraph):
    return [r for r in paragraph.runs if r.text.strip()]


def assert_fonts(doc, paragraph, font: str, size: float) -> None:
    runs = text_runs(paragraph)
    assert runs, paragraph.text
    for run in runs:
        assert east_asian(doc, paragraph, run) == font, (paragraph.text, run.text)
        assert size_pt(doc, paragraph, run) == size, (paragraph.text, run.text)


def first_line_indented(paragraph) -> bool:
    ind = paragraph._p.pPr.find(qn("w:ind")) if paragraph._p.pPr is not None else None
    return (ind is not None and ind.get(qn("w:firstLineChars")) == "200"
            and paragraph.paragraph_format.first_line_indent == Pt(32))


def assert_official_layout(path: Path) -> object:
    """Assert the GB/T 9704-2012 page, grid, styles and page-number footers; return the Document."""
    doc = Document(str(path))
    for section in doc.sections:
        assert abs(section.page_width.mm - 210) < 0.5 and abs(section.page_height.mm - 297) < 0.5
        for side, mm in official.PORTRAIT_MARGINS_MM.items():
            assert abs(getattr(section, f"{side}_margin").mm - mm) < 0.5, (side, path.name)
        # Exact line spacing: 22 lines fit the 225 mm text block, 23 do not.
        text_height_pt = Emu(section.page_height - section.top_margin - section.bottom_margin).pt
        normal = doc.styles["Normal"].paragraph_format
        assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        pitch = normal.line_spacing.pt
        assert math.floor(text_height_pt / pitch + 1e-6) == 22
        grid = official.doc_grid(section)
        assert grid["type"] == "linesAndChars" and int(grid["linePitch"]) == round(pitch * 20)
        text_width_pt = Emu(section.page_width - section.left_margin - section.right_margin).pt
        assert math.floor(text_width_pt / (16 + int(grid["charSpace"]) / 4096)) == 28
        # Page numbers: — N — in 4号宋体, odd pages right, even pages left.
        odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
        assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
        for paragraph, number in ((odd, "1"), (even, "2")):
            assert paragraph.text == f"— {number} —"
            assert official.field_instructions(paragraph) == ["PAGE"]
            for run in text_runs(paragraph):
                assert east_asian(doc, paragraph, run) == "宋体" and run.font.size == Pt(14)
    assert doc.settings.odd_and_even_pages_header_footer is True
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = defaults.find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "exact" and spacing.get(qn("w:line")) == str(official.LINE_PITCH_TWIPS)
    assert east_asian(doc, doc.paragraphs[0], None) == "仿宋_GB2312"  # the body font everywhere
    return doc


def body_paragraphs(doc):
    """Return the paragraphs of running text (indented two characters, not headings)."""
    return [p for p in doc.paragraphs if p.text.strip() and first_line_indented(p)
            and not HEADING1.match(p.text) and not HEADING2.match(p.text)]


def assert_signature_and_date(doc, signatory: str = "江苏省知识产权局办公室") -> None:
    texts = [p.text for p in doc.paragraphs]
    k = texts.index(DATE)
    date = doc.paragraphs[k]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", date.text)  # Arabic numerals, no leading zeros
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert texts[k - 1] == signatory and doc.paragraphs[k - 1].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert_fonts(doc, date, "仿宋_GB2312", 16)


def assert_letter_layout(path: Path, title: str) -> object:
    doc = assert_official_layout(path)
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    assert paragraphs[0].text == "江苏省知识产权局办公室"  # 发文机关标志
    assert paragraphs[0].runs[0].font.color.rgb == template_parts.RED
    assert re.fullmatch(r"苏知办函〔2023〕\d+号", paragraphs[1].text)
    [heading] = [p for p in doc.paragraphs if p.text == title]
    assert heading.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert_fonts(doc, heading, "方正小标宋简体", 22)
    body = body_paragraphs(doc)
    assert len(body) >= 3
    for paragraph in body:
        assert_fonts(doc, paragraph, "仿宋_GB2312", 16)
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert_signature_and_date(doc)
    return doc


# --- recipients --------------------------------------------------------------------------------------

def test_recipients_come_from_valid_records_only(merged, campaign):
    reminders = [letter.recipient for letter in build_letters("reminder", merged, campaign)]
    assert len(reminders) == 11  # 14 超5年 filings: 3 gave up (one of them invalid: filing-age)
    assert reminders[:2] == ["南京卓越示例生物医药有限公司", "南京天成示例新材料有限公司"]
    assert "常州卓越示例汽车零部件有限公司" not in reminders  # 放弃贯标 → 删除, no reminder
    assert "淮安宏达示例智能装备有限公司" not in reminders
    rectification = [letter.recipient for letter in build_letters("rectification", merged, campaign)]
    assert len(rectification) == 40 == merged.summary["totals"]["spotcheck"]["failed"]
    assert "徐州天衡示例精密制造有限公司" not in rectification  # 未达标 without 主要问题: invalid
    interview = {l.recipient: l.context for l in build_letters("interview", merged, campaign)}
    assert list(interview) == ["华夏认证中心有限公司", "中联认证中心（北京）有限公司", "中知（北京）认证有限公司",
                               "中规（北京）认证有限公司", "中国质量认证中心"]
    cqc = [row["企业名称"] for row in interview["中国质量认证中心"]["明细"]]
    assert cqc == ["南通宏达示例精密制造有限公司", "连云港思创示例精密制造有限公司"]
    written = build_letters("written-reminder", merged, campaign)
    assert sum(l.context["企业数"] for l in written) == 20
    assert [l.recipient for l in build_letters("urge", merged, campaign)] == ["泰州市知识产权局", "宿迁市知识产权局"]


def test_document_numbers_run_from_the_campaign_start(merged, campaign):
    letters = build_letters("reminder", merged, campaign)
    assert [l.context["发文字号"] for l in letters[:3]] == ["苏知办函〔2023〕101号", "苏知办函〔2023〕102号",
                                                          "苏知办函〔2023〕103号"]
    again = build_letters("reminder", merged, campaign, start=7)
    assert again[-1].context["发文字号"] == "苏知办函〔2023〕17号"


def test_output_names_and_summary_line(written):
    folder, output = written["urge"]
    assert sorted(p.name for p in folder.glob("*.docx")) == [
        "001-泰州市知识产权局-催报函.docx", "002-宿迁市知识产权局-催报函.docx", "全部-催报函.docx"]
    assert f"已生成：{folder / '002-宿迁市知识产权局-催报函.docx'}" in output
    assert "共生成催报函2份" in output and "苏知办函〔2023〕101号—苏知办函〔2023〕102号" in output
    folder, _ = written["rectification"]
    names = sorted(p.name for p in folder.glob("0*.docx"))
    assert len(names) == 40 and names[0] == "001-南京文澜示例生物医药有限公司-限期整改通知书.docx"
    assert names[-1].startswith("040-")


# --- layout of every kind ---------------------------------------------------------------------------

TITLES = {
    "reminder": "关于贯标备案超过5年未认证或评价的提醒函",
    "interview": "关于贯标认证质量问题的约谈通知书",
    "written-reminder": "关于贯标认证质量问题的书面提醒函",
    "rectification": "关于贯标质量抽查未达标限期整改的通知书",
    "urge": "关于报送2023年度贯标工作材料的催报函",
    "feedback": "关于2023年度贯标工作报送材料数据问题的反馈函",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_letter_has_the_official_layout(written, kind):
    folder, _ = written[kind]
    doc = assert_letter_layout(_docx(folder, r"^001-"), TITLES[kind])
    text = _text(doc)
    assert "《关于做好2023年度企业知识产权管理标准化工作的通知》" in text
    assert "（联系人：产业促进处 郑鹏，电话：025-83236380）" in text


# --- what each recipient reads ----------------------------------------------------------------------

def test_urge_letter_to_suqian(written):
    folder, _ = written["urge"]
    doc = assert_letter_layout(folder / "002-宿迁市知识产权局-催报函.docx", TITLES["urge"])
    texts = [p.text for p in doc.paragraphs]
    assert "宿迁市知识产权局：" in texts
    assert "苏知办函〔2023〕102号" in texts
    text = _text(doc)
    assert "1.附件4《企业贯标备案信息异常情况汇总表》应于2023年7月31日前报送，至今未收到。" in text
    assert "有效抽查企业27家" in text and "不低于30家" in text and "差3家" in text
    assert "报送截止日期2023年11月30日" in text
    assert "于2024年1月4日前将有关材料报送江苏省知识产权局产业促进处" in text
    assert "抄送" not in text  # no 抄送 for a city office: the block is left out


def test_urge_letter_to_taizhou_names_the_late_batch(written):
    folder, _ = written["urge"]
    text = _text(Document(str(folder / "001-泰州市知识产权局-催报函.docx")))
    assert "附件2《2023年度贯标绩效评价合格企业汇总表》（第二批）应于2023年12月10日前报送，填报日期为2023年12月15日" in text


def test_reminder_states_the_grace_deadline(written):
    folder, _ = written["reminder"]
    doc = Document(str(folder / "001-南京卓越示例生物医药有限公司-提醒函.docx"))
    texts = [p.text for p in doc.paragraphs]
    assert "南京卓越示例生物医药有限公司：" in texts
    text = _text(doc)
    assert "统一社会信用代码：91320114MA9DUP6T25" in text
    assert "于2016年4月3日完成贯标备案，至2023年7月31日已超过5年" in text
    assert "现给予1年宽限期，宽限期至2024年7月31日。" in text
    assert "南京市知识产权局对本地区贯标备案企业信息进行了全面复核" in text
    assert "抄送：南京市知识产权局。" in texts


def test_interview_lists_the_bodys_enterprises_across_cities(written):
    folder, _ = written["interview"]
    doc = Document(str(folder / "001-华夏认证中心有限公司-约谈通知书.docx"))
    assert "华夏认证中心有限公司：" in [p.text for p in doc.paragraphs]
    text = _text(doc)
    assert "由你机构认证的6家企业（涉及南京市、苏州市、南通市、淮安市、泰州市）" in text
    assert "现决定对你机构进行约谈" in text and "于2024年1月4日前" in text
    [table] = doc.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["序号", "设区市", "企业名称", "统一社会信用代码", "证书编号"]
    assert official.is_header_row(table.rows[0])
    # each enterprise: its codes in one row, its problems and deadline in the row under it
    assert rows[1] == ["1", "南京市", "南京文澜示例生物医药有限公司", "91320113MA83PXAP9C", "022IP209668R0M"]
    assert rows[2] == ["1"] + ["主要问题：未开展管理评审，知识产权目标未分解到部门。整改期限：2023年12月20日。"] * 4
    assert [r[2] for r in rows[1::2]] == ["南京文澜示例生物医药有限公司", "南京安澜示例精密制造有限公司",
                                          "苏州立信示例纺织有限公司", "南通安澜示例智能装备有限公司",
                                          "淮安博远示例机械有限公司", "泰州安澜示例科技有限公司"]
    assert "苏州翔宇示例精密制造有限公司" not in text  # 移交执法, not 约谈


def test_written_reminder_is_about_written_reminders(written):
    folder, _ = written["written-reminder"]
    doc = Document(str(_docx(folder, r"^001-")))
    text = _text(doc)
    assert "现对你机构予以书面提醒" in text and "对你机构进行约谈" not in text


def test_rectification_states_problem_and_deadline(written):
    folder, _ = written["rectification"]
    doc = Document(str(_docx(folder, "徐州汇智示例精密制造有限公司")))
    text = _text(doc)
    assert "徐州汇智示例精密制造有限公司：" in text
    assert "主要问题是：知识产权管理手册未按标准要求更新，内审记录不完整。" in text
    assert "于2024年1月9日前完成整改" in text
    assert "证书编号：165IP205780R0L" in text and "认证机构：中知（北京）认证有限公司" in text
    assert "抄送：徐州市知识产权局。" in text


# --- codes never wrap -------------------------------------------------------------------------------

def _column_widths_mm(table) -> list[float]:
    return [int(col.get(qn("w:w"))) / 56.693 for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]


@pytest.mark.parametrize("kind", ["interview", "written-reminder"])
def test_code_columns_hold_every_code_on_one_line(written, kind):
    """Each code's width at the table's type size (in the wider of Times New Roman and DejaVu Serif) fits its column."""
    from PIL import ImageFont

    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    folder, _ = written[kind]
    codes = 0
    for path in sorted(folder.glob("0*.docx")):
        doc = Document(str(path))
        [table] = doc.tables
        widths = _column_widths_mm(table)
        assert abs(sum(widths) - official.TEXT_BLOCK_MM[0]) < 0.5  # the table spans the text block
        for row in table.rows[1::2]:
            for column in (3, 4):  # 统一社会信用代码, 证书编号
                cell = row.cells[column]
                [run] = cell.paragraphs[0].runs
                size = run.font.size.pt
                assert size <= 10.5  # 五号 or smaller, as the standard's tables
                text = cell.text
                room = widths[column] - 2 * official.CELL_MARGIN_MM
                assert official.text_width_mm(text, size) <= room, (path.name, text)
                if dejavu.exists():  # the face LibreOffice sets Times New Roman in here
                    measured = ImageFont.truetype(str(dejavu), 1000).getlength(text) / 1000 * size * 25.4 / 72
                    assert measured <= room, (path.name, text, measured, room)
                codes += 1
    assert codes >= 2 * 5


def test_signature_and_date_stay_together_with_body_text(written):
    folder, _ = written["urge"]
    doc = Document(str(folder / "001-泰州市知识产权局-催报函.docx"))
    texts = [p.text for p in doc.paragraphs]
    at = texts.index("江苏省知识产权局办公室", 3)  # the signatory (the letterhead is the first)
    assert texts[at + 1] == DATE
    last_body = max(k for k in range(at) if texts[k].strip())
    assert texts[last_body] == "特此函告。"
    assert all(doc.paragraphs[k].paragraph_format.keep_with_next for k in range(last_body, at + 1))


def test_codes_stay_on_one_line_in_the_pdf(merged_dir, tmp_path):
    require_soffice()
    import pdfplumber

    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["letters", "written-reminder", str(merged_dir), "-o", str(out), "--pdf"])
    assert run.exit_code == 0, run.output
    checked = 0
    for pdf_path in sorted(out.glob("0*.pdf")):
        doc = Document(str(pdf_path.with_suffix(".docx")))
        codes = [c.text for row in doc.tables[0].rows[1::2] for c in row.cells[3:5]]
        with pdfplumber.open(pdf_path) as pdf:
            lines = [line.replace(" ", "") for page in pdf.pages for line in (page.extract_text() or "").splitlines()]
        for code in codes:
            assert any(code in line for line in lines), (pdf_path.name, code)
            checked += 1
    assert checked >= 2 * 5


# --- no letter asks for a date before its own 成文日期 ------------------------------------------------

_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _asked_dates(text: str) -> list[tuple[dt.date, str]]:
    """Return the dates a letter asks something to be done by (请…于X前, 宽限期至X), with the sentence."""
    asked = []
    for sentence in re.split(r"[。；\n]", text):
        for m in _CN_DATE.finditer(sentence):
            try:
                day = dt.date(*map(int, m.groups()))
            except ValueError:  # an impossible date quoted from a city's form (a finding), not one asked for
                continue
            before = sentence[max(0, m.start() - 6):m.start()]
            if ("请" in sentence[:m.start()] and sentence[m.end():m.end() + 1] == "前") or before.endswith("宽限期至"):
                asked.append((day, sentence))
    return asked


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_letter_asks_for_a_date_before_its_date(written, kind):
    folder, _ = written[kind]
    letter_day = dt.date(2023, 12, 20)
    checked = 0
    for path in sorted(folder.glob("0*.docx")):
        asked = _asked_dates(_text(Document(str(path))))
        checked += len(asked)
        late = [(d, s) for d, s in asked if d <= letter_day]
        assert not late, (path.name, late)
    assert checked >= len(list(folder.glob("0*.docx"))) - (kind == "urge")  # all but 泰州's (late only) ask by a date


def test_overdue_rectification_says_so_and_the_summary_lists_it(written, merged, campaign):
    folder, output = written["rectification"]
    letters = build_letters("rectification", merged, campaign)
    overdue = [letter for letter in letters if letter.context["整改期限已过"]]
    # the demo data: 33 of 40 spot-check deadlines are not after 成文日期 2023年12月20日
    assert (len(overdue), len(letters)) == (33, 40)
    assert f"其中{len(overdue)}份限期整改通知书所依据的期限不晚于成文日期" in output
    assert "003-南京安澜示例精密制造有限公司-限期整改通知书.docx：整改期限2023年11月2日不晚于成文日期，" \
           "改为要求于2024年1月4日前报送整改情况" in output
    text = _text(Document(str(_docx(folder, "^003-"))))
    assert "抽查时确定的整改期限（2023年11月2日）已届满。请你单位于2024年1月4日前将整改情况书面报送南京市知识产权局" in text
    assert "于2023年11月2日前完成整改" not in text
    on_time = _text(Document(str(_docx(folder, "徐州汇智示例精密制造有限公司"))))
    assert "于2024年1月9日前完成整改" in on_time and "已届满" not in on_time


def test_overdue_reply_days_is_a_campaign_setting(merged, campaign):
    import dataclasses

    longer = dataclasses.replace(campaign, letters={**campaign.letters, "overdue_reply_days": 30})
    [first, *_] = [x for x in build_letters("rectification", merged, longer) if x.context["整改期限已过"]]
    assert first.context["整改情况报送期限"] == "2024年1月19日"
    bad = dataclasses.replace(campaign, letters={**campaign.letters, "overdue_reply_days": "两周"})
    with pytest.raises(FormkitError, match="letters.overdue_reply_days"):
        build_letters("rectification", merged, bad)


def test_body_letters_do_not_urge_within_deadlines_that_have_passed(written):
    folder, output = written["written-reminder"]
    text = _text(Document(str(_docx(folder, "^001-"))))
    assert "督促企业抓紧完成整改（上述企业的整改期限均已届满）" in text and "在整改期限内" not in text
    assert "5家企业的整改期限不晚于成文日期" in output


def test_urge_for_a_late_submission_does_not_ask_to_send_it_again(written):
    folder, _ = written["urge"]
    late_only = _text(Document(str(folder / "001-泰州市知识产权局-催报函.docx")))
    assert "已收到，属逾期报送" in late_only
    assert "补报" not in late_only and "今后严格按照《通知》规定的时限和要求报送有关材料" in late_only
    missing = _text(Document(str(folder / "002-宿迁市知识产权局-催报函.docx")))
    assert "抓紧补报、补足，于2024年1月4日前" in missing


def test_reminder_grace_deadline_before_the_letter_runs_from_the_letter(merged, campaign):
    from formkit.outputs.letters import reminders_from_registry

    base = common_context(campaign)
    due = [{"rule": "5-year", "name": "甲公司", "uscc": "91320114MA9DUP6T25", "city": "南京市",
            "filing_date": "2016-04-03", "grace_deadline": "2023-10-31"},
           {"rule": "5-year", "name": "乙公司", "uscc": "91320114MA9DUP6T25", "city": "南京市",
            "filing_date": "2016-04-03", "grace_deadline": "2024-07-31"}]
    first, second = reminders_from_registry(due, campaign, base)
    assert first.context["宽限期至"] == "2024年12月20日" and "2023年10月31日不晚于成文日期" in first.note
    assert second.context["宽限期至"] == "2024年7月31日" and second.note == ""


# --- combined documents ------------------------------------------------------------------------------

def test_combined_is_one_section_per_letter_numbered_from_one(written):
    folder, _ = written["reminder"]
    doc = assert_official_layout(folder / "全部-提醒函.docx")
    assert len(doc.sections) == 11
    for section in doc.sections:
        assert section.start_type == WD_SECTION.NEW_PAGE
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    numbers = [p.text for p in doc.paragraphs if re.fullmatch(r"苏知办函〔2023〕\d+号", p.text)]
    assert numbers == [f"苏知办函〔2023〕{n}号" for n in range(101, 112)]
    addressees = [p.text for p in doc.paragraphs if p.text.endswith("有限公司：")]
    assert addressees[0] == "南京卓越示例生物医药有限公司：" and len(addressees) == 11


def test_template_is_compiled_once_per_run(merged, campaign, tmp_path, monkeypatch):
    from formkit.outputs.docx import DocxTemplate

    calls = []
    original = DocxTemplate.load.__func__

    def counting(cls, path):
        calls.append(path)
        return original(cls, path)

    monkeypatch.setattr(DocxTemplate, "load", classmethod(counting))
    result = letters_mod.write_letters("rectification", merged, tmp_path, campaign, combined=True)
    assert len(result.paths) == 40 and result.combined is not None
    assert len(calls) == 1


# --- safety ------------------------------------------------------------------------------------------

def _tampered(merged_dir: Path, tmp_path: Path, name: str) -> Path:
    """Return a copy of the merge output whose first failed spot check is enterprise ``name``."""
    copy = tmp_path / "merged"
    shutil.copytree(merged_dir, copy)
    data = json.loads((copy / "records.json").read_text(encoding="utf-8"))
    for record in data["forms"]["spotcheck"]:
        if record["valid"] and record["values"]["conclusion"] == "未达标":
            record["values"]["name"] = name
            break
    (copy / "records.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return copy


def test_markup_in_a_name_comes_out_intact(merged_dir, tmp_path):
    source = _tampered(merged_dir, tmp_path, "A&B<科技>")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["letters", "rectification", str(source), "-o", str(out), "--combined"])
    assert run.exit_code == 0, run.output
    path = out / "001-A&B_科技_-限期整改通知书.docx"  # < > are not allowed in Windows file names
    doc = Document(str(path))
    assert "A&B<科技>：" in [p.text for p in doc.paragraphs]
    combined = Document(str(out / "全部-限期整改通知书.docx"))
    assert "A&B<科技>：" in [p.text for p in combined.paragraphs]
    with zipfile.ZipFile(path) as archive:
        assert "A&amp;B&lt;科技&gt;" in archive.read("word/document.xml").decode("utf-8")


def test_path_separators_in_a_name_stay_inside_the_output(merged_dir, tmp_path):
    source = _tampered(merged_dir, tmp_path, "../../逃逸\\企业:有限公司")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["letters", "rectification", str(source), "-o", str(out)])
    assert run.exit_code == 0, run.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(files) == 40 and all("/" not in f for f in files)
    assert files[0].startswith("001-") and "逃逸" in files[0] and ":" not in files[0] and "\\" not in files[0]
    assert not list(tmp_path.glob("*.docx")) and not (tmp_path.parent / "逃逸").exists()


def _user_template(path: Path, line: str) -> Path:
    doc = official.new_official_document()
    official.add_title(doc, "{{ 标题 }}")
    official.add_body(doc, line)
    doc.save(str(path))
    return path


def test_undefined_variable_in_a_user_template_is_an_error_naming_it(merged_dir, tmp_path):
    template = _user_template(tmp_path / "我的提醒函.docx", "{{ 企业名称 }}于{{ 不存在的变量 }}备案。")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["letters", "reminder", str(merged_dir), "-o", str(out), "--template",
                                    str(template)])
    assert run.exit_code == 2
    assert "我的提醒函.docx" in run.output and "不存在的变量" in run.output
    assert not out.exists() or not list(out.iterdir())  # nothing half-written


def test_a_variable_a_user_template_only_tests_may_be_missing(merged_dir, tmp_path):
    template = _user_template(tmp_path / "提醒.docx", "{{ 企业名称 }}{% if 附言 %}：{{ 附言 }}{% endif %}。")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["letters", "reminder", str(merged_dir), "-o", str(out), "--template",
                                    str(template)])
    assert run.exit_code == 0, run.output
    first = sorted(out.glob("0*.docx"))[0]
    assert "南京卓越示例生物医药有限公司。" in [p.text for p in Document(str(first)).paragraphs]


def test_undefined_attribute_in_a_loop_is_an_error_naming_it(merged_dir, tmp_path):
    template = _user_template(tmp_path / "约谈.docx", "{% for q in 明细 %}{{ q.没有这一列 }}{% endfor %}")
    run = CliRunner().invoke(main, ["letters", "interview", str(merged_dir), "-o", str(tmp_path / "out"),
                                    "--template", str(template), "--combined"])
    assert run.exit_code == 2
    assert "约谈.docx" in run.output and "没有这一列" in run.output


def test_a_user_template_renders_the_data(merged_dir, tmp_path):
    template = _user_template(tmp_path / "简单.docx", "{{ 主送 }}：宽限期至{{ 宽限期至 }}。")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["letters", "reminder", str(merged_dir), "-o", str(out), "--template",
                                    str(template)])
    assert run.exit_code == 0, run.output
    doc = Document(str(out / "001-南京卓越示例生物医药有限公司-提醒函.docx"))
    assert "南京卓越示例生物医药有限公司：宽限期至2024年7月31日。" in [p.text for p in doc.paragraphs]


def test_not_a_merge_output_is_status_2(tmp_path):
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    run = CliRunner().invoke(main, ["letters", "urge", str(tmp_path), "-o", str(tmp_path / "out")])
    assert run.exit_code == 2 and "不是 formkit merge 的输出文件夹" in run.output and "records.json" in run.output
    run = CliRunner().invoke(main, ["letters", "urge", str(tmp_path / "没有"), "-o", str(tmp_path / "out")])
    assert run.exit_code == 2 and "formkit merge" in run.output
    run = CliRunner().invoke(main, ["letters", "nonsense", str(tmp_path), "-o", str(tmp_path / "out")])
    assert run.exit_code == 2 and "无效" in run.output


def test_no_recipient_writes_nothing_and_says_so(merged_dir, tmp_path):
    copy = tmp_path / "merged"
    shutil.copytree(merged_dir, copy)
    findings = [f for f in json.loads((copy / "findings.json").read_text(encoding="utf-8"))
                if f["code"] not in ("missing-submission", "late", "spotcheck-quota")]
    (copy / "findings.json").write_text(json.dumps(findings, ensure_ascii=False), encoding="utf-8")
    run = CliRunner().invoke(main, ["letters", "urge", str(copy), "-o", str(tmp_path / "out")])
    assert run.exit_code == 0 and "没有需要发催报函的对象" in run.output
    assert not (tmp_path / "out").exists()


def test_letter_date_falls_back_to_today(campaign):
    import dataclasses

    undated = dataclasses.replace(campaign, letters={**campaign.letters, "date": ""})
    assert common_context(undated, today=dt.date(2024, 3, 5))["成文日期"] == "2024年3月5日"
    assert common_context(campaign)["成文日期"] == DATE


# --- templates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(make_templates.TEMPLATE_FILES))
def test_committed_templates_match_the_generator(kind):
    committed = templates_dir() / "docx" / make_templates.TEMPLATE_FILES[kind]
    fresh = make_templates.build(kind)
    with zipfile.ZipFile(committed) as a, zipfile.ZipFile(__import__("io").BytesIO(fresh)) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), f"{committed.name} 的 {name} 已过期：运行 python -m formkit.outputs.make_templates"


def test_templates_are_reproducible():
    assert make_templates.build("reminder") == make_templates.build("reminder")


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_variable_is_documented(merged, campaign, kind):
    docs = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    [letter, *_] = build_letters(kind, merged, campaign)
    section = docs.split(f"## {make_templates.TEMPLATE_FILES[kind]}")[1] if kind not in ("written-reminder",) else \
        docs.split("## interview.docx")[1]
    common = docs.split("## 各函件共有的变量")[1].split("\n## ")[0]
    for key, value in letter.context.items():
        assert f"`{key}`" in section.split("\n## ")[0] or f"`{key}`" in common, key
        if isinstance(value, list):
            for field in (value[0] if value else {}):
                assert f"`{key}[].{field}`" in section, field


# --- PDF ---------------------------------------------------------------------------------------------

def test_combined_batch_converts_to_pdf_in_one_call(merged_dir, tmp_path):
    require_soffice()
    import pdfplumber

    from formkit.readers import office

    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["letters", "interview", str(merged_dir), "-o", str(out), "--combined", "--pdf"])
    assert run.exit_code == 0, run.output
    assert office.last_stats["calls"] == 1 and office.last_stats["files"] == 6  # 5 letters + the combined one
    singles = sorted(out.glob("0*.pdf"))
    assert len(singles) == 5
    pages = []
    for pdf_path in singles:
        with pdfplumber.open(pdf_path) as pdf:
            pages.append(len(pdf.pages))
    recipients = [re.sub(r"^\d+-|-约谈通知书\.pdf$", "", p.name) for p in singles]
    with pdfplumber.open(out / "全部-约谈通知书.pdf") as pdf:
        assert len(pdf.pages) == sum(pages)  # each letter starts a new page; no blank pages between
        texts = [(page.extract_text() or "").replace(" ", "") for page in pdf.pages]
    starts = [sum(pages[:k]) for k in range(len(pages))]
    assert [k for k, text in enumerate(texts) if "—1—" in text] == starts  # page numbers restart at 1
    for start, recipient in zip(starts, recipients):
        assert f"{recipient}：" in texts[start], recipient
    for pdf_path in [*singles, out / "全部-约谈通知书.pdf"]:
        fonts = assert_chinese_fonts(pdf_path)  # 仿宋/小标宋 → SC serif, never NotoSansCJKjp
        serif = next(sample for name, sample in fonts.items() if "Serif" in name)
        assert "江苏省知识产权局" in serif, fonts  # the 版头/title and body are the serif face


def test_older_letters_in_the_folder_are_pointed_out(merged_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "003-旧单位-催报函.docx").write_bytes(b"old")
    (out / "001-某机构-书面提醒函.docx").write_bytes(b"other kind")
    run = CliRunner().invoke(main, ["letters", "urge", str(merged_dir), "-o", str(out)])
    assert run.exit_code == 0
    assert "还有以前生成的1份催报函（如 003-旧单位-催报函.docx）" in run.output
    assert (out / "003-旧单位-催报函.docx").read_bytes() == b"old"  # never deleted
