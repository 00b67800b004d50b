"""The .docx package: namespaces, limits, reading members and parts, parsing safely, the
reproducible zip writer and the one zip normaliser every Word/xlsx output uses."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from formkit.errors import FormkitError


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
REL_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
REL_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
REL_ENDNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"
CORE_PROPS = "docProps/core.xml"


def wtag(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Limits on what a template package may hold (SPEC §7: the same zip-bomb guards as inputs).
MAX_TEMPLATE_BYTES = 50 * 1024 * 1024
MAX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False)
# The combined body (tens of MB for thousands of letters); collect_ids=False and bytes input
# parse ~40 % faster (bench/README.md).
BIG_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                              collect_ids=False)

# ---------------------------------------------------------------------------------------------
# Errors


class TemplateError(FormkitError):
    """A template cannot be read or rendered; the Chinese message names the template and where."""

    def __init__(self, message: str, *, template: str | None = None, variable: str | None = None,
                 near: str | None = None):
        super().__init__(message)
        self.template = template
        self.variable = variable
        self.near = near




@dataclass
class Package:
    """The parts of a .docx that the engine needs to know by name."""

    main: str
    rels_name: str
    headers_footers: dict[str, tuple[str, str]] = field(default_factory=dict)  # member → (rId, kind)
    notes: list[str] = field(default_factory=list)
    parts: list[tuple[str, str]] = field(default_factory=list)  # (member, label) that may carry tags, body first


_PART_KINDS = {REL_HEADER: "页眉", REL_FOOTER: "页脚", REL_FOOTNOTES: "脚注", REL_ENDNOTES: "尾注"}


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target)).lstrip("/")


def rels_member_of(part: str) -> str:
    """Return the member holding ``part``'s relationships (word/_rels/document.xml.rels)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")




def parse_part(template: str, member: str, data: bytes):
    """Return the root of a package part, refusing DTDs and entities (SPEC §7)."""
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise TemplateError(f"模板 {template} 的 {member} 含有 DTD 或实体声明，不予处理", template=template)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"模板 {template} 的 {member} 不是有效的 XML：{exc}", template=template) from exc


def read_members(data: bytes, name: str) -> dict[str, bytes]:
    """Return every member of a .docx package by name, in archive order (raises TemplateError).

    The template guards of SPEC §7: size, old Word/encrypted, expanded size and ratio.
    """
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"模板 {name} 超过 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB，不予处理", template=name)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise TemplateError(f"模板 {name} 是旧版 Word（.doc）或已加密的文件：请在 Word 或 WPS 中另存为 .docx",
                            template=name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        expanded = sum(i.file_size for i in infos)
        if expanded > MAX_EXPANDED_BYTES or expanded > MAX_RATIO * max(len(data), 1):
            raise TemplateError(f"模板 {name} 解压后过大（{expanded // 1024 // 1024} MB），不予处理", template=name)
        members = {}
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise TemplateError(f"模板 {name} 已加密，无法读取", template=name)
            members[info.filename] = archive.read(info)
    except TemplateError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise TemplateError(f"模板 {name} 不是有效的 Word 文档（.docx）：{exc}", template=name) from exc
    return members


def read_package(name: str, members: dict[str, bytes]) -> Package:
    """Return where the body, headers, footers and notes of a package are (raises TemplateError)."""
    main = "word/document.xml"
    if "_rels/.rels" in members:
        rels = parse_part(name, "_rels/.rels", members["_rels/.rels"])
        for rel in rels.iter(f"{{{PKG_RELS}}}Relationship"):
            if rel.get("Type") == OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
                main = _resolve("", rel.get("Target", main))
                break
    if main not in members:
        raise TemplateError(f"模板 {name} 不是有效的 Word 文档：缺少正文部分 {main}", template=name)
    package = Package(main=main, rels_name=rels_member_of(main), parts=[(main, "正文")])
    if package.rels_name in members:
        rels = parse_part(name, package.rels_name, members[package.rels_name])
        for rel in rels.iter(f"{{{PKG_RELS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            kind = rel.get("Type")
            target = _resolve(main, rel.get("Target", ""))
            if target not in members:
                continue
            if kind in _PART_KINDS and all(target != m for m, _ in package.parts):
                label = _PART_KINDS[kind]
                if kind in (REL_HEADER, REL_FOOTER):
                    label = f"{label}（{posixpath.basename(target)}）"
                package.parts.append((target, label))
            if kind in (REL_HEADER, REL_FOOTER):
                package.headers_footers[target] = (rel.get("Id"), "header" if kind == REL_HEADER else "footer")
            elif kind in (REL_FOOTNOTES, REL_ENDNOTES):
                package.notes.append(target)
    return package

