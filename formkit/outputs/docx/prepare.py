"""Template sources: docxtpl's pre-processing (called, not copied) and the proof that a
template's every rendering is well-formed XML."""

from __future__ import annotations

import re

from lxml import etree

from formkit.outputs.docx.package import BIG_PARSER, wtag


# ---------------------------------------------------------------------------------------------
# docxtpl's pre-processing, called (not copied)

def docxtpl_patch_xml(xml: str) -> str:
    """Return ``xml`` with tags joined across runs and docxtpl's ``p/tr/tc/r`` prefixes applied."""
    from docxtpl.template import DocxTemplate as _Docxtpl  # imported where used (120 ms)

    return _Docxtpl.patch_xml(None, xml)


def docxtpl_fix_tables(xml: str):
    """Return the parsed body with ``w:tblGrid`` matched to the cells a ``{%tc %}`` loop made."""
    from docxtpl.template import DocxTemplate as _Docxtpl

    return _Docxtpl.fix_tables(None, xml)


_TAGS = re.compile(r"<[^>]*>")
_JINJA = re.compile(r"\{[{%#]")
# Tags that change a table's number of columns: docxtpl's fix_tables must then run on the output.
COLUMN_TAGS = re.compile(r"\{%-?\s*tc\s|\{\{\s*tc\s|\{%-?\s*(?:hm|colspan)\b")
P_OPEN = re.compile(r"<w:p([ >])")
DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\sid=")(\d+)(")')
LITERAL_BRACES = ("{_{", "}_}", "{_%", "%_}")


def text_of(xml: str) -> str:
    return _TAGS.sub("", xml)


def grid_mismatch(xml: str) -> bool:
    """Return whether a table's ``w:tblGrid`` does not match its widest row (cells × gridSpan).

    docxtpl fixes such grids on every rendering of the body; running its ``fix_tables`` on
    these templates too keeps the output's table layout the same as docxtpl's.
    """
    if "<w:tbl>" not in xml and "<w:tbl " not in xml:
        return False
    root = etree.fromstring(xml.encode("utf-8"), BIG_PARSER)
    for tbl in root.iter(wtag("tbl")):
        grid = tbl.find(wtag("tblGrid"))
        columns = len(grid.findall(wtag("gridCol"))) if grid is not None else 0
        widest = 0
        for tr in tbl.iter(wtag("tr")):
            spans = [tc.find(f"{wtag('tcPr')}/{wtag('gridSpan')}") for tc in tr.findall(wtag("tc"))]
            widest = max(widest, sum(int(s.get(wtag("val"), "1")) if s is not None else 1 for s in spans))
        if widest != columns:
            return True
    return False


def tags_between_cells(source: str) -> bool:
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


def has_tags(xml: str) -> bool:
    """Return whether the part's text (tags split across runs joined) holds Jinja."""
    return _JINJA.search(text_of(xml)) is not None


_JINJA_TOKEN = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\})", re.S)
_XML_TOKEN = re.compile(r"<(/?)([^\s/>]+)[^>]*?(/?)>")
_STATEMENT = re.compile(r"\{%[-+]?\s*(\w+)")
# Blocks whose content is output where it stands. Not macro/call/set blocks (their content is
# output elsewhere, under other elements), filter (it rewrites the markup), autoescape (it can
# turn escaping off); templates using them are parsed after each rendering.
BLOCK_OPENERS = {"if", "for", "with"}
_CLOSERS = {f"end{word}" for word in BLOCK_OPENERS}
# Filters that return markup as it is; "recursive" loops output their body elsewhere.
_RAW_OUTPUT = re.compile(r"\b(?:safe|urlize|recursive)\b")


def well_formed_by_construction(source: str) -> bool:
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
            if word in BLOCK_OPENERS:
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


def near_text(source: str, lineno: int | None, limit: int = 60) -> str | None:
    """Return the text of the paragraph at ``lineno`` of a compiled source (one paragraph a line)."""
    if not lineno:
        return None
    lines = source.split("\n")
    if not 0 < lineno <= len(lines):
        return None
    line = re.sub(r"^[^<]*?>|<[^>]*$", "", lines[lineno - 1])  # the line starts inside a <w:p tag
    text = text_of(line)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#34;", '"'), ("&#39;", "'"),
                         ("&amp;", "&")):
        text = text.replace(entity, char)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


