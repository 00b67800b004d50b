"""Marked-up copies for the cities (``formkit annotate``): their own file, every problem shown where it is.

For each input file the city's own workbook or document is opened and saved again under a new
name — not rebuilt — with every cell a finding names filled red (error) or yellow (warning) and
the finding's message attached to it (an Excel cell comment; a Word comment anchored in the
table cell, plus the cell's shading). A sheet ``问题清单`` (first in the workbook) or a closing
table ``问题清单`` (at the end of the document) lists every finding of the file, those about
the whole file or sheet included; a file without findings says 未发现问题.

What is opened:

* ``.xlsx``/``.xlsm`` — the file itself, with openpyxl (macros are not kept: the copy is an
  ``.xlsx``). openpyxl drops what it does not model: pictures, charts, shapes and data-validation
  lists kept in extensions; cell values, formats, merged cells, column widths stay.
* ``.docx`` — the file itself, with python-docx (≥ 1.2 for real Word comments).
* ``.xls``/``.et`` and ``.doc``/``.wps`` — the copy LibreOffice makes for reading
  (:mod:`formkit.readers.office`, one call per format for a whole run); the output is
  ``.xlsx``/``.docx``.
* ``.pdf`` — there is no document to keep: the tables read from it are written into a new
  workbook, one sheet per table (named like the findings: ``第1页表1``), each cell at the row and
  column the findings give.

``formkit annotate`` also marks what the merge finds across the files given together
(duplicate, conflict, name-mismatch); :func:`annotate_file` marks the findings of its one file.

A file that cannot be read at all (encrypted, corrupt, not an office file) gets no copy: the
result says why, and ``formkit annotate`` prints it. Inputs are only read; each copy is written
to a temporary name and renamed.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from formkit.campaign import Campaign, load_campaign
from formkit.errors import FormkitError
from formkit.findings import CODE_NAMES, Finding

RED = "FFC7CE"
YELLOW = "FFEB9C"
HEADER_FILL = "D9E1F2"
SEVERITY_NAMES = {"error": "错误", "warning": "警告"}
SHEET_NAME = "问题清单"
NO_FINDING = "未发现问题"
AUTHOR = "formkit"
SUFFIX = "（问题标注）"
#: Excel cell references (``C7``) and Word/PDF positions (``第7行第3列``) as findings write them.
_EXCEL_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
_GRID_CELL = re.compile(r"^第(\d+)行第(\d+)列$")
#: Uncompressed sheet XML of a workbook reopened at most. openpyxl keeps every cell as an object
#: (about 50× the XML in memory); 40 MB is some 500,000 cells — far beyond a real city's form.
MAX_SHEET_XML = 40 * 1024 * 1024


@dataclass
class Annotated:
    """One input file: where its marked-up copy went (None when none could be made) and why not."""

    source: Path
    name: str
    output: Path | None
    findings: list[Finding] = field(default_factory=list)
    reason: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Return findings errors first, then by position (sheet, row, column) as a person reads them."""
    from formkit.findings import sort_key

    return sorted(findings, key=lambda f: (f.severity != "error", sort_key(f)))


def location(f: Finding) -> str:
    """Return where a finding is, for a person: ``Sheet1!C7``, ``表1 第5行第9列``, else what it is about."""
    where = f.where
    if where:
        return where
    if f.column:
        return f"表头“{f.column}”"
    return "整个文件"


def output_kind(path: Path) -> str | None:
    """Return ``xlsx``/``docx`` (the copy made of ``path``, by its bytes), or None when none can be."""
    from formkit.readers import sniff
    from formkit.readers.legacy import effective_kind

    try:
        kind = sniff(path)
    except OSError:
        return None
    if kind in ("xlsx", "pdf"):
        return "xlsx"
    if kind == "docx":
        return "docx"
    if kind == "ole":
        legacy = effective_kind(path)
        return {"xls": "xlsx", "doc": "docx"}.get(legacy)
    return None


def annotated_name(name: str, kind: str) -> str:
    """Return ``<stem>（问题标注）.xlsx|.docx`` for a file called ``name``."""
    from formkit.fsutil import safe_filename

    stem = Path(name).stem or "文件"
    return safe_filename(f"{stem}{SUFFIX}.{kind}", max_len=120)


# --- the LibreOffice copies ----------------------------------------------------------------------


@contextlib.contextmanager
def legacy_copies(paths: Iterable[Path]) -> Iterator[dict[Path, Path | str]]:
    """Yield {legacy path: its .docx/.xlsx copy, or why there is none} while the block runs.

    Word-family files (.doc/.wps) are converted by the readers' run-level pre-pass
    (:func:`formkit.readers.office.converted_copies`), which the readers then use too; the
    workbooks (.xls/.et), which the readers read directly, are converted in one more call.
    """
    from formkit.readers import office
    from formkit.readers.legacy import SHEET_SUFFIXES, effective_kind

    paths = [Path(p) for p in paths]
    sheets = [p for p in paths if output_kind(p) == "xlsx" and _is_ole(p) and effective_kind(p) == "xls"]
    with office.converted_copies(paths) as documents:
        tmp = Path(tempfile.mkdtemp(prefix="formkit-annotate-")) if sheets else None
        try:
            done: dict[Path, Path | str] = dict(documents)
            if sheets:
                exts = {p: (p.suffix.lower() if p.suffix.lower() in SHEET_SUFFIXES else ".xls") for p in sheets}
                done.update(office.convert_batch(sheets, "xlsx", tmp, input_exts=exts))
            yield done
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


def sheet_xml_size(path: Path) -> int:
    """Return the uncompressed size of a workbook's worksheet parts (from the zip directory only)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return sum(i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def _is_ole(path: Path) -> bool:
    from formkit.readers.legacy import OLE_MAGIC

    try:
        with open(path, "rb") as fh:
            return fh.read(8) == OLE_MAGIC
    except OSError:
        return False


# --- one file --------------------------------------------------------------------------------------


def annotate_file(path: str | Path, dest_dir: str | Path, *, campaign: Campaign | None = None,
                  display_name: str | None = None, result=None) -> Path | None:
    """Return the marked-up copy of one file written into ``dest_dir`` (None when none can be made).

    ``result`` is the file's :class:`formkit.api.FileResult` when already read and checked
    (the portal has it from the upload); otherwise the file is read here. ``display_name`` is
    the name findings and the copy's name use (default: the file's own name).
    """
    return annotate_one(Path(path), Path(dest_dir), campaign=campaign, display_name=display_name,
                        result=result).output


def annotate_one(path: Path, dest_dir: Path, *, campaign: Campaign | None = None,
                 display_name: str | None = None, result=None,
                 copies: dict[Path, Path | str] | None = None, filename: str | None = None) -> Annotated:
    """Return what became of one file: its copy in ``dest_dir`` (named ``filename``), or why there is none."""
    from formkit import api

    campaign = campaign or load_campaign()
    name = display_name or (result.name if result is not None else path.name)
    if copies is None:
        with legacy_copies([path]) as made:
            return annotate_one(path, dest_dir, campaign=campaign, display_name=name, result=result, copies=made,
                                filename=filename)
    if result is None:
        result = api.read_file(path, campaign, name)
    findings = ordered(result.findings)
    done = Annotated(source=path, name=name, output=None, findings=findings)
    unreadable = [f for f in findings if f.code == "unreadable"]
    kind = output_kind(path)
    if unreadable or kind is None:
        done.reason = unreadable[0].message if unreadable else "无法识别的文件格式，未生成标注文件"
        return done
    source: Path | str = path
    if _is_ole(path):
        source = copies.get(path) or "未能转换此文件，未生成标注文件"
        if isinstance(source, str):
            done.reason = source
            return done
    target = Path(dest_dir) / (filename or annotated_name(name, kind))
    if kind == "xlsx" and result.family != "pdf":
        size = sheet_xml_size(Path(source))
        if size > MAX_SHEET_XML:
            done.reason = (f"表格过大（工作表解压后{size // (1024 * 1024)} MB），未生成标注副本；"
                           "问题见 formkit check 的结果，请删除多余的行列后重新提交")
            return done
    try:
        if kind == "docx":
            data = annotate_docx(source, findings, name)
        elif result.family == "pdf":
            data = annotate_pdf(path, findings, name)
        else:
            data = annotate_xlsx(source, findings, name)
    except FormkitError as exc:  # the PDF could not be read again
        done.reason = str(exc)
        return done
    except Exception as exc:  # noqa: BLE001 — a file the readers took but the writer cannot reopen
        done.reason = f"文件可以读取，但无法另存标注副本（{type(exc).__name__}），请直接查看问题清单"
        return done
    from formkit.fsutil import write_bytes

    done.output = write_bytes(target, data)
    return done


# --- many files --------------------------------------------------------------------------------------


def annotate(paths: Iterable[str | Path], out_dir: str | Path, *, campaign: Campaign | None = None,
             progress: Callable[[Iterable], Iterable] | None = None) -> list[Annotated]:
    """Return, per input file (folders scanned recursively), its marked-up copy under ``out_dir``.

    The input folders are mirrored: ``南京市/a.xlsx`` of folder ``报送材料`` becomes
    ``out_dir/南京市/a（问题标注）.xlsx``. Legacy files are converted by LibreOffice once, for
    reading and marking alike. Each copy shows its file's own findings and those across the
    files given together (:func:`cross_file_findings`), as the merge reports them.
    """
    from formkit import api

    campaign = campaign or load_campaign()
    paths = list(paths)
    out_dir = Path(out_dir)
    api.refuse_output_inside_inputs(out_dir, paths)
    inputs, _ = api.collect_inputs(paths)
    results: list[Annotated] = []
    used: set[str] = set()
    with legacy_copies([p for p, _ in inputs]) as copies:
        checked = [api.read_file(path, campaign, name) for path, name in (progress(inputs) if progress else inputs)]
        for result, extra in zip(checked, cross_file_findings(checked, campaign)):
            if extra:
                result.findings = result.findings + extra
        for (path, name), result in zip(inputs, checked):
            folder = out_dir.joinpath(*Path(name).parts[:-1])
            kind = output_kind(path) or "xlsx"
            # Two inputs that would give the same copy (a.xls and a.xlsx): the later one numbered.
            target = folder / annotated_name(name, kind)
            k = 1
            while str(target).lower() in used:
                k += 1
                target = folder / annotated_name(f"{Path(name).stem}（{k}）{Path(name).suffix}", kind)
            used.add(str(target).lower())
            results.append(annotate_one(path, folder, campaign=campaign, display_name=name, result=result,
                                        copies=copies, filename=target.name))
    return results


def cross_file_findings(results: list, campaign: Campaign) -> list[list[Finding]]:
    """Return, per file result, the findings across the files read together (duplicate, conflict, name-mismatch).

    As ``formkit merge`` finds them: a resubmission replaces the older file of the same city,
    form and batch, which is then not compared. The city-level checks (quota, plan, missing)
    are not about one file and are left to the merge and the 数据问题反馈函.
    """
    from formkit.checks.cross import run_cross_checks
    from formkit.merge import order_records, resolve_resubmissions

    active, _ = resolve_resubmissions([s for r in results for s in r.submissions])
    by_file: dict[str, list[Finding]] = {}
    for f in run_cross_checks(order_records(active, campaign)):
        by_file.setdefault(f.file, []).append(f)
    return [by_file.get(r.name, []) for r in results]


# --- Excel ---------------------------------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None:
        return None
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _put_text(ws, row: int, col: int, value):
    """Write ``value`` as a text cell (never a formula, whatever it starts with)."""
    cell = ws.cell(row=row, column=col)
    text = _text(value)
    cell.value = text
    if text is not None:
        cell.data_type = "s"
    return cell


def excel_position(f: Finding) -> tuple[int, int] | None:
    """Return the (row, column) a finding names in a sheet, or None when it names no cell."""
    from openpyxl.utils.cell import column_index_from_string

    if not f.cell:
        return None
    match = _EXCEL_CELL.match(f.cell)
    if match:
        return int(match.group(2)), column_index_from_string(match.group(1))
    match = _GRID_CELL.match(f.cell)
    if match:
        return int(match.group(1)), int(match.group(2))
    return None


def _by_place(findings: list[Finding], position: Callable) -> dict[tuple, list[Finding]]:
    places: dict[tuple, list[Finding]] = {}
    for f in findings:
        at = position(f)
        if at is not None and f.sheet:
            places.setdefault((f.sheet, *at), []).append(f)
    return places


def _comment_text(found: list[Finding]) -> str:
    return "\n".join(f"【{SEVERITY_NAMES[f.severity]}】{f.message}" for f in found)


def mark_workbook(wb, findings: list[Finding], name: str, sheet_names: dict[str, str] | None = None) -> None:
    """Fill and comment every cell a finding names, and put the 问题清单 sheet first."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    sheet_names = sheet_names or {}
    fills = {"error": PatternFill("solid", fgColor=RED), "warning": PatternFill("solid", fgColor=YELLOW)}
    targets: dict[int, str] = {}  # id(finding) → the sheet reference of the cell marked
    for (sheet, row, col), found in _by_place(findings, excel_position).items():
        title = sheet_names.get(sheet, sheet)
        if title not in wb.sheetnames:
            continue
        ws = wb[title]
        for merged in ws.merged_cells.ranges:
            if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
                row, col = merged.min_row, merged.min_col  # a merged area keeps its value, fill and note in its first cell
                break
        cell = ws.cell(row=row, column=col)
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        cell.fill = fills[worst]
        text = _comment_text(found)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n——\n{text}"
        lines = sum(1 + len(line) // 18 for line in text.splitlines())
        cell.comment = Comment(text, AUTHOR, height=min(400, 20 + 18 * lines), width=300)
        for f in found:
            targets[id(f)] = f"'{title}'!{cell.coordinate}"
    _findings_sheet(wb, findings, name, targets)


def _findings_sheet(wb, findings: list[Finding], name: str, targets: dict[int, str]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    title = SHEET_NAME
    k = 1
    while title in wb.sheetnames:
        k += 1
        title = f"{SHEET_NAME}{k}"
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    ws = wb.create_sheet(title, 0)
    wb.active = 0
    ws.sheet_view.tabSelected = True
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    _put_text(ws, 1, 1, f"问题清单：{name}").font = Font(name="黑体", bold=True, size=14)
    summary = (f"共发现问题{len(findings)}处，其中错误{errors}处、警告{warnings}处。标红的单元格为错误，须修改；"
               "标黄的为警告，请核实。鼠标移到单元格上可查看批注，点击“位置”可跳到该单元格。"
               if findings else f"{NO_FINDING}。")
    _put_text(ws, 2, 1, summary)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    ws.row_dimensions[2].height = 32
    ws.cell(row=2, column=1).alignment = Alignment(wrap_text=True, vertical="center")
    headers = ["序号", "类别", "位置", "问题", "问题及修改要求", "原值"]
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, header in enumerate(headers, start=1):
        cell = _put_text(ws, 3, c, header)
        cell.font = Font(name="黑体", bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c, width in enumerate((6, 8, 22, 16, 60, 24), start=1):
        ws.column_dimensions[chr(64 + c)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    if not findings:
        cell = _put_text(ws, 4, 1, NO_FINDING)
        ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=6)
    fills = {"error": PatternFill("solid", fgColor=RED), "warning": PatternFill("solid", fgColor=YELLOW)}
    for n, f in enumerate(findings, start=1):
        r = 3 + n
        values = [n, SEVERITY_NAMES[f.severity], location(f), CODE_NAMES.get(f.code, f.code), f.message, f.value]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value) if c == 1 else _put_text(ws, r, c, value)
            cell.border = border
            cell.alignment = wrap
        ws.cell(row=r, column=2).fill = fills[f.severity]
        # Wrapped text: the row as tall as the message needs (about 28 Chinese characters a line).
        ws.row_dimensions[r].height = 15 * max(1, -(-len(f.message) // 28), -(-len(f.value or "") // 11))
        target = targets.get(id(f))
        if target:
            link = ws.cell(row=r, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=target, display=location(f))
            link.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _save_workbook(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def annotate_xlsx(source: Path, findings: list[Finding], name: str) -> bytes:
    """Return the bytes of the workbook ``source`` with its findings marked and listed."""
    import warnings

    from openpyxl import load_workbook

    # Opened from a file object: openpyxl refuses a name ending in .xls even when the bytes are xlsx.
    with open(source, "rb") as fh, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Data Validation extension is not supported": said in the docs
        wb = load_workbook(fh, rich_text=True)
    mark_workbook(wb, findings, name)
    return _save_workbook(wb)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def annotate_pdf(path: Path, findings: list[Finding], name: str) -> bytes:
    """Return a workbook of the tables read from a PDF (one sheet per table), findings marked."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    from formkit.readers import Unreadable, read_grids

    wrap = Alignment(wrap_text=True, vertical="center")

    try:
        _, grids = read_grids(path, name)
    except Unreadable as exc:
        raise FormkitError(str(exc)) from exc
    wb = Workbook()
    wb.remove(wb.active)
    titles: dict[str, str] = {}
    for grid in grids:
        title = _SHEET_FORBIDDEN.sub("_", grid.sheet)[:31] or "表"
        while title in wb.sheetnames:
            title = f"{title[:28]}_{len(wb.sheetnames)}"
        titles[grid.sheet] = title
        ws = wb.create_sheet(title)
        widths: dict[int, int] = {}
        for r, row in zip(grid.row_numbers, grid.rows):
            for c, cell in enumerate(row, start=1):
                if cell.text:
                    _put_text(ws, r, c, cell.text).alignment = wrap
                    widths[c] = max(widths.get(c, 6), min(24, 2 * len(cell.text) + 2))
        for c, width in widths.items():
            ws.column_dimensions[get_column_letter(c)].width = width
        # Printed as the city's table was: landscape A4, one page wide.
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = 9
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if not grid.rows and grid.before:
            for r, line in enumerate(grid.before, start=1):
                _put_text(ws, r, 1, line)
    if not wb.sheetnames:
        wb.create_sheet("表1")
    mark_workbook(wb, findings, name, titles)
    return _save_workbook(wb)


# --- Word ----------------------------------------------------------------------------------------------

_TCPR_AFTER_SHD = ("noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
                   "cellIns", "cellDel", "cellMerge", "tcPrChange")


def _shade(tc, fill: str) -> None:
    """Give a table cell the background ``fill`` (``w:shd`` in its place in ``w:tcPr``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = tc.get_or_add_tcPr()
    shd = tcpr.find(qn("w:shd"))
    if shd is None:
        shd = OxmlElement("w:shd")
        later = {qn(f"w:{t}") for t in _TCPR_AFTER_SHD}
        for child in tcpr:
            if child.tag in later:
                child.addprevious(shd)
                break
        else:
            tcpr.append(shd)
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


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


_RPR_AFTER_SHD = ("fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")


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


def _shade_run(run, fill: str) -> None:
    """Give a run of text the background ``fill`` (``w:shd`` in its place in ``w:rPr``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = run._r.get_or_add_rPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    later = {qn(f"w:{t}") for t in _RPR_AFTER_SHD}
    for child in rpr:
        if child.tag in later:
            child.addprevious(shd)
            break
    else:
        rpr.append(shd)


def mark_document(doc, findings: list[Finding], name: str) -> None:
    """Shade and comment every table cell a finding names; add the closing 问题清单 table."""
    from formkit.readers.word import body_tables, table_cell_grid

    body = doc.element.body
    tables = body_tables(body)
    grids: dict[int, list[list]] = {}
    for (sheet, row, col), found in _by_place(findings, _word_position).items():
        match = re.fullmatch(r"表(\d+)", sheet)
        if not match or not 1 <= int(match.group(1)) <= len(tables):
            continue
        n = int(match.group(1)) - 1
        grid = grids.setdefault(n, table_cell_grid(tables[n]))
        if not (1 <= row <= len(grid) and 1 <= col <= len(grid[row - 1])) or grid[row - 1][col - 1] is None:
            continue
        tc = grid[row - 1][col - 1]
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        _shade(tc, RED if worst == "error" else YELLOW)
        _comment(doc, _runs_of(tc, doc._body), found)
    for f in findings:  # a header-block value above the table (填报日期): shaded and commented in its paragraph
        paragraph = _header_paragraph(doc, f)
        if paragraph is not None:
            run = _isolate(paragraph, str(f.value).strip())
            if run is not None:
                _shade_run(run, RED if f.severity == "error" else YELLOW)
                runs = [run]
            else:
                runs = [r for r in paragraph.runs if r.text] or [paragraph.add_run("")]
            _comment(doc, [runs[0], runs[-1]], [f])
    _findings_table(doc, findings, name)


def _word_position(f: Finding) -> tuple[int, int] | None:
    if not f.cell:
        return None
    match = _GRID_CELL.match(f.cell)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _findings_table(doc, findings: list[Finding], name: str) -> None:
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
        _shade(cell._tc, HEADER_FILL)
    for r, (values, f) in enumerate(zip(rows, findings or [None]), start=1):
        cells = table.rows[r].cells
        if f is None:
            merged = cells[0].merge(cells[-1])
            styled(merged.paragraphs[0].add_run(values[0]), 10.5)
            continue
        for c, text in enumerate(values):
            cells[c].width = int(width * weights[c] / sum(weights))
            styled(cells[c].paragraphs[0].add_run(text), 10.5)
        _shade(cells[1]._tc, RED if f.severity == "error" else YELLOW)


def annotate_docx(source: Path, findings: list[Finding], name: str) -> bytes:
    """Return the bytes of the document ``source`` with its findings marked and listed."""
    from docx import Document

    with open(source, "rb") as fh:
        doc = Document(fh)
    mark_document(doc, findings, name)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
