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
from formkit.readers import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, Unreadable
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


def table_to_rows(tbl) -> list[list[RawCell]]:
    """Return the table's rows on its grid, spans repeated and vertical merges filled."""
    rows: list[list[RawCell]] = []
    for tr in _children(tbl):
        if tr.tag != _W + "tr":
            continue
        if len(rows) >= MAX_ROWS:
            break
        trpr = tr.find(_W + "trPr")
        before = _int_attr(trpr.find(_W + "gridBefore") if trpr is not None else None, "val")
        after = _int_attr(trpr.find(_W + "gridAfter") if trpr is not None else None, "val")
        row: list[RawCell] = [EMPTY] * before
        for tc in _children(tr):
            if tc.tag != _W + "tc":
                continue
            tcpr = tc.find(_W + "tcPr")
            span = max(1, _int_attr(tcpr.find(_W + "gridSpan") if tcpr is not None else None, "val", 1))
            vmerge = tcpr.find(_W + "vMerge") if tcpr is not None else None
            col = len(row)
            if vmerge is not None and vmerge.get(_W + "val", "continue") == "continue":
                above = rows[-1][col] if rows and col < len(rows[-1]) else EMPTY
                cell = above
            else:
                text = _text(tc)
                if len(text) > MAX_CELL_CHARS:
                    text = text[:MAX_CELL_CHARS]
                text = clean_text(text)
                cell = RawCell(text, text) if text else EMPTY
            row.extend([cell] * min(span, MAX_COLS))
            if len(row) > MAX_COLS:
                break
        row.extend([EMPTY] * after)
        rows.append(row[:MAX_COLS])
    width = max((len(r) for r in rows), default=0)
    return [r + [EMPTY] * (width - len(r)) for r in rows]


def body_to_grids(body, file: str) -> list[Grid]:
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
            grids.append(Grid(file=file, sheet=f"表{n}", kind="word", rows=table_to_rows(el),
                              before=list(pending), index=n - 1))
            pending = []
    if grids:
        grids[-1].after = list(pending)
    elif pending:
        # No table at all: keep the text so the caller can say what the document holds.
        grids.append(Grid(file=file, sheet="正文", kind="word", rows=[], before=pending, index=0))
    return grids


def read_docx(path: Path, name: str) -> list[Grid]:
    """Return the Grids of a .docx file's body tables."""
    try:
        with zipfile.ZipFile(path) as zf:
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
    return body_to_grids(body, name)
