"""Document assembly: a Word template compiled once, rendered many times (letters, report, render).

A template is an ordinary ``.docx`` with Jinja tags, written the docxtpl way: ``{{ 企业名称 }}``
in the text, ``{% if %}``/``{% for %}`` blocks, and docxtpl's element prefixes ``{%p … %}``
(the whole paragraph), ``{%tr … %}`` (table row), ``{%tc … %}`` (table cell) and ``{%r … %}``
(run), with ``{%- … -%}`` merging neighbouring paragraphs. Tags that Word split across runs are
joined, and curly quotes inside tags straightened, by docxtpl's own ``patch_xml`` (called, not
copied), so a template renders here as docxtpl renders it with ``autoescape=True`` (the same
paragraph and cell texts: tests/test_engine.py compares them on templates built here, and
tests/test_docxtpl_templates.py on docxtpl's own test templates), apart from what follows.

What differs from docxtpl, and why:

* **Compiled once.** :meth:`DocxTemplate.load` reads the package once, keeps every zip member,
  pre-processes and compiles the Jinja of the parts that carry tags (the body, headers, footers,
  foot/endnotes, ``docProps/core.xml``). A render only runs the compiled templates; members
  without tags are written from bytes compressed once at load time (see :func:`_zip`).
* **Safe.** Templates run in a :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with
  ``autoescape=True`` and a strict undefined: ``A&B<科技>`` comes out as text, a template cannot
  reach Python internals (``''.__class__``, ``cycler.__init__.__globals__``). A variable
  without data is false in a test — ``{% if 联系人 %}…{% endif %}`` is skipped, as docxtpl
  does, and ``== "…"``, ``in``, ``is defined`` and ``|default("…")`` work on it — but printing
  it, iterating it or reading its attributes is an error naming the template and the
  variable, never a blank (:class:`_Undefined`; :meth:`DocxTemplate.variable_uses` tells
  which variables a template only tests).
  XML-invalid control characters in values are dropped instead of corrupting the file.
* **Well-formed or an error.** docxtpl re-parses its output with lxml's ``recover=True``,
  which silently drops what does not fit. Here a rendering that is not well-formed XML (a
  plain ``{% if %}`` opening in a paragraph and closing in a table cell) is a
  :class:`TemplateError`; templates whose every rendering is provably well-formed — all the
  usual docxtpl-style ones — skip the check (see :func:`_well_formed_by_construction`).
* **Values become Word text.** The environment's ``finalize`` hook (applied to every
  ``{{ … }}`` before escaping) turns a line break in a value (``\\n``, ``\\r\\n``) into
  ``<w:br/>`` and a tab into ``<w:tab/>``, ``None`` into an empty string, a whole float
  (``12.0``, as spreadsheets give) into ``12`` and a date value (a :class:`datetime.date`:
  an Excel date cell, a merged record's date) into ``2023年5月6日`` (GB/T 9704 writes dates in
  Arabic numerals). Text is never rewritten: ``"2024-01-15"`` stays ``2024-01-15``; the
  filter ``{{ 日期|中文日期 }}`` (also ``date_cn``) writes a date or a date-looking text the
  Chinese way on request and leaves any other text as it is. docxtpl ``RichText``/``Listing`` values pass through as
  their run XML, with their line breaks converted the same way.
* **Combined documents in one pass.** :meth:`DocxTemplate.render_combined` renders the body
  once per context and joins them, each letter its own section (new page, page numbers from
  1, the template's headers and footers) — no docxcompose, linear in the number of letters.

Contexts are plain dicts (any mapping) of names to values. Attribute syntax on a dict looks
up the key first: with ``{"r": {"items": "…"}}``, ``{{ r.items }}`` is the value, not the
``dict.items`` method (plain Jinja gets this wrong). Still, prefer names that are not dict
methods — ``明细``/``rows`` rather than ``items``, ``keys``, ``values``, ``get``, ``update`` —
so that templates also work in plain docxtpl. Chinese names are fine: ``{{ 企业名称 }}``.
A :class:`formkit.table.Record` is not a mapping: pass ``record_context(record)``.

Not supported (docxtpl features that need a live python-docx document): ``InlineImage``,
``Subdoc``, ``replace_pic``/``replace_media``, and docxtpl's ``\\a``/``\\f`` paragraph and page
breaks inside values (a ``\\f`` becomes a page break inside the run, ``\\a`` a line break).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import struct
import traceback
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import StrictUndefined, meta
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError, TemplateError as JinjaTemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from formkit.errors import FormkitError
from formkit.fsutil import atomic_path

__all__ = ["DocxTemplate", "TemplateError", "record_context"]

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


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Limits on what a template package may hold (SPEC §7: the same zip-bomb guards as inputs).
MAX_TEMPLATE_BYTES = 50 * 1024 * 1024
MAX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100

# Rendered parts are deflated at level 1: on a letter's document.xml it is 1.5–4× faster than
# the default level 6 for ~10 % more bytes (measured by bench/letters.py; see bench/README.md).
RENDER_LEVEL = 1
STATIC_LEVEL = 6  # members without tags: compressed once, at load

_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False)
# The combined body (tens of MB for thousands of letters); collect_ids=False and bytes input
# parse ~40 % faster (bench/README.md).
_BIG_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
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


class _Message(str):
    """An undefined-variable message that also carries the variable's name."""

    variable: str | None = None


class _Undefined(StrictUndefined):
    """A variable without data: false in a test, an error (naming it) when printed or iterated.

    As docxtpl's default Undefined, ``{% if x %}``, ``{% if not x %}``, ``x == "a"``,
    ``"a" in x`` and ``x is defined`` read it as absent; unlike it, ``{{ x }}``,
    ``{% for r in x %}``, ``x|length`` and ``x.名称`` raise instead of writing a blank.
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self))

    def __contains__(self, item: object) -> bool:
        return False

    @property
    def _undefined_message(self) -> str:  # type: ignore[override]
        message = _Message(super()._undefined_message)
        message.variable = self._undefined_name
        return message


# ---------------------------------------------------------------------------------------------
# Values → WordprocessingML text

_BR = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'
_PAGE = '</w:t><w:br w:type="page"/><w:t xml:space="preserve">'
# Characters XML 1.0 forbids (a value carrying one would make Word refuse the file), and the
# characters that need more than escaping; one search decides the fast path.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPECIAL = re.compile("[\x00-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\x0b")


def _text_to_runs(text: str) -> Markup:
    """Return escaped ``text`` with line breaks and tabs as Word break/tab elements."""
    text = _INVALID_XML.sub(lambda m: "\n" if m.group() == "\x0b" else "", text)
    lines = _LINE_BREAKS.split(text)
    return Markup(_BR).join(Markup(_TAB).join(escape(part) for part in line.split("\t")) for line in lines)


def _markup_breaks(xml: str) -> Markup:
    """Return docxtpl RichText/Listing XML with its raw control characters made Word elements."""
    xml = xml.replace("\r\n", "\n").replace("\n", _BR).replace("\a", _BR).replace("\t", _TAB)
    xml = xml.replace("\f", _PAGE)
    return Markup(_INVALID_XML.sub("", xml))


def format_date(value: dt.date) -> str:
    """Return ``2023年5月6日`` for a date (GB/T 9704: Arabic numerals, no leading zeros)."""
    return f"{value.year}年{value.month}月{value.day}日"


_DATE_TEXT = re.compile(r"\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*"
                        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*")


def chinese_date(value: Any) -> Any:
    """Return ``2023年5月6日`` for a date or a text written as one; anything else unchanged.

    The template filter ``中文日期`` (alias ``date_cn``): ``{{ 备案日期|中文日期 }}``. It reads
    ``2023-05-06``, ``2023/5/6``, ``2023.05.06``, ``2023年5月6日`` (a time after the day is
    dropped); a text that is not a real day (``2023-02-30``, ``待定``) and ``None`` (as ``""``)
    are left as they are, so the filter never loses what the data says.
    """
    if isinstance(value, dt.datetime):
        return format_date(value.date())
    if isinstance(value, dt.date):
        return format_date(value)
    if value is None:
        return ""
    if isinstance(value, str):
        m = _DATE_TEXT.fullmatch(value)
        if m:
            try:
                return format_date(dt.date(*map(int, m.groups())))
            except ValueError:
                return value
    return value


def _finalize_word(value: Any) -> Any:
    """Return ``value`` ready for a ``<w:t>``: the hook behind every ``{{ … }}`` in Word parts."""
    if isinstance(value, str):
        if hasattr(value, "__html__"):
            return _markup_breaks(str(value)) if _SPECIAL.search(value) else value
        return _text_to_runs(value) if _SPECIAL.search(value) else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dt.date):  # datetime too: a letter shows the day
        return format_date(value)
    if hasattr(value, "__html__"):  # docxtpl RichText, Listing
        return _markup_breaks(value.__html__())
    return value


def _finalize_plain(value: Any) -> Any:
    """Return ``value`` for XML outside ``<w:t>`` (document properties): no Word elements."""
    if isinstance(value, str):
        return _INVALID_XML.sub("", value) if _SPECIAL.search(value) else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return value


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with dict keys found before dict methods (``r.items`` is the key).

    The immutable sandbox also refuses ``list.append``/``dict.update`` and the like: a template
    cannot change the data it is given (the same records feed several letters and the report).
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict or isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


def _environment(finalize) -> _Environment:
    env = _Environment(autoescape=True, undefined=_Undefined, finalize=finalize, keep_trailing_newline=True)
    env.filters["中文日期"] = env.filters["date_cn"] = chinese_date
    env.globals.pop("lipsum", None)  # no use in a letter; builds arbitrarily long text
    return env


_WORD_ENV = _environment(_finalize_word)
_PLAIN_ENV = _environment(_finalize_plain)


def record_context(record: Any, raw: bool = False) -> dict[str, Any]:
    """Return a plain dict of a :class:`formkit.table.Record`'s values by column key.

    ``raw=True`` gives the text as the city wrote it instead of the normalised value.
    """
    cells = getattr(record, "cells", None)
    if cells is None:
        return dict(record)
    if raw:
        return {key: cell.raw for key, cell in cells.items()}
    return {key: cell.value for key, cell in cells.items()}


# ---------------------------------------------------------------------------------------------
# docxtpl's pre-processing, called (not copied)

def _patch_xml(xml: str) -> str:
    """Return ``xml`` with tags joined across runs and docxtpl's ``p/tr/tc/r`` prefixes applied."""
    from docxtpl.template import DocxTemplate as _Docxtpl  # imported where used (120 ms)

    return _Docxtpl.patch_xml(None, xml)


def _fix_tables(xml: str):
    """Return the parsed body with ``w:tblGrid`` matched to the cells a ``{%tc %}`` loop made."""
    from docxtpl.template import DocxTemplate as _Docxtpl

    return _Docxtpl.fix_tables(None, xml)


_TAGS = re.compile(r"<[^>]*>")
_JINJA = re.compile(r"\{[{%#]")
# Tags that change a table's number of columns: docxtpl's fix_tables must then run on the output.
_COLUMN_TAGS = re.compile(r"\{%-?\s*tc\s|\{\{\s*tc\s|\{%-?\s*(?:hm|colspan)\b")
_P_OPEN = re.compile(r"<w:p([ >])")
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\sid=")(\d+)(")')
_LITERAL_BRACES = ("{_{", "}_}", "{_%", "%_}")


def _text_of(xml: str) -> str:
    return _TAGS.sub("", xml)


def _grid_mismatch(xml: str) -> bool:
    """Return whether a table's ``w:tblGrid`` does not match its widest row (cells × gridSpan).

    docxtpl fixes such grids on every rendering of the body; running its ``fix_tables`` on
    these templates too keeps the output's table layout the same as docxtpl's.
    """
    if "<w:tbl>" not in xml and "<w:tbl " not in xml:
        return False
    root = etree.fromstring(xml.encode("utf-8"), _BIG_PARSER)
    for tbl in root.iter(_w("tbl")):
        grid = tbl.find(_w("tblGrid"))
        columns = len(grid.findall(_w("gridCol"))) if grid is not None else 0
        widest = 0
        for tr in tbl.iter(_w("tr")):
            spans = [tc.find(f"{_w('tcPr')}/{_w('gridSpan')}") for tc in tr.findall(_w("tc"))]
            widest = max(widest, sum(int(s.get(_w("val"), "1")) if s is not None else 1 for s in spans))
        if widest != columns:
            return True
    return False


def _tags_between_cells(source: str) -> bool:
    """Return whether a Jinja block or comment sits between the cells of a row (it may drop cells).

    ``{%tc … %}`` does, and so does a plain ``{% if %}``/``{# … #}`` written in a cell of its own
    that docxtpl's clean-up moved out; ``{%tr … %}`` sits between rows and changes no row.
    """
    if "<w:tr" not in source:
        return False
    depth: list[str] = []
    for i, chunk in enumerate(_JINJA_TOKEN.split(source)):
        if i % 2 == 0:
            for closing, name, empty in _XML_TOKEN.findall(chunk):
                if empty:
                    continue
                if closing:
                    if depth:
                        depth.pop()
                else:
                    depth.append(name)
        elif depth and depth[-1] == "w:tr" and not chunk.startswith("{{"):
            return True
    return False


def _has_tags(xml: str) -> bool:
    """Return whether the part's text (tags split across runs joined) holds Jinja."""
    return _JINJA.search(_text_of(xml)) is not None


_JINJA_TOKEN = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\})", re.S)
_XML_TOKEN = re.compile(r"<(/?)([^\s/>]+)[^>]*?(/?)>")
_STATEMENT = re.compile(r"\{%[-+]?\s*(\w+)")
# Blocks whose content is output where it stands. Not macro/call/set blocks (their content is
# output elsewhere, under other elements), filter (it rewrites the markup), autoescape (it can
# turn escaping off); templates using them are parsed after each rendering.
_OPENERS = {"if", "for", "with"}
_CLOSERS = {f"end{word}" for word in _OPENERS}
# Filters that return markup as it is; "recursive" loops output their body elsewhere.
_RAW_OUTPUT = re.compile(r"\b(?:safe|urlize|recursive)\b")


def _well_formed_by_construction(source: str) -> bool:
    """Return whether every rendering of ``source`` is well-formed XML, whatever the data.

    True when (1) every ``{{ … }}`` sits in the text of a ``<w:t>`` (where an escaped value,
    or the line-break markup of :func:`_text_to_runs`, keeps the XML balanced) and (2) every
    block tag — ``{% if %}``, its ``elif``/``else``, its ``end`` — sits under the same stack
    of open elements as the tag that opened it: skipping or repeating what lies between then
    leaves every element closed by its own end tag. Tags made by docxtpl's ``{%p %}``,
    ``{%tr %}``, ``{%tc %}``, ``{%r %}`` satisfy (2); a plain ``{% if %}`` that opens in one
    paragraph and closes in a table cell does not. When in doubt (comments, Jinja inside an
    XML tag, statements other than if/for/with/set, ``|safe``) the answer is False and each
    rendering is parsed instead.
    """
    if "<!--" in source or "<![CDATA[" in source or "<?" in source:
        return False
    stack: list[str] = []
    blocks: list[tuple[str, ...]] = []
    for i, chunk in enumerate(_JINJA_TOKEN.split(source)):
        if i % 2 == 0:
            if chunk.rfind("<") > chunk.rfind(">") or (">" in chunk and chunk.find(">") < chunk.find("<")) \
                    or (">" in chunk and "<" not in chunk):
                return False  # Jinja inside an XML tag
            for closing, name, empty in _XML_TOKEN.findall(chunk):
                if empty:
                    continue
                if closing:
                    if not stack or stack.pop() != name:
                        return False
                else:
                    stack.append(name)
        elif chunk.startswith("{#"):
            continue
        elif _RAW_OUTPUT.search(chunk):
            return False
        elif chunk.startswith("{{"):
            if not stack or stack[-1] != "w:t":
                return False
        else:
            match = _STATEMENT.match(chunk)
            word = match.group(1) if match else ""
            if word in _OPENERS:
                blocks.append(tuple(stack))
            elif word in ("elif", "else"):
                if not blocks or blocks[-1] != tuple(stack):
                    return False
            elif word in _CLOSERS:
                if not blocks or blocks.pop() != tuple(stack):
                    return False
            elif word != "set" or "=" not in chunk:  # only an inline {% set x = … %}
                return False
    return not stack and not blocks


def _near(source: str, lineno: int | None, limit: int = 60) -> str | None:
    """Return the text of the paragraph at ``lineno`` of a compiled source (one paragraph a line)."""
    if not lineno:
        return None
    lines = source.split("\n")
    if not 0 < lineno <= len(lines):
        return None
    line = re.sub(r"^[^<]*?>|<[^>]*$", "", lines[lineno - 1])  # the line starts inside a <w:p tag
    text = _text_of(line)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#34;", '"'), ("&#39;", "'"),
                         ("&amp;", "&")):
        text = text.replace(entity, char)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# The zip writer: members compressed once, rendered parts deflated per document


@dataclass
class _Member:
    """One zip member, already compressed: written by copying its bytes."""

    name: str
    crc: int
    size: int
    data: bytes  # raw deflate (method 8) or stored (method 0)
    method: int

    @classmethod
    def make(cls, name: str, content: bytes, level: int) -> "_Member":
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


def _zip(members: list[_Member]) -> bytes:
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
            return _zip_with_zipfile(members)
        header = _LOCAL.pack(b"PK\x03\x04", 20, 0, flags, m.method, 0, _DOS_DATE, m.crc, len(m.data), m.size,
                             len(name), 0)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 0, 20, 0, flags, m.method, 0, _DOS_DATE, m.crc,
                                     len(m.data), m.size, len(name), 0, 0, 0, 0, 0o644 << 16, offset) + name)
        out += (header, name, m.data)
        offset += len(header) + len(name) + len(m.data)
        count += 1
    directory = b"".join(central)
    if count > 0xFFFF or offset > _ZIP32_MAX:
        return _zip_with_zipfile(members)
    out.append(directory)
    out.append(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0))
    return b"".join(out)


def _zip_with_zipfile(members: list[_Member]) -> bytes:
    """Return the archive through zipfile (ZIP64), for the rare package past 4 GB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for m in members:
            content = m.data if m.method == zipfile.ZIP_STORED else zlib.decompress(m.data, -15)
            info = zipfile.ZipInfo(m.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Compiled parts


@dataclass
class _Part:
    """A zip member that carries Jinja: its compiled template and how to wrap the output."""

    name: str  # zip member name, e.g. word/footer1.xml
    label: str  # for messages: 正文, 页脚（footer1.xml）…
    source: str  # the Jinja source after docxtpl's pre-processing
    template: Any
    prefix: str = _XML_DECL
    suffix: str = ""
    fix_tables: bool = False
    docpr: bool = False
    literal_braces: bool = False
    proven: bool = False  # every rendering is well-formed XML (see _well_formed_by_construction)

    def render_text(self, context: Mapping[str, Any], owner: "DocxTemplate") -> str:
        try:
            xml = self.template.render(context)
        except Exception as exc:  # noqa: BLE001 - every failure inside a template is the template's
            raise owner._runtime_error(exc, self) from None
        if self.literal_braces:
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return xml


_PART_LABELS = {"header": "页眉", "footer": "页脚", "footnotes": "脚注", "endnotes": "尾注"}


@dataclass
class _Package:
    """The parts of a .docx that the engine needs to know by name."""

    main: str
    rels_name: str
    headers_footers: dict[str, tuple[str, str]] = field(default_factory=dict)  # member → (rId, kind)
    notes: list[str] = field(default_factory=list)


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target)).lstrip("/")


def _rels_name(part: str) -> str:
    """Return the member holding ``part``'s relationships (word/_rels/document.xml.rels)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


class DocxTemplate:
    """A .docx template read and compiled once; render it to as many documents as needed.

    Build with :meth:`load` (a path) or :meth:`from_bytes`. Rendering is thread-safe.
    """

    def __init__(self, name: str, members: dict[str, bytes], package: _Package):
        self.name = name
        self._members = members  # every zip member's bytes, in archive order
        self._package = package
        self._parts: dict[str, _Part] = {}
        self._compiled: dict[str, _Member] = {}
        self._compile()

    # --- loading --------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> "DocxTemplate":
        """Return the template at ``path``, read and compiled (raises :class:`TemplateError`)."""
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_TEMPLATE_BYTES:
                raise TemplateError(f"模板 {path.name} 超过 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB，不予处理",
                                    template=path.name)
            data = path.read_bytes()
        except OSError as exc:
            raise TemplateError(f"无法读取模板 {path.name}：{exc.strerror or exc}", template=path.name) from exc
        return cls.from_bytes(data, path.name)

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "模板.docx") -> "DocxTemplate":
        """Return the template held in ``data`` (a .docx file's bytes); ``name`` is used in messages."""
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
        package = cls._read_package(name, members)
        return cls(name, members, package)

    @staticmethod
    def _read_package(name: str, members: dict[str, bytes]) -> _Package:
        main = "word/document.xml"
        if "_rels/.rels" in members:
            rels = _parse(name, "_rels/.rels", members["_rels/.rels"])
            for rel in rels.iter(f"{{{PKG_RELS}}}Relationship"):
                if rel.get("Type") == OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
                    main = _resolve("", rel.get("Target", main))
                    break
        if main not in members:
            raise TemplateError(f"模板 {name} 不是有效的 Word 文档：缺少正文部分 {main}", template=name)
        package = _Package(main=main, rels_name=_rels_name(main))
        if package.rels_name in members:
            rels = _parse(name, package.rels_name, members[package.rels_name])
            for rel in rels.iter(f"{{{PKG_RELS}}}Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                kind = rel.get("Type")
                target = _resolve(main, rel.get("Target", ""))
                if target not in members:
                    continue
                if kind in (REL_HEADER, REL_FOOTER):
                    package.headers_footers[target] = (rel.get("Id"), "header" if kind == REL_HEADER else "footer")
                elif kind in (REL_FOOTNOTES, REL_ENDNOTES):
                    package.notes.append(target)
        return package

    def _compile(self) -> None:
        members = self._members
        main = self._package.main
        root = _parse(self.name, main, members[main])
        body = root.find(_w("body"))
        if body is None:
            raise TemplateError(f"模板 {self.name} 不是有效的 Word 文档：正文没有 w:body", template=self.name)
        body_xml = etree.tostring(body, encoding="unicode")
        # The document around the body, kept as text: a render splices the new body in.
        marker = etree.Comment("formkit-body")
        root.replace(body, marker)
        skeleton = etree.tostring(root, encoding="unicode")
        head, tail = skeleton.split("<!--formkit-body-->")
        self._nsmap = dict(root.nsmap)
        self._root_tag = root.tag
        self._parts[main] = self._make_part(main, "正文", body_xml, _WORD_ENV, prefix=_XML_DECL + head, suffix=tail)

        for member, (_rid, kind) in self._package.headers_footers.items():
            self._maybe_part(member, f"{_PART_LABELS[kind]}（{PurePosixPath(member).name}）", _WORD_ENV)
        for member in self._package.notes:
            kind = "footnotes" if "footnote" in member else "endnotes"
            self._maybe_part(member, _PART_LABELS[kind], _WORD_ENV)
        if CORE_PROPS in members:
            self._maybe_part(CORE_PROPS, "文档属性", _PLAIN_ENV)

        for name, content in members.items():
            if name not in self._parts:
                self._compiled[name] = _Member.make(name, content, STATIC_LEVEL)

    def _maybe_part(self, member: str, label: str, env) -> None:
        root = _parse(self.name, member, self._members[member])
        xml = etree.tostring(root, encoding="unicode")
        if _has_tags(xml):
            self._parts[member] = self._make_part(member, label, xml, env)

    def _make_part(self, member: str, label: str, xml: str, env, prefix: str = _XML_DECL, suffix: str = "") -> _Part:
        text = _text_of(xml)
        source = _patch_xml(xml)
        # One paragraph a line, for messages; the newline goes inside the start tag, where XML
        # allows whitespace, so the output needs no clean-up pass (docxtpl removes it by regex).
        source = _P_OPEN.sub("<w:p\n\\1", source)
        part = _Part(member, label, source, None, prefix, suffix,
                     fix_tables=_COLUMN_TAGS.search(text) is not None or (
                         member == self._package.main and (_grid_mismatch(xml) or _tags_between_cells(source))),
                     docpr="<wp:docPr" in source,
                     literal_braces=any(b in source for b in _LITERAL_BRACES),
                     proven=env is _WORD_ENV and _well_formed_by_construction(source))
        try:
            code = env.compile(source, name=f"{self.name}:{member}", filename=f"{self.name}:{member}")
            part.template = env.template_class.from_code(env, code, env.make_globals(None), None)
        except TemplateSyntaxError as exc:
            near = _near(source, exc.lineno)
            where = f"的{label}" + (f"“{near}”附近" if near else "")
            raise TemplateError(f"模板 {self.name} {where}有语法错误：{_explain_syntax(exc.message or str(exc))}",
                                template=self.name, near=near) from None
        return part

    # --- questions ----------------------------------------------------------------------------

    def variables(self) -> set[str]:
        """Return the top-level names the template reads from its context (for linting).

        Attributes are not listed: for ``{{ r.名称 }}`` inside ``{% for r in 记录 %}`` the
        name is ``记录``.
        """
        names: set[str] = set()
        for part in self._parts.values():
            env = part.template.environment
            names |= meta.find_undeclared_variables(env.parse(part.source))
        return names - set(_WORD_ENV.globals)

    def tested_only(self) -> set[str]:
        """Return the variables of :meth:`variables` that data may leave out without an error.

        A missing value reads as false without an error (see :class:`_Undefined`) in the
        condition of ``{% if %}``/``{% elif %}``/``… if … else …``, under ``not``/``and``/``or``
        there, compared with ``==``/``!=``/``in``, tested with ``is defined``, or given
        ``|default(…)``; and a name printed only inside an ``{% if 名称 %}`` that tests it
        (``{% if user %}欢迎，{{ user }}{% endif %}``) is never printed when missing.
        """
        from jinja2 import nodes

        printed: set[str] = set()
        tested: set[str] = set()
        safe_compare = {"eq", "ne", "in", "notin"}

        def asserted(test) -> set[str]:
            """Names that are certainly defined when ``test`` is true."""
            if isinstance(test, nodes.Name):
                return {test.name}
            if isinstance(test, nodes.And):
                return asserted(test.left) | asserted(test.right)
            if isinstance(test, nodes.Test) and test.name == "defined" and isinstance(test.node, nodes.Name):
                return {test.node.name}
            return set()

        def walk(node, safe: bool, guards: frozenset) -> None:
            if isinstance(node, nodes.Name):
                if node.ctx == "load":
                    (tested if safe or node.name in guards else printed).add(node.name)
                return
            if isinstance(node, nodes.If):
                walk(node.test, True, guards)
                inner = guards | asserted(node.test)
                for child in node.body:
                    walk(child, False, inner)
                for child in (*node.elif_, *node.else_):
                    walk(child, False, guards)
                return
            if isinstance(node, nodes.CondExpr):
                walk(node.test, True, guards)
                walk(node.expr1, safe, guards | asserted(node.test))
                if node.expr2 is not None:
                    walk(node.expr2, safe, guards)
                return
            if safe and (isinstance(node, (nodes.Not, nodes.And, nodes.Or)) or (
                    isinstance(node, nodes.Compare) and all(op.op in safe_compare for op in node.ops))):
                for child in node.iter_child_nodes():
                    walk(child, True, guards)
                return
            if isinstance(node, nodes.Test) and node.name in ("defined", "undefined", "none"):
                walk(node.node, True, guards)
                return
            if isinstance(node, nodes.Filter) and node.name in ("default", "d"):
                walk(node.node, True, guards)
                for child in (*node.args, *node.kwargs):
                    walk(child, False, guards)
                return
            for child in node.iter_child_nodes():
                walk(child, False, guards)

        for part in self._parts.values():
            walk(part.template.environment.parse(part.source), False, frozenset())
        return (tested - printed) & self.variables()

    @property
    def sources(self) -> dict[str, str]:
        """Return the pre-processed Jinja source of each tagged part, by zip member name."""
        return {name: part.source for name, part in self._parts.items()}

    # --- rendering ----------------------------------------------------------------------------

    def render(self, context: Mapping[str, Any]) -> bytes:
        """Return the bytes of one .docx rendered from ``context`` (raises :class:`TemplateError`)."""
        context = self._check_context(context)
        rendered = {name: self._render_part(part, context) for name, part in self._parts.items()}
        return _zip(self._members_with(rendered))

    def render_to(self, path: str | Path, context: Mapping[str, Any]) -> Path:
        """Return ``path`` after writing the document rendered from ``context`` there atomically."""
        data = self.render(context)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        return Path(path)

    def render_combined(self, contexts: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
        """Return ``path`` after writing ONE document holding every context's rendering.

        Each rendering is its own section: it starts on a new page, its page numbers restart
        at 1, and it keeps the template's headers and footers (tagged ones rendered for it).
        Parts a document has once — document properties, foot- and endnotes — are rendered
        from the first context. An error names the letter (``第3份：…``).
        """
        data = self.render_combined_bytes(contexts)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        return Path(path)

    def render_combined_bytes(self, contexts: Iterable[Mapping[str, Any]]) -> bytes:
        """Return the bytes of the combined document of :meth:`render_combined`."""
        return _Combiner(self).run([self._check_context(c) for c in contexts])

    # --- internals ----------------------------------------------------------------------------

    def _check_context(self, context: Mapping[str, Any]) -> Mapping[str, Any]:
        if not isinstance(context, Mapping):
            raise TemplateError(f"模板 {self.name} 的数据必须是字典（键为变量名），收到 {type(context).__name__}",
                                template=self.name)
        return context

    def _render_part(self, part: _Part, context: Mapping[str, Any]) -> _Member:
        return _Member.make(part.name, self._render_xml(part, context).encode("utf-8"), RENDER_LEVEL)

    def _check_xml(self, part: _Part, data: bytes) -> None:
        """Raise a TemplateError when a rendered part is not well-formed XML (Word would refuse it).

        docxtpl re-parses the body with lxml's ``recover=True``, which silently drops what does
        not fit; a letter with text missing is worse than an error. Costs ~0.1 ms a letter, so
        it runs only for parts whose well-formedness could not be proven at load time.
        """
        try:
            etree.fromstring(data, _BIG_PARSER)
        except etree.XMLSyntaxError as exc:
            where = f"{self.name} 的{part.label}" if part.label != "正文" else self.name
            raise TemplateError(f"模板 {where} 渲染后不是有效的 XML，Word 无法打开（多见于跨段落或跨单元格的 "
                                f"{{% if %}}/{{% for %}}：请改用 {{%p if %}}、{{%tr for %}} 等写法）：{exc}",
                                template=self.name) from None

    def _render_xml(self, part: _Part, context: Mapping[str, Any], body_only: bool = False,
                    docpr_ids: Iterator[int] | None = None) -> str:
        xml = part.render_text(context, self)
        if not part.proven:  # before fix_tables, whose parser would quietly "recover"
            self._check_xml(part, xml.encode("utf-8"))
        if part.fix_tables:
            xml = etree.tostring(_fix_tables(xml), encoding="unicode")
        if part.docpr:  # drawing ids must be unique; a loop over a picture repeats them (as docxtpl)
            counter = docpr_ids or iter(range(1001, 1 << 31))
            xml = _DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(counter)}{m.group(3)}", xml)
        return xml if body_only else part.prefix + xml + part.suffix

    def _members_with(self, rendered: dict[str, _Member]) -> list[_Member]:
        return [rendered.get(name) or self._compiled[name] for name in self._members]

    def _runtime_error(self, exc: BaseException, part: _Part) -> TemplateError:
        near = _near(part.source, _template_line(exc, f"{self.name}:{part.name}"))
        where = f"{self.name} 的{part.label}" if part.label != "正文" else self.name
        hint = f"（“{near}”附近）" if near else ""
        if isinstance(exc, SecurityError):
            return TemplateError(f"模板 {where} 试图访问不允许的内容，已阻止{hint}：{exc}", template=self.name, near=near)
        if isinstance(exc, UndefinedError):
            variable = getattr(exc.message, "variable", None) if exc.message else None
            if variable is None:
                return TemplateError(f"模板 {where} 中有变量没有数据{hint}：{exc}", template=self.name, near=near)
            return TemplateError(f"模板 {where} 中的变量“{variable}”没有数据{hint}", template=self.name,
                                 variable=variable, near=near)
        if isinstance(exc, JinjaTemplateError):
            return TemplateError(f"模板 {where} 渲染出错{hint}：{exc}", template=self.name, near=near)
        return TemplateError(f"模板 {where} 中的表达式出错{hint}：{type(exc).__name__}: {exc}",
                             template=self.name, near=near)


def _template_line(exc: BaseException, filename: str) -> int | None:
    """Return the template line where ``exc`` was raised (Jinja rewrites tracebacks to it)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


_SYNTAX_HINTS = (
    ("Unexpected end of template", "模板结束时仍有未闭合的块（缺少 {% endif %}、{% endfor %} 等）"),
    ("Encountered unknown tag", "未知的标签或多余的结束标签"),
    ("unexpected char", "标签中有无法识别的字符（弯引号“”请改为直引号\"\"）"),
    ("unexpected '}'", "标签的括号不配对"),
    ("expected token", "标签写法有误"),
)


def _explain_syntax(message: str) -> str:
    for needle, hint in _SYNTAX_HINTS:
        if needle in message:
            return f"{hint}（{message}）"
    return message


def _parse(template: str, member: str, data: bytes):
    """Return the root of a package part, refusing DTDs and entities (SPEC §7)."""
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise TemplateError(f"模板 {template} 的 {member} 含有 DTD 或实体声明，不予处理", template=template)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"模板 {template} 的 {member} 不是有效的 XML：{exc}", template=template) from exc


# ---------------------------------------------------------------------------------------------
# Combined documents: one section per rendering


_SECTPR = _w("sectPr")
_PPR = _w("pPr")
_P = _w("p")
_RID = f"{{{R}}}id"
# Markup that may follow a letter's last paragraph without being a block of its own.
_RANGE_MARKS = {_w(t) for t in ("bookmarkStart", "bookmarkEnd", "permStart", "permEnd", "proofErr",
                                "commentRangeStart", "commentRangeEnd", "moveFromRangeStart",
                                "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd")}
# Schema order of w:sectPr children (ECMA-376 CT_SectPr), for inserting w:type and w:pgNumType.
_SECTPR_ORDER = [_w(t) for t in (
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
    "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
    "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange")]
_MARKER = '<fk:letter xmlns:fk="urn:formkit:letter"/>'
_MARKER_TAG = "{urn:formkit:letter}letter"
_BOOKMARK = re.compile(r'(<w:bookmark(?:Start|End)\b[^>]*?\sw:id=")(\d+)(")')
_BOOKMARK_NAME = re.compile(r'(<w:bookmarkStart\b[^>]*?\sw:name=")([^"]*)(")')
_BOOKMARK_STEP = 100_000  # w:id is a 32-bit decimal: 2,000 letters stay far below the limit


def _ensure_child(parent, tag: str):
    """Return ``parent``'s child ``tag`` (a w:sectPr child), inserted at its schema place."""
    child = parent.find(tag)
    if child is not None:
        return child
    child = etree.Element(tag)
    later = set(_SECTPR_ORDER[_SECTPR_ORDER.index(tag) + 1:])
    for existing in parent:
        if existing.tag in later:
            existing.addprevious(child)
            return child
    parent.append(child)
    return child


def _start_letter(sect_pr) -> None:
    """Make the section ended by ``sect_pr`` start on a new page, numbered from 1."""
    _ensure_child(sect_pr, _w("type")).set(_w("val"), "nextPage")
    _ensure_child(sect_pr, _w("pgNumType")).set(_w("start"), "1")


def _end_letter_with(children: list, sect_pr, marker) -> None:
    """Move ``sect_pr`` into the pPr of the letter's last paragraph (a new one after a table)."""
    for child in reversed(children):
        if child.tag in _RANGE_MARKS:
            continue
        if child.tag == _P:
            p_pr = child.find(_PPR)
            if p_pr is None:
                p_pr = etree.Element(_PPR)
                child.insert(0, p_pr)
            if p_pr.find(_SECTPR) is None:
                change = p_pr.find(_w("pPrChange"))
                if change is not None:
                    change.addprevious(sect_pr)
                else:
                    p_pr.append(sect_pr)
                return
        break
    paragraph = etree.Element(_P)
    marker.addprevious(paragraph)
    etree.SubElement(paragraph, _PPR).append(sect_pr)


class _Combiner:
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
        extra: list[_Member] = []
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
            body = etree.fromstring((open_tag + "".join(pieces)).encode("utf-8"), _BIG_PARSER)
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
        rendered[self.main.name] = _Member.make(self.main.name, main_xml, RENDER_LEVEL)
        for name, part in t._parts.items():
            if name != self.main.name:
                rendered[name] = t._render_part(part, contexts[0])
        if new_rels:
            rendered.update(self._register(new_rels, extra))
        return _zip(t._members_with(rendered) + extra)

    def _finish_letter(self, letter: list, marker, last: bool, ids: dict[str, str]) -> None:
        """Make ``letter`` (its top-level elements, ``marker`` after them) a section of its own."""
        if not letter or letter[-1].tag != _SECTPR:
            raise TemplateError(f"模板 {self.t.name} 的正文缺少分节信息（w:sectPr），无法合并", template=self.t.name)
        sect = letter.pop()
        sections = [sect]
        if self.multi_section:  # section breaks inside the template: the letter starts at the first
            sections = [p_pr.find(_SECTPR) for el in letter if el.tag == _P
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

    def _letter_parts(self, k: int, context, extra: list[_Member], new_rels: list) -> dict[str, str]:
        """Render the tagged headers/footers for letter ``k``; return old rId → new rId."""
        t = self.t
        ids = {}
        for j, (member, rid) in enumerate(self.tagged.items()):
            stem, ext = posixpath.splitext(member)
            name = f"{stem}-fk{k + 1}{ext}"
            new_id = f"rIdFk{k + 1}x{j + 1}"
            ids[rid] = new_id
            xml = t._render_xml(t._parts[member], context)
            extra.append(_Member.make(name, xml.encode("utf-8"), RENDER_LEVEL))
            own_rels = _rels_name(member)
            if own_rels in t._members:  # pictures in a header: the copy points at the same media
                extra.append(_Member.make(_rels_name(name), t._members[own_rels], RENDER_LEVEL))
            kind = t._package.headers_footers[member][1]
            target = posixpath.relpath(name, posixpath.dirname(t._package.main) or ".")
            new_rels.append((new_id, REL_HEADER if kind == "header" else REL_FOOTER, target))
        return ids

    def _register(self, new_rels: list, extra: list[_Member]) -> dict[str, _Member]:
        """Return the package's relationships and content types with the added parts listed."""
        t = self.t
        rels_name = t._package.rels_name
        rels = _parse(t.name, rels_name, t._members[rels_name])
        for rid, kind, target in new_rels:
            etree.SubElement(rels, f"{{{PKG_RELS}}}Relationship", Id=rid, Type=kind, Target=target)
        types = _parse(t.name, "[Content_Types].xml", t._members["[Content_Types].xml"])
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
            out[name] = _Member.make(name, data, RENDER_LEVEL)
        return out
