"""What an OLE2 compound file (.xls/.et, .doc/.wps) holds, told by its directory's stream names.

``Workbook``/``Book`` is an Excel (or WPS 表格 .et) workbook, ``WordDocument`` a Word (or WPS
文字 .wps) document; only when the directory names neither does the extension decide. Reading
the files is :mod:`formkit.readers.legacy`.
"""

from __future__ import annotations

import struct
from pathlib import Path

from formkit.readers.base import MAX_FILE_BYTES

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
