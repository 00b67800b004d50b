"""OOXML packages (.docx, .xlsx) written reproducibly: fixed timestamps, members compressed once.

:func:`zip_members` writes already-compressed members (the template engine renders thousands of
letters from one compiled template); :func:`repack` is the one normaliser every output that
post-processes a package (python-docx, openpyxl, a fixed template) writes through.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

# Rendered parts are deflated at level 1: on a letter's document.xml it is 1.5–4× faster than
# the default level 6 for ~10 % more bytes (measured by bench/letters.py; see bench/README.md).
RENDER_LEVEL = 1
STATIC_LEVEL = 6  # members without tags: compressed once, at load

# The zip writer: members compressed once, rendered parts deflated per document


@dataclass
class Member:
    """One zip member, already compressed: written by copying its bytes."""

    name: str
    crc: int
    size: int
    data: bytes  # raw deflate (method 8) or stored (method 0)
    method: int

    @classmethod
    def make(cls, name: str, content: bytes, level: int) -> "Member":
        crc = zlib.crc32(content)
        if level and len(content) >= 64:
            compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
            data = compressor.compress(content) + compressor.flush()
            if len(data) < len(content):  # pictures do not shrink: store them
                return cls(name, crc, len(content), data, zipfile.ZIP_DEFLATED)
        return cls(name, crc, len(content), content, zipfile.ZIP_STORED)


_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01: reproducible bytes
_ZIP32_MAX = 0xFFFFFFFF


def zip_members(members: list[Member]) -> bytes:
    """Return a zip archive of already-compressed members (no recompression, fixed timestamps).

    zipfile cannot copy compressed bytes from one archive to another without decompressing;
    writing the headers here lets every unchanged member cost a memory copy.
    """
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    count = 0
    for m in members:
        name = m.name.encode("utf-8")
        flags = 0x800 if not m.name.isascii() else 0
        if m.size > _ZIP32_MAX or len(m.data) > _ZIP32_MAX or offset > _ZIP32_MAX:
            return zip_with_zipfile(members)
        header = _LOCAL.pack(b"PK\x03\x04", 20, 0, flags, m.method, 0, _DOS_DATE, m.crc, len(m.data), m.size,
                             len(name), 0)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 0, 20, 0, flags, m.method, 0, _DOS_DATE, m.crc,
                                     len(m.data), m.size, len(name), 0, 0, 0, 0, 0o644 << 16, offset) + name)
        out += (header, name, m.data)
        offset += len(header) + len(name) + len(m.data)
        count += 1
    directory = b"".join(central)
    if count > 0xFFFF or offset > _ZIP32_MAX:
        return zip_with_zipfile(members)
    out.append(directory)
    out.append(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0))
    return b"".join(out)


def zip_with_zipfile(members: list[Member]) -> bytes:
    """Return the archive through zipfile (ZIP64), for the rare package past 4 GB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for m in members:
            content = m.data if m.method == zipfile.ZIP_STORED else zlib.decompress(m.data, -15)
            info = zipfile.ZipInfo(m.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()






def repack(data: bytes, replace: dict[str, bytes] | None = None, stored: frozenset[str] = frozenset()) -> bytes:
    """Return the package ``data`` re-zipped with fixed timestamps, members in the same order.

    ``replace`` gives new contents for some members; members named in ``stored`` are not
    compressed (a picture a viewer maps directly).
    """
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, replace[info.filename] if info.filename in replace else src.read(info))
    return out.getvalue()


def write_members(members: dict[str, bytes], level: int = STATIC_LEVEL) -> bytes:
    """Return a package holding ``members`` (name → content, in order), reproducibly zipped."""
    return zip_members([Member.make(name, content, level) for name, content in members.items()])
