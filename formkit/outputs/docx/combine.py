"""Combined documents: one section per rendering, one pass, no docxcompose."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any, TYPE_CHECKING

from lxml import etree

from formkit.outputs.docx.package import (BIG_PARSER, CONTENT_TYPES, PKG_RELS, R, REL_FOOTER, REL_HEADER, TemplateError,
                                          parse_part, rels_member_of, wtag)
from formkit.outputs.ooxml import Member, RENDER_LEVEL, zip_members
from formkit.outputs.wordml import SECTPR_ORDER, ensure

if TYPE_CHECKING:
    from formkit.outputs.docx.template import DocxTemplate


# ---------------------------------------------------------------------------------------------
# Combined documents: one section per rendering


_SECTPR = wtag("sectPr")
_PPR = wtag("pPr")
P_TAG = wtag("p")
_RID = f"{{{R}}}id"
# Markup that may follow a letter's last paragraph without being a block of its own.
_RANGE_MARKS = {wtag(t) for t in ("bookmarkStart", "bookmarkEnd", "permStart", "permEnd", "proofErr",
                                "commentRangeStart", "commentRangeEnd", "moveFromRangeStart",
                                "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd")}
_MARKER = '<fk:letter xmlns:fk="urn:formkit:letter"/>'
_MARKER_TAG = "{urn:formkit:letter}letter"
_BOOKMARK = re.compile(r'(<w:bookmark(?:Start|End)\b[^>]*?\sw:id=")(\d+)(")')
_BOOKMARK_NAME = re.compile(r'(<w:bookmarkStart\b[^>]*?\sw:name=")([^"]*)(")')
_BOOKMARK_STEP = 100_000  # w:id is a 32-bit decimal: 2,000 letters stay far below the limit


def _start_letter(sect_pr) -> None:
    """Make the section ended by ``sect_pr`` start on a new page, numbered from 1."""
    ensure(sect_pr, "w:type", SECTPR_ORDER).set(wtag("val"), "nextPage")
    ensure(sect_pr, "w:pgNumType", SECTPR_ORDER).set(wtag("start"), "1")


def _end_letter_with(children: list, sect_pr, marker) -> None:
    """Move ``sect_pr`` into the pPr of the letter's last paragraph (a new one after a table)."""
    for child in reversed(children):
        if child.tag in _RANGE_MARKS:
            continue
        if child.tag == P_TAG:
            p_pr = child.find(_PPR)
            if p_pr is None:
                p_pr = etree.Element(_PPR)
                child.insert(0, p_pr)
            if p_pr.find(_SECTPR) is None:
                change = p_pr.find(wtag("pPrChange"))
                if change is not None:
                    change.addprevious(sect_pr)
                else:
                    p_pr.append(sect_pr)
                return
        break
    paragraph = etree.Element(P_TAG)
    marker.addprevious(paragraph)
    etree.SubElement(paragraph, _PPR).append(sect_pr)


class Combiner:
    """Builds the combined document of :meth:`DocxTemplate.render_combined` in one pass."""

    def __init__(self, template: DocxTemplate):
        self.t = template
        self.main = template._parts[template._package.main]
        self.multi_section = self.main.source.count("<w:sectPr") > 1
        self.bookmarks = "<w:bookmarkStart" in self.main.source
        # Tagged headers/footers differ per letter: each letter after the first gets copies.
        self.tagged = {m: rid for m, (rid, _k) in template._package.headers_footers.items() if m in template._parts}

    def run(self, contexts: list[Mapping[str, Any]]) -> bytes:
        t = self.t
        if not contexts:
            raise TemplateError(f"模板 {t.name}：没有数据，无法生成合并文档", template=t.name)
        docpr_ids = iter(range(1001, 1 << 31))
        extra: list[Member] = []
        new_rels: list[tuple[str, str, str]] = []  # (rId, type, target)
        retarget: list[dict[str, str]] = []
        # Every letter's body is rendered as text and the bodies are parsed together, as one
        # w:body with a marker after each letter: one parse, and no element ever moves between
        # documents (lxml's cross-document moves cost more than the parse itself).
        pieces = []
        open_tag = ""
        for k, context in enumerate(contexts):
            try:
                xml = t._render_xml(self.main, context, body_only=True, docpr_ids=docpr_ids)
                retarget.append(self._letter_parts(k, context, extra, new_rels) if k and self.tagged else {})
            except TemplateError as exc:  # say which letter: the data of one record is missing
                raise TemplateError(f"第{k + 1}份：{exc}", template=exc.template, variable=exc.variable,
                                    near=exc.near) from None
            if self.bookmarks and k:
                xml = self._renumber_bookmarks(xml, k)
            start = xml.find(">") + 1
            if not xml.startswith("<w:body") or not xml.endswith("</w:body>"):
                raise TemplateError(f"模板 {t.name} 的正文结构无法识别（w:body），无法合并", template=t.name)
            open_tag = open_tag or xml[:start]
            pieces.append(xml[start:-9])
            pieces.append(_MARKER)
        pieces.append("</w:body>")
        try:
            body = etree.fromstring((open_tag + "".join(pieces)).encode("utf-8"), BIG_PARSER)
        except etree.XMLSyntaxError:
            for k, piece in enumerate(pieces[0:-1:2]):  # name the first letter that breaks
                try:
                    t._check_xml(self.main, (open_tag + piece + "</w:body>").encode("utf-8"))
                except TemplateError as exc:
                    raise TemplateError(f"第{k + 1}份：{exc}", template=t.name) from None
            raise
        del pieces
        last = len(contexts) - 1
        k = 0
        letter: list = []
        for child in list(body):
            if child.tag != _MARKER_TAG:
                letter.append(child)
                continue
            self._finish_letter(letter, child, k == last, retarget[k])
            body.remove(child)
            letter = []
            k += 1

        rendered = {}
        main_xml = b"".join((self.main.prefix.encode("utf-8"), etree.tostring(body, encoding="utf-8", xml_declaration=False),
                             self.main.suffix.encode("utf-8")))
        del body
        rendered[self.main.name] = Member.make(self.main.name, main_xml, RENDER_LEVEL)
        for name, part in t._parts.items():
            if name != self.main.name:
                rendered[name] = t._render_part(part, contexts[0])
        if new_rels:
            rendered.update(self._register(new_rels, extra))
        return zip_members(t._members_with(rendered) + extra)

    def _finish_letter(self, letter: list, marker, last: bool, ids: dict[str, str]) -> None:
        """Make ``letter`` (its top-level elements, ``marker`` after them) a section of its own."""
        if not letter or letter[-1].tag != _SECTPR:
            raise TemplateError(f"模板 {self.t.name} 的正文缺少分节信息（w:sectPr），无法合并", template=self.t.name)
        sect = letter.pop()
        sections = [sect]
        if self.multi_section:  # section breaks inside the template: the letter starts at the first
            sections = [p_pr.find(_SECTPR) for el in letter if el.tag == P_TAG
                        for p_pr in [el.find(_PPR)] if p_pr is not None and p_pr.find(_SECTPR) is not None]
            sections.append(sect)
        _start_letter(sections[0])
        if ids:
            for sect_pr in sections:
                for ref in sect_pr:
                    if ref.get(_RID) in ids:
                        ref.set(_RID, ids[ref.get(_RID)])
        if not last:
            _end_letter_with(letter, sect, marker)

    @staticmethod
    def _renumber_bookmarks(xml: str, k: int) -> str:
        xml = _BOOKMARK.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + k * _BOOKMARK_STEP}{m.group(3)}", xml)
        return _BOOKMARK_NAME.sub(lambda m: f"{m.group(1)}{m.group(2)[:34]}_{k + 1}{m.group(3)}", xml)

    def _letter_parts(self, k: int, context, extra: list[Member], new_rels: list) -> dict[str, str]:
        """Render the tagged headers/footers for letter ``k``; return old rId → new rId."""
        t = self.t
        ids = {}
        for j, (member, rid) in enumerate(self.tagged.items()):
            stem, ext = posixpath.splitext(member)
            name = f"{stem}-fk{k + 1}{ext}"
            new_id = f"rIdFk{k + 1}x{j + 1}"
            ids[rid] = new_id
            xml = t._render_xml(t._parts[member], context)
            extra.append(Member.make(name, xml.encode("utf-8"), RENDER_LEVEL))
            own_rels = rels_member_of(member)
            if own_rels in t._members:  # pictures in a header: the copy points at the same media
                extra.append(Member.make(rels_member_of(name), t._members[own_rels], RENDER_LEVEL))
            kind = t._package.headers_footers[member][1]
            target = posixpath.relpath(name, posixpath.dirname(t._package.main) or ".")
            new_rels.append((new_id, REL_HEADER if kind == "header" else REL_FOOTER, target))
        return ids

    def _register(self, new_rels: list, extra: list[Member]) -> dict[str, Member]:
        """Return the package's relationships and content types with the added parts listed."""
        t = self.t
        rels_name = t._package.rels_name
        rels = parse_part(t.name, rels_name, t._members[rels_name])
        for rid, kind, target in new_rels:
            etree.SubElement(rels, f"{{{PKG_RELS}}}Relationship", Id=rid, Type=kind, Target=target)
        types = parse_part(t.name, "[Content_Types].xml", t._members["[Content_Types].xml"])
        overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{{{CONTENT_TYPES}}}Override")}
        for member in extra:
            if member.name.endswith(".rels"):
                continue
            source = member.name.rsplit("-fk", 1)[0] + posixpath.splitext(member.name)[1]
            content_type = overrides.get("/" + source)
            if content_type:
                etree.SubElement(types, f"{{{CONTENT_TYPES}}}Override", PartName="/" + member.name,
                                 ContentType=content_type)
        out = {}
        for name, root in ((rels_name, rels), ("[Content_Types].xml", types)):
            data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            out[name] = Member.make(name, data, RENDER_LEVEL)
        return out
