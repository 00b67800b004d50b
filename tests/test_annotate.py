"""`formkit annotate`: the city's own file, every finding marked in its cell, a 问题清单, every format.

Copies are reopened with openpyxl and python-docx: the fill and the comment sit at exactly the
cells the findings name and nowhere else; LibreOffice opens every copy (converted to PDF); the
inputs' bytes never change.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from openpyxl.utils.cell import get_column_letter

from formkit import api
from formkit.cli import main
from formkit.outputs import annotate as annotate_mod
from formkit.outputs.annotate.marks import NO_FINDING, SHEET_NAME, location
from formkit.outputs.palette import RED, YELLOW
from formkit.readers import office
from formkit.readers.word import body_tables, table_cell_grid
from formkit.resources import samples_dir
from formkit.samplegen import SEEDED_DEFECTS
from tests.builders import CODES, eval_row, require_soffice
from tests.hostile_files import encrypted_ooxml, eval_docx, eval_xlsx, formula_texts_xlsx, truncated
from tests.test_legacy_formats import print_ready_copy

MARK_COLOURS = {RED: "error", YELLOW: "warning"}
LIST_HEADERS = ["序号", "类别", "位置", "问题", "问题及修改要求", "原值"]
WORD_HEADERS = ["序号", "类别", "位置", "问题及修改要求", "原值"]


def sha256_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_name(rel: str, ext: str | None = None) -> str:
    path = Path(rel)
    return (path.parent / f"{path.stem}（问题标注）.{ext or path.suffix[1:]}").as_posix()


# --- reading the marks back ----------------------------------------------------------------------


def xlsx_marks(path: Path) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """Return {(sheet, cell): (severity of the fill, comment text)} of every marked cell but in 问题清单."""
    wb = openpyxl.load_workbook(path)
    marks = {}
    for ws in wb.worksheets:
        if ws.title == SHEET_NAME:
            continue
        for row in ws.iter_rows():
            for cell in row:
                rgb = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
                severity = MARK_COLOURS.get(str(rgb)[-6:]) if rgb else None
                comment = cell.comment.text if cell.comment is not None else None
                if severity or comment:
                    marks[(ws.title, cell.coordinate)] = (severity, comment)
    return marks


def docx_marks(path: Path) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """Return {(表n, 第r行第c列): (severity of the shading, comment text)} of every marked table cell.

    The closing 问题清单 table (the document's last) is left out.
    """
    doc = Document(str(path))
    comments = {c.comment_id: c.text for c in doc.comments}
    marks = {}
    tables = body_tables(doc.element.body)
    assert [c.text for c in Document(str(path)).tables[-1].rows[0].cells] == WORD_HEADERS
    for n, tbl in enumerate(tables[:-1], start=1):
        seen = set()
        for r, row in enumerate(table_cell_grid(tbl), start=1):
            for c, tc in enumerate(row, start=1):
                if tc is None or id(tc) in seen:
                    continue
                seen.add(id(tc))
                shd = tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
                severity = MARK_COLOURS.get(shd.get(qn("w:fill"))) if shd is not None else None
                starts = tc.findall(f".//{qn('w:commentRangeStart')}")
                comment = "\n".join(comments[int(s.get(qn("w:id")))] for s in starts) or None
                if severity or comment:
                    marks[(f"表{n}", f"第{r}行第{c}列")] = (severity, comment)
    return marks


def marks_of(path: Path):
    return xlsx_marks(path) if path.suffix == ".xlsx" else docx_marks(path)


def findings_list(path: Path) -> list[list[str]]:
    """Return the rows of the copy's 问题清单 (without its header)."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[0] == SHEET_NAME and wb.active.title == SHEET_NAME
        ws = wb[SHEET_NAME]
        assert [c.value for c in ws[3]] == LIST_HEADERS
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(min_row=4, values_only=True)]
    doc = Document(str(path))
    table = doc.tables[-1]
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def expected_marks(findings) -> dict[tuple[str, str], str]:
    """Return {(sheet, cell): worst severity} the findings of one file name."""
    out: dict[tuple[str, str], str] = {}
    for f in findings:
        if f.sheet and f.cell:
            out[(f.sheet, f.cell)] = "error" if "error" in (out.get((f.sheet, f.cell)), f.severity) else f.severity
    return out


def assert_marked_as_found(copy: Path, findings, sheet_of=lambda s: s, cell_of=lambda c: c) -> None:
    """The marks in ``copy`` are exactly at the findings' cells, each with its findings' messages."""
    marks = marks_of(copy)
    expected = {(sheet_of(s), cell_of(c)): sev for (s, c), sev in expected_marks(findings).items()}
    assert {k: v[0] for k, v in marks.items()} == expected, copy.name
    for f in findings:
        if f.sheet and f.cell:
            assert f.message in marks[(sheet_of(f.sheet), cell_of(f.cell))][1]


# --- the samples ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples_run(tmp_path_factory):
    """Annotate the bundled samples through the command: (output dir, command result, hashes before)."""
    before = sha256_tree(samples_dir())
    out = tmp_path_factory.mktemp("annotated")
    run = CliRunner().invoke(main, ["annotate", str(samples_dir()), "-o", str(out)])
    return out, run, before


#: Findings about a city, not one file (merge's city checks): never in a marked-up copy.
CITY_CHECKS = ("spotcheck-quota", "plan-shortfall", "below-last-year", "missing-submission")


@pytest.fixture(scope="module")
def sample_findings(campaign):
    """Return {file: its findings}: its own, and those the merge finds across files (duplicate …)."""
    import datetime as dt

    from formkit.merge import merge

    result = merge([samples_dir()], campaign, as_of=dt.date(2024, 1, 15))
    found = {fr.name: [] for fr in result.files}
    for f in result.findings:
        if f.file and f.code not in CITY_CHECKS:
            found[f.file].append(f)
    return found


def test_every_sample_gets_a_copy_in_the_mirrored_folders(samples_run, sample_findings):
    out, run, before = samples_run
    assert run.exit_code == 1, run.output  # the samples hold errors
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert made == sorted(copy_name(rel) for rel in sample_findings)
    assert len(made) == 52
    assert "共52个文件，生成标注副本52个" in run.output
    assert f"已生成：{out / copy_name(SEEDED_DEFECTS[0]['file'])}（错误1处、警告0处）" in run.output
    assert not list(out.rglob(".*"))  # no temporary file left behind


def test_inputs_are_never_modified(samples_run):
    _, _, before = samples_run
    assert sha256_tree(samples_dir()) == before


@pytest.mark.parametrize("defect", SEEDED_DEFECTS, ids=[f"{d['code']}-{Path(d['file']).stem[:8]}" for d in SEEDED_DEFECTS])
def test_each_seeded_defect_is_marked_at_its_cell_and_nowhere_else(samples_run, sample_findings, defect):
    out, _, _ = samples_run
    copy = out / copy_name(defect["file"])
    findings = sample_findings[defect["file"]]
    assert [f.code for f in findings] == [defect["code"]]  # no seeded file carries a cross-file defect
    [finding] = findings
    marks = marks_of(copy)
    if defect["cell"] is None:
        assert marks == {}  # a header-block value above the table: no table cell is marked
    else:
        assert list(marks) == [(defect["sheet"], defect["cell"])]
        severity, comment = marks[(defect["sheet"], defect["cell"])]
        assert severity == finding.severity
        assert comment == f"【{'错误' if finding.severity == 'error' else '警告'}】{finding.message}"
    [row] = findings_list(copy)
    assert row[1] == {"error": "错误", "warning": "警告"}[finding.severity]
    assert finding.message in row
    assert (finding.value or "") in row


CROSS_MARKS = {
    "南京市/南京市-附件2-2023年度贯标绩效评价合格企业汇总表（第二批）.xlsx": {("Sheet1", "C10"): "duplicate"},
    "常州市/常州市-附件2-2023年度贯标绩效评价合格企业汇总表（第二批）.docx": {("表1", "第5行第3列"): "conflict"},
    "常州市/常州市-附件4-企业贯标备案信息异常情况汇总表.docx": {("表1", "第2行第5列"): "conflict"},
    "无锡市/无锡市-附件3-2023年度企业贯标质量抽查情况汇总表.docx": {("表1", "第6行第2列"): "name-mismatch"},
}


@pytest.mark.parametrize("rel", list(CROSS_MARKS), ids=[next(iter(v.values())) + "-" + k.split("/")[0]
                                                         for k, v in CROSS_MARKS.items()])
def test_cross_file_findings_are_marked_as_the_merge_reports_them(samples_run, sample_findings, rel):
    out, _, _ = samples_run
    copy = out / copy_name(rel)
    [finding] = sample_findings[rel]
    [(place, code)] = CROSS_MARKS[rel].items()
    assert finding.code == code and (finding.sheet, finding.cell) == place
    marks = marks_of(copy)
    assert list(marks) == [place] and finding.message in marks[place][1]
    [row] = findings_list(copy)
    assert finding.message in row


def test_clean_files_are_copied_with_no_mark_and_say_so(samples_run, sample_findings):
    out, _, _ = samples_run
    clean = [rel for rel, found in sample_findings.items() if not found]
    assert len(clean) == 33  # 52 files, 15 with a seeded defect, 4 more with a cross-file one
    for rel in clean:
        copy = out / copy_name(rel)
        assert marks_of(copy) == {}, rel
        rows = findings_list(copy)
        assert rows[0][0] == NO_FINDING, rel


def style_of(cell) -> tuple:
    font, border = cell.font, cell.border
    return (font.name, font.sz, font.b, font.i, font.color.rgb if font.color is not None else None,
            *(getattr(border, side).style for side in ("left", "right", "top", "bottom")),
            cell.alignment.horizontal, cell.alignment.vertical, cell.alignment.wrap_text)


def fill_of(cell) -> tuple:
    return cell.fill.fill_type, cell.fill.fgColor.rgb


def test_excel_copy_keeps_the_citys_workbook(samples_run):
    out, _, _ = samples_run
    rel = SEEDED_DEFECTS[0]["file"]  # 南京市 附件2 第一批: C7
    original = openpyxl.load_workbook(samples_dir() / rel)
    copy = openpyxl.load_workbook(out / copy_name(rel))
    assert copy.sheetnames == [SHEET_NAME] + original.sheetnames
    for ws in original.worksheets:
        other = copy[ws.title]
        assert {str(r) for r in other.merged_cells.ranges} == {str(r) for r in ws.merged_cells.ranges}
        assert {k: d.width for k, d in other.column_dimensions.items()} == {k: d.width for k, d in ws.column_dimensions.items()}
        for row in ws.iter_rows():
            for cell in row:
                twin = other[cell.coordinate]
                assert twin.value == cell.value and twin.number_format == cell.number_format, cell.coordinate
                assert style_of(twin) == style_of(cell), cell.coordinate
                if cell.coordinate != "C7":
                    assert fill_of(twin) == fill_of(cell), cell.coordinate
    link = copy[SHEET_NAME]["C4"]
    assert link.value == "Sheet1!C7" and link.hyperlink.location == "'Sheet1'!C7"


def test_word_copy_keeps_the_citys_document_and_comments_in_the_cell(samples_run):
    out, _, _ = samples_run
    rel = "无锡市/无锡市-附件2-2023年度贯标绩效评价合格企业汇总表（第一批）.docx"
    original = Document(str(samples_dir() / rel))
    copy = Document(str(out / copy_name(rel)))
    assert len(copy.tables) == len(original.tables) + 1
    for a, b in zip(original.tables, copy.tables):
        assert [[c.text for c in row.cells] for row in a.rows] == [[c.text for c in row.cells] for row in b.rows]
    texts = [p.text for p in copy.paragraphs]
    assert texts[:len(original.paragraphs)] == [p.text for p in original.paragraphs]
    assert SHEET_NAME in texts
    assert copy.sections[0].orientation == original.sections[0].orientation
    [comment] = list(copy.comments)
    assert comment.author == "formkit" and "2023-02-30" in comment.text
    cell = copy.tables[0].cell(4, 8)  # 第5行第9列
    assert cell.text == "2023-02-30" and "w:commentRangeStart" in cell._tc.xml


def test_taizhou_late_is_listed_and_commented_on_its_header_paragraph(samples_run, sample_findings):
    out, _, _ = samples_run
    rel = "泰州市/泰州市-附件2-2023年度贯标绩效评价合格企业汇总表（第二批）.docx"
    [late] = sample_findings[rel]
    copy = Document(str(out / copy_name(rel)))
    [comment] = list(copy.comments)
    assert late.message in comment.text
    original = Document(str(samples_dir() / rel))
    [paragraph] = [p for p in copy.paragraphs if "w:commentRangeStart" in p._p.xml]
    assert paragraph.text in [p.text for p in original.paragraphs]  # the text as the city wrote it
    [shaded] = [r for r in paragraph.runs if r._r.find(f"{qn('w:rPr')}/{qn('w:shd')}") is not None]
    assert shaded.text == "2023年12月15日"
    assert shaded._r.find(f"{qn('w:rPr')}/{qn('w:shd')}").get(qn("w:fill")) == YELLOW
    [row] = findings_list(out / copy_name(rel))
    assert row[1:] == ["警告", location(late), late.message, late.value]


def test_libreoffice_opens_every_marked_copy(samples_run, sample_findings, tmp_path):
    """Every copy with marks (comments, fills) and a clean one of each type, in one LibreOffice call.

    The clean copies differ from each other only in their data; converting all 52 costs a minute.
    """
    require_soffice()
    import pdfplumber

    out, _, _ = samples_run
    marked = [rel for rel, found in sample_findings.items() if found]
    clean = [next(rel for rel, found in sample_findings.items() if not found and rel.endswith(ext))
             for ext in (".xlsx", ".docx")]
    copies = [out / copy_name(rel) for rel in marked + clean]
    assert len(copies) == 21  # 19 marked (15 seeded, 4 cross-file) and 2 clean
    results = office.convert_batch(copies, "pdf", tmp_path)
    assert all(isinstance(v, Path) for v in results.values()), [v for v in results.values() if isinstance(v, str)]
    for copy, pdf_path in results.items():
        with pdfplumber.open(pdf_path) as pdf:
            text = "".join((page.extract_text() or "") for page in pdf.pages).replace(" ", "")
        assert "问题清单" in text, copy.name


# --- every format formkit reads -------------------------------------------------------------------

LEGACY_SOURCES = {
    "xls": ["南京市/南京市-附件2-2023年度贯标绩效评价合格企业汇总表（第一批）.xlsx",
            "徐州市/徐州市-附件3-2023年度企业贯标质量抽查情况汇总表.xlsx"],
    "doc": ["无锡市/无锡市-附件2-2023年度贯标绩效评价合格企业汇总表（第一批）.docx",
            "泰州市/泰州市-附件2-2023年度贯标绩效评价合格企业汇总表（第二批）.docx"],
    "pdf:writer_pdf_Export": ["常州市/常州市-附件3-2023年度企业贯标质量抽查情况汇总表.docx"],
    "pdf:calc_pdf_Export": ["苏州市/苏州市-附件4-企业贯标备案信息异常情况汇总表.xlsx"],
}


@pytest.fixture(scope="module")
def legacy_inputs(tmp_path_factory):
    """Return the folder of .xls/.et/.doc/.wps/.pdf files LibreOffice made from the samples (under city folders)."""
    require_soffice()
    root = tmp_path_factory.mktemp("legacy-in")
    inbox = root / "inbox"
    for to, rels in LEGACY_SOURCES.items():
        sources = []
        for rel in rels:
            src = root / "src" / Path(rel).name
            src.parent.mkdir(exist_ok=True)
            shutil.copyfile(samples_dir() / rel, src)
            sources.append(print_ready_copy(src, src) if to == "pdf:calc_pdf_Export" else src)
        results = office.convert_batch(sources, to, root / to.replace(":", "-"))
        ext = to.split(":")[0]
        for rel, src in zip(rels, sources):
            assert isinstance(results[src], Path), results[src]
            final = inbox / Path(rel).parent / f"{Path(rel).stem}.{ext}"
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(results[src], final)
    # WPS files are the same formats under their own extensions.
    xuzhou = inbox / "徐州市" / "徐州市-附件3-2023年度企业贯标质量抽查情况汇总表.xls"
    xuzhou.rename(xuzhou.with_suffix(".et"))
    taizhou = inbox / "泰州市" / "泰州市-附件2-2023年度贯标绩效评价合格企业汇总表（第二批）.doc"
    taizhou.rename(taizhou.with_suffix(".wps"))
    return inbox


@pytest.fixture(scope="module")
def legacy_run(legacy_inputs, tmp_path_factory, campaign):
    before = sha256_tree(legacy_inputs)
    out = tmp_path_factory.mktemp("legacy-out")
    results = api.annotate([legacy_inputs], out, campaign=campaign)
    assert sha256_tree(legacy_inputs) == before
    return out, {r.name: r for r in results}


OUTPUT_TYPES = {".xls": "xlsx", ".et": "xlsx", ".pdf": "xlsx", ".doc": "docx", ".wps": "docx"}


def test_legacy_and_pdf_inputs_give_the_named_output_types(legacy_run, legacy_inputs):
    out, results = legacy_run
    assert len(results) == 6
    for name, result in results.items():
        assert result.output == out / copy_name(name, OUTPUT_TYPES[Path(name).suffix]), name
        assert result.output.is_file() and result.reason is None


def test_legacy_copies_are_marked_at_the_originals_cells(legacy_run):
    _, results = legacy_run
    for name, result in results.items():
        suffix = Path(name).suffix
        if suffix == ".pdf":
            continue
        # The same findings as the original sample at the same cells, so the same marks.
        assert [f.code for f in result.findings] == [d["code"] for d in SEEDED_DEFECTS
                                                     if Path(d["file"]).stem == Path(name).stem]
        assert_marked_as_found(result.output, result.findings)
        if suffix in (".doc", ".wps"):
            assert len(Document(str(result.output)).comments) == len(result.findings)


def _pdf_cell(cell: str) -> str:
    import re

    r, c = map(int, re.fullmatch(r"第(\d+)行第(\d+)列", cell).groups())
    return f"{get_column_letter(c)}{r}"


def test_pdf_copies_are_workbooks_of_the_tables_read(legacy_run, campaign):
    _, results = legacy_run
    pdfs = {name: r for name, r in results.items() if name.endswith(".pdf")}
    assert len(pdfs) == 2
    for name, result in pdfs.items():
        assert result.findings and all(f.sheet is None or "页表" in f.sheet for f in result.findings)
        assert_marked_as_found(result.output, result.findings, cell_of=_pdf_cell)
        # Each sheet holds its table's cells where the findings count them.
        wb = openpyxl.load_workbook(result.output)
        for f in result.findings:
            if f.cell and f.value:
                assert str(wb[f.sheet][_pdf_cell(f.cell)].value) == f.value


def test_libreoffice_opens_the_legacy_copies(legacy_run, tmp_path):
    _, results = legacy_run
    converted = office.convert_batch([r.output for r in results.values()], "pdf", tmp_path)
    assert all(isinstance(v, Path) for v in converted.values()), converted


# --- odd files ------------------------------------------------------------------------------------


def test_unreadable_files_get_no_copy_and_are_named_in_the_output(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = eval_xlsx(inbox / "南京市-附件2-第一批.xlsx")
    encrypted_ooxml(good, inbox / "南京市-加密.xlsx")
    truncated(good, inbox / "南京市-损坏.xlsx")
    (inbox / "南京市-空.docx").write_bytes(b"")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["annotate", str(inbox), "-o", str(out)])
    assert run.exit_code == 1, run.output
    assert sorted(p.name for p in out.iterdir()) == ["南京市-附件2-第一批（问题标注）.xlsx"]
    assert "未生成：南京市-加密.xlsx：文件已加密，请取消密码后重新提交" in run.output
    assert "未生成：南京市-损坏.xlsx：" in run.output and "未生成：南京市-空.docx：" in run.output
    assert "共4个文件，生成标注副本1个" in run.output and "3个文件无法读取，未生成副本" in run.output
    assert api.annotate_file(inbox / "南京市-加密.xlsx", tmp_path / "single") is None


def test_a_file_that_is_no_form_lists_that_in_its_copy(tmp_path):
    path = tmp_path / "in" / "工作总结.docx"
    path.parent.mkdir()
    doc = Document()
    doc.add_paragraph("2023年度工作总结")
    doc.add_table(rows=2, cols=2).cell(0, 0).text = "项目"
    doc.save(str(path))
    [result] = api.annotate([path.parent], tmp_path / "out")
    assert [f.code for f in result.findings] == ["unknown-form"]
    [row] = findings_list(result.output)
    assert row[1] == "错误" and "没有找到可识别的表格" in row[3]


def test_formula_like_texts_stay_text(tmp_path, campaign):
    src = formula_texts_xlsx(tmp_path / "in" / "南京市-附件2.xlsx")
    [result] = api.annotate([src], tmp_path / "out", campaign=campaign)
    assert result.findings
    wb = openpyxl.load_workbook(result.output)
    ws = wb[SHEET_NAME]
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                assert cell.data_type == "s", cell.coordinate
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)


def test_merged_cells_are_marked_in_their_first_cell(tmp_path, campaign):
    from tests.builders import standard_eval_sheet, write_xlsx

    rows = standard_eval_sheet([eval_row(1, code=CODES["nj1"]), eval_row(2, name="南京乙示例科技有限公司",
                                                                           code="91320104631706691X")])
    path = write_xlsx(tmp_path / "in" / "南京市-附件2.xlsx", {"附件2": rows})
    [result] = api.annotate([path], tmp_path / "out", campaign=campaign)
    [finding] = [f for f in result.findings if f.code == "uscc"]
    assert_marked_as_found(result.output, result.findings)
    assert finding.cell == "C6"


def test_annotate_file_uses_a_given_result_and_writes_flat(tmp_path, campaign, monkeypatch):
    src = eval_docx(tmp_path / "in" / "南京市" / "南京市-附件2.docx",
                    [eval_row(1), eval_row(2, name="南京乙示例科技有限公司", code="91320104631706691X")])
    result = api.read_file(src, campaign, "南京市/南京市-附件2.docx")

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(api, "read_file", no_reading)
    dest = tmp_path / "dest"
    path = api.annotate_file(src, dest, campaign=campaign, display_name="南京市/南京市-附件2.docx", result=result)
    assert path == dest / "南京市-附件2（问题标注）.docx"
    assert_marked_as_found(path, result.findings)
    assert any(f.code == "uscc" for f in result.findings)


def test_two_inputs_with_one_stem_get_two_copies(tmp_path, campaign):
    inbox = tmp_path / "in"
    eval_xlsx(inbox / "南京市-附件2.xlsx")
    eval_docx(inbox / "南京市-附件2.docx")
    shutil.copyfile(inbox / "南京市-附件2.xlsx", inbox / "南京市-附件2.xlsm")
    results = api.annotate([inbox], tmp_path / "out", campaign=campaign)
    names = sorted(r.output.name for r in results)
    assert names == ["南京市-附件2（2）（问题标注）.xlsx", "南京市-附件2（问题标注）.docx", "南京市-附件2（问题标注）.xlsx"]


def test_output_inside_the_inputs_is_refused(tmp_path):
    inbox = tmp_path / "in"
    eval_xlsx(inbox / "南京市-附件2.xlsx")
    run = CliRunner().invoke(main, ["annotate", str(inbox), "-o", str(inbox / "标注")])
    assert run.exit_code == 2 and "请换一个输出文件夹" in run.output
    assert sorted(p.name for p in inbox.iterdir()) == ["南京市-附件2.xlsx"]


def test_a_huge_sheet_gets_no_copy(tmp_path, campaign, monkeypatch):
    from tests.hostile_files import million_rows

    (tmp_path / "in").mkdir()
    # Beyond what the readers take: unreadable, so no copy (and openpyxl never loads it).
    path = million_rows(tmp_path / "in" / "南京市-附件2.xlsx", rows=400_000)
    [result] = api.annotate([path], tmp_path / "out", campaign=campaign)
    assert result.output is None and "行数过多" in result.reason
    # Readable, but more sheet XML than the copy allows: no copy either, and why.
    monkeypatch.setattr(annotate_mod, "MAX_SHEET_XML", 1000)
    [result] = api.annotate([eval_xlsx(tmp_path / "in2" / "南京市-附件2.xlsx")], tmp_path / "out2", campaign=campaign)
    assert result.output is None and "表格过大" in result.reason
    assert not (tmp_path / "out2").exists()


def test_a_file_is_known_by_its_bytes_not_its_name(tmp_path, campaign):
    inbox = tmp_path / "in"
    xlsx = eval_xlsx(inbox / "南京市-附件2-第一批.xls.tmp", [eval_row(1, code="91320104631706691X")])
    xlsx.rename(inbox / "南京市-附件2-第一批.xls")  # really an .xlsx
    docx = eval_docx(inbox / "南京市-附件2-第二批.tmp", [eval_row(1, code="91320104631706691X")])
    docx.rename(inbox / "南京市-附件2-第二批.doc")  # really a .docx
    results = {r.name: r for r in api.annotate([inbox], tmp_path / "out", campaign=campaign)}
    assert results["南京市-附件2-第一批.xls"].output.name == "南京市-附件2-第一批（问题标注）.xlsx"
    assert results["南京市-附件2-第二批.doc"].output.name == "南京市-附件2-第二批（问题标注）.docx"
    for r in results.values():
        assert [f.code for f in r.findings if f.cell] == ["uscc"]
        assert_marked_as_found(r.output, r.findings)


def test_word_cells_in_content_controls_and_merged_cells_are_marked(tmp_path, campaign):
    """A cell wrapped in a content control, and cells after a horizontally merged one, sit where the finding says."""
    from tests.builders import wrap_cells_in_sdt

    src = eval_docx(tmp_path / "in" / "南京市-附件2.docx",
                    [eval_row(1), eval_row(2, name="南京乙示例科技有限公司", code="91320104631706691X",
                                            联系电话="12")])
    wrap_cells_in_sdt(src, 0, [(2, 2)])  # the bad code of row 3, inside a content control
    doc = Document(str(src))
    row = doc.tables[0].rows[1]
    row.cells[12].merge(row.cells[13])  # 联系电话 and 备注 of row 2 merged: no finding there
    doc.save(str(src))
    [result] = api.annotate([src], tmp_path / "out", campaign=campaign)
    codes = sorted((f.code, f.cell) for f in result.findings if f.cell)
    assert codes == [("phone", "第3行第13列"), ("uscc", "第3行第3列")]
    assert_marked_as_found(result.output, result.findings)
    copy = Document(str(result.output))
    assert len(copy.comments) == 2


def test_a_header_value_the_city_shaded_gets_one_shading_the_finding_colour(tmp_path):
    """A run with its own w:shd (the city highlighted its 填报日期) is recoloured, not given a second w:shd."""
    from docx.oxml import OxmlElement

    from tests.builders import EVAL_HEADERS, write_docx

    src = write_docx(tmp_path / "in" / "南京市.docx", ["2023年度贯标绩效评价合格企业汇总表",
                                                      "填报单位（盖章）：南京市知识产权局  填报日期：2023-02-30  批次：第一批"],
                     [[EVAL_HEADERS, [str(v) for v in eval_row(1).values()]]])
    doc = Document(str(src))
    [paragraph] = [p for p in doc.paragraphs if "填报日期" in p.text]
    for run in paragraph.runs:
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:fill"), "00FF00")
        run._r.get_or_add_rPr().append(shd)
    doc.save(str(src))
    [result] = api.annotate([tmp_path / "in"], tmp_path / "out")
    assert any(f.value == "2023-02-30" for f in result.findings)
    copy = Document(str(result.output))
    [marked] = [p for p in copy.paragraphs if "w:commentRangeStart" in p._p.xml]
    [run] = [r for r in marked.runs if r.text == "2023-02-30"]
    shadings = run._r.findall(f"{qn('w:rPr')}/{qn('w:shd')}")
    assert [s.get(qn("w:fill")) for s in shadings] in ([RED], [YELLOW])


def test_the_excel_copy_keeps_the_citys_pictures_and_charts(tmp_path):
    """A seal picture or a chart on the city's sheet is still there in its marked copy."""
    import zipfile

    from openpyxl.chart import BarChart, Reference
    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    src = eval_xlsx(tmp_path / "in" / "南京市.xlsx", [eval_row(1, 联系电话="12")])
    Picture.new("RGB", (60, 40), "red").save(tmp_path / "seal.png")
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    ws.add_image(Image(str(tmp_path / "seal.png")), "Q2")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=11, min_row=4, max_row=5))
    ws.add_chart(chart, "Q10")
    wb.save(src)
    [result] = api.annotate([tmp_path / "in"], tmp_path / "out")
    assert [f.code for f in result.findings] == ["phone"]
    with zipfile.ZipFile(src) as original, zipfile.ZipFile(result.output) as copy:
        names = copy.namelist()
        [picture] = [n for n in names if n.startswith("xl/media/")]
        assert Picture.open(copy.open(picture)).size == (60, 40)
        assert [n for n in names if n.startswith("xl/charts/chart")]
        assert sum(n.startswith("xl/drawings/drawing") for n in names) == \
            sum(n.startswith("xl/drawings/drawing") for n in original.namelist())
