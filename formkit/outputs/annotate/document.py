"""Marking a Word document with python-docx: each table cell a finding names shaded and given a
real Word comment, a header-block value above the table (填报日期 …) split into a run of its own
and marked the same way, and a closing ``问题清单`` table listing every finding."""

from __future__ import annotations

import io
import re
from pathlib import Path

from formkit.findings import SEVERITY_NAMES, Finding
from formkit.outputs.annotate.marks import (
    AUTHOR, GRID_CELL, NO_FINDING, SHEET_NAME, by_place, location,
)
from formkit.outputs.palette import HEADER_FILL, RED, YELLOW

_TCPR_AFTER_SHD = ("noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
                   "cellIns", "cellDel", "cellMerge", "tcPrChange")
_RPR_AFTER_SHD = ("fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")


def _shade(props, fill: str, later: tuple[str, ...]) -> None:
    """Give a cell's ``w:tcPr`` or a run's ``w:rPr`` the background ``fill``.

    Its own ``w:shd`` when it has one (a city's shading is replaced, never doubled); else a new
    one in its place in ``props``: before the first child named in ``later`` (the elements the
    schema puts after it).
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = props.find(qn("w:shd"))
    if shd is None:
        shd = OxmlElement("w:shd")
        tags = {qn(f"w:{t}") for t in later}
        for child in props:
            if child.tag in tags:
                child.addprevious(shd)
                break
        else:
            props.append(shd)
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


def _shade_cell(tc, fill: str) -> None:
    """Give a table cell the background ``fill``."""
    _shade(tc.get_or_add_tcPr(), fill, _TCPR_AFTER_SHD)


def _runs_of(element, paragraph_parent):
    """Return python-docx Runs for the text runs inside ``element`` (a new empty run when none)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    runs = [r for r in element.iter(qn("w:r")) if r.find(qn("w:t")) is not None]
    if not runs:
        p = element if element.tag == qn("w:p") else element.find(qn("w:p"))
        if p is None:
            p = element.add_p()
        paragraph = Paragraph(p, paragraph_parent)
        return [paragraph.add_run("")]
    return [Run(r, paragraph_parent) for r in (runs[0], runs[-1])]


def _comment(doc, runs, found: list[Finding]) -> None:
    comment = doc.add_comment(runs, text=f"【{SEVERITY_NAMES[found[0].severity]}】{found[0].message}",
                              author=AUTHOR, initials="FK")
    for f in found[1:]:
        comment.add_paragraph(f"【{SEVERITY_NAMES[f.severity]}】{f.message}")


def _header_paragraph(doc, f: Finding):
    """Return the paragraph outside the tables that holds a header-block value (填报日期 …), or None."""
    if not f.value or f.cell:
        return None
    value = str(f.value).strip()
    if len(value) < 2:
        return None
    for paragraph in doc.paragraphs:
        if value in paragraph.text:
            return paragraph
    return None


def _isolate(paragraph, value: str):
    """Return a run holding exactly ``value``, split out of the paragraph's run that contains it (or None)."""
    import copy

    from docx.text.run import Run

    for run in paragraph.runs:
        text = run.text
        k = text.find(value)
        if k < 0:
            continue
        before, after = text[:k], text[k + len(value):]
        if before:
            head = copy.deepcopy(run._r)
            run._r.addprevious(head)
            Run(head, paragraph).text = before
        if after:
            tail = copy.deepcopy(run._r)
            run._r.addnext(tail)
            Run(tail, paragraph).text = after
        run.text = value
        return run
    return None


def mark_document(doc, findings: list[Finding], name: str) -> None:
    """Shade and comment every table cell a finding names; add the closing 问题清单 table."""
    from formkit.readers.word import body_tables, table_cell_grid

    body = doc.element.body
    tables = body_tables(body)
    grids: dict[int, list[list]] = {}
    for (sheet, row, col), found in by_place(findings, _word_position).items():
        match = re.fullmatch(r"表(\d+)", sheet)
        if not match or not 1 <= int(match.group(1)) <= len(tables):
            continue
        n = int(match.group(1)) - 1
        grid = grids.setdefault(n, table_cell_grid(tables[n]))
        if not (1 <= row <= len(grid) and 1 <= col <= len(grid[row - 1])) or grid[row - 1][col - 1] is None:
            continue
        tc = grid[row - 1][col - 1]
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        _shade_cell(tc, RED if worst == "error" else YELLOW)
        _comment(doc, _runs_of(tc, doc._body), found)
    for f in findings:  # a header-block value above the table (填报日期): shaded and commented in its paragraph
        paragraph = _header_paragraph(doc, f)
        if paragraph is not None:
            run = _isolate(paragraph, str(f.value).strip())
            if run is not None:
                _shade(run._r.get_or_add_rPr(), RED if f.severity == "error" else YELLOW, _RPR_AFTER_SHD)
                runs = [run]
            else:
                runs = [r for r in paragraph.runs if r.text] or [paragraph.add_run("")]
            _comment(doc, [runs[0], runs[-1]], [f])
    _findings_table(doc, findings, name)


def _word_position(f: Finding) -> tuple[int, int] | None:
    """Return the (row, column) a finding names in a Word table, or None when it names no cell."""
    if not f.cell:
        return None
    match = GRID_CELL.match(f.cell)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _findings_table(doc, findings: list[Finding], name: str) -> None:
    """Add the closing 问题清单 table (on a new page) listing every finding of the file."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from formkit.outputs.official import set_east_asian_font

    def styled(run, size: float, font: str = "宋体", bold: bool = False):
        run.font.size = Pt(size)
        run.bold = bold or None
        set_east_asian_font(run, font)
        return run

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styled(heading.add_run(SHEET_NAME), 16, "黑体", bold=True)
    errors = sum(f.severity == "error" for f in findings)
    summary = (f"文件：{name}。共发现问题{len(findings)}处，其中错误{errors}处、警告{len(findings) - errors}处。"
               "底色标红的单元格为错误，须修改；标黄的为警告，请核实。各单元格的批注写明了问题和修改要求。"
               if findings else f"文件：{name}。{NO_FINDING}。")
    styled(doc.add_paragraph().add_run(summary), 10.5)
    headers = ["序号", "类别", "位置", "问题及修改要求", "原值"]
    rows = [[str(n), SEVERITY_NAMES[f.severity], location(f), f.message, f.value or ""]
            for n, f in enumerate(findings, start=1)] or [[NO_FINDING, "", "", "", ""]]
    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    tbl_pr.append(borders)
    section = doc.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    weights = (6, 8, 22, 46, 18)
    for c, weight in enumerate(weights):
        table.columns[c].width = int(width * weight / sum(weights))
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for c, text in enumerate(headers):
        cell = header_row.cells[c]
        cell.width = int(width * weights[c] / sum(weights))
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        styled(cell.paragraphs[0].add_run(text), 10.5, "黑体", bold=True)
        _shade_cell(cell._tc, HEADER_FILL)
    for r, (values, f) in enumerate(zip(rows, findings or [None]), start=1):
        cells = table.rows[r].cells
        if f is None:
            merged = cells[0].merge(cells[-1])
            styled(merged.paragraphs[0].add_run(values[0]), 10.5)
            continue
        for c, text in enumerate(values):
            cells[c].width = int(width * weights[c] / sum(weights))
            styled(cells[c].paragraphs[0].add_run(text), 10.5)
        _shade_cell(cells[1]._tc, RED if f.severity == "error" else YELLOW)


def annotate_docx(source: Path, findings: list[Finding], name: str) -> bytes:
    """Return the bytes of the document ``source`` with its findings marked and listed."""
    from docx import Document

    with open(source, "rb") as fh:
        doc = Document(fh)
    mark_document(doc, findings, name)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
