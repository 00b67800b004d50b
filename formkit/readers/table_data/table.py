"""The DATA :class:`Table`, its error, and how a grid of raw cells becomes one: the header row
found (or given), columns named, entirely empty rows skipped, each row's place in the file kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from formkit.errors import FormkitError
from formkit.readers.table_data.columns import column_names, header_name
from formkit.readers.table_data.values import empty

MAX_ROWS = 100_000  # a DATA table may be longer and wider than a city's form (readers.base)
MAX_COLS = 500
HEADER_SCAN_ROWS = 30


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


def from_grid(grid: list[list[Any]], numbers: list[int], name: str, header_row: int | None, convert,
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
        h = guessed if guessed is not None else guess_header(grid)
        if h is None:
            raise TableError(f"数据文件 {name} {where}是空的")
    headers = [header_name(v) for v in grid[h]]
    body = grid[h + 1:]
    width = max([len(headers)] + [len(r) for r in body])
    headers += [""] * (width - len(headers))
    has_data = [False] * width
    for row in body:
        for c, value in enumerate(row):
            if not has_data[c] and not empty(value):
                has_data[c] = True
    names, aliases = column_names(headers, has_data)
    if not any(names):
        raise TableError(f"数据文件 {name} {where}第{numbers[h]}行没有表头（可用 --header-row 指定表头所在行）")
    keep = [(c, n) for c, n in enumerate(names) if n]
    rows: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    for offset, raw in enumerate(body, start=h + 1):
        if all(empty(v) for v in raw):
            continue
        length = len(raw)
        rows.append({n: convert(raw[c]) if c < length else "" for c, n in keep})
        row_numbers.append(numbers[offset])
        if len(rows) > MAX_ROWS:
            raise TableError(f"数据文件 {name} 超过 {MAX_ROWS} 行，请拆分后再试")
    return Table(name=name, columns=[n for _c, n in keep], rows=rows, row_numbers=row_numbers, aliases=aliases,
                 sheet=sheet, kind=kind, encoding=encoding)


def guess_header(grid: list[list[Any]]) -> int | None:
    """Return the header row's index: the first row with two filled cells, else the first filled one."""
    counts = [sum(not empty(v) for v in row) for row in grid[:HEADER_SCAN_ROWS]]
    for i, n in enumerate(counts):
        if n >= 2:
            return i
    for i, n in enumerate(counts):
        if n:
            return i
    return None
