"""Word documents (.docx) → Grids, one per table, with the paragraphs around each.

The table XML is walked with lxml directly (about ten times faster than python-docx cell
access, and it sees what python-docx hides): real ``w:tc`` elements with ``w:gridSpan``,
``w:vMerge`` and ``w:gridBefore``/``w:gridAfter``; content controls (``w:sdt``) and
``w:customXml`` wrappers are unwrapped so values neither vanish nor shift left.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from formkit.normalize import clean_text
from formkit.readers.base import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, Unreadable
from formkit.table import Grid, RawCell

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W
WRAPPERS = {_W + "sdt", _W + "customXml", _W + "smartTag", _W + "ins", _W + "hyperlink",
            _W + "fldSimple", _W + "dir", _W + "bdo"}
EMPTY = RawCell("")


def safe_parser() -> etree.XMLParser:
    """Return an lxml parser that loads no DTD, resolves no entity and reaches no network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True)


def parse_part(data: bytes) -> etree._Element:
    """Return the root of an XML part, refusing a DOCTYPE (entities, billion laughs)."""
    root = etree.fromstring(data, safe_parser())
    if root.getroottree().docinfo.doctype:
        raise Unreadable("文件含有DTD或实体声明（可能是恶意构造的文件），出于安全原因拒绝读取")
    return root


def _children(el):
    """Yield the block-level children of ``el``, unwrapping content controls and wrappers."""
    for child in el:
        tag = child.tag
        if tag in WRAPPERS:
            content = child.find(_W + "sdtContent") if tag == _W + "sdt" else child
            if content is not None:
                yield from _children(content)
        else:
            yield child


def _text(el) -> str:
    """Return the visible text of a paragraph, cell or run container."""
    parts = []
    for node in el.iter(_W + "t", _W + "tab", _W + "br", _W + "cr", _W + "p"):
        tag = node.tag
        if tag == _W + "t":
            parts.append(node.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "p" and parts and node is not el:
            parts.append("\n")
    return "".join(parts)


def paragraph_text(p) -> str:
    """Return a paragraph's text (tabs kept as spaces)."""
    return clean_text(_text(p).replace("\t", " "))


def _int_attr(el, name, default=0) -> int:
    if el is None:
        return default
    try:
        return int(el.get(_W + name, default))
    except (TypeError, ValueError):
        return default


TR, TC, TRPR, TCPR, T, P = (_W + t for t in ("tr", "tc", "trPr", "tcPr", "t", "p"))
GRID_SPAN, V_MERGE, GRID_BEFORE, GRID_AFTER, VAL = (_W + t for t in ("gridSpan", "vMerge", "gridBefore",
                                                                       "gridAfter", "val"))
_WRAPPER_TAGS = tuple(WRAPPERS)


def _rows_of(tbl):
    """Yield the w:tr of a table (C-level filtering; wrappers unwrapped when present)."""
    for el in tbl.iterchildren(TR, *_WRAPPER_TAGS):
        if el.tag == TR:
            yield el
        else:
            yield from (c for c in _unwrap(el) if c.tag == TR)


def _cells_of(tr):
    """Yield the w:tc of a row, unwrapping content controls around cells."""
    for el in tr.iterchildren(TC, *_WRAPPER_TAGS):
        if el.tag == TC:
            yield el
        else:
            yield from (c for c in _unwrap(el) if c.tag == TC)


def _unwrap(wrapper):
    """Yield what a content control or other wrapper holds, wrappers inside unwrapped too."""
    content = wrapper.find(_W + "sdtContent") if wrapper.tag == _W + "sdt" else wrapper
    if content is not None:
        yield from _children(content)


def _cell_text(tc, simple: bool) -> str:
    """Return a cell's text; ``simple`` when the table has no tab or break anywhere."""
    if simple and len(tc.findall(P)) <= 1:
        return "".join(tc.itertext(T, with_tail=False))
    return _text(tc)


_NS = {"w": W}
# What makes a table irregular, as it appears in the raw XML (Word and WPS write the w: prefix).
_IRREGULAR_MARKS = (b"<w:gridSpan", b"<w:vMerge", b"<w:gridBefore", b"<w:gridAfter", b"<w:sdt",
                    b"<w:customXml", b"<w:tab/", b"<w:tab ", b"<w:br", b"<w:cr")
_ONE_PARAGRAPH_CELLS = etree.XPath("count(w:tr/w:tc) = count(w:tr/w:tc/w:p)", namespaces=_NS)


def document_is_plain(data: bytes) -> bool:
    """Return True when no table of the document can have spans, merges, wrappers or breaks."""
    return b"<w:tbl" in data and not any(mark in data for mark in _IRREGULAR_MARKS)


def _plain_table_rows(tbl) -> list[list[RawCell]]:
    """Return the rows of a table with no spans, merges, wrappers or breaks (the common case)."""
    rows = []
    for tr in tbl.iterchildren(TR):
        if len(rows) >= MAX_ROWS:
            break
        row = []
        for tc in tr.iterchildren(TC):
            text = "".join(tc.itertext(T, with_tail=False))
            if text:
                text = clean_text(text[:MAX_CELL_CHARS])
            row.append(RawCell(text, text) if text else EMPTY)
        rows.append(row[:MAX_COLS])
    width = max((len(r) for r in rows), default=0)
    return [r + [EMPTY] * (width - len(r)) if len(r) < width else r for r in rows]


def table_to_rows(tbl, plain: bool = False) -> list[list[RawCell]]:
    """Return the table's rows on its grid, spans repeated and vertical merges filled.

    ``plain`` says the document has no spans, merges, wrappers or breaks at all; a table
    whose cells each hold one paragraph is then read on a fast path.
    """
    if plain and _ONE_PARAGRAPH_CELLS(tbl):
        return _plain_table_rows(tbl)
    rows: list[list[RawCell]] = []
    simple = tbl.find(f".//{{{W}}}tab") is None and tbl.find(f".//{{{W}}}br") is None \
        and tbl.find(f".//{{{W}}}cr") is None
    for tr in _rows_of(tbl):
        if len(rows) >= MAX_ROWS:
            break
        trpr = tr.find(TRPR)
        if trpr is not None:
            before = _int_attr(trpr.find(GRID_BEFORE), "val")
            after = _int_attr(trpr.find(GRID_AFTER), "val")
        else:
            before = after = 0
        row: list[RawCell] = [EMPTY] * before if before else []
        for tc in _cells_of(tr):
            tcpr = tc.find(TCPR)
            span, continued = 1, False
            if tcpr is not None:
                span_el = tcpr.find(GRID_SPAN)
                if span_el is not None:
                    span = max(1, _int_attr(span_el, "val", 1))
                vmerge = tcpr.find(V_MERGE)
                continued = vmerge is not None and vmerge.get(VAL, "continue") == "continue"
            col = len(row)
            if continued:
                cell = rows[-1][col] if rows and col < len(rows[-1]) else EMPTY
            else:
                text = _cell_text(tc, simple)
                if len(text) > MAX_CELL_CHARS:
                    text = text[:MAX_CELL_CHARS]
                text = clean_text(text)
                cell = RawCell(text, text) if text else EMPTY
            if span == 1:
                row.append(cell)
            else:
                row.extend([cell] * min(span, MAX_COLS))
            if len(row) > MAX_COLS:
                break
        if after:
            row.extend([EMPTY] * after)
        rows.append(row[:MAX_COLS])
    width = max((len(r) for r in rows), default=0)
    return [r + [EMPTY] * (width - len(r)) if len(r) < width else r for r in rows]


def body_to_grids(body, file: str, plain: bool = False) -> list[Grid]:
    """Return a Grid per top-level table, each with the paragraph lines before and after it."""
    grids: list[Grid] = []
    pending: list[str] = []
    for el in _children(body):
        if el.tag == _W + "p":
            text = paragraph_text(el)
            if text:
                pending.append(text)
        elif el.tag == _W + "tbl":
            if grids:
                grids[-1].after = list(pending)
            n = len(grids) + 1
            grids.append(Grid(file=file, sheet=f"表{n}", kind="word", rows=table_to_rows(el, plain),
                              before=list(pending), index=n - 1))
            pending = []
    if grids:
        grids[-1].after = list(pending)
    elif pending:
        # No table at all: keep the text so the caller can say what the document holds.
        grids.append(Grid(file=file, sheet="正文", kind="word", rows=[], before=pending, index=0))
    return grids


#: Uncompressed size of word/document.xml read at most. lxml keeps a tree of ~350 bytes an
#: element: 64 MB of tiny elements is ~1 GB; a real table row takes 1–3 KB (20,000 rows: ~40 MB).
MAX_DOCUMENT_XML = 64 * 1024 * 1024


def read_docx(path: Path, name: str) -> list[Grid]:
    """Return the Grids of a .docx file's body tables."""
    try:
        with zipfile.ZipFile(path) as zf:
            size = zf.getinfo("word/document.xml").file_size
            if size > MAX_DOCUMENT_XML:
                raise Unreadable(f"Word文件正文过大（解压后{size // (1024 * 1024)} MB，上限"
                                 f"{MAX_DOCUMENT_XML // (1024 * 1024)} MB），请拆分后提交")
            data = zf.read("word/document.xml")
    except KeyError as exc:
        raise Unreadable("Word文件缺少正文部分，文件已损坏") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable("Word文件已损坏，无法读取，请用Word或WPS另存后重新提交") from exc
    try:
        root = parse_part(data)
    except etree.XMLSyntaxError as exc:
        raise Unreadable("Word文件内容已损坏（XML格式错误），请用Word或WPS另存后重新提交") from exc
    body = root.find(_W + "body")
    if body is None:
        raise Unreadable("Word文件没有正文")
    return body_to_grids(body, name, document_is_plain(data))


# --- positions, for writers that mark a cell the findings name (formkit annotate) ---------------


def body_tables(body) -> list:
    """Return the top-level ``w:tbl`` elements of a body in the order the grids number them (表1, 表2 …)."""
    return [el for el in _children(body) if el.tag == _W + "tbl"]


def table_cell_grid(tbl) -> list[list]:
    """Return, per row as :func:`table_to_rows` counts them, the ``w:tc`` at each grid column.

    A cell spanning columns stands at each of them; positions before or after the row's cells
    (``w:gridBefore``/``w:gridAfter``) are None. ``result[r - 1][c - 1]`` is the element behind
    the finding at 第r行第c列.
    """
    rows: list[list] = []
    for tr in _rows_of(tbl):
        if len(rows) >= MAX_ROWS:
            break
        trpr = tr.find(TRPR)
        before = _int_attr(trpr.find(GRID_BEFORE), "val") if trpr is not None else 0
        after = _int_attr(trpr.find(GRID_AFTER), "val") if trpr is not None else 0
        row: list = [None] * before
        for tc in _cells_of(tr):
            tcpr = tc.find(TCPR)
            span = max(1, _int_attr(tcpr.find(GRID_SPAN), "val", 1)) if tcpr is not None and \
                tcpr.find(GRID_SPAN) is not None else 1
            row.extend([tc] * min(span, MAX_COLS))
            if len(row) > MAX_COLS:
                break
        row.extend([None] * after)
        rows.append(row[:MAX_COLS])
    return rows
