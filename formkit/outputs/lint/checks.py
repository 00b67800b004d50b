"""Lint's checks: one function per problem code, the per-tag ones registered in TAG_CHECKS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from formkit.outputs.lint.model import (BLOCK_MIDDLE, BLOCK_OPENERS, CURLY_QUOTES, FULLWIDTH, FULLWIDTH_DELIMITERS,
                                        LintReport, PREFIX_NAMES, P_TAG, Problem, TAG_CLOSING, TC_TAG, TR_TAG, Tag)
from formkit.outputs.lint.paragraphs import (Found, TextParagraph, Segment, find_tags, outside_quotes,
                                             text_paragraphs, part_path, segments_of, shorten)


# --- the analysis -------------------------------------------------------------------------------------

@dataclass
class _Block:
    keyword: str
    prefix: str
    where: str
    text: str
    path: tuple[str, ...]


def _block_path(found: Found, segment: Segment, paragraph: TextParagraph) -> tuple[str, ...] | None:
    """Return the element names a block tag stands under once docxtpl has moved it (None: can't)."""
    if found.prefix == "p":
        return part_path(paragraph.element)
    if found.prefix in ("tr", "tc"):
        target = TR_TAG if found.prefix == "tr" else TC_TAG
        holder = next(paragraph.element.iterancestors(target), None)
        return part_path(holder) if holder is not None else None
    if found.prefix == "r":
        return part_path(segment.run) if segment.run is not None else part_path(segment.element)
    return part_path(segment.element) + (etree.QName(segment.element).localname,)


@dataclass
class _Site:
    """A tag found in a paragraph: what every tag check looks at."""

    paragraph: TextParagraph
    found: Found
    raw: str  # the tag as written
    shown: str  # the tag shortened for messages
    where: str
    runs: int  # how many differently formatted runs the tag is spread over
    editable: bool  # every character of the tag sits in a plain text run (a split can be joined)


#: The checks run on every closed tag, in this order (the order problems are listed in).
TAG_CHECKS: list[Callable[[_Site], Iterator[Problem]]] = []


def tag_check(check: Callable[[_Site], Iterator[Problem]]) -> Callable[[_Site], Iterator[Problem]]:
    """Register ``check`` in :data:`TAG_CHECKS`."""
    TAG_CHECKS.append(check)
    return check


@tag_check
def fullwidth_braces(site: _Site) -> Iterator[Problem]:
    """``fullwidth``: {{ written ｛｛ — Word does not see a tag."""
    delimiters = site.raw[:2] + site.raw[-2:]
    if any(ch in "｛｝％＃" for ch in delimiters):
        yield Problem("fullwidth", site.where, f"标签“{site.shown}”的括号或百分号是全角字符，"
                      "Word 不会把它当作标签（应为半角 {{ }}、{% %}）", fixable=True)


@tag_check
def curly_quote(site: _Site) -> Iterator[Problem]:
    """``curly-quote``: Word's automatic curly quotes inside a tag."""
    curly = sorted({ch for ch in site.raw[2:-2] if ch in CURLY_QUOTES})
    if curly:
        yield Problem("curly-quote", site.where, f"标签“{site.shown}”中有弯引号 {' '.join(curly)}"
                      "（Word 自动替换所致），应为直引号 \" 或 '", fixable=True)


@tag_check
def fullwidth(site: _Site) -> Iterator[Problem]:
    """``fullwidth``: full-width punctuation inside a tag, outside its quoted text."""
    wide = list(dict.fromkeys(ch for _i, ch in outside_quotes(site.raw[2:-2]) if ch in FULLWIDTH))
    if wide:
        names = " ".join("全角空格" if ch == "\u3000" else ch for ch in wide)
        yield Problem("fullwidth", site.where, f"标签“{site.shown}”中有全角标点 {names}"
                      "（应为半角字符，引号内的文字除外）", fixable=True)


@tag_check
def split_tag(site: _Site) -> Iterator[Problem]:
    """``split-tag``: a tag Word spread over runs of different formatting."""
    if site.runs > 1:
        yield Problem("split-tag", site.where, f"标签“{site.shown}”被 Word 拆成了{site.runs}段格式不同的文字"
                      "（编辑或拼写检查所致），渲染后只保留第一段的格式"
                      + ("" if site.editable else "；标签中有换行或制表符，无法自动修复"), fixable=site.editable)


def unclosed_tag(text: str, found: Found, where: str, shown: str) -> Problem:
    """``unclosed-tag``: a tag that does not end in its paragraph."""
    closing = TAG_CLOSING[text.translate(FULLWIDTH_DELIMITERS)[found.start + 1]]
    return Problem("unclosed-tag", where, f"标签“{shown}”在本段内没有结束（缺少“{closing}”，"
                   "标签不能跨段落；请检查括号是否成对）")


def analyse_part(report: LintReport, root, member: str, label: str) -> None:
    stack: list[_Block] = []
    problems = report.problems
    for paragraph in text_paragraphs(root, label):
        text = paragraph.text
        if "{" not in text and "｛" not in text:
            continue
        # map each character to its segment
        owners: list[int] = []
        for k, segment in enumerate(paragraph.segments):
            owners.extend([k] * len(segment.text))
        for found in find_tags(text):
            where = paragraph.where
            raw = text[found.start: found.end if found.end >= 0 else len(text)]
            shown = shorten(raw)
            if found.end < 0:
                problems.append(unclosed_tag(text, found, where, shown))
                continue
            first = paragraph.segments[owners[found.start]]
            runs = {id(paragraph.segments[owners[i]].run) for i in range(found.start, found.end)}
            report.tags.append(Tag(raw, where, member, found.kind, found.prefix, found.keyword, runs=len(runs)))
            site = _Site(paragraph, found, raw, shown, where, len(runs),
                         all(paragraph.segments[owners[i]].editable for i in range(found.start, found.end)))
            for check in TAG_CHECKS:
                problems.extend(check(site))
            if found.spaced_prefix:
                problems.append(spaced_prefix(found, where, shown))
                continue
            prefix_misuse(problems, paragraph, found, where, shown, text)
            if found.kind == "block":
                unbalanced(problems, stack, found, where, shown, _block_path(found, first, paragraph))
    for block in stack:
        problems.append(Problem("unbalanced", block.where, f"“{block.text}”没有对应的 {{% end{block.keyword} %}}"))


def spaced_prefix(found: Found, where: str, shown: str) -> Problem:
    """``p-misuse``/``tr-misuse``/``tc-misuse``: a space between % and the prefix (``{% tr``)."""
    p = found.spaced_prefix
    return Problem(f"{p if p != 'r' else 'p'}-misuse", where,
                   f"标签“{shown}”中 % 与 {p} 之间有空格：应写成 {{%{p} {found.keyword} … %}}")


def prefix_misuse(problems: list[Problem], paragraph: TextParagraph, found: Found, where: str, shown: str,
                  text: str) -> None:
    """``p-misuse``/``tr-misuse``/``tc-misuse``: a {%p/tr/tc %} tag where docxtpl would lose text."""
    prefix = found.prefix
    if not prefix or prefix == "r":
        return
    element = paragraph.element
    if prefix == "p":
        other = (text[: found.start] + text[found.end:]).strip()
        if other:
            problems.append(Problem("p-misuse", where, f"{{%p %}} 标签“{shown}”所在的段落还有其他文字“{shorten(other, 20)}”："
                                    "渲染时整段被标签取代，这些文字会丢失；请把 {%p %} 标签单独放在一段"))
        return
    target = TR_TAG if prefix == "tr" else TC_TAG
    holder = next(element.iterancestors(target), None)
    if holder is None:
        where_ok = "表格的行中（任一单元格）" if prefix == "tr" else "表格的单元格中"
        problems.append(Problem(f"{prefix}-misuse", where, f"{{%{prefix} %}} 标签“{shown}”必须写在{where_ok}，"
                                f"这里不在表格中；段落请用 {{%p %}}"))
        return
    others = []
    for p in holder.iter(P_TAG):
        if p is element:
            rest = (text[: found.start] + text[found.end:]).strip()
        else:
            rest = "".join(s.text for s in segments_of(p)).strip()
        if rest:
            others.append(rest)
    if others:
        unit = "行" if prefix == "tr" else "单元格"
        problems.append(Problem(f"{prefix}-misuse", where, f"{{%{prefix} %}} 标签“{shown}”所在的{unit}还有其他文字"
                                f"“{shorten(' '.join(others), 20)}”：渲染时整个{unit}被标签取代，这些文字会丢失"))


def unbalanced(problems: list[Problem], stack: list[_Block], found: Found, where: str, shown: str,
               path: tuple[str, ...] | None) -> None:
    """``unbalanced``: block tags that do not pair (if/for/with and their end, else/elif)."""
    word = found.keyword
    if word in BLOCK_OPENERS:
        stack.append(_Block(word, found.prefix, where, shown, path or ()))
        return
    if word in BLOCK_MIDDLE:
        if not stack or stack[-1].keyword not in BLOCK_MIDDLE[word]:
            problems.append(Problem("unbalanced", where, f"“{shown}”不在对应的 {{% if %}}"
                                    f"{'/{% for %}' if word == 'else' else ''} 块中"))
        else:
            _same_structure(problems, stack[-1], found, where, shown, path)
        return
    if word.startswith("end") and word[3:] in BLOCK_OPENERS:
        if not stack:
            problems.append(Problem("unbalanced", where, f"“{shown}”没有对应的 {{% {word[3:]} %}}"))
            return
        if stack[-1].keyword != word[3:]:
            top = stack[-1]
            if any(b.keyword == word[3:] for b in stack):  # an inner block left open
                while stack and stack[-1].keyword != word[3:]:
                    inner = stack.pop()
                    problems.append(Problem("unbalanced", inner.where, f"“{inner.text}”没有对应的 {{% end{inner.keyword} %}}"))
            else:
                problems.append(Problem("unbalanced", where, f"“{shown}”与{top.where}的“{top.text}”不配对"
                                        f"（应为 {{% end{top.keyword} %}}）"))
                stack.pop()  # reported once, here
                return
        opener = stack.pop()
        _same_structure(problems, opener, found, where, shown, path)
    # other statements (set, include, vm, hm, colspan, cellbg…) are left to the compiler


def _same_structure(problems: list[Problem], opener: _Block, found: Found, where: str, shown: str,
                    path: tuple[str, ...] | None) -> None:
    if opener.prefix != found.prefix:
        def name(prefix: str) -> str:
            return f"{{%{prefix} %}}（{PREFIX_NAMES[prefix]}）" if prefix else "{% %}（不带前缀）"

        problems.append(Problem("unbalanced", where, f"“{shown}”与{opener.where}的“{opener.text}”写法不一致："
                                f"开头用了 {name(opener.prefix)}，这里用了 {name(found.prefix)}"))
        return
    if path is not None and opener.path and path != opener.path:
        problems.append(Problem("unbalanced", where, f"“{shown}”与{opener.where}的“{opener.text}”不在同一层结构中"
                                "（例如一个在段落里、一个在表格里），生成的文档会损坏；"
                                "整段用 {%p %}、整行用 {%tr %}、整格用 {%tc %}"))


