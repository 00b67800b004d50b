"""DATA tables from text files: the encoding detected (:func:`decode_text`), CSV with its
separator detected, and JSON lists of objects."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from formkit.readers.table_data.columns import column_names, header_name
from formkit.readers.table_data.table import HEADER_SCAN_ROWS, MAX_COLS, MAX_ROWS, Table, TableError, from_grid
from formkit.readers.table_data.values import empty, text_value

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


def load_csv(path: Path, name: str, header_row: int | None) -> Table:
    """Return the Table of a CSV/TSV file: encoding and separator detected, cells text or plain numbers."""
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

    return from_grid(grid, starts, name, header_row, convert, kind="csv", encoding=encoding)


def load_json(path: Path, name: str) -> Table:
    """Return the Table of a JSON list of objects (or of an object holding one such list)."""
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
    names, aliases = column_names([header_name(c) for c in columns], [True] * len(columns))
    pairs = list(zip(columns, names))
    rows = []
    row_numbers = []
    for k, item in enumerate(data):
        row = {}
        for key, column in pairs:
            row[column] = item.get(key)
        if all(empty(v) for v in row.values()):
            continue
        rows.append(row)
        row_numbers.append(k + 1)
    return Table(name=name, columns=[n for n in names if n], rows=rows, row_numbers=row_numbers, aliases=aliases,
                 kind="json")
