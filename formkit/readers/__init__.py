"""Readers: turn a file into Grids, whatever its name says. The registry is keyed by content.

Only the modules in this package import openpyxl, python-calamine, python-docx/lxml,
xlrd or pdfplumber. A reader raises :class:`Unreadable` with a Chinese reason; nothing else
escapes :func:`read_grids`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from formkit.readers.base import (  # noqa: F401  (the package's face: what callers import)
    BROKEN_ZIP, DTD_REFUSED, ENCRYPTED, MAX_CELL_CHARS, MAX_COLS, MAX_FILE_BYTES, MAX_PART_RATIO_FLOOR,
    MAX_RATIO, MAX_ROWS, MAX_UNZIPPED_BYTES, MAX_ZIP_ENTRIES, SUPPORTED, WORD_NAMES, XML_PROLOG_LIMIT, ZIP_BOMB,
    Unreadable, check_zip, ole_is_encrypted, sniff, why_not, xml_declares_dtd, zip_entry_count)
from formkit.soffice import INSTALL_HINT  # noqa: F401  (re-exported: readers' messages name it)
from formkit.table import Grid


def read_grids(path: Path, display_name: str | None = None) -> tuple[str, list[Grid]]:
    """Return (family, grids) for a file, or raise Unreadable with the reason."""
    name = display_name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Unreadable(f"无法打开文件：{exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise Unreadable(f"文件过大（{size // (1024 * 1024)} MB，上限50 MB），请拆分后提交")
    try:
        try:
            kind = sniff(path)
        except OSError as exc:
            raise Unreadable(f"无法打开文件：{exc.strerror or exc}") from exc
        reader = _REGISTRY.get(kind)
        if reader is None:
            raise Unreadable(why_not(kind, path))
        return reader(path, name)
    except Unreadable:
        raise
    except MemoryError as exc:
        raise Unreadable("文件内容过多，无法读取，请拆分后提交") from exc
    except RecursionError as exc:
        raise Unreadable("文件结构嵌套过深，无法读取，请用Office或WPS另存后重新提交") from exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 — a Rust panic in a reader (pyo3 PanicException) is a BaseException
        # A broken file must become a finding, never a traceback.
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
        raise Unreadable(ENCRYPTED)
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
