"""What readers produce: grids of raw cells, and records whose every value knows its source.

Data flows one way: file → reader → Grid → (layout) → Submission of Records → checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Source(NamedTuple):
    """Where a value came from: file, sheet or table, 1-based row and column.

    A NamedTuple, not a dataclass: one is made for every cell read, and tuples are cheap.
    """

    file: str
    sheet: str | None = None
    row: int | None = None
    col: int | None = None
    kind: str = "excel"  # excel | word | pdf

    @property
    def cell(self) -> str | None:
        """Return the cell reference as the user would look it up (``C7``, ``第7行第3列``)."""
        if self.row is None:
            return None
        if self.col is None:
            return f"第{self.row}行"
        if self.kind == "excel":
            from openpyxl.utils.cell import get_column_letter  # here, so `formkit --help` need not load openpyxl

            return f"{get_column_letter(self.col)}{self.row}"
        return f"第{self.row}行第{self.col}列"

    def where(self) -> str:
        """Return the location in one string: ``Sheet1!C7`` or ``表1 第7行第3列``."""
        cell = self.cell
        if self.sheet is None:
            return cell or ""
        if cell is None:
            return self.sheet
        return f"{self.sheet}!{cell}" if self.kind == "excel" else f"{self.sheet} {cell}"

    def __str__(self) -> str:
        where = self.where()
        return f"{self.file}#{where}" if where else self.file


@dataclass(slots=True)
class RawCell:
    """A cell as read: the text the user sees and the typed value the format stored."""

    text: str
    value: Any = None
    is_number: bool = False
    is_date: bool = False


@dataclass
class Grid:
    """One sheet or one Word/PDF table, merged cells already unfolded.

    ``rows[i][j]`` is the cell at 1-based row ``row_numbers[i]``, column ``j + 1``.
    ``before``/``after`` hold the text lines around a Word/PDF table (title, 填报单位, footer).
    """

    file: str
    sheet: str
    kind: str
    rows: list[list[RawCell]]
    row_numbers: list[int] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    index: int = 0

    def __post_init__(self):
        if not self.row_numbers:
            self.row_numbers = list(range(1, len(self.rows) + 1))

    def source(self, i: int, j: int | None = None) -> Source:
        """Return the provenance of row index ``i`` (0-based) and column index ``j``."""
        return Source(self.file, self.sheet, self.row_numbers[i], None if j is None else j + 1, self.kind)

    def row_sources(self, i: int, width: int) -> list[Source]:
        """Return the provenance of every column of row index ``i`` at once."""
        file, sheet, kind, row = self.file, self.sheet, self.kind, self.row_numbers[i]
        return [Source(file, sheet, row, j + 1, kind) for j in range(width)]


@dataclass(slots=True)
class Cell:
    """A value of a record: raw text kept, normalised value, provenance, parse problem."""

    raw: str
    value: Any
    source: Source
    problem: tuple[str, str] | None = None  # (code, reason) when the raw text does not parse
    is_number: bool = False

    @property
    def empty(self) -> bool:
        return self.raw == ""


@dataclass
class Record:
    """One data row of a form, with its cells by column key."""

    form: str
    cells: dict[str, Cell]
    source: Source
    submission: "Submission | None" = field(default=None, repr=False)
    valid: bool = True  # no error finding (set by merge)

    def value(self, key: str) -> Any:
        """Return the normalised value of a column (None when absent or unparsed)."""
        cell = self.cells.get(key)
        return None if cell is None else cell.value

    def raw(self, key: str) -> str:
        cell = self.cells.get(key)
        return "" if cell is None else cell.raw

    @property
    def key(self) -> str | None:
        """Return the record's key: USCC as written, else the enterprise name, else None."""
        for k in ("uscc", "name"):
            raw = self.raw(k)
            if raw:
                return raw
        return None


@dataclass
class HeaderBlock:
    """The 填报单位 / 填报日期 / 批次 lines above a form, each with its source."""

    unit: Cell | None = None
    date: Cell | None = None
    batch: Cell | None = None
    footer: dict[str, str] = field(default_factory=dict)


@dataclass
class Submission:
    """One form found in one file (a sheet, or a run of Word tables): its records and context."""

    file: str
    path: str
    form: str
    sheet: str
    kind: str
    title: str = ""
    header_row: int | None = None
    columns: dict[str, Source] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    block: HeaderBlock = field(default_factory=HeaderBlock)
    records: list[Record] = field(default_factory=list)
    totals: list[Record] = field(default_factory=list)
    city: str | None = None
    batch: int | None = None
    fill_date: dt.date | None = None
    city_sources: dict[str, str] = field(default_factory=dict)
    batch_source: str | None = None
