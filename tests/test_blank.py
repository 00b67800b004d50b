"""The blank attachments: the bundled templates match the generator, and the layout is right."""

from __future__ import annotations

import dataclasses

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from formkit.outputs.blank import BLANK_NAME, blank_filename, write_blank_docx, write_blank_xlsx, write_blanks
from formkit.outputs.blank.fingerprint import fingerprint_docx, fingerprint_xlsx
from formkit.campaign import load_campaign
from formkit.errors import FormkitError
from formkit.forms import FORM_ORDER, get_form, load_forms
from formkit.resources import templates_dir


@pytest.fixture(scope="module")
def campaign():
    return load_campaign()


@pytest.fixture(scope="module")
def generated(tmp_path_factory, campaign):
    out = tmp_path_factory.mktemp("blanks")
    paths = write_blanks(campaign, out)
    return {p.name: p for p in paths}


def _xlsx(generated, key, campaign):
    return load_workbook(generated[blank_filename(get_form(key), campaign, "xlsx")])


def _docx(generated, key, campaign):
    return Document(str(generated[blank_filename(get_form(key), campaign, "docx")]))


def _header_row(ws, form):
    """Return the worksheet row whose cells are the form's first two headers."""
    for row in ws.iter_rows(max_row=10):
        if row[0].value == form.columns[0].header and row[1].value == form.columns[1].header:
            return row[0].row
    raise AssertionError("header row not found")


# --- (a) the committed templates have not drifted from the generator --------------------

def test_file_names(generated, campaign):
    assert sorted(generated) == sorted([
        "附件1-2023年度企业贯标指导性计划分解表.docx", "附件1-2023年度企业贯标指导性计划分解表.xlsx",
        "附件2-2023年度贯标绩效评价合格企业汇总表.docx", "附件2-2023年度贯标绩效评价合格企业汇总表.xlsx",
        "附件3-2023年度企业贯标质量抽查情况汇总表.docx", "附件3-2023年度企业贯标质量抽查情况汇总表.xlsx",
        "附件4-企业贯标备案信息异常情况汇总表.docx", "附件4-企业贯标备案信息异常情况汇总表.xlsx",
    ])


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_templates_match_generator(generated, fmt):
    folder = templates_dir() / fmt
    committed = sorted(p.name for p in folder.glob(f"*.{fmt}") if BLANK_NAME.match(p.name))
    fresh = sorted(name for name in generated if name.endswith(f".{fmt}"))
    assert committed == fresh, "运行 python -m formkit.outputs.blank 重新生成模板"
    fingerprint = fingerprint_xlsx if fmt == "xlsx" else fingerprint_docx
    for name in fresh:
        assert fingerprint(folder / name) == fingerprint(generated[name]), f"{name} 已过期：运行 python -m formkit.outputs.blank"


def test_fingerprint_sees_a_change(tmp_path, campaign):
    form = get_form("spotcheck")
    base = fingerprint_xlsx(write_blank_xlsx(form, campaign, tmp_path / "a.xlsx"))
    changed = dataclasses.replace(form, notes=form.notes + ("另加一条说明。",))
    assert fingerprint_xlsx(write_blank_xlsx(changed, campaign, tmp_path / "b.xlsx")) != base
    base = fingerprint_docx(write_blank_docx(form, campaign, tmp_path / "a.docx"))
    assert fingerprint_docx(write_blank_docx(changed, campaign, tmp_path / "b.docx")) != base


# --- (b) xlsx layout ---------------------------------------------------------------------

@pytest.mark.parametrize("key", FORM_ORDER)
def test_xlsx_title_header_and_page(generated, campaign, key):
    form = get_form(key)
    ws = _xlsx(generated, key, campaign).worksheets[0]
    ncols = len(form.columns)
    assert ws["A1"].value == f"附件{form.attachment}"
    assert ws["A2"].value == form.title_for(2023)
    assert any(str(r) == f"A2:{get_column_letter(ncols)}2" for r in ws.merged_cells.ranges)
    header_row = _header_row(ws, form)
    assert [ws.cell(header_row, i).value for i in range(1, ncols + 1)] == [c.header for c in form.columns]
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "填表说明：" in texts
    for i, note in enumerate(form.notes, start=1):
        assert f"{i}. {note}" in texts
    assert ("填表人：          审核人：          联系电话：" in texts) == (not form.issued_by_province)


def test_xlsx_evaluation_title_has_year_and_batch_dropdown(generated, campaign):
    form = get_form("evaluation")
    ws = _xlsx(generated, "evaluation", campaign)["绩效评价合格企业"]
    assert "2023年度" in ws["A2"].value
    labels = {c.value: c for c in ws[3] if c.value}
    assert set(labels) == {"填报单位（盖章）：", "填报日期：", "批次："}
    for cell in labels.values():  # the value goes in the empty cell to the right
        assert ws.cell(3, cell.column + 1).value is None
    batch_cell = ws.cell(3, labels["批次："].column + 1).coordinate
    batch = [dv for dv in ws.data_validations.dataValidation if batch_cell in str(dv.sqref)]
    assert len(batch) == 1 and batch[0].formula1 == '"第一批,第二批"'
    date_cell = ws.cell(3, labels["填报日期："].column + 1)
    assert date_cell.number_format == "yyyy-mm-dd"
    # 20 empty data rows, 序号 not prefilled; the credit code column is text
    header_row = _header_row(ws, form)
    uscc_col = [c.key for c in form.columns].index("uscc") + 1
    rows = range(header_row + 1, header_row + 21)
    assert all(ws.cell(r, i).value is None for r in rows for i in range(1, len(form.columns) + 1))
    assert all(ws.cell(r, uscc_col).number_format == "@" for r in rows)
    assert ws.cell(header_row + 1, uscc_col).border.left.style == "thin"


@pytest.mark.parametrize(("key", "column"), [("spotcheck", "conclusion"), ("spotcheck", "measure"),
                                             ("anomaly", "action"), ("anomaly", "type"),
                                             ("evaluation", "method")])
def test_xlsx_enum_dropdowns(generated, campaign, key, column):
    form = get_form(key)
    ws = _xlsx(generated, key, campaign).worksheets[0]
    header_row = _header_row(ws, form)
    col = form.column(column)
    letter = get_column_letter([c.key for c in form.columns].index(column) + 1)
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"
             and str(dv.sqref).startswith(f"{letter}{header_row + 1}:")]
    assert len(lists) == 1
    assert lists[0].formula1.strip('"').split(",") == list(col.values)
    assert lists[0].allow_blank


def test_xlsx_spotcheck_values(generated, campaign):
    ws = _xlsx(generated, "spotcheck", campaign).worksheets[0]
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"达标,未达标"' in formulas
    assert '"删除,标记跟踪,更新名称,提醒并给予1年宽限期"' in {
        dv.formula1 for dv in _xlsx(generated, "anomaly", campaign).worksheets[0].data_validations.dataValidation}
    # a spot-check sheet has room for the quota of 30 enterprises
    header_row = _header_row(ws, get_form("spotcheck"))
    assert ws.cell(header_row + 30, 1).border.bottom.style == "thin"


def test_xlsx_multienum_has_hint_not_dropdown(generated, campaign):
    form = get_form("evaluation")
    ws = _xlsx(generated, "evaluation", campaign).worksheets[0]
    letter = get_column_letter([c.key for c in form.columns].index("category") + 1)
    dvs = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(letter)]
    assert len(dvs) == 1 and dvs[0].type is None and "高新技术企业" in dvs[0].prompt


def test_xlsx_plan_lists_cities(generated, campaign):
    form = get_form("plan")
    ws = _xlsx(generated, "plan", campaign).worksheets[0]
    header_row = _header_row(ws, form)
    assert ws.cell(3, 1).value == "序号"  # no header block in the province's own table
    cities = [ws.cell(header_row + i, 2).value for i in range(1, 14)]
    assert cities == [c.name for c in campaign.cities]
    assert cities[0] == "南京市" and cities[-1] == "宿迁市"
    assert [ws.cell(header_row + i, 1).value for i in range(1, 14)] == list(range(1, 14))
    total = header_row + 14
    assert ws.cell(total, 2).value == "合计"
    assert all(ws.cell(total, i).value is None for i in (1, 3, 4, 5, 6, 7))
    assert all(ws.cell(header_row + i, j).value is None for i in range(1, 14) for j in range(3, 8))


def test_xlsx_properties_fixed(generated, campaign):
    wb = _xlsx(generated, "anomaly", campaign)
    assert wb.properties.creator == "formkit"
    assert wb.properties.created.year == 2023 and wb.properties.modified == wb.properties.created
    assert wb.worksheets[0].title == "备案信息异常情况"


# --- (c) docx layout ---------------------------------------------------------------------

@pytest.mark.parametrize("key", FORM_ORDER)
def test_docx_page_and_table(generated, campaign, key):
    form = get_form(key)
    doc = _docx(generated, key, campaign)
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert abs(section.page_width - Mm(297)) < Mm(0.5) and abs(section.page_height - Mm(210)) < Mm(0.5)
    # the portrait text block turned a quarter: 225 × 156 mm
    for side, mm in (("top", 28), ("bottom", 26), ("left", 35), ("right", 37)):
        assert abs(getattr(section, f"{side}_margin") - Mm(mm)) < Mm(0.5), side
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars" and grid.get(qn("w:linePitch")) == "579"

    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [c.header for c in form.columns]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    header_run = table.rows[0].cells[1].paragraphs[0].runs[0]
    assert header_run.font.bold and header_run._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"

    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == f"附件{form.attachment}"
    assert "填表说明：" in texts and f"1. {form.notes[0]}" in texts
    assert (any(t.startswith("填报单位（盖章）：") for t in texts)) == bool(form.header_block)
    assert ("填表人：          审核人：          联系电话：" in texts) == (not form.issued_by_province)


def test_docx_title_font(generated, campaign):
    doc = _docx(generated, "evaluation", campaign)
    title = next(p for p in doc.paragraphs if p.text == "2023年度贯标绩效评价合格企业汇总表")
    run = title.runs[0]
    assert run.font.size == Pt(22)
    assert run._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert title.alignment == 1  # centred
    label = doc.paragraphs[0].runs[0]
    assert label.font.size == Pt(16) and label._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_docx_body_style_and_defaults(generated, campaign):
    doc = _docx(generated, "anomaly", campaign)
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.element.rPr.rFonts.get(qn("w:ascii")) == "Times New Roman"
    spacing = normal.element.pPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "exact" and spacing.get(qn("w:line")) == "579"
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rfonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert rfonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and rfonts.get(qn("w:eastAsiaTheme")) is None


def test_docx_page_numbers(generated, campaign):
    doc = _docx(generated, "spotcheck", campaign)
    settings = doc.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    section = doc.sections[0]
    for footer, align, cached in ((section.footer, 2, "1"), (section.even_page_footer, 0, "2")):
        paragraph = footer.paragraphs[0]
        assert paragraph.text == f"— {cached} —"  # the cached field result
        assert paragraph.alignment == align  # odd right, even left
        instr = [el.text.strip() for el in paragraph._p.iter(qn("w:instrText"))]
        assert instr == ["PAGE"]
        kinds = [el.get(qn("w:fldCharType")) for el in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        run = paragraph.runs[0]
        assert run.font.size == Pt(14) and run._r.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_docx_rows(generated, campaign):
    plan = _docx(generated, "plan", campaign).tables[0]
    assert [r.cells[1].text for r in plan.rows[1:]] == [c.name for c in campaign.cities] + ["合计"]
    assert [r.cells[0].text for r in plan.rows[1:14]] == [str(i) for i in range(1, 14)]
    evaluation = _docx(generated, "evaluation", campaign).tables[0]
    assert len(evaluation.rows) == 11
    assert all(c.text == "" for r in evaluation.rows[1:] for c in r.cells)


def test_docx_evaluation_header_block(generated, campaign):
    texts = [p.text for p in _docx(generated, "evaluation", campaign).paragraphs]
    line = next(t for t in texts if t.startswith("填报单位（盖章）："))
    assert "填报日期：" in line and "批次：第  批" in line
    line = next(t for t in [p.text for p in _docx(generated, "spotcheck", campaign).paragraphs]
                if t.startswith("填报单位（盖章）："))
    assert "批次" not in line


# --- (d) another year, and bad requests --------------------------------------------------

def test_write_blanks_for_2024(tmp_path):
    campaign = dataclasses.replace(load_campaign(), year=2024)
    paths = write_blanks(campaign, tmp_path, forms=["evaluation", "anomaly"], formats=("xlsx", "docx"))
    assert [p.name for p in paths] == [
        "附件2-2024年度贯标绩效评价合格企业汇总表.xlsx", "附件2-2024年度贯标绩效评价合格企业汇总表.docx",
        "附件4-企业贯标备案信息异常情况汇总表.xlsx", "附件4-企业贯标备案信息异常情况汇总表.docx",
    ]
    assert all(p.exists() for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temp files left
    ws = load_workbook(paths[0]).worksheets[0]
    assert ws["A2"].value == "2024年度贯标绩效评价合格企业汇总表"
    assert load_workbook(paths[0]).properties.created.year == 2024
    doc = Document(str(paths[1]))
    assert "2024年度贯标绩效评价合格企业汇总表" in [p.text for p in doc.paragraphs]


def test_write_blanks_one_format(tmp_path, campaign):
    paths = write_blanks(campaign, tmp_path / "out", forms=["plan"], formats=("docx",))
    assert [p.name for p in paths] == ["附件1-2023年度企业贯标指导性计划分解表.docx"]


def test_write_blanks_rejects_unknown(tmp_path, campaign):
    with pytest.raises(FormkitError, match="未知的表格"):
        write_blanks(campaign, tmp_path, forms=["nosuch"])
    with pytest.raises(FormkitError, match="不支持的格式"):
        write_blanks(campaign, tmp_path, formats=("pdf",))
    assert list(tmp_path.iterdir()) == []


def test_every_form_has_blanks(generated, campaign):
    for form in load_forms().values():
        for fmt in ("xlsx", "docx"):
            assert blank_filename(form, campaign, fmt) in generated
