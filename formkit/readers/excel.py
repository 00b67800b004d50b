"""Excel workbooks (.xlsx/.xlsm, and .xls through the same engine) → Grids.

python-calamine reads values about ten times faster than openpyxl and reports merged
ranges; formulas come back as their cached values. Merged cells are unfolded here so every
covered position carries the value (a merged 设区市 cell belongs to each row it spans).

calamine loads a whole sheet into one dense rectangle, from the first to the last cell that
holds a value: a sheet with one value in A1 and one in XFD1048576 asks for 17 billion cells
and aborts the process (a Rust allocation failure cannot be caught). So the sheet XML of an
.xlsx is scanned first (:func:`scan_sheet`, streamed, C-speed regular expressions):
- nothing beyond row :data:`MAX_ROWS` / column :data:`MAX_COLS` (every real form): calamine;
- a few stray values far out (someone typed in row 1048576): the sheet is streamed through
  openpyxl's parser and only cells within the limits are kept;
- real data beyond the limits (a sheet of a million rows): refused with a finding.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from formkit.normalize import clean_text, number_text
from formkit.readers.base import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, Unreadable
from formkit.table import Grid, RawCell

#: Values beyond the row/column limits that are still taken for strays (read the rest);
#: more than this is data the reader would drop, and the sheet is refused instead.
MAX_STRAY_CELLS = 1000

EMPTY = RawCell("")


def to_raw(value) -> RawCell:
    """Return the RawCell for a calamine value: text as the user sees it, typed value kept."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return RawCell("是" if value else "否", value)
    if isinstance(value, (int, float)):
        return RawCell(number_text(value), value, is_number=True)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return RawCell(value.date().isoformat(), value.date(), is_date=True)
        return RawCell(value.isoformat(sep=" "), value, is_date=True)
    if isinstance(value, dt.date):
        return RawCell(value.isoformat(), value, is_date=True)
    if isinstance(value, dt.time):
        return RawCell(value.isoformat(), value)
    if isinstance(value, dt.timedelta):
        return RawCell(str(value), value)
    text = str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    return RawCell(clean_text(text), text)


def _open(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as first:
        exc = first
    try:
        # from_path picks the format by extension: a ".xls" that is really xlsx (or the
        # reverse) opens when calamine is left to tell the format by the bytes.
        with open(path, "rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    except Exception:
        pass
    msg = str(exc).lower()
    if "password" in msg or "encrypt" in msg:
        raise Unreadable("文件已加密，请取消密码后重新提交") from exc
    raise Unreadable(f"Excel文件已损坏，无法读取（{str(exc)[:80]}），请用Excel或WPS另存后重新提交") from exc


def read_xlsx(path: Path, name: str) -> list[Grid]:
    """Return one Grid per visible worksheet, merged cells unfolded, rows capped."""
    scans = scan_workbook(path)
    book = _open(path)
    grids = []
    try:
        metas = book.sheets_metadata
    except Exception:  # older files without metadata
        metas = None
    for index, sheet_name in enumerate(book.sheet_names):
        if metas is not None and "WorkSheet" not in str(metas[index].typ):
            continue
        scan = None
        if scans:
            # A name the scan could not map: take the strictest verdict of the package.
            scan = scans.get(sheet_name) or max(scans.values(), key=lambda x: _STRICTNESS[x.verdict])
        if scan is not None and scan.verdict == "refuse":
            raise Unreadable(scan.message(sheet_name))
        if scan is not None and scan.verdict == "stream":
            grids.append(read_sheet_streamed(path, sheet_name, name, index))
            continue
        try:
            sheet = book.get_sheet_by_index(index)
            grids.append(sheet_to_grid(sheet, name, sheet_name, index))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 — calamine panics (pyo3 PanicException) on odd values
            # A value calamine cannot convert (a duration of 10^300 hours, a date past year
            # 9999) fails the whole sheet: an .xlsx sheet is read again by openpyxl's parser.
            if scans is None:
                raise Unreadable(f"工作表“{sheet_name}”无法读取（{str(exc)[:60]}）") from exc
            try:
                grids.append(read_sheet_streamed(path, sheet_name, name, index))
            except Exception:  # noqa: BLE001 — neither reader can: say what calamine said
                raise Unreadable(f"工作表“{sheet_name}”无法读取（{str(exc)[:60]}）") from exc
    return grids


_STRICTNESS = {"ok": 0, "stream": 1, "refuse": 2}


# ------------------------------------------------------------ sheet XML scan (xlsx)

# An r="…" attribute (row or cell) at row 20,000 or below, or beyond column GR (200): only
# then is a sheet looked at closely. One C-level search per chunk; real forms never match.
_FAR_ROW = rb"[A-Za-z]*0*(?:[1-9][0-9]{5,}|[2-9][0-9]{4})"
_FAR_COL = rb"(?:[A-Za-z]{3,}|[H-Zh-z][A-Za-z]|[Gg][S-Zs-z])[0-9]+"
# The fast form has a literal prefix (r=") that the regex engine skips to; a chunk that writes
# attributes any other way (r='…', spaces around =) gets the general form.
_FAR_REF_FAST = re.compile(rb'r="(?:' + _FAR_ROW + rb"|" + _FAR_COL + rb')"')
_FAR_REF = re.compile(rb"""\sr\s*=\s*["'](?:""" + _FAR_ROW + rb"|" + _FAR_COL + rb""")["']""")
# An '=' with white space around it or a single quote after it (a literal '=' first: fast).
_ODD_ATTRIBUTES = re.compile(rb"=(?:[ \t\r\n']|(?<=[ \t\r\n]=))")
_NS = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ROW_WITHOUT_R = re.compile(_NS + rb"row(?![^>]*\sr\s*=)(?:\s[^>]*)?>")
# Cells that hold something (not self-closing): beyond the limits, or placed by counting.
_CELL_OPEN = _NS + rb"""c\s[^>]*?(?<=\s)r\s*=\s*["']"""
_FAR_ROW_CELL = re.compile(_CELL_OPEN + _FAR_ROW + rb"""["'][^>]*?(?<!/)>""")
_FAR_COL_CELL = re.compile(_CELL_OPEN + _FAR_COL + rb"""["'][^>]*?(?<!/)>""")
_CELL_WITHOUT_R = re.compile(_NS + rb"c(?![^>]*\sr\s*=)(?:\s[^>]*)?(?<!/)>")
_CHUNK = 1 << 20


@dataclass
class SheetScan:
    """What the scan of one worksheet part found."""

    rows: int = 0               # <row> elements
    rows_without_r: int = 0     # <row> elements without a row number (counted in order)
    far_rows: int = 0           # cells with a value below row MAX_ROWS
    far_cols: int = 0           # cells with a value right of column MAX_COLS
    counted_cells: int = 0      # cells with a value but no reference (placed by counting)
    verdict: str = "ok"         # ok | stream | refuse

    def message(self, sheet: str) -> str:
        if self.far_cols > self.far_rows:
            return (f"工作表“{sheet}”列数过多：第{MAX_COLS}列以右还有大量单元格有内容"
                    f"（每个工作表最多读取{MAX_COLS}列），请删除多余内容或拆分后提交")
        return (f"工作表“{sheet}”行数过多：超过{MAX_ROWS}行（每个工作表最多读取{MAX_ROWS}行），"
                "请删除多余的行或拆分为多个文件后提交")


def scan_workbook(path: Path) -> dict[str, SheetScan] | None:
    """Return {sheet name: SheetScan} for an .xlsx package; None for other formats (.xls).

    Sheet names are mapped to parts through workbook.xml and its relationships, as calamine
    does. When a sheet cannot be mapped, every other XML part is scanned as well, under the
    key ``"\\0other"``: whatever part calamine ends up reading has been looked at.
    """
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return None
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return None
    with zf:
        names = set(zf.namelist())
        mapping, unmapped = _sheet_parts(zf, names)
        scans: dict[str, SheetScan] = {}
        for sheet, part in mapping.items():
            scans[sheet] = scan_sheet(zf, part)
        if unmapped or not mapping:
            done = set(mapping.values())
            worst = SheetScan()
            for part in sorted(names):
                if part.endswith(".xml") and part not in done:
                    scan = scan_sheet(zf, part)
                    if _STRICTNESS[scan.verdict] > _STRICTNESS[worst.verdict]:
                        worst = scan
            scans["\0other"] = worst
    return scans


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> tuple[dict[str, str], bool]:
    """Return ({sheet name: part name}, whether some sheet could not be mapped).

    From xl/workbook.xml and its relationships, parsed by lxml without DTD or entities.
    """
    from lxml import etree

    from formkit.readers.word import safe_parser

    try:
        book = etree.fromstring(zf.read("xl/workbook.xml"), safe_parser())
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = etree.fromstring(zf.read(rels_name), safe_parser()) if rels_name in names else None
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, OSError, zlib.error):
        return {}, True
    targets = {}
    if rels is not None:
        for rel in rels.iter("{*}Relationship"):
            target = rel.get("Target") or ""
            if target.startswith("/"):
                part = posixpath.normpath(target.lstrip("/"))
            else:
                part = posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = part
    out = {}
    unmapped = False
    for sheet in book.iter("{*}sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        name = sheet.get("name")
        if name is not None and targets.get(rid) in names:
            out[name] = targets[rid]
        else:
            unmapped = True
    return out, unmapped


def _chunks(zf: zipfile.ZipFile, part: str):
    """Yield a part's bytes in chunks cut after a '>' (no tag is split), at most 1 MB each."""
    carry = b""
    with zf.open(part) as fh:
        while True:
            data = fh.read(_CHUNK)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b">") + 1
            if cut == 0 and len(data) < 4 * _CHUNK:
                carry = data
                continue
            yield data[:cut or len(data)]
            carry = data[cut:] if cut else b""
    if carry:
        yield carry


def scan_sheet(zf: zipfile.ZipFile, part: str) -> SheetScan:
    """Return how far the values of one worksheet part reach, and what to do with it.

    Stops as soon as the verdict is "refuse": a sheet of a million rows costs the
    decompression of its first rows beyond the limit, not of the whole part.
    """
    scan = SheetScan()
    far = False
    prefixed = None
    for chunk in _chunks(zf, part):
        if prefixed is None:  # <x:worksheet …>: elements carry a namespace prefix
            root = chunk.find(b"worksheet")
            prefixed = root > 0 and chunk[root - 1:root] == b":"
        scan.rows += chunk.count(b"<row") + (chunk.count(b":row") if prefixed else 0)  # ≥ the <row> elements
        if not far and _far_reference(chunk):
            far = True  # no earlier chunk has a far reference: counting from here misses none
        if far:
            scan.far_rows += len(_FAR_ROW_CELL.findall(chunk))
            scan.far_cols += len(_FAR_COL_CELL.findall(chunk))
            scan.counted_cells += len(_CELL_WITHOUT_R.findall(chunk))
            if scan.far_rows + scan.far_cols > MAX_STRAY_CELLS:
                scan.verdict = "refuse"
                return scan
    if scan.rows > MAX_ROWS:
        # Many rows: those without a number are placed by counting and would all be loaded.
        for chunk in _chunks(zf, part):
            scan.rows_without_r += len(_ROW_WITHOUT_R.findall(chunk))
            if scan.rows_without_r > MAX_ROWS:
                scan.verdict = "refuse"
                return scan
    if scan.far_rows or scan.far_cols or (far and scan.counted_cells):
        scan.verdict = "stream"
    return scan


def _far_reference(chunk: bytes) -> bool:
    """Return True when a row or cell reference in ``chunk`` lies beyond the limits."""
    if _FAR_REF_FAST.search(chunk):
        return True
    if _ODD_ATTRIBUTES.search(chunk):
        return _FAR_REF.search(chunk) is not None
    return False


# ------------------------------------------------------------ streamed reading (stray far cells)

_MERGE_REF = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7}:[A-Za-z]{1,3}[0-9]{1,7})["']""")


def _merged_refs(zf: zipfile.ZipFile, part: str) -> list[bytes]:
    """Return the ranges of a sheet's <mergeCell> elements (after its data: found by a scan)."""
    refs: list[bytes] = []
    for chunk in _chunks(zf, part):
        if b"mergeCell" in chunk:
            refs.extend(_MERGE_REF.findall(chunk))
    return refs


class _StreamedSheet:
    """What :func:`sheet_to_grid` needs of a calamine sheet, from a streamed parse."""

    def __init__(self, rows: list[list], start: tuple[int, int], merged: list):
        self._rows = rows
        self.start = start
        self.merged_cell_ranges = merged

    def iter_rows(self):
        return iter(self._rows)


def read_sheet_streamed(path: Path, sheet_name: str, file: str, index: int) -> Grid:
    """Return the Grid of one sheet parsed as a stream, keeping cells within the limits only.

    openpyxl's worksheet parser walks the XML row by row (iterparse, elements cleared), so
    memory follows the cells kept, never the sheet's extent. Dates come typed through the
    workbook's number formats, as calamine gives them.
    """
    with warnings.catch_warnings():
        # openpyxl warns on stderr about odd values ("marked as a date but…"): findings say it.
        warnings.simplefilter("ignore")
        return _read_sheet_streamed(path, sheet_name, file, index)


def _read_sheet_streamed(path: Path, sheet_name: str, file: str, index: int) -> Grid:
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet_name]
        cells: dict[tuple[int, int], object] = {}
        with wb._archive.open(ws._worksheet_path) as src:
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for row_no, row in parser.parse():
                if row_no > MAX_ROWS:
                    break  # rows come in order: the rest is the stray far below (not parsed)
                for cell in row:
                    col, value = cell["column"], cell["value"]
                    if col <= MAX_COLS and value is not None and value != "":
                        cells[(row_no, col)] = value
            part = ws._worksheet_path
        merges = []
        for ref in _merged_refs(wb._archive, part):
            try:
                c1, r1, c2, r2 = range_boundaries(ref.decode("ascii").upper())
            except (TypeError, ValueError, UnicodeDecodeError):
                continue
            if r1 <= MAX_ROWS and c1 <= MAX_COLS:
                merges.append(((r1 - 1, c1 - 1), (min(r2, MAX_ROWS) - 1, min(c2, MAX_COLS) - 1)))
    finally:
        wb.close()
    if not cells:
        return Grid(file=file, sheet=sheet_name, kind="excel", rows=[], index=index)
    r0 = min(r for r, _ in cells)
    c0 = min(c for _, c in cells)
    r1 = max(r for r, _ in cells)
    c1 = max(c for _, c in cells)
    rows = [[None] * (c1 - c0 + 1) for _ in range(r1 - r0 + 1)]
    for (r, c), value in cells.items():
        rows[r - r0][c - c0] = value
    return sheet_to_grid(_StreamedSheet(rows, (r0 - 1, c0 - 1), merges), file, sheet_name, index)


def sheet_to_grid(sheet, file: str, sheet_name: str, index: int) -> Grid:
    """Return the Grid of one calamine sheet, rows numbered as Excel shows them."""
    start = sheet.start or (0, 0)
    row0, col0 = start
    rows: list[list[RawCell]] = []
    seen: dict = {"": EMPTY}  # repeated texts (enum values, bodies) share one RawCell
    get = seen.get
    for i, values in enumerate(sheet.iter_rows()):
        if i >= MAX_ROWS:
            break
        row = []
        append = row.append
        for value in values[:MAX_COLS] if len(values) > MAX_COLS else values:
            if type(value) is str:
                cell = get(value)
                if cell is None:
                    cell = seen[value] = to_raw(value)
                append(cell)
            else:
                append(to_raw(value))
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    # Left-pad so that column indexes are absolute (a table starting in column C stays C).
    if col0 or any(len(r) != width for r in rows):
        grid_rows = [[EMPTY] * col0 + r + [EMPTY] * (width - len(r)) for r in rows]
    else:
        grid_rows = rows
    merged = getattr(sheet, "merged_cell_ranges", None) or []
    for (r1, c1), (r2, c2) in merged:
        tr, tc = r1 - row0, c1
        if not (0 <= tr < len(grid_rows)) or tc >= len(grid_rows[tr]):
            continue
        top_left = grid_rows[tr][tc]
        for r in range(max(r1 - row0, 0), min(r2 - row0 + 1, len(grid_rows))):
            row = grid_rows[r]
            for c in range(c1, min(c2 + 1, len(row))):
                if (r, c) != (tr, tc):
                    row[c] = top_left
    return Grid(file=file, sheet=sheet_name, kind="excel", rows=grid_rows,
                row_numbers=[row0 + i + 1 for i in range(len(grid_rows))], index=index)
