"""What every reader shares: the limits, :class:`Unreadable`, sniffing a file's real kind,
the one zip guard (:func:`check_zip`) and the reasons a kind cannot be read."""

from __future__ import annotations

import codecs
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable


MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_ROWS = 20000  # rows read per sheet; stray cells far below the data must not blow up memory
MAX_COLS = 200
MAX_CELL_CHARS = 10000
MAX_ZIP_ENTRIES = 10000  # parts in one package; real workbooks and documents hold well under 1,000
MAX_PART_RATIO_FLOOR = 10 * 1024 * 1024  # the 100× ratio applies to parts (and packages) above 10 MB
XML_PROLOG_LIMIT = 1 << 20  # bytes before an XML part's root element; a longer prolog is refused

ZIP_BOMB = "文件解压后过大（{mb} MB），疑似压缩炸弹，已拒绝读取"
DTD_REFUSED = "文件含有DTD或实体声明（可能是恶意构造的文件），出于安全原因拒绝读取，请用Office或WPS重新保存后提交"
ENCRYPTED = "文件已加密，请取消密码后重新提交"
BROKEN_ZIP = "文件已损坏（压缩包结构不完整），请重新保存后提交"

SUPPORTED = (".xlsx", ".xlsm", ".xls", ".docx", ".doc", ".wps", ".et", ".pdf")



class Unreadable(Exception):
    """A file cannot be read; the message says why in Chinese."""


def sniff(path: Path) -> str:
    """Return what the file really is: xlsx, docx, ole, pdf, empty, html, text, zip, unknown."""
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        entries = zip_entry_count(path)
        if entries is not None and entries > MAX_ZIP_ENTRIES:
            return "zip-bomb"  # refused before zipfile builds an object per entry
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, struct.error):
            return "broken-zip"  # NotImplementedError: "zip file version 8.4", multi-disk archives
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsb" if "xl/workbook.bin" in names else "xlsx"
        if "content.xml" in names:
            return "odf"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"\x09\x08", b"\x09\x04", b"\x09\x02", b"\x09\x00")):
        return "biff"  # a bare BIFF2-4 worksheet stream
    low = head.lower()
    if b"<html" in low or b"<!doctype html" in low or b"<table" in low:
        return "html"
    if b"\x00" not in head:
        return "text"
    return "unknown"


def zip_entry_count(path: Path) -> int | None:
    """Return how many entries a zip's central directory can hold, or None when unknown.

    Read from the end-of-central-directory record, before :mod:`zipfile` parses the
    directory: a package of a million empty entries costs zipfile seconds and hundreds of
    MB before any check can run. zipfile walks the directory's bytes, not the declared
    count, so the larger of the count and the directory's size over 46 bytes (the smallest
    entry) is returned.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            tail_len = min(size, 22 + 65535 + 20)
            fh.seek(size - tail_len)
            tail = fh.read(tail_len)
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or len(tail) < at + 22:
                return None
            count, cd_size = struct.unpack_from("<HI", tail, at + 10)
            if count != 0xFFFF and cd_size != 0xFFFFFFFF:
                return max(count, cd_size // 46)
            # Zip64: the locator sits just before the end record and points at the zip64 record.
            loc = at - 20
            if loc < 0 or tail[loc:loc + 4] != b"PK\x06\x07":
                return None
            offset = struct.unpack_from("<Q", tail, loc + 8)[0]
            fh.seek(offset)
            rec = fh.read(56)
            if len(rec) < 40 or not rec.startswith(b"PK\x06\x06"):
                return None
            count, cd_size = struct.unpack_from("<QQ", rec, 32)
            return max(count, cd_size // 46)
    except (OSError, struct.error, ValueError):
        return None


def check_zip(path: Path) -> None:
    """Raise Unreadable when a zip package is a bomb, encrypted, broken or carries a DTD.

    Everything here is decided from the central directory and the first bytes of each part:
    nothing is expanded beyond an XML part's prolog, so a bomb costs neither memory nor time.
    - sizes: more than 200 MB in all, or more than 100× the packed size (package or part,
      above 10 MB), or more than :data:`MAX_ZIP_ENTRIES` parts;
    - entries whose data overlap (one deflate stream listed many times: the "overlapping"
      zip bomb), or that lie beyond the central directory;
    - encrypted parts; compression methods this Python cannot read;
    - an XML part whose prolog holds a DOCTYPE (external entities, "billion laughs"):
      refused whatever the parser downstream would do with it.
    """
    entries = zip_entry_count(path)
    if entries is not None and entries > MAX_ZIP_ENTRIES:
        raise Unreadable(_WHY_NOT["zip-bomb"])
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            start_dir = getattr(zf, "start_dir", None)
            if any(i.flag_bits & 0x1 for i in infos):
                raise Unreadable(ENCRYPTED)
            _check_sizes(infos, start_dir)
            for info in infos:
                if info.is_dir() or not info.file_size or info.filename.lower().endswith(_NOT_PARSED):
                    continue
                with zf.open(info) as part:
                    if xml_declares_dtd(part.read):
                        raise Unreadable(DTD_REFUSED)
    except Unreadable:
        raise
    except NotImplementedError as exc:  # e.g. a compression method zipfile cannot read
        raise Unreadable("文件使用了不支持的压缩方式，请用Office或WPS重新保存后提交") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError,
            struct.error, zlib.error) as exc:
        raise Unreadable(BROKEN_ZIP) from exc


def _check_sizes(infos: list[zipfile.ZipInfo], start_dir: int | None) -> None:
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED_BYTES or (total > MAX_PART_RATIO_FLOOR and total / packed > MAX_RATIO):
        raise Unreadable(ZIP_BOMB.format(mb=total // (1024 * 1024)))
    for info in infos:
        if info.file_size > MAX_PART_RATIO_FLOOR and info.file_size / max(1, info.compress_size) > MAX_RATIO:
            raise Unreadable(ZIP_BOMB.format(mb=info.file_size // (1024 * 1024)))
        # Deflate never makes data much larger (a stored block costs 5 bytes in 64 KB): more
        # packed bytes than that means the declared size lies, and a reader trusting the
        # compressed stream instead would expand far more than the limits allow.
        if (info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > info.file_size * 1.01 + 1024) or (
                info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size):
            raise Unreadable("文件内部结构异常（部件的声明大小与压缩数据不符），疑似压缩炸弹或文件已损坏，已拒绝读取")
    # Each entry's data must end before the next entry's local header: a bomb that lists
    # one small deflate stream many times (entries sharing data) expands once per listing.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in zip(ordered, ordered[1:]):
        if a.header_offset + 30 + a.compress_size > b.header_offset:
            raise Unreadable("文件内部结构异常（多个部件共用同一段数据），疑似压缩炸弹，已拒绝读取")
    if ordered and start_dir is not None:
        last = ordered[-1]
        if last.header_offset + 30 + last.compress_size > start_dir:
            raise Unreadable(BROKEN_ZIP)


_XML_SPACE = " \t\r\n"
#: Parts no reader parses whose text may legitimately open with <!DOCTYPE (HTML pasted into
#: Word as an altChunk, SVG pictures).
_NOT_PARSED = (".htm", ".html", ".mht", ".mhtml", ".svg", ".txt", ".rtf")


def xml_declares_dtd(read: Callable[[int], bytes]) -> bool:
    """Return True when the XML text that ``read`` yields declares a DOCTYPE before its root.

    Only the prolog is read (the XML declaration, comments, processing instructions and
    white space before the first element), however long the comments that pad it; a prolog
    over :data:`XML_PROLOG_LIMIT` bytes counts as hostile. UTF-8 (with or without BOM) and
    UTF-16/32 are recognised. A part that is not XML (an image) returns False at once.
    """
    raw = read(4096)
    if not raw:
        return False
    decoder, skip = _xml_decoder(raw[:4])
    raw = raw[skip:]
    text = ""
    pos = 0
    eof = False
    total = len(raw)
    pending = raw
    while True:
        text += decoder.decode(pending, final=eof)
        while True:
            n = len(text)
            while pos < n and text[pos] in _XML_SPACE:
                pos += 1
            if pos >= n:
                break  # need more text
            if text[pos] == "\ufeff":
                pos += 1
                continue
            if text[pos] != "<":
                return False  # not XML: the parser downstream rejects it
            if n - pos < 9 and not eof:
                break
            if text.startswith("<?", pos):
                end = text.find("?>", pos + 2)
                if end < 0:
                    break
                pos = end + 2
                continue
            if text.startswith("<!--", pos):
                end = text.find("-->", pos + 4)
                if end < 0:
                    break
                pos = end + 3
                continue
            # <!DOCTYPE (or any other declaration, none of which belongs in an OOXML part).
            return text.startswith("<!", pos)
        if eof:
            return False
        if total > XML_PROLOG_LIMIT:
            return True
        pending = read(65536)
        total += len(pending)
        eof = not pending
        # Drop what is already parsed: the prolog may be long, the state is only ``pos``.
        text, pos = text[pos:], 0


def _xml_decoder(head: bytes):
    """Return (incremental decoder, bytes of BOM to skip) for an XML part's first bytes."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                       (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return codecs.getincrementaldecoder(codec)("replace"), len(bom)
    if head.startswith(b"<\x00\x00\x00"):
        return codecs.getincrementaldecoder("utf-32-le")("replace"), 0
    if head.startswith(b"\x00\x00\x00<"):
        return codecs.getincrementaldecoder("utf-32-be")("replace"), 0
    if head.startswith(b"<\x00"):
        return codecs.getincrementaldecoder("utf-16-le")("replace"), 0
    if head.startswith(b"\x00<"):
        return codecs.getincrementaldecoder("utf-16-be")("replace"), 0
    # ASCII-compatible (UTF-8, GBK…): the markup characters are the same bytes.
    return codecs.getincrementaldecoder("latin-1")(), 0


def ole_is_encrypted(path: Path) -> bool:
    """Return True when an OLE2 file is an encrypted OOXML package or a protected xls/doc."""
    with open(path, "rb") as fh:
        data = fh.read(1 << 20)
    # Directory entries are UTF-16LE names; EncryptedPackage marks an encrypted OOXML file.
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


WORD_NAMES = (".docx", ".doc", ".wps", ".docm", ".dot", ".dotx", ".rtf", ".odt")


def why_not(kind: str, path: Path | None = None) -> str:
    """Return why a file of this sniffed kind cannot be read, the fix named for its extension."""
    word = path is not None and path.suffix.lower() in WORD_NAMES
    app, ext = ("Word或WPS", ".docx") if word else ("Excel或WPS", ".xlsx")
    if kind == "html":
        return f"文件实为网页（HTML）而非Excel/Word文件（只是扩展名为{path.suffix if path else ''}），请在{app}中“另存为”{ext}后提交"
    if kind == "text":
        return f"文件实为纯文本而非Excel/Word文件（只是扩展名为{path.suffix if path else ''}），请在{app}中“另存为”{ext}后提交"
    return _WHY_NOT.get(kind, _WHY_NOT["unknown"])


_WHY_NOT = {
    "empty": "文件为空（0字节），请重新导出后提交",
    "html": "文件实为网页（HTML）而非Excel/Word文件，请在Excel或WPS中“另存为”.xlsx后提交",
    "text": "文件实为纯文本而非Excel/Word文件，请在Excel或WPS中“另存为”.xlsx后提交",
    "broken-zip": BROKEN_ZIP,
    "zip-bomb": f"文件内含的部件数超过{MAX_ZIP_ENTRIES}个，远超正常的Excel/Word文件，疑似压缩炸弹，已拒绝读取",
    "zip": "文件是压缩包而非Excel/Word文件，请解压后提交其中的表格",
    "xlsb": "暂不支持Excel二进制工作簿（.xlsb），请另存为.xlsx后提交",
    "odf": "暂不支持OpenDocument格式（.ods/.odt），请另存为.xlsx或.docx后提交",
    "biff": "文件是早期Excel版本（Excel 4.0及更早）格式，请另存为.xlsx后提交",
    "unknown": "无法识别的文件格式，请提交Excel（.xlsx）或Word（.docx）文件",
}
