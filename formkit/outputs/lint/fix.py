"""Repairing a template: quotes straightened, full-width tag punctuation made ASCII, split tags joined."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from formkit.errors import FormkitError
from formkit.outputs.docx.package import parse_part, read_members, read_package, wtag
from formkit.outputs.ooxml import write_members
from formkit.outputs.lint.model import CURLY_QUOTES, FULLWIDTH, FULLWIDTH_DELIMITERS, T_TAG, XML_SPACE
from formkit.outputs.lint.paragraphs import TextParagraph, find_tags, outside_quotes, text_paragraphs


# --- fixing -------------------------------------------------------------------------------------------

@dataclass
class FixResult:
    """What :func:`fix` changed."""

    joined: int = 0  # split tags joined into one run
    quotes: int = 0  # curly quotes straightened
    fullwidth: int = 0  # full-width characters made ASCII


def _fix_paragraph(paragraph: TextParagraph, result: FixResult) -> bool:
    segments = paragraph.segments
    text = paragraph.text
    owners: list[int] = []
    for k, segment in enumerate(segments):
        owners.extend([k] * len(segment.text))
    chars = list(text)
    changed = False
    for found in find_tags(text):
        if found.end < 0:
            continue
        span = range(found.start, found.end)
        # delimiters written full-width
        for i in (found.start, found.start + 1, found.end - 2, found.end - 1):
            if chars[i] in "｛｝％＃":
                chars[i] = chars[i].translate(FULLWIDTH_DELIMITERS)
                result.fullwidth += 1
                changed = True
        inner_start = found.start + 2
        inner = "".join(chars[inner_start: found.end - 2])
        outside = {inner_start + i for i, _ch in outside_quotes(inner)}
        for i in range(inner_start, found.end - 2):
            ch = chars[i]
            if ch in CURLY_QUOTES:
                chars[i] = CURLY_QUOTES[ch]
                result.quotes += 1
                changed = True
            elif i in outside and ch in FULLWIDTH:
                chars[i] = FULLWIDTH[ch]
                result.fullwidth += 1
                changed = True
        runs = {id(segments[owners[i]].run) for i in span}
        if len(runs) > 1 and all(segments[owners[i]].editable for i in span):
            head = owners[found.start]
            for i in span:
                owners[i] = head
            result.joined += 1
            changed = True
    if not changed:
        return False
    texts = [[] for _ in segments]
    for ch, owner in zip(chars, owners):
        texts[owner].append(ch)
    emptied_runs = set()
    for segment, pieces in zip(segments, texts):
        new = "".join(pieces)
        if not segment.editable or new == segment.text:
            continue
        segment.element.text = new
        if new != new.strip() or "  " in new:
            segment.element.set(XML_SPACE, "preserve")
        if not new and segment.run is not None:
            emptied_runs.add(segment.run)
    for run in emptied_runs:  # a run left with nothing but its formatting and empty text goes
        if all(child.tag in (wtag("rPr"), T_TAG) and not (child.text if child.tag == T_TAG else "") for child in run):
            parent = run.getparent()
            if parent is not None:
                parent.remove(run)
    return True


def fixed_package(name: str, members: dict[str, bytes]) -> tuple[bytes, FixResult]:
    result = FixResult()
    changed: dict[str, bytes] = {}
    for member, label in read_package(name, members).parts:
        root = parse_part(name, member, members[member])  # a fresh tree: the caller's stays as read
        touched = False
        for paragraph in text_paragraphs(root, label):
            if ("{" in paragraph.text or "｛" in paragraph.text) and _fix_paragraph(paragraph, result):
                touched = True
        if touched:
            changed[member] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if not changed:
        return b"", result
    return write_members({member: changed.get(member, content) for member, content in members.items()}), result


def fix_bytes(data: bytes, name: str = "模板.docx") -> tuple[bytes, FixResult]:
    """Return the repaired template's bytes (``data`` itself when nothing changed) and the changes."""
    members = read_members(data, name)
    fixed, result = fixed_package(name, members)
    return (fixed or data), result


def fix(path: str | Path, out: str | Path) -> FixResult:
    """Write a repaired copy of the template at ``path`` to ``out`` (atomically); return the changes.

    Curly quotes inside tags are straightened, full-width punctuation inside tags (outside their
    quoted text) and full-width tag braces made ASCII, and every split tag joined into the run
    where it starts (the runs it leaves empty are removed). The original is not modified.
    """
    from formkit.fsutil import write_bytes

    path, out = Path(path), Path(out)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormkitError(f"无法读取模板 {path.name}：{exc.strerror or exc}") from None
    fixed, result = fix_bytes(data, path.name)
    write_bytes(out, fixed)
    return result
