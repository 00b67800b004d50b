"""Writing outputs safely: a temporary name in the same folder, then an atomic rename."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterator

from formkit.errors import OutputError

_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10)), "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
# Unicode format characters (category Cf) that matter in names: invisible or reordering.
_FORMAT_CHARS = dict.fromkeys([*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070),
                               0xFEFF, 0x00AD, 0x061C, 0x180E], None)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".part" + path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"无法写入输出位置 {path.parent}：{exc.strerror or exc}") from exc
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600; give the output the mode a plain open() would (umask applies).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically and return the path."""
    return write_bytes(path, text.encode("utf-8"))


def safe_filename(name: str, max_len: int = 80, max_bytes: int = 200) -> str:
    """Return ``name`` as one safe file name: no folder part, nothing Windows forbids.

    Path separators (``/`` ``\\``), ``: * ? " < > |`` and control characters become ``_``,
    ``..`` becomes ``_``, leading and trailing spaces and dots go; invisible format characters
    (zero-width, direction marks, bidi overrides that make ``exe.docx`` look like
    ``xcod.exe``) are removed; Windows device names (``CON``, ``con.docx``, ``LPT1.txt``) get
    a ``_`` in front. The result is at most ``max_len`` characters and ``max_bytes`` bytes in
    UTF-8 (Linux allows 255 bytes a name; a Chinese character takes 3), cut in the stem so a
    short extension survives; it is never empty, ``.`` or ``..``.
    """
    name = unicodedata.normalize("NFC", str(name)).translate(_FORMAT_CHARS)
    name = _WINDOWS_FORBIDDEN.sub("_", name).replace("..", "_").strip(" .")
    stem = name.split(".", 1)[0].rstrip(" ")
    if stem.upper() in _RESERVED or not name:
        name = f"_{name}"
    return _shorten(name, max_len, max_bytes)


def _shorten(name: str, max_len: int, max_bytes: int) -> str:
    """Return ``name`` cut to ``max_len`` characters and ``max_bytes`` UTF-8 bytes, extension kept."""
    if len(name) <= max_len and len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10 or not ext.isalnum():
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    room_chars = max(1, max_len - len(suffix))
    room_bytes = max(1, max_bytes - len(suffix.encode("utf-8")))
    stem = stem[:room_chars]
    while len(stem.encode("utf-8")) > room_bytes:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "_") + suffix


def safe_join(folder: str | Path, name: str) -> Path:
    """Return ``folder / safe_filename(name)``, checked to lie directly inside ``folder``."""
    folder = Path(folder)
    path = folder / safe_filename(name)
    if path.resolve().parent != folder.resolve():
        raise OutputError(f"文件名“{name}”会写到输出文件夹之外，已拒绝")
    return path
