"""The fonts LibreOffice uses for formkit's PDF copies: Chinese (SC) faces for every Chinese font name.

The documents name the fonts GB/T 9704 asks for (仿宋_GB2312, 方正小标宋简体, 黑体,
楷体_GB2312, 宋体), which are Windows fonts. LibreOffice asks fontconfig for a substitute, and
without help it gets a Japanese variant (``NotoSansCJKjp``): some characters then take their
Japanese forms, and the 仿宋 body comes out in a sans face. :func:`soffice_env` gives a
LibreOffice run ``FONTCONFIG_FILE`` pointing at ``formkit-fonts.conf`` (shipped beside this
module, package data), which maps each Chinese font name to a Simplified Chinese face
(Noto Serif CJK SC, Noto Sans CJK SC, AR PL UKai CN) and includes the system configuration.

Debian's Noto CJK fonts are collections (``.ttc``) whose faces share ONE CFF table, named
after the Japanese face: a PDF made with the SC face uses the SC glyphs but calls the font
``NotoSerifCJKjp-Regular``. So that a PDF says what it uses, the Regular and Bold collections
are copied once into formkit's cache folder with the CFF's names changed from ``…CJKjp…`` to
``…CJKsc…`` (same length: only those bytes change), and the configuration formkit hands to
LibreOffice uses the copies instead of the originals. When no cache folder is writable the
shipped configuration is used alone (SC glyphs, the collection's JP name).
"""

from __future__ import annotations

import glob
import os
import struct
import tempfile
from pathlib import Path

__all__ = ["CONF", "soffice_env", "prepared_conf"]

#: The shipped configuration (package data): Chinese font names → SC faces, then the system's.
CONF = Path(__file__).with_name("formkit-fonts.conf")
#: Where Debian's fonts-noto-cjk puts its collections (other distributions: searched below).
NOTO_GLOBS = ("/usr/share/fonts/opentype/noto/Noto*CJK-*.ttc", "/usr/share/fonts/**/Noto*CJK*-*.ttc")
#: The weights copied (the documents use regular and bold); other weights are hidden from LibreOffice.
WEIGHTS = ("Regular", "Bold")
_VERSION = "2"  # bump when sc_named changes: the cached copies are rebuilt


def soffice_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment for a soffice run: ``base`` (default os.environ) with FONTCONFIG_FILE set."""
    env = dict(os.environ if base is None else base)
    conf = prepared_conf()
    if conf is not None:
        env["FONTCONFIG_FILE"] = str(conf)
    return env


def prepared_conf() -> Path | None:
    """Return the fontconfig file for LibreOffice: the cached one with SC-named copies, else the shipped one."""
    if not CONF.is_file():
        return None
    originals = _noto_collections()
    if not originals:
        return CONF
    for folder in _cache_folders():
        try:
            return _prepare(folder, originals)
        except OSError:
            continue
    return CONF


def _noto_collections() -> list[Path]:
    found: dict[str, Path] = {}
    for pattern in NOTO_GLOBS:
        for name in glob.glob(pattern, recursive=True):
            path = Path(name)
            found.setdefault(path.name, path)
    return sorted(found.values())


def _cache_folders() -> list[Path]:
    folders = []
    if os.environ.get("XDG_CACHE_HOME"):
        folders.append(Path(os.environ["XDG_CACHE_HOME"]) / "formkit" / f"fonts-{_VERSION}")
    folders.append(Path.home() / ".cache" / "formkit" / f"fonts-{_VERSION}")
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    folders.append(Path(tempfile.gettempdir()) / f"formkit-fonts-{uid}-{_VERSION}")
    return folders


def _prepare(folder: Path, originals: list[Path]) -> Path:
    """Return ``folder``'s fonts.conf, copying the SC-named collections there first if needed."""
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for original in originals:
        if not any(original.stem.endswith(f"-{w}") for w in WEIGHTS):
            continue
        target = folder / original.name
        stat = original.stat()
        stamp = folder / f"{original.name}.source"
        expected = f"{original}\n{stat.st_size}\n{int(stat.st_mtime)}\n"
        if not (target.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == expected):
            _write_atomic(target, sc_named(original.read_bytes()))
            _write_atomic(stamp, expected.encode("utf-8"))
        copied.append(target)
    conf = folder / "fonts.conf"
    rejected = "\n".join(f"      <glob>{_xml(str(p))}</glob>" for p in originals)
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<!-- Written by formkit (formkit/fonts): the Noto CJK collections with SC names. -->\n"
        "<fontconfig>\n"
        f"  <dir>{_xml(str(folder))}</dir>\n"
        f"  <cachedir>{_xml(str(folder / 'fc-cache'))}</cachedir>\n"
        "  <selectfont>\n    <rejectfont>\n" + rejected + "\n    </rejectfont>\n  </selectfont>\n"
        f"  <include ignore_missing=\"no\">{_xml(str(CONF))}</include>\n"
        "</fontconfig>\n")
    if not conf.is_file() or conf.read_text(encoding="utf-8") != text:
        _write_atomic(conf, text.encode("utf-8"))
    return conf


def sc_named(data: bytes) -> bytes:
    """Return a Noto CJK collection whose shared CFF table names its fonts ``…CJKsc…`` instead of ``…CJKjp…``.

    The CFF's font names (``NotoSerifCJKjp-Regular`` and its sub-font names) and its family and
    full names (``Noto Serif CJK JP``) are rewritten in place, same length; glyphs, cmaps and the
    per-face name tables (which already name each face SC, JP, …) are untouched.
    """
    if data[:4] != b"ttcf":
        return data
    count = struct.unpack(">I", data[8:12])[0]
    offsets = struct.unpack(f">{count}I", data[12:12 + 4 * count])
    tables = set()
    for offset in offsets:
        num_tables = struct.unpack(">H", data[offset + 4:offset + 6])[0]
        for k in range(num_tables):
            record = offset + 12 + 16 * k
            tag, _checksum, start, length = struct.unpack(">4sIII", data[record:record + 16])
            if tag == b"CFF ":
                tables.add((start, length))
    out = bytearray(data)
    for start, length in tables:
        table = bytes(out[start:start + length])
        out[start:start + length] = table.replace(b"CJKjp", b"CJKsc").replace(b"CJK JP", b"CJK SC")
    return bytes(out)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
