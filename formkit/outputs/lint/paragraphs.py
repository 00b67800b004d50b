"""A part's paragraphs as text (each character's run kept) and the tags found in them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from formkit.outputs.lint.model import (BLOCK_MIDDLE, BLOCK_OPENERS, BR_TAG, CR_TAG, FULLWIDTH_DELIMITERS, P_TAG, R_TAG,
                                        SKIPPED_TAGS, TAB_TAG, TAG_CLOSING, TAG_OPENING, TAG_PREFIXES, TBL_TAG, TC_TAG,
                                        TR_TAG, TXBX_TAG, T_TAG)


# --- paragraphs as text ---------------------------------------------------------------------------

@dataclass
class Segment:
    element: Any  # w:t, or the w:tab/w:br that stands for one character
    text: str
    run: Any  # the w:r holding it (None outside a run)
    editable: bool  # a w:t whose text can be rewritten


@dataclass
class TextParagraph:
    element: Any
    where: str
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


def segments_of(p) -> list[Segment]:
    """Return the paragraph's own text pieces in order (text boxes inside it are their own)."""
    out: list[Segment] = []

    def walk(element, run):
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIPPED_TAGS or tag == P_TAG or tag == TXBX_TAG:
                continue
            if tag == T_TAG:
                out.append(Segment(child, child.text or "", run, True))
            elif tag == TAB_TAG:
                out.append(Segment(child, "\t", run, False))
            elif tag in (BR_TAG, CR_TAG):
                out.append(Segment(child, "\n", run, False))
            else:
                walk(child, child if tag == R_TAG else run)

    walk(p, None)
    return out


def text_paragraphs(root, label: str) -> list[TextParagraph]:
    tables = {t: k for k, t in enumerate(root.iter(TBL_TAG), start=1)}  # keyed by element: proxies stay alive
    out = []
    count = 0
    for p in root.iter(P_TAG):
        cell = next((a for a in p.iterancestors(TC_TAG)), None)
        if cell is not None:
            row = cell.getparent()
            table = next((a for a in cell.iterancestors(TBL_TAG)), None)
            rows = ([r for r in table.iter(TR_TAG) if next(r.iterancestors(TBL_TAG)) is table]
                    if table is not None else [])
            r_index = rows.index(row) + 1 if row in rows else 0
            c_index = [c for c in row if c.tag == TC_TAG].index(cell) + 1 if row is not None and row.tag == TR_TAG else 0
            where = f"表格{tables.get(table, '?')}第{r_index}行第{c_index}列"
            where = where if label == "正文" else f"{label}{where}"
        else:
            count += 1
            where = f"{label}第{count}段"
        out.append(TextParagraph(p, where, segments_of(p)))
    return out


# --- tags in a paragraph ---------------------------------------------------------------------------

@dataclass
class Found:
    start: int
    end: int  # exclusive; -1 when the tag is not closed in its paragraph
    kind: str
    prefix: str
    keyword: str
    spaced_prefix: str  # "{% tr for %}": the prefix written with a space (not a docxtpl prefix)


_KEYWORD = re.compile(r"[-+]?\s*(\w+)")


def find_tags(text: str) -> list[Found]:
    norm = text.translate(FULLWIDTH_DELIMITERS)
    found = []
    pos = 0
    while True:
        m = TAG_OPENING.search(norm, pos)
        if m is None:
            return found
        start = m.start()
        mark = norm[start + 1]
        close = norm.find(TAG_CLOSING[mark], start + 2)
        kind = {"{": "var", "%": "block", "#": "comment"}[mark]
        end = close + 2 if close >= 0 else -1
        inner = norm[start + 2: close if close >= 0 else len(norm)]
        prefix = keyword = spaced = ""
        if kind != "comment":
            for candidate in TAG_PREFIXES:
                if inner.startswith(candidate + " ") or (kind == "block" and inner.startswith(candidate + "\t")):
                    prefix = candidate
                    inner = inner[len(candidate):]
                    break
        if kind == "block":
            km = _KEYWORD.match(inner)
            keyword = km.group(1) if km else ""
            if not prefix and keyword in TAG_PREFIXES:
                rest = inner[km.end():].strip() if km else ""
                second = rest.split(None, 1)[0] if rest else ""
                if second in BLOCK_OPENERS or second.startswith("end") or second in BLOCK_MIDDLE:
                    spaced, keyword = keyword, second
        found.append(Found(start, end, kind, prefix, keyword, spaced))
        if end < 0:
            return found
        pos = end


_DOUBLE = set('"“”„‟″')
_SINGLE = set("'‘’‚‛′")


def outside_quotes(inner: str) -> Iterable[tuple[int, str]]:
    """Yield (index, char) of ``inner`` outside quoted text (straight or curly quotes alike)."""
    quote: set[str] | None = None
    for i, ch in enumerate(inner):
        if quote is not None:
            if ch in quote:
                quote = None
            continue
        if ch in _DOUBLE:
            quote = _DOUBLE
            continue
        if ch in _SINGLE:
            quote = _SINGLE
            continue
        yield i, ch


def shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def part_path(element) -> tuple[str, ...]:
    return tuple(etree.QName(a).localname for a in reversed(list(element.iterancestors())))


