"""Word → PDF for the report and the letters: every file of a run in ONE LibreOffice call.

The conversion itself is :func:`formkit.soffice.convert_batch` (its own profile, a
timeout, the whole process group killed on timeout). Each PDF is written beside its .docx
under the same name, through a temporary name and a rename.

The fonts GB/T 9704 names (仿宋_GB2312, 方正小标宋简体 …) are on the office's Windows machines,
not on a Linux server: LibreOffice runs with formkit's fontconfig file
(:mod:`formkit.fonts`), which maps 仿宋/宋体/小标宋 to Noto Serif CJK SC, 黑体 to Noto
Sans CJK SC and 楷体 to AR PL UKai CN (Debian's fonts-noto-cjk, fonts-noto-cjk-extra,
fonts-arphic-ukai) — Simplified Chinese glyphs, never a Japanese or Korean variant. The PDF
here is for checking and sending, the .docx for printing.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable

from formkit.errors import FormkitError
from formkit.outputs.ooxml import repack

_DOC_GRID = re.compile(rb"<w:docGrid\b[^>]*/>")

#: LibreOffice's PDF export, told to leave out the blank pages it can insert so that a section
#: restarting at page 1 falls on a right-hand page (odd/even page styles): a combined PDF keeps
#: exactly the pages of its letters.
PDF_FILTER = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"true"}}'


def to_pdf(paths: Iterable[str | Path]) -> list[Path]:
    """Return the PDFs written beside ``paths`` (.docx files), converted in one LibreOffice call.

    Raises :class:`FormkitError` (Chinese) when LibreOffice is missing or a file failed; the
    PDFs that did convert are kept.
    """
    from formkit.fsutil import write_bytes
    from formkit import soffice

    docs = [Path(p) for p in paths]
    if not docs:
        return []
    if soffice.find_soffice() is None:
        raise FormkitError("生成 PDF 需要 LibreOffice，但本机未安装：Debian/Ubuntu 可运行 "
                           "sudo apt-get install libreoffice-writer fonts-noto-cjk；Word 文档已生成，可在 Word/WPS 中另存为 PDF")
    work = Path(tempfile.mkdtemp(prefix="formkit-pdf-"))
    try:
        copies = {doc: _layout_copy(doc, work / "in" / f"d{k:04d}.docx") for k, doc in enumerate(docs)}
        results = soffice.convert_batch(list(copies.values()), PDF_FILTER, outdir=work / "out")
        written: list[Path] = []
        failed: list[str] = []
        for doc in docs:
            outcome = results.get(copies[doc])
            if isinstance(outcome, Path):
                written.append(write_bytes(doc.with_suffix(".pdf"), outcome.read_bytes()))
            else:
                failed.append(f"{doc.name}：{outcome or '未转换'}")
        if failed:
            raise FormkitError("以下文件未能转换为 PDF：\n" + "\n".join(failed))
        return written
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _layout_copy(doc: Path, copy: Path) -> Path:
    """Return ``copy``: ``doc`` with its document grid removed, for LibreOffice to lay out.

    Word fits 28 characters of 3号 text in a line through the grid's negative ``w:charSpace``;
    LibreOffice instead gives every character that is wider than a grid cell two cells (14
    characters a line) and every line taller than the pitch two lines. Without the grid, the
    exact line spacing alone gives the 22 lines a page in both.
    """
    copy.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = Path(doc).read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            body = src.read("word/document.xml")
        copy.write_bytes(repack(data, {"word/document.xml": _DOC_GRID.sub(b"", body)}))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise FormkitError(f"无法读取 {doc}，不能转换为 PDF：{exc}") from exc
    return copy
