"""Write what merge produced: a provincial workbook per form, the findings, summary and records.

Workbooks are written in openpyxl's write-only mode (streamed, constant memory). Every text
from an input is written as a string cell, so ``=HYPERLINK(...)`` stays text and never
becomes a formula. Every file goes to a temporary name first and is renamed when complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Callable

from formkit.findings import CODE_NAMES, SEVERITY_NAMES, Finding, to_json
from formkit.forms import Form, get_form
from formkit.fsutil import atomic_path, write_text
from formkit.merge import MergeResult
from formkit.outputs.palette import HEADER_FILL, RED, YELLOW
from formkit.table import Record

FORMULA_START = ("=", "+", "-", "@")


def consolidated_name(form: Form, year: int) -> str:
    """Return 全省 + the form's title + .xlsx (e.g. 全省2023年度贯标绩效评价合格企业汇总表.xlsx)."""
    return f"全省{form.title_for(year)}.xlsx"


def cell_value(record: Record, key: str):
    """Return the value to write: normalised when it parsed, else the raw text the city typed."""
    cell = record.cells.get(key)
    if cell is None or cell.raw == "":
        return None
    if cell.problem is not None or cell.value is None:
        return cell.raw
    value = cell.value
    if isinstance(value, list):
        return "、".join(value)
    return value


def json_value(value):
    """Return a JSON-ready value: dates as ISO text, lists element-wise."""
    if value is None or type(value) in (str, int, float):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    return {
        "header_font": Font(name="黑体", bold=True, size=11),
        "header_fill": PatternFill("solid", fgColor=HEADER_FILL),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="center", horizontal="center"),
        "error": PatternFill("solid", fgColor=RED),
        "warning": PatternFill("solid", fgColor=YELLOW),
        "title_font": Font(name="黑体", bold=True, size=16),
    }


def _text_cell(ws, value, **style):
    """Return a write-only cell; strings are forced to text so no input becomes a formula."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = _strip_illegal(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = "yyyy-mm-dd"
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def _strip_illegal(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _print_setup(ws, ncols: int, header_row: int) -> None:
    ws.freeze_panes = f"C{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_form_workbook(result: MergeResult, form_key: str, path: Path) -> Path:
    """Write the provincial workbook of one form: records in official order, totals last."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    form = get_form(form_key)
    st = _styles()
    records = result.records.get(form_key, [])
    by_cell: dict[tuple[int, str | None], list[Finding]] = {}
    for f in result.findings:
        if f.record is not None and f.record.form == form_key:
            key = _column_key(form, f.column)
            by_cell.setdefault((id(f.record), key), []).append(f)

    columns = [c for c in form.columns if c.type != "seq"]
    headers = ["序号", "设区市"] + [c.header for c in columns] + ["来源文件", "来源位置"]
    if form_key == "evaluation":
        headers.append("批次")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(form))
    widths = [6, 10] + [max(8, c.width) for c in columns] + [36, 16] + ([8] if form_key == "evaluation" else [])
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    # A write-only sheet writes its views when the first row arrives: freeze before appending.
    _print_setup(ws, len(headers), 1)
    # The title goes into the printed page header: row 1 stays the header row, so filters,
    # sorting and other tools read the table directly.
    ws.oddHeader.center.text = f"全省{form.title_for(result.campaign.year)}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.append([_text_cell(ws, h, font=st["header_font"], fill=st["header_fill"], border=st["border"],
                          alignment=st["wrap"]) for h in headers])
    # Plain values are appended as they are (fast); a cell object is made only where it is
    # needed: a finding to mark, or a text openpyxl would otherwise take for a formula.
    # A row with a finding goes through openpyxl (fills, comments). Every other row is left
    # empty here and its cells are written as XML afterwards (_fill_plain_rows): openpyxl's
    # writer costs ~5 µs a cell, and a provincial table has a million of them.
    marked_records = {rid for rid, _ in by_cell}
    plain: dict[int, list] = {}
    date_cell = _text_cell(ws, dt.date(2000, 1, 1))
    date_style = date_cell.style_id  # registers yyyy-mm-dd in the workbook's styles
    for n, record in enumerate(records, start=1):
        src = record.source
        values = [n, record.submission.city or "（未确定）"]
        values.extend(cell_value(record, col.key) for col in columns)
        values.append(src.file)
        values.append(f"{src.sheet} 第{src.row}行" if src.sheet else f"第{src.row}行")
        if form_key == "evaluation":
            values.append({1: "第一批", 2: "第二批"}.get(record.submission.batch, ""))
        if id(record) not in marked_records:
            plain[n + 1] = values
            ws.append([])
            continue
        row = [_text_cell(ws, v) if type(v) is str and v[:1] in FORMULA_START else v for v in values]
        for k, key in enumerate([None, "__city__"] + [c.key for c in columns]):
            found = by_cell.get((id(record), key))
            if found:
                cell = row[k] if not isinstance(row[k], (str, int, float, dt.date, type(None))) else _text_cell(ws, values[k])
                _mark(cell, found, st)
                row[k] = cell
        ws.append(row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(records) + 1}"
    _totals_sheet(wb, result, form_key, st)
    with atomic_path(path) as tmp:
        wb.save(tmp)
        _fill_plain_rows(tmp, "xl/worksheets/sheet1.xml", plain, date_style)
    return path


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EMPTY_ROW = re.compile(rb'<row r="(\d+)"></row>')
_XML_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}


def _cell_xml(ref: str, value, date_style: int) -> str:
    """Return one cell's XML, as openpyxl would write it (text inline, never a formula)."""
    if value is None or value == "":
        return ""
    kind = type(value)
    if kind is str:
        text = _strip_illegal(value).translate(_XML_ESCAPES)
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        return f'<c r="{ref}" t="n"><v>{value!r}</v></c>'
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{date_style}" t="n"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    text = _strip_illegal(str(value)).translate(_XML_ESCAPES)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _fill_plain_rows(path: Path, sheet: str, rows: dict[int, list], date_style: int) -> None:
    """Write the cells of the rows openpyxl left empty into the saved workbook's sheet XML."""
    import io
    import zipfile

    from openpyxl.utils import get_column_letter

    from formkit.outputs.ooxml import repack

    if not rows:
        return
    width = max(len(v) for v in rows.values())
    letters = [get_column_letter(k + 1) for k in range(width)]

    def fill(match: re.Match) -> bytes:
        n = int(match.group(1))
        values = rows.get(n)
        if values is None:
            return match.group(0)
        cells = "".join(_cell_xml(f"{letters[k]}{n}", v, date_style) for k, v in enumerate(values))
        return f'<row r="{n}">{cells}</row>'.encode("utf-8")

    data = Path(path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        xml = zin.read(sheet)
    Path(path).write_bytes(repack(data, {sheet: _EMPTY_ROW.sub(fill, xml)}))


def _column_key(form: Form, header: str | None) -> str | None:
    if header is None:
        return None
    for col in form.columns:
        if col.header == header:
            return None if col.type == "seq" else col.key
    return None


def _mark(cell, findings: list[Finding], st) -> None:
    from openpyxl.comments import Comment

    if not findings:
        return
    severity = "error" if any(f.severity == "error" for f in findings) else "warning"
    cell.fill = st[severity]
    text = "\n".join(f"[{SEVERITY_NAMES[f.severity]}] {f.message}" for f in findings)
    comment = Comment(text, "formkit")
    comment.width = 320
    comment.height = 40 + 20 * len(text) // 25
    cell.comment = comment


def _sheet_title(form: Form) -> str:
    return {"plan": "计划分解", "evaluation": "绩效评价合格企业", "spotcheck": "质量抽查情况",
            "anomaly": "备案信息异常情况"}[form.key]


def _totals_sheet(wb, result: MergeResult, form_key: str, st) -> None:
    """Append the per-city totals sheet of one form."""
    ws = wb.create_sheet("各市合计")
    summary = result.summary["cities"]
    errors: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for f in result.findings:
        if f.form == form_key and f.city:
            (errors if f.severity == "error" else warnings)[f.city] = (errors if f.severity == "error" else warnings).get(f.city, 0) + 1
    submitted: dict[str, int] = {}
    for r in result.records.get(form_key, []):
        city = r.submission.city or "（未确定）"
        submitted[city] = submitted.get(city, 0) + 1
    if form_key == "evaluation":
        headers = ["设区市", "报送条数", "有效条数", "第一批", "第二批", "年度目标", "上年数", "错误", "警告"]
        rows = [[c, submitted.get(c, 0), s["evaluation"]["rows"], s["evaluation"]["batch1"], s["evaluation"]["batch2"],
                 s["evaluation"]["target"], s["evaluation"]["last_year"], errors.get(c, 0), warnings.get(c, 0)]
                for c, s in summary.items()]
    elif form_key == "spotcheck":
        headers = ["设区市", "报送条数", "有效条数", "其中未达标", "最低要求", "错误", "警告"]
        minimum = result.campaign.thresholds["spotcheck_min_per_city"]
        rows = [[c, submitted.get(c, 0), s["spotcheck"]["rows"], s["spotcheck"]["failed"], minimum,
                 errors.get(c, 0), warnings.get(c, 0)] for c, s in summary.items()]
    elif form_key == "anomaly":
        types = list(get_form("anomaly").column("type").values)
        headers = ["设区市", "报送条数", "有效条数"] + types + ["错误", "警告"]
        rows = [[c, submitted.get(c, 0), s["anomaly"]["rows"]] + [s["anomaly"]["by_type"][t] for t in types]
                + [errors.get(c, 0), warnings.get(c, 0)] for c, s in summary.items()]
    else:
        headers = ["设区市", "报送条数", "错误", "警告"]
        rows = [[c, submitted.get(c, 0), errors.get(c, 0), warnings.get(c, 0)] for c in summary]
    if "（未确定）" in submitted:
        rows.append(["（未确定）", submitted["（未确定）"]] + [None] * (len(headers) - 2))
    total = ["合计"] + [sum(r[k] or 0 for r in rows) if all(isinstance(r[k], (int, type(None))) for r in rows) else None
                        for k in range(1, len(headers))]
    ws.freeze_panes = "B2"
    ws.append([_text_cell(ws, h, font=st["header_font"], fill=st["header_fill"], border=st["border"]) for h in headers])
    for r in rows + [total]:
        ws.append([_text_cell(ws, v, border=st["border"]) for v in r])


def write_findings_xlsx(result: MergeResult, path: Path) -> Path:
    """Write 问题清单: one row per finding, with filters so it sorts by city or code."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    st = _styles()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题清单")
    headers = ["序号", "级别", "问题代码", "问题类别", "设区市", "附件", "文件", "工作表/表格", "行", "列", "单元格",
               "企业（信用代码或名称）", "原值", "说明及修改意见"]
    for i, w in enumerate([6, 6, 18, 16, 10, 8, 40, 12, 6, 18, 12, 22, 22, 70], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.append([_text_cell(ws, h, font=st["header_font"], fill=st["header_fill"], border=st["border"]) for h in headers])
    for n, f in enumerate(result.findings, start=1):
        form = f"附件{get_form(f.form).attachment}" if f.form else None
        values = [n, SEVERITY_NAMES[f.severity], f.code, CODE_NAMES[f.code], f.city, form, f.file, f.sheet, f.row,
                  f.column, f.cell, f.key, f.value, f.message]
        row = [_text_cell(ws, v, border=st["border"]) for v in values]
        row[1].fill = st[f.severity]
        ws.append(row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(result.findings) + 1}"
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def records_json(result: MergeResult) -> dict:
    """Return records.json: per form, every merged record with values, raw text and provenance."""
    out: dict = {"year": result.campaign.year, "forms": {}}
    codes_by_record: dict[int, list[str]] = {}
    for f in result.findings:
        if f.record is not None:
            codes_by_record.setdefault(id(f.record), []).append(f.code)
    for form_key, records in result.records.items():
        data_keys = {c.key for c in get_form(form_key).columns if c.type != "seq"}
        items = []
        for r in records:
            sub = r.submission
            refs = {k: c.source.cell for k, c in r.cells.items()}
            items.append({
                "city": sub.city,
                "batch": sub.batch,
                "file": r.source.file,
                "sheet": r.source.sheet,
                "row": r.source.row,
                "valid": r.valid,
                "findings": sorted(set(codes_by_record.get(id(r), ()))),
                "values": {k: json_value(c.value) for k, c in r.cells.items() if k in data_keys},
                "raw": {k: c.raw for k, c in r.cells.items()},
                "cells": refs,
            })
        out["forms"][form_key] = items
    return out


def records_json_text(result: MergeResult) -> str:
    """Return records.json's text: one record per line (the C encoder; indent would be 10× slower)."""
    data = records_json(result)
    parts = ['{"year": %d, "forms": {' % data["year"]]
    forms = list(data["forms"].items())
    for i, (form, items) in enumerate(forms):
        parts.append(f"\n {json.dumps(form)}: [")
        parts.append(",".join("\n  " + json.dumps(item, ensure_ascii=False) for item in items))
        parts.append("\n ]" + ("," if i < len(forms) - 1 else ""))
    parts.append("\n}}\n")
    return "".join(parts)


#: From this many merged records on, the workbooks are written by two processes (see below).
PARALLEL_MIN_RECORDS = 20000


def _jobs(result: MergeResult, out_dir: Path) -> list[tuple[Path, int, Callable[[], Path]]]:
    """Return (path, weight, writer) for every output; the weight is the rows it writes."""
    jobs = []
    for form_key in result.records:
        if form_key == "plan":
            continue  # the plan is the province's own table; its targets feed the summary
        path = out_dir / consolidated_name(get_form(form_key), result.campaign.year)
        jobs.append((path, len(result.records[form_key]),
                     lambda k=form_key, p=path: write_form_workbook(result, k, p)))
    n_findings = len(result.findings)
    n_records = sum(len(v) for v in result.records.values())
    jobs.append((out_dir / "findings.json", n_findings // 4,
                 lambda: write_text(out_dir / "findings.json", to_json(result.findings) + "\n")))
    jobs.append((out_dir / "findings.xlsx", n_findings,
                 lambda: write_findings_xlsx(result, out_dir / "findings.xlsx")))
    jobs.append((out_dir / "summary.json", 1, lambda: write_text(
        out_dir / "summary.json", json.dumps(result.summary, ensure_ascii=False, indent=2) + "\n")))
    jobs.append((out_dir / "records.json", n_records // 2,
                 lambda: write_text(out_dir / "records.json", records_json_text(result))))
    return jobs


def write_merged(result: MergeResult, out_dir: Path, parallel: bool | None = None) -> list[Path]:
    """Write every merge output into ``out_dir`` and return their paths.

    Writing workbooks is the slowest step of a large merge (openpyxl's writer makes about
    0.15 Mcell/s, in any Python writer). On a POSIX machine with two cores or more, a large
    merge forks: the child writes the heaviest workbooks from the memory it shares with the
    parent, the parent writes the rest. Every file is still written atomically; a failure in
    the child is raised in the parent. ``parallel`` forces one way or the other.
    """
    out_dir = Path(out_dir)
    jobs = _jobs(result, out_dir)
    if parallel is None:
        parallel = (hasattr(os, "fork") and (os.cpu_count() or 1) > 1
                    and sum(len(v) for v in result.records.values()) >= PARALLEL_MIN_RECORDS)
    if not parallel:
        return [write() for _, _, write in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][1])
    half = sum(w for _, w, _ in jobs) / 2
    child, load = set(), 0
    for i in order:
        if load + jobs[i][1] <= half or not child:
            child.add(i)
            load += jobs[i][1]
    _run_split([jobs[i][2] for i in sorted(child)],
               [jobs[i][2] for i in range(len(jobs)) if i not in child])
    return [path for path, _, _ in jobs]


def _run_split(in_child: list[Callable], in_parent: list[Callable]) -> None:
    """Run ``in_child`` in a forked process and ``in_parent`` here; raise the child's failure."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write, report a failure through the pipe, never return
        os.close(read_end)
        status = 0
        try:
            for write in in_child:
                write()
        except BaseException as exc:  # noqa: BLE001 — reported to the parent
            os.write(write_end, (str(exc) or type(exc).__name__).encode("utf-8", "replace")[:4000])
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        for write in in_parent:
            write()
    finally:
        message = b""
        with os.fdopen(read_end, "rb") as pipe:
            message = pipe.read()
        _, status = os.waitpid(pid, 0)
    if status != 0:
        from formkit.errors import OutputError

        raise OutputError(message.decode("utf-8", "replace") or "写出汇总表的子进程意外退出")
