"""Legacy binary files (OLE2 compound files): .xls/.et, .doc/.wps.

What an OLE2 file holds is told by its directory (:mod:`formkit.readers.ole`), not by its
extension.

- Workbooks are read directly: python-calamine (BIFF8, merged cells, both date systems),
  else xlrd, else a LibreOffice conversion to .xlsx.
- Documents are converted to .docx by LibreOffice, in the run's batch (:func:`converted_copies`) or,
  for a file read on its own, in a call of their own; the copy is then read like any .docx,
  its grids named after the original file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
import struct
import tempfile
import contextvars
import time
from pathlib import Path
from typing import Iterable, Iterator

from formkit import soffice
from formkit.readers.base import MAX_CELL_CHARS, MAX_COLS, MAX_FILE_BYTES, MAX_ROWS, Unreadable, sniff
from formkit.readers.ole import ENCRYPTED, SHEET_SUFFIXES, conversion_for, doc_is_encrypted, effective_kind
from formkit.table import Grid

# ------------------------------------------------------------ run-level pre-pass

# The copies of the run in progress. A context variable, not a module-level dict: two runs
# in one process (threads of a server) each see only their own copies, and one run ending
# never removes — or deletes under — the copies another is reading.
_active: contextvars.ContextVar[dict[Path, Path | str] | None] = contextvars.ContextVar(
    "formkit_converted_copies", default=None)


def lookup(path: Path) -> Path | str | None:
    """Return the converted copy (or the reason it failed) the pre-pass made for ``path``."""
    active = _active.get()
    return active.get(_key(path)) if active else None


def _key(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path).absolute()


@contextlib.contextmanager
def converted_copies(paths: Iterable[Path]) -> Iterator[dict[Path, Path | str]]:
    """Convert every file among ``paths`` that needs LibreOffice, one soffice call per target.

    While the block runs, the readers find the copies through :func:`lookup` and read them in
    place of the originals (names and provenance stay the originals'); afterwards the copies
    are deleted. Files that need no conversion are not touched.
    """
    plan: dict[str, dict[Path, str]] = {}
    for path in paths:
        need = conversion_for(Path(path))
        if need is not None:
            to_ext, in_ext = need
            plan.setdefault(to_ext, {})[Path(path)] = in_ext
    if not plan:
        yield {}
        return
    outroot = Path(tempfile.mkdtemp(prefix="formkit-converted-"))
    done: dict[Path, Path | str] = {}
    started = time.monotonic()
    try:
        calls = 0
        for to_ext, inputs in plan.items():
            try:
                results = soffice.convert_batch(list(inputs), to_ext, outroot / to_ext, input_exts=inputs)
            except Exception as exc:  # e.g. no space for the copies: a finding per file, not a crash
                reason = f"无法用 LibreOffice 转换（{type(exc).__name__}：{exc}），请另存为.docx/.xlsx后提交"
                results = {p: reason for p in inputs}
            calls += int(soffice.last_stats.get("calls", 0))
            done.update(results)
        soffice.last_stats.update(files=len(done), seconds=round(time.monotonic() - started, 3), calls=calls)
        keys = {_key(p): v for p, v in done.items()}
        outer = _active.get()
        token = _active.set({**(outer or {}), **keys})
        try:
            yield done
        finally:
            _active.reset(token)
    finally:
        shutil.rmtree(outroot, ignore_errors=True)


# ------------------------------------------------------------ reading

def read_ole(path: Path, name: str):
    """Return (family, grids) for an OLE2 file, or raise Unreadable."""
    kind = effective_kind(path)
    if kind == "encrypted":
        raise Unreadable(ENCRYPTED)
    if kind == "xls":
        return "excel", read_workbook(path, name)
    if kind == "doc":
        if doc_is_encrypted(path):
            raise Unreadable(ENCRYPTED)
        return "word", read_converted(path, name, "docx", ".doc")
    raise Unreadable("无法识别的旧版Office文件（既不是Excel也不是Word文件），请另存为.xlsx或.docx后提交")


def read_workbook(path: Path, name: str) -> list[Grid]:
    """Return the grids of a BIFF workbook: calamine, else xlrd, else through LibreOffice.

    calamine loads a sheet as one dense rectangle up to its farthest value: a value in
    IV65536 next to one in A1 costs it 16.7 million cells (over 1 GB). The cell records are
    scanned first (:func:`biff_reach`); a workbook with values beyond the limits is read by
    xlrd with ragged rows (memory follows the cells), or refused when the values out there
    are data rather than strays.
    """
    from formkit.readers import excel

    far_rows, far_cols = biff_reach(path)
    if far_rows + far_cols > excel.MAX_STRAY_CELLS:
        if far_cols > far_rows:
            raise Unreadable(f"工作表列数过多：第{MAX_COLS}列以右还有大量单元格有内容（每个工作表最多读取{MAX_COLS}列），"
                             "请删除多余内容或拆分后提交")
        raise Unreadable(f"工作表行数过多：超过{MAX_ROWS}行（每个工作表最多读取{MAX_ROWS}行），"
                         "请删除多余的行或拆分为多个文件后提交")
    if not (far_rows or far_cols):
        try:
            return excel.read_xlsx(path, name)
        except Unreadable as exc:
            if "加密" in str(exc):
                raise
    try:
        return read_xls_xlrd(path, name)
    except Unreadable as exc:
        if "加密" in str(exc):
            raise
    except Exception:  # xlrd on a file calamine could not read either: try LibreOffice next
        pass
    suffix = path.suffix.lower()
    return read_converted(path, name, "xlsx", suffix if suffix in SHEET_SUFFIXES else ".xls")


def read_converted(path: Path, name: str, to_ext: str, in_ext: str) -> list[Grid]:
    """Return the grids of the LibreOffice copy of ``path`` (the run's, else made now)."""
    found = lookup(path)
    if found is not None:
        return _read_copy(found, name, to_ext)
    with tempfile.TemporaryDirectory(prefix="formkit-one-") as tmp:
        result = soffice.convert_batch([path], to_ext, Path(tmp), input_exts={path: in_ext})
        return _read_copy(result.get(path, soffice.MISSING), name, to_ext)


def _read_copy(found: Path | str, name: str, to_ext: str) -> list[Grid]:
    from formkit.readers.base import check_zip

    if isinstance(found, str):
        raise Unreadable(found)
    kind = sniff(found)
    if kind != to_ext:
        raise Unreadable("LibreOffice转换结果无法读取，请用Word或WPS另存为.docx/.xlsx后提交")
    check_zip(found)
    if to_ext == "docx":
        from formkit.readers import word

        return word.read_docx(found, name)
    from formkit.readers import excel

    return excel.read_xlsx(found, name)


#: BIFF8 records that hold a cell value: (record type, whether it spans columns).
_VALUE_RECORDS = {0x0203: False, 0x027E: False, 0x00FD: False, 0x0204: False, 0x00D6: False,
                  0x0006: False, 0x0205: False, 0x00BD: True}


def biff_reach(path: Path) -> tuple[int, int]:
    """Return (values at or below row MAX_ROWS, values right of column MAX_COLS) of a workbook.

    Walks the record headers of the Workbook stream (xlrd's compound-file reader finds it,
    mini stream included); only value records are looked at. A stream that cannot be
    walked returns (0, 0): the readers then say what is wrong with it.
    """
    import xlrd.compdoc

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        doc = xlrd.compdoc.CompDoc(data, logfile=io.StringIO(), ignore_workbook_corruption=True)
        for qname in ("Workbook", "Book"):
            mem, base, size = doc.locate_named_stream(qname)
            if mem is not None:
                break
        else:
            return 0, 0
    except Exception:  # noqa: BLE001 — a broken container: the readers report it
        return 0, 0
    far_rows = far_cols = 0
    pos, end = base, min(base + size, len(mem))
    unpack = struct.unpack_from
    try:
        while pos + 4 <= end:
            rtype, rlen = unpack("<HH", mem, pos)
            body = pos + 4
            spans = _VALUE_RECORDS.get(rtype)
            if spans is not None and rlen >= 4 and body + rlen <= end:
                row, col = unpack("<HH", mem, body)
                last = unpack("<H", mem, body + rlen - 2)[0] if spans and rlen >= 6 else col
                if row >= MAX_ROWS:
                    far_rows += max(1, last - col + 1)
                elif last >= MAX_COLS:
                    far_cols += last - max(col, MAX_COLS) + 1
            pos = body + rlen
    except struct.error:
        pass
    return far_rows, far_cols


def read_xls_xlrd(path: Path, name: str) -> list[Grid]:
    """Return one Grid per worksheet through xlrd (BIFF2–8), merged cells unfolded, dates typed."""
    import xlrd

    from formkit.readers.excel import to_raw

    try:
        # Ragged rows: each row as long as its last cell, so a stray value in IV65536 does
        # not pad every row to 256 columns. xlrd prints warnings to stdout: a StringIO.
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, ragged_rows=True,
                                  logfile=io.StringIO())
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise Unreadable(ENCRYPTED) from exc
        raise
    grids: list[Grid] = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            nrows = min(sheet.nrows, MAX_ROWS)
            ncols = max((min(sheet.row_len(r), MAX_COLS) for r in range(nrows)), default=0)
            rows = []
            for r in range(nrows):
                row = []
                for c in range(min(sheet.row_len(r), ncols)):
                    cell = sheet.cell(r, c)
                    row.append(to_raw(_xlrd_value(cell, book.datemode, xlrd)))
                row.extend([to_raw(None)] * (ncols - len(row)))
                rows.append(row)
            for r1, r2, c1, c2 in sheet.merged_cells:
                if r1 >= nrows or c1 >= ncols:
                    continue
                top_left = rows[r1][c1]
                for r in range(r1, min(r2, nrows)):
                    for c in range(c1, min(c2, ncols)):
                        if (r, c) != (r1, c1):
                            rows[r][c] = top_left
            grids.append(Grid(file=name, sheet=sheet.name, kind="excel",
                              rows=rows or [], index=index))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return grids


def _xlrd_value(cell, datemode: int, xlrd):
    """Return a cell's value typed as calamine would give it (dates as date/datetime)."""
    ctype = cell.ctype
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if ctype == xlrd.XL_CELL_DATE:
        try:
            value = xlrd.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell.value
        return value.date() if value.time() == dt.time(0) else value
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if ctype == xlrd.XL_CELL_NUMBER:
        value = cell.value
        return int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else value
    text = str(cell.value)
    return text[:MAX_CELL_CHARS]
