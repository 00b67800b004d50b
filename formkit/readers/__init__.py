"""Readers: turn a file into Grids, whatever its name says. The registry is keyed by content.

Only the modules in this package import openpyxl, python-calamine, python-docx/lxml,
xlrd or pdfplumber. A reader raises :class:`Unreadable` with a Chinese reason; nothing else
escapes :func:`read_grids`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

from formkit.table import Grid

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_ROWS = 20000  # rows read per sheet; stray cells far below the data must not blow up memory
MAX_COLS = 200
MAX_CELL_CHARS = 10000

SUPPORTED = (".xlsx", ".xlsm", ".xls", ".docx", ".doc", ".wps", ".et", ".pdf")

INSTALL_HINT = "请安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer libreoffice-calc）"


class Unreadable(Exception):
    """A file cannot be read; the message says why in Chinese."""


def sniff(path: Path) -> str:
    """Return what the file really is: xlsx, docx, ole, pdf, empty, html, text, zip, unknown."""
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "broken-zip"
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


def check_zip(path: Path) -> None:
    """Raise Unreadable when a zip package would expand past the limits (zip bomb)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable("文件已损坏（压缩包结构不完整），请重新保存后提交") from exc
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED_BYTES or (total > 10 * 1024 * 1024 and total / packed > MAX_RATIO):
        raise Unreadable(f"文件解压后过大（{total // (1024 * 1024)} MB），疑似压缩炸弹，已拒绝读取")
    if any(i.flag_bits & 0x1 for i in infos):
        raise Unreadable("文件已加密，请取消密码后重新提交")
    with zipfile.ZipFile(path) as zf:
        for info in infos:
            if info.filename.endswith((".xml", ".rels")) and info.file_size:
                with zf.open(info) as part:
                    head = part.read(65536)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise Unreadable("文件含有DTD或实体声明（可能是恶意构造的文件），出于安全原因拒绝读取，请重新保存后提交")


def ole_is_encrypted(path: Path) -> bool:
    """Return True when an OLE2 file is an encrypted OOXML package or a protected xls/doc."""
    with open(path, "rb") as fh:
        data = fh.read(1 << 20)
    # Directory entries are UTF-16LE names; EncryptedPackage marks an encrypted OOXML file.
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def read_grids(path: Path, display_name: str | None = None) -> tuple[str, list[Grid]]:
    """Return (family, grids) for a file, or raise Unreadable with the reason."""
    name = display_name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Unreadable(f"无法打开文件：{exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise Unreadable(f"文件过大（{size // (1024 * 1024)} MB，上限50 MB），请拆分后提交")
    kind = sniff(path)
    reader = _REGISTRY.get(kind)
    if reader is None:
        raise Unreadable(_WHY_NOT.get(kind, "无法识别的文件格式，请提交Excel（.xlsx）或Word（.docx）文件"))
    try:
        return reader(path, name)
    except Unreadable:
        raise
    except MemoryError as exc:
        raise Unreadable("文件内容过多，无法读取，请拆分后提交") from exc
    except Exception as exc:  # a broken file must become a finding, never a traceback
        raise Unreadable(f"文件已损坏或格式异常，无法读取（{type(exc).__name__}），请用Office或WPS另存后重新提交") from exc


def _read_xlsx(path: Path, name: str):
    from formkit.readers import excel

    check_zip(path)
    return "excel", excel.read_xlsx(path, name)


def _read_docx(path: Path, name: str):
    from formkit.readers import word

    check_zip(path)
    return "word", word.read_docx(path, name)


def _read_ole(path: Path, name: str):
    if ole_is_encrypted(path):
        raise Unreadable("文件已加密，请取消密码后重新提交")
    from formkit.readers import legacy

    return legacy.read_ole(path, name)


def _read_pdf(path: Path, name: str):
    from formkit.readers import pdf

    return "pdf", pdf.read_pdf(path, name)


_REGISTRY: dict[str, Callable] = {
    "xlsx": _read_xlsx,
    "docx": _read_docx,
    "ole": _read_ole,
    "pdf": _read_pdf,
}

_WHY_NOT = {
    "empty": "文件为空（0字节），请重新导出后提交",
    "html": "文件实为网页（HTML）而非Excel/Word文件，请在Excel或WPS中“另存为”.xlsx后提交",
    "text": "文件实为纯文本而非Excel/Word文件，请在Excel或WPS中“另存为”.xlsx后提交",
    "broken-zip": "文件已损坏（压缩包结构不完整），请重新保存后提交",
    "zip": "文件是压缩包而非Excel/Word文件，请解压后提交其中的表格",
    "xlsb": "暂不支持Excel二进制工作簿（.xlsb），请另存为.xlsx后提交",
    "odf": "暂不支持OpenDocument格式（.ods/.odt），请另存为.xlsx或.docx后提交",
    "biff": "文件是早期Excel版本（Excel 4.0及更早）格式，请另存为.xlsx后提交",
    "unknown": "无法识别的文件格式，请提交Excel（.xlsx）或Word（.docx）文件",
}
