"""Legacy binary files (OLE2 compound files): .xls/.et, .doc/.wps.

What an OLE2 file holds is told by its directory's stream names, not by its extension:
``Workbook``/``Book`` is an Excel (or WPS 表格 .et) workbook, ``WordDocument`` a Word (or WPS
文字 .wps) document. Only when the directory names neither does the extension decide.

- Workbooks are read directly: python-calamine (BIFF8, merged cells, both date systems),
  else xlrd, else a LibreOffice conversion to .xlsx.
- Documents are converted to .docx by LibreOffice, in the run's batch (:mod:`.office`) or,
  for a file read on its own, in a call of their own; the copy is then read like any .docx,
  its grids named after the original file.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import tempfile
from pathlib import Path

from formkit.readers import MAX_CELL_CHARS, MAX_COLS, MAX_FILE_BYTES, MAX_ROWS, Unreadable, sniff
from formkit.table import Grid

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE = 0xFFFFFFFA  # sector numbers at or above this are markers (end of chain, free, FAT…)
MAX_DIR_SECTORS = 4096

WORD_SUFFIXES = {".doc", ".wps", ".dot", ".wpt"}
SHEET_SUFFIXES = {".xls", ".et", ".xlt", ".ett"}

ENCRYPTED = "文件已加密，请取消密码后重新提交"


# ------------------------------------------------------------ the OLE2 directory

def ole_entries(path: Path) -> dict[str, tuple[int, int, int]]:
    """Return {stream or storage name: (type, start sector, size)} of an OLE2 file's directory.

    A small reader of the compound-file directory (MS-CFB): header, FAT through the DIFAT,
    then the directory chain. Broken or looping chains end the walk; nothing raises.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError:
        return {}
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        return {}
    try:
        return _directory(data)
    except (struct.error, IndexError, ValueError, UnicodeDecodeError):
        return {}


def _directory(data: bytes) -> dict[str, tuple[int, int, int]]:
    shift = struct.unpack_from("<H", data, 30)[0]
    if shift not in (9, 12):
        return {}
    size = 1 << shift
    per = size // 4

    def sector(n: int) -> bytes:
        off = (n + 1) * size
        return data[off:off + size]

    n_fat, dir_start = struct.unpack_from("<II", data, 44)
    difat_start, n_difat = struct.unpack_from("<II", data, 68)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < _FREE]
    seen = set()
    nxt = difat_start
    while nxt < _FREE and nxt not in seen and len(seen) < 10000:
        seen.add(nxt)
        chunk = sector(nxt)
        if len(chunk) < size:
            break
        vals = struct.unpack_from(f"<{per}I", chunk)
        fat_sectors.extend(s for s in vals[:-1] if s < _FREE)
        nxt = vals[-1]
    fat: list[int] = []
    for s in fat_sectors[:max(n_fat, 1) + 8]:
        chunk = sector(s)
        if len(chunk) == size:
            fat.extend(struct.unpack_from(f"<{per}I", chunk))
    entries: dict[str, tuple[int, int, int]] = {}
    seen = set()
    s = dir_start
    while s < _FREE and s not in seen and len(seen) < MAX_DIR_SECTORS:
        seen.add(s)
        chunk = sector(s)
        for off in range(0, len(chunk) - 127, 128):
            name_len = struct.unpack_from("<H", chunk, off + 64)[0]
            kind = chunk[off + 66]
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = chunk[off:off + name_len - 2].decode("utf-16-le", "replace")
            start, stream_size = struct.unpack_from("<IQ", chunk, off + 116)
            if shift == 9:
                stream_size &= 0xFFFFFFFF  # version 3 files keep only the low 32 bits
            entries.setdefault(name, (kind, start, stream_size))
        s = fat[s] if s < len(fat) else _FREE
    return entries


def ole_kind(path: Path) -> str:
    """Return 'xls', 'doc', 'encrypted' or 'unknown' from the OLE2 directory's stream names."""
    names = {name.upper() for name in ole_entries(path)}  # CFB names compare case-insensitively
    if "ENCRYPTEDPACKAGE" in names or "ENCRYPTIONINFO" in names:
        return "encrypted"  # an OOXML file (.docx/.xlsx) saved with a password
    if "WORDDOCUMENT" in names:
        return "doc"
    if "WORKBOOK" in names or "BOOK" in names:
        return "xls"
    return "unknown"


def effective_kind(path: Path) -> str:
    """Return the OLE2 file's kind, by its streams, else by its extension ('xls'/'doc'/…)."""
    kind = ole_kind(path)
    if kind != "unknown":
        return kind
    suffix = path.suffix.lower()
    if suffix in WORD_SUFFIXES:
        return "doc"
    if suffix in SHEET_SUFFIXES:
        return "xls"
    return "unknown"


def doc_is_encrypted(path: Path) -> bool:
    """Return True when a Word binary file is password-protected (FIB flag fEncrypted)."""
    entry = next((v for k, v in ole_entries(path).items() if k.upper() == "WORDDOCUMENT"), None)
    if entry is None:
        return False
    _, start, size = entry
    if size < 4096:  # a WordDocument stream in the mini stream: too small to be real
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
            shift = struct.unpack_from("<H", head, 30)[0]
            fh.seek((start + 1) * (1 << shift))
            fib = fh.read(12)
    except (OSError, struct.error):
        return False
    if len(fib) < 12 or struct.unpack_from("<H", fib, 0)[0] != 0xA5EC:
        return False
    return bool(struct.unpack_from("<H", fib, 10)[0] & 0x0100)


def conversion_for(path: Path) -> tuple[str, str] | None:
    """Return (target extension, extension to hand LibreOffice) when ``path`` needs LibreOffice.

    Word-family OLE2 files (.doc, WPS .wps) need it; workbooks (.xls, WPS .et) are read
    directly and converted only if that fails. Anything else (and files the readers will
    refuse anyway: too large, encrypted) returns None.
    """
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as fh:
            if fh.read(8) != OLE_MAGIC:  # cheap: most files of a run are .xlsx/.docx
                return None
    except OSError:
        return None
    kind = effective_kind(path)
    if kind == "doc" and not doc_is_encrypted(path):
        return "docx", ".doc"
    return None


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
    from formkit.readers import office

    found = office.lookup(path)
    if found is not None:
        return _read_copy(found, name, to_ext)
    with tempfile.TemporaryDirectory(prefix="formkit-one-") as tmp:
        result = office.convert_batch([path], to_ext, Path(tmp), input_exts={path: in_ext})
        return _read_copy(result.get(path, office.MISSING), name, to_ext)


def _read_copy(found: Path | str, name: str, to_ext: str) -> list[Grid]:
    from formkit.readers import check_zip

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
