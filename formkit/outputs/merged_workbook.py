"""The provincial workbook of one form: every merged record on one sheet, marked where it has a
finding, and a totals sheet per city.

Written in openpyxl's write-only mode (streamed, constant memory); plain rows of large forms are
filled in as XML afterwards. Every text from an input is a string cell, so ``=HYPERLINK(...)``
stays text and never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from formkit.findings import SEVERITY_NAMES, Finding
from formkit.forms import Form, get_form
from formkit.fsutil import atomic_path
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


def styles():
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


def text_cell(ws, value, **style):
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


def print_setup(ws, ncols: int, header_row: int) -> None:
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
    st = styles()
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
    print_setup(ws, len(headers), 1)
    # The title goes into the printed page header: row 1 stays the header row, so filters,
    # sorting and other tools read the table directly.
    ws.oddHeader.center.text = f"全省{form.title_for(result.campaign.year)}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.append([text_cell(ws, h, font=st["header_font"], fill=st["header_fill"], border=st["border"],
                          alignment=st["wrap"]) for h in headers])
    # Plain values are appended as they are (fast); a cell object is made only where it is
    # needed: a finding to mark, or a text openpyxl would otherwise take for a formula.
    # A row with a finding goes through openpyxl (fills, comments). Every other row is left
    # empty here and its cells are written as XML afterwards (_fill_plain_rows): openpyxl's
    # writer costs ~5 µs a cell, and a provincial table has a million of them.
    marked_records = {rid for rid, _ in by_cell}
    plain: dict[int, list] = {}
    date_cell = text_cell(ws, dt.date(2000, 1, 1))
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
        row = [text_cell(ws, v) if type(v) is str and v[:1] in FORMULA_START else v for v in values]
        for k, key in enumerate([None, "__city__"] + [c.key for c in columns]):
            found = by_cell.get((id(record), key))
            if found:
                cell = row[k] if not isinstance(row[k], (str, int, float, dt.date, type(None))) else text_cell(ws, values[k])
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
    ws.append([text_cell(ws, h, font=st["header_font"], fill=st["header_fill"], border=st["border"]) for h in headers])
    for r in rows + [total]:
        ws.append([text_cell(ws, v, border=st["border"]) for v in r])
