"""DATA tables for ``formkit render`` and ``formkit lint``: one row → one template context.

:func:`load_table` reads an .xlsx/.xlsm/.xls/.ods workbook (python-calamine), a .csv/.txt
(UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030 — detected; comma, tab or semicolon
separated — detected) or a .json list of objects, and returns a :class:`Table`.

Header names become variable names, as written (spaces and line breaks inside a header are
dropped): a column 企业名称 is ``{{ 企业名称 }}``. A header that is not a valid name, such as
``得分（分）`` or ``2023年目标``, is also given a name that is (:func:`identifier`):
``得分`` (bracketed notes dropped), ``_2023年目标``. Duplicate headers get ``_2``, ``_3``;
an empty header over a column with data is ``列3`` (the column's position).

Values keep what the cell means, never routing text through a number:

* a text cell stays text — a code ``0320100`` or ``913201…XY`` keeps every character;
* Excel numbers: whole numbers are ``int`` (calamine gives ``12.0``); a whole number too big
  for Excel's 15 digits (a credit code typed as a number) is the text Excel shows; other
  numbers are ``float``;
* CSV cells are text, except a plain integer without a leading zero (at most 15 digits) →
  ``int``, and a plain decimal → :class:`~decimal.Decimal` (``85.50`` stays ``85.50``);
* dates: Excel date cells (and ODS dates) become :class:`datetime.date`, which the engine writes
  ``2023年5月6日``; a TEXT that looks like a date (``2023-05-06`` in a CSV or JSON, a text cell)
  stays exactly that text — a mail merge writes what the data says. Templates that want it
  written the Chinese way ask for it: ``{{ 备案日期|中文日期 }}`` (the engine's filter accepts
  dates and date-looking text); ``--where`` compares such text with dates all the same;
* JSON values keep their JSON types; nested objects and lists are allowed (``{{ 联系人.姓名 }}``,
  ``{%tr for r in 明细 %}``); a key an object lacks is ``None`` (an empty cell).

Rows that are entirely empty are skipped. Each row remembers where it came from
(:attr:`Table.row_numbers`): the Excel row number, the CSV line, or the JSON item (1-based).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from formkit.errors import FormkitError
from formkit.readers.base import MAX_FILE_BYTES, Unreadable, check_zip, ole_is_encrypted

__all__ = ["Table", "TableError", "load_table", "identifier", "SUFFIXES"]

MAX_ROWS = 100_000  # a DATA table may be longer and wider than a city's form (readers.base)
MAX_COLS = 500
HEADER_SCAN_ROWS = 30

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv", ".json")


class TableError(FormkitError):
    """A DATA table cannot be read; the Chinese message says why and what to do."""


@dataclass
class Table:
    """A DATA table: its columns (variable names) and one dict per row."""

    name: str  # the file's name, for messages
    columns: list[str]  # variable names, in column order (header text, cleaned)
    rows: list[dict[str, Any]]
    row_numbers: list[int]  # where each row is in the file (Excel row, CSV line, JSON item)
    aliases: dict[str, str] = field(default_factory=dict)  # identifier → column, for odd headers
    sheet: str | None = None
    kind: str = "excel"  # excel | csv | json
    encoding: str | None = None  # CSV: the encoding detected

    def row_label(self, index: int) -> str:
        """Return how a message names row ``index`` (0-based in :attr:`rows`): ``第5行``/``第3条``."""
        number = self.row_numbers[index]
        return f"第{number}条" if self.kind == "json" else f"第{number}行"

    def names(self) -> set[str]:
        """Return every variable name a row provides (columns and their identifier aliases)."""
        return set(self.columns) | set(self.aliases)

    def context(self, index: int) -> dict[str, Any]:
        """Return row ``index`` as a template context: columns plus their identifier aliases."""
        row = self.rows[index]
        if not self.aliases:
            return dict(row)
        context = dict(row)
        for alias, column in self.aliases.items():
            context[alias] = row.get(column)
        return context


# ------------------------------------------------------------------------------ names

_BRACKETS = re.compile(r"\([^()]*\)|（[^（）]*）|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>|《[^《》]*》")
_NOT_NAME = re.compile(r"[^\w]+")


def header_name(value: Any) -> str:
    """Return a header cell's text as a variable name: as written, without whitespace."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\ufeff", "").replace("\u200b", "")
    return re.sub(r"\s+", "", text)


def identifier(name: str) -> str | None:
    """Return a Jinja-usable name for header ``name``, or None when ``name`` already is one.

    ``得分（分）`` → ``得分``; ``2023年目标`` → ``_2023年目标``; ``联系人/电话`` → ``联系人_电话``.
    """
    if name.isidentifier():
        return None
    stripped = name
    previous = None
    while previous != stripped:
        previous, stripped = stripped, _BRACKETS.sub("", stripped)
    stripped = stripped.strip("*※★")
    if stripped and stripped.isidentifier():
        return stripped
    candidate = _NOT_NAME.sub("_", stripped or name).strip("_")
    if not candidate:
        return None
    if not candidate[0].isalpha() and candidate[0] != "_":
        candidate = "_" + candidate
    return candidate if candidate.isidentifier() else None


def _columns(headers: list[str], has_data: list[bool]) -> tuple[list[str | None], dict[str, str]]:
    """Return the column name per position (None = dropped) and the identifier aliases."""
    names: list[str | None] = []
    seen: dict[str, int] = {}
    for k, header in enumerate(headers):
        if not header:
            if not has_data[k]:
                names.append(None)
                continue
            header = f"列{k + 1}"
        base = header
        count = seen.get(base, 0) + 1
        seen[base] = count
        if count > 1:
            header = f"{base}_{count}"
            while header in seen:
                count += 1
                header = f"{base}_{count}"
            seen[header] = 1
        names.append(header)
    taken = {n for n in names if n}
    aliases: dict[str, str] = {}
    for name in names:
        if not name:
            continue
        alias = identifier(name)
        if alias and alias not in taken and alias not in aliases:
            aliases[alias] = name
    return names, aliases


# ------------------------------------------------------------------------------ values

_INT_TEXT = re.compile(r"-?(?:0|[1-9]\d{0,14})")
_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9]\d{0,14})\.\d{1,10}")


def text_value(text: str, numbers: bool) -> Any:
    """Return the value of a text cell: the text itself (dates too), a number only when ``numbers``."""
    stripped = text.strip()
    if not stripped:
        return ""
    if numbers:
        if _INT_TEXT.fullmatch(stripped):
            return int(stripped)
        if _DECIMAL_TEXT.fullmatch(stripped):
            return Decimal(stripped)
    return text


def _number_text(value: float) -> str:
    from formkit.normalize import number_text

    return number_text(value)


def excel_value(value: Any) -> Any:
    """Return the value of a calamine cell (see the module docstring)."""
    if value is None:
        return ""
    if type(value) is str:
        return text_value(value, numbers=False) if value else ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value) if abs(value) < 1e15 else _number_text(value)
        return value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ------------------------------------------------------------------------------ loading

def load_table(path: str | Path, sheet: str | None = None, header_row: int | None = None) -> Table:
    """Return the DATA table in ``path`` (raises :class:`TableError` with a Chinese reason).

    ``sheet``: a workbook's sheet by name (or 1-based position); default the first visible
    worksheet. ``header_row``: the 1-based row (Excel row number, CSV line) holding the headers;
    default the first row with two or more filled cells among the first 30 (a title row above
    the table is skipped), or the first filled row of a one-column table.
    """
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TableError(f"找不到数据文件：{path}") from None
    except OSError as exc:
        raise TableError(f"无法读取数据文件 {name}：{exc.strerror or exc}") from None
    if path.is_dir():
        raise TableError(f"数据 {path} 是文件夹，应为 .xlsx/.xls/.csv/.json 文件")
    if size > MAX_FILE_BYTES:
        raise TableError(f"数据文件 {name} 过大（{size // 1024 // 1024} MB，上限 50 MB）")
    if header_row is not None and header_row < 1:
        raise TableError("--header-row 应为从 1 开始的行号")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise TableError(f"无法读取数据文件 {name}：{exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if not head:
        raise TableError(f"数据文件 {name} 是空文件")
    try:
        if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
            table = _load_workbook(path, name, sheet, header_row)
        elif suffix == ".json" or head.lstrip()[:1] in (b"[", b"{"):
            if sheet is not None or header_row is not None:
                raise TableError("JSON 数据没有工作表和表头行：--sheet、--header-row 只用于 Excel 和 CSV")
            table = _load_json(path, name)
        elif suffix in (".xlsx", ".xlsm", ".ods") and not _looks_like_text(path):
            raise TableError(f"数据文件 {name} 不是有效的 Excel 文件（可能已损坏），请用 Excel 或 WPS 另存后再试")
        else:
            if sheet is not None:
                raise TableError("CSV 数据只有一张表：--sheet 只用于 Excel 工作簿")
            table = _load_csv(path, name, header_row)
    except TableError:
        raise
    except MemoryError:
        raise TableError(f"数据文件 {name} 内容过多，无法读取，请拆分后再试") from None
    except Exception as exc:  # a broken file is a message, never a traceback
        raise TableError(f"数据文件 {name} 已损坏或格式异常，无法读取（{type(exc).__name__}: {str(exc)[:80]}）") from None
    if not table.rows:
        raise TableError(f"数据文件 {name}{'的工作表“' + table.sheet + '”' if table.sheet else ''}没有数据行"
                         f"（表头：{'、'.join(table.columns) or '无'}）")
    return table


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as fh:
        return b"\x00" not in fh.read(4096)


def _check_zip(path: Path, name: str) -> None:
    """Raise TableError when a workbook package fails the readers' one zip guard."""
    try:
        check_zip(path)
    except Unreadable as exc:
        reason = str(exc)
        raise TableError(f"数据文件 {name} {reason[2:] if reason.startswith('文件') else reason}") from None


def _load_workbook(path: Path, name: str, sheet: str | None, header_row: int | None) -> Table:
    from python_calamine import CalamineWorkbook

    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK"):
        _check_zip(path, name)
    else:
        if ole_is_encrypted(path):
            raise TableError(f"数据文件 {name} 已加密，请取消密码后再试")
    try:
        with path.open("rb") as fh:
            book = CalamineWorkbook.from_filelike(fh)
    except Exception as exc:
        message = str(exc).lower()
        if "password" in message or "encrypt" in message:
            raise TableError(f"数据文件 {name} 已加密，请取消密码后再试") from None
        raise TableError(f"数据文件 {name} 无法作为 Excel 读取（{str(exc)[:80]}），请用 Excel 或 WPS 另存后再试") from None
    names = list(book.sheet_names)
    try:
        metas = book.sheets_metadata
        worksheets = [m.name for m in metas if "WorkSheet" in str(m.typ)]
        visible = [m.name for m in metas if "WorkSheet" in str(m.typ) and "Visible" == str(m.visible).split(".")[-1]]
    except Exception:  # older files without metadata
        worksheets = visible = names
    if sheet is None:
        chosen = (visible or worksheets or names or [None])[0]
        if chosen is None:
            raise TableError(f"数据文件 {name} 没有工作表")
    elif sheet in names:
        chosen = sheet
    elif sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        chosen = names[int(sheet) - 1]
    else:
        raise TableError(f"数据文件 {name} 中没有工作表“{sheet}”；现有工作表：{'、'.join(names)}")
    data = book.get_sheet_by_name(chosen)
    row0, col0 = data.start or (0, 0)
    grid: list[list[Any]] = []
    for i, values in enumerate(data.iter_rows()):
        if i >= MAX_ROWS + HEADER_SCAN_ROWS:
            raise TableError(f"数据文件 {name} 的工作表“{chosen}”超过 {MAX_ROWS} 行，请拆分后再试")
        grid.append([None] * col0 + list(values[:MAX_COLS]))
    # The header is guessed before merged cells are unfolded: a merged title over the table
    # is one filled cell, not a row of them.
    guessed = _guess_header(grid)
    for (r1, c1), (r2, c2) in getattr(data, "merged_cell_ranges", None) or []:
        tr = r1 - row0
        if not 0 <= tr < len(grid) or c1 >= len(grid[tr]):
            continue
        top_left = grid[tr][c1]
        for r in range(max(tr, 0), min(r2 - row0 + 1, len(grid))):
            row = grid[r]
            for c in range(c1, min(c2 + 1, len(row))):
                if (r, c) != (tr, c1):
                    row[c] = top_left
    numbers = [row0 + i + 1 for i in range(len(grid))]
    return _from_grid(grid, numbers, name, header_row, excel_value, kind="excel", sheet=chosen, guessed=guessed)


def _from_grid(grid: list[list[Any]], numbers: list[int], name: str, header_row: int | None, convert,
               kind: str, sheet: str | None = None, encoding: str | None = None,
               guessed: int | None = None) -> Table:
    """Return the Table of a grid of raw cells whose row ``i`` is row ``numbers[i]`` of the file."""
    where = f"工作表“{sheet}”" if sheet else ""
    if header_row is not None:
        if header_row not in numbers:
            last = numbers[-1] if numbers else 0
            raise TableError(f"数据文件 {name} {where}没有第{header_row}行（数据在第{numbers[0] if numbers else 1}–{last}行）"
                             if numbers else f"数据文件 {name} {where}是空的")
        h = numbers.index(header_row)
    else:
        h = guessed if guessed is not None else _guess_header(grid)
        if h is None:
            raise TableError(f"数据文件 {name} {where}是空的")
    headers = [header_name(v) for v in grid[h]]
    body = grid[h + 1:]
    width = max([len(headers)] + [len(r) for r in body])
    headers += [""] * (width - len(headers))
    has_data = [False] * width
    for row in body:
        for c, value in enumerate(row):
            if not has_data[c] and not _empty(value):
                has_data[c] = True
    names, aliases = _columns(headers, has_data)
    if not any(names):
        raise TableError(f"数据文件 {name} {where}第{numbers[h]}行没有表头（可用 --header-row 指定表头所在行）")
    keep = [(c, n) for c, n in enumerate(names) if n]
    rows: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    for offset, raw in enumerate(body, start=h + 1):
        if all(_empty(v) for v in raw):
            continue
        length = len(raw)
        rows.append({n: convert(raw[c]) if c < length else "" for c, n in keep})
        row_numbers.append(numbers[offset])
        if len(rows) > MAX_ROWS:
            raise TableError(f"数据文件 {name} 超过 {MAX_ROWS} 行，请拆分后再试")
    return Table(name=name, columns=[n for _c, n in keep], rows=rows, row_numbers=row_numbers, aliases=aliases,
                 sheet=sheet, kind=kind, encoding=encoding)


def _guess_header(grid: list[list[Any]]) -> int | None:
    counts = [sum(not _empty(v) for v in row) for row in grid[:HEADER_SCAN_ROWS]]
    for i, n in enumerate(counts):
        if n >= 2:
            return i
    for i, n in enumerate(counts):
        if n:
            return i
    return None


# --- CSV

_ENCODINGS = (("utf-8-sig", "UTF-8"), ("gb18030", "GBK/GB18030"))


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Return (text, encoding label) of a text file in UTF-8/UTF-8-BOM/UTF-16-BOM/GBK/GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    for codec, label in _ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
            label = "UTF-8（带BOM）"
        return text, label
    raise TableError(f"数据文件 {name} 的编码无法识别（支持 UTF-8 和 GBK），请用 Excel 另存为“CSV UTF-8”后再试")


def _load_csv(path: Path, name: str, header_row: int | None) -> Table:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(f"数据文件 {name} 不是文本表格，无法读取（支持 .xlsx/.xls/.csv/.json）")
    text, encoding = decode_text(data, name)
    if text.lstrip()[:6].lower() in ("<html>", "<!doct", "<table") or text.lstrip().lower().startswith("<html"):
        raise TableError(f"数据文件 {name} 是网页（HTML）格式，请用 Excel 打开后另存为 .xlsx")
    sample = text[:65536]
    delimiter = ","
    first_lines = [line for line in sample.splitlines()[:20] if line.strip()]
    counts = {d: sum(line.count(d) for line in first_lines) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] > 0:
        delimiter = best
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: list[list[Any]] = []
    numbers: list[int] = []
    try:
        for row in reader:
            if len(grid) > MAX_ROWS + HEADER_SCAN_ROWS:
                raise TableError(f"数据文件 {name} 超过 {MAX_ROWS} 行，请拆分后再试")
            grid.append(row[:MAX_COLS])
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise TableError(f"数据文件 {name} 第{reader.line_num}行不是有效的 CSV：{exc}") from None
    # csv's line_num is the line a record ENDS on; a record starts after the previous one ended.
    starts = [1] + [n + 1 for n in numbers[:-1]]
    if not grid:
        raise TableError(f"数据文件 {name} 是空的")

    def convert(value: Any) -> Any:
        return text_value(value, numbers=True) if value else ""

    return _from_grid(grid, starts, name, header_row, convert, kind="csv", encoding=encoding)


# --- JSON

def _load_json(path: Path, name: str) -> Table:
    text, _encoding = decode_text(path.read_bytes(), name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableError(f"数据文件 {name} 不是有效的 JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）") from None
    except RecursionError:
        raise TableError(f"数据文件 {name} 的 JSON 嵌套过深，无法读取") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1 and all(isinstance(x, dict) for x in lists[0]):
            data = lists[0]
    if not isinstance(data, list):
        raise TableError(f"数据文件 {name} 应为对象的列表（[{{\"企业名称\": …}}, …]），实际是 {type(data).__name__}")
    if len(data) > MAX_ROWS:
        raise TableError(f"数据文件 {name} 超过 {MAX_ROWS} 条，请拆分后再试")
    columns: dict[str, None] = {}
    for k, item in enumerate(data):
        if not isinstance(item, dict):
            raise TableError(f"数据文件 {name} 的第{k + 1}条不是对象（{{\"列名\": 值}}），而是 {type(item).__name__}")
        for key in item:
            columns.setdefault(key, None)
    names, aliases = _columns([header_name(c) for c in columns], [True] * len(columns))
    pairs = list(zip(columns, names))
    rows = []
    row_numbers = []
    for k, item in enumerate(data):
        row = {}
        for key, column in pairs:
            row[column] = item.get(key)
        if all(_empty(v) for v in row.values()):
            continue
        rows.append(row)
        row_numbers.append(k + 1)
    return Table(name=name, columns=[n for n in names if n], rows=rows, row_numbers=row_numbers, aliases=aliases,
                 kind="json")
