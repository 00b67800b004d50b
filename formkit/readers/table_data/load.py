"""Loading a DATA table: the file checked, told apart by its content (workbook, JSON or CSV
text), handed to its loader; any failure becomes a :class:`TableError` with a Chinese reason."""

from __future__ import annotations

from pathlib import Path

from formkit.readers.base import MAX_FILE_BYTES
from formkit.readers.table_data.table import Table, TableError
from formkit.readers.table_data.text import load_csv, load_json
from formkit.readers.table_data.workbook import load_workbook

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv", ".json")


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
            table = load_workbook(path, name, sheet, header_row)
        elif suffix == ".json" or head.lstrip()[:1] in (b"[", b"{"):
            if sheet is not None or header_row is not None:
                raise TableError("JSON 数据没有工作表和表头行：--sheet、--header-row 只用于 Excel 和 CSV")
            table = load_json(path, name)
        elif suffix in (".xlsx", ".xlsm", ".ods") and not _looks_like_text(path):
            raise TableError(f"数据文件 {name} 不是有效的 Excel 文件（可能已损坏），请用 Excel 或 WPS 另存后再试")
        else:
            if sheet is not None:
                raise TableError("CSV 数据只有一张表：--sheet 只用于 Excel 工作簿")
            table = load_csv(path, name, header_row)
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
