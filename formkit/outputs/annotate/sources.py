"""What each input is marked in: the kind and name of its copy, LibreOffice's copies of the legacy
formats (one call per format for a whole run), and the size of a workbook before it is reopened."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

SUFFIX = "（问题标注）"


def output_kind(path: Path) -> str | None:
    """Return ``xlsx``/``docx`` (the copy made of ``path``, by its bytes), or None when none can be."""
    from formkit.readers import sniff
    from formkit.readers.ole import effective_kind

    try:
        kind = sniff(path)
    except OSError:
        return None
    if kind in ("xlsx", "pdf"):
        return "xlsx"
    if kind == "docx":
        return "docx"
    if kind == "ole":
        legacy = effective_kind(path)
        return {"xls": "xlsx", "doc": "docx"}.get(legacy)
    return None


def annotated_name(name: str, kind: str) -> str:
    """Return ``<stem>（问题标注）.xlsx|.docx`` for a file called ``name``."""
    from formkit.fsutil import safe_filename

    stem = Path(name).stem or "文件"
    return safe_filename(f"{stem}{SUFFIX}.{kind}", max_len=120)


@contextlib.contextmanager
def legacy_copies(paths: Iterable[Path]) -> Iterator[dict[Path, Path | str]]:
    """Yield {legacy path: its .docx/.xlsx copy, or why there is none} while the block runs.

    Word-family files (.doc/.wps) are converted by the readers' run-level pre-pass
    (:func:`formkit.readers.legacy.converted_copies`), which the readers then use too; the
    workbooks (.xls/.et), which the readers read directly, are converted in one more call.
    """
    from formkit import soffice
    from formkit.readers.legacy import converted_copies
    from formkit.readers.ole import SHEET_SUFFIXES, effective_kind

    paths = [Path(p) for p in paths]
    sheets = [p for p in paths if output_kind(p) == "xlsx" and is_ole(p) and effective_kind(p) == "xls"]
    with converted_copies(paths) as documents:
        tmp = Path(tempfile.mkdtemp(prefix="formkit-annotate-")) if sheets else None
        try:
            done: dict[Path, Path | str] = dict(documents)
            if sheets:
                exts = {p: (p.suffix.lower() if p.suffix.lower() in SHEET_SUFFIXES else ".xls") for p in sheets}
                done.update(soffice.convert_batch(sheets, "xlsx", tmp, input_exts=exts))
            yield done
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


def sheet_xml_size(path: Path) -> int:
    """Return the uncompressed size of a workbook's worksheet parts (from the zip directory only)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return sum(i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def is_ole(path: Path) -> bool:
    """Return whether ``path`` is an OLE compound file (.xls/.doc/.et/.wps), by its first bytes."""
    from formkit.readers.ole import OLE_MAGIC

    try:
        with open(path, "rb") as fh:
            return fh.read(8) == OLE_MAGIC
    except OSError:
        return False
