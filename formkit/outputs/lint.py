"""Template lint: find what breaks a docxtpl-style Word template, and repair what can be repaired.

:func:`lint` reads the raw WordprocessingML of the body, headers, footers and notes — not the
text Word shows — and reports, each with its place (``正文第3段``, ``表格1第2行第1列``,
``页脚（footer1.xml）第1段``):

* ``split-tag`` — a tag Word split across runs (``{{ 企业`` in one ``w:r``, ``名称 }}`` in the
  next, after spell-check or an edit): the value takes the first piece's formatting only, and
  other tools do not see the tag at all;
* ``curly-quote`` — “ ” ‘ ’ inside a tag (Word's AutoFormat turns ``"南京市"`` into ``“南京市”``);
* ``fullwidth`` — full-width punctuation inside a tag outside its quoted text (``（ ） ＝ ，``),
  or a tag written with full-width braces ``｛｛ 名称 ｝｝`` (which is no tag at all);
* ``unclosed-tag`` — a ``{{``/``{%`` not closed in its paragraph;
* ``unbalanced`` — ``{% if %}`` without ``{% endif %}``, an ``{% endfor %}`` closing an ``if``,
  a block opened with ``{%tr %}`` and closed with ``{%p %}``, or opened in a paragraph and
  closed in a table cell (the output would not be a valid document);
* ``tr-misuse`` / ``tc-misuse`` / ``p-misuse`` — ``{%tr %}`` outside a table row, ``{%tc %}``
  outside a cell, ``{% tr … %}`` with a space (not a row tag), or a ``{%p %}``/``{%tr %}``/
  ``{%tc %}`` sharing its paragraph/row/cell with other text, which would be lost;
* ``syntax`` — anything else the Jinja compiler refuses (the engine's message);
* with DATA: ``missing-variable`` — a variable no column provides that the template prints,
  iterates or reads from (an error: those rows cannot be rendered); ``optional-variable`` — a
  variable no column provides that the template only tests (``{% if 联系人 %}``, ``|default``;
  a note, not a problem: the test is false, as in docxtpl); and ``unused-column`` — a column
  the template never uses (a note).

:func:`fix` writes a copy with quotes straightened, full-width tag punctuation made ASCII and
split tags joined into the run where each starts (atomically); :func:`require_clean` raises
:class:`~formkit.errors.FormkitError` listing the problems, for commands that take a user's
template (``letters --template``, ``report --template``).
"""

from __future__ import annotations

import difflib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from formkit.errors import FormkitError

__all__ = ["Problem", "Tag", "LintReport", "lint", "lint_bytes", "fix", "fix_bytes", "require_clean",
           "RENDER_NAMES"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_PART_KINDS = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header": "页眉",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer": "页脚",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes": "脚注",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes": "尾注",
}

#: Names ``formkit render`` adds to every row's context besides the columns.
RENDER_NAMES = ("序号", "行号")


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


_P, _R, _T, _TAB, _BR, _CR = _w("p"), _w("r"), _w("t"), _w("tab"), _w("br"), _w("cr")
_TC, _TR, _TBL, _TXBX = _w("tc"), _w("tr"), _w("tbl"), _w("txbxContent")
_SKIP = {_w("delText"), _w("instrText"), _w("rPr"), _w("pPr"), _w("delInstrText"), _w("del")}
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

# --- characters -------------------------------------------------------------------------------

_CURLY = {"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'"}
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in (*range(0xFF01, 0xFF10), *range(0xFF1A, 0xFF21),
                                                   *range(0xFF3B, 0xFF41), *range(0xFF5B, 0xFF5F))}
_FULLWIDTH["\u3000"] = " "
_FULLWIDTH["、"] = ","
_FULLWIDTH["。"] = "."
_FULLWIDTH["【"] = "["
_FULLWIDTH["】"] = "]"
# Full-width look-alikes of the tag delimiters, mapped one character to one character so that
# positions in the normalised text are positions in the document.
_DELIMS = str.maketrans({"｛": "{", "｝": "}", "％": "%", "＃": "#"})
_OPENING = re.compile(r"\{[{%#]")
_CLOSING = {"{": "}}", "%": "%}", "#": "#}"}
_OPENERS = {"if", "for", "with", "macro", "call", "filter", "raw", "autoescape", "block"}
_MIDDLE = {"elif": {"if"}, "else": {"if", "for"}}
_PREFIXES = ("tr", "tc", "p", "r")
_PREFIX_NAMES = {"p": "段落", "tr": "表格行", "tc": "单元格", "r": "文字块"}


@dataclass
class Tag:
    """A Jinja tag as it stands in the document."""

    text: str  # as written, e.g. {{ 企业名称 }}
    where: str  # 正文第3段, 表格1第2行第1列, 页脚（footer1.xml）第1段
    part: str  # zip member
    kind: str  # var | block | comment
    prefix: str = ""  # p | tr | tc | r (docxtpl's element prefixes) or ""
    keyword: str = ""  # if, for, endif … for a block tag
    runs: int = 1  # how many w:r the tag is spread over


@dataclass
class Problem:
    """One thing that breaks (or would change) a template, said in Chinese with its place."""

    code: str
    where: str
    message: str
    fixable: bool = False  # lint --fix repairs it
    severity: str = "error"  # error (exit status 1) | note

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


@dataclass
class LintReport:
    """What :func:`lint` found in one template."""

    template: str
    tags: list[Tag] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    tested_only: list[str] = field(default_factory=list)  # variables only tested (data may lack them)
    problems: list[Problem] = field(default_factory=list)  # errors and notes, in document order
    columns: list[str] | None = None  # the DATA's columns, when DATA was given

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self) -> str:
        """Return the Chinese refusal listing every error (for :func:`require_clean`)."""
        errors = self.errors
        lines = [f"模板 {self.template} 有{len(errors)}处问题，无法使用："]
        lines += [f"  {p}" for p in errors]
        if any(p.fixable for p in errors):
            lines.append(f"其中引号、全角标点和被拆开的标签可自动修复：formkit lint {self.template} --fix -o 修复后的模板.docx")
        return "\n".join(lines)


# --- reading the package -------------------------------------------------------------------------

def _members(data: bytes, name: str) -> dict[str, bytes]:
    from formkit.outputs.engine import MAX_EXPANDED_BYTES, MAX_RATIO, MAX_TEMPLATE_BYTES

    if len(data) > MAX_TEMPLATE_BYTES:
        raise FormkitError(f"模板 {name} 超过 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB，不予处理")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise FormkitError(f"模板 {name} 是旧版 Word（.doc）或已加密的文件：请在 Word 或 WPS 中另存为 .docx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        expanded = sum(i.file_size for i in infos)
        if expanded > MAX_EXPANDED_BYTES or expanded > MAX_RATIO * max(len(data), 1):
            raise FormkitError(f"模板 {name} 解压后过大（{expanded // 1024 // 1024} MB），不予处理")
        if any(i.flag_bits & 0x1 for i in infos):
            raise FormkitError(f"模板 {name} 已加密，无法读取")
        return {i.filename: archive.read(i) for i in infos if not i.is_dir()}
    except FormkitError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise FormkitError(f"模板 {name} 不是有效的 Word 文档（.docx）：{exc}") from None


def _parse(name: str, member: str, data: bytes):
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise FormkitError(f"模板 {name} 的 {member} 含有 DTD 或实体声明，不予处理")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FormkitError(f"模板 {name} 的 {member} 不是有效的 XML：{exc}") from None


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target)).lstrip("/")


def _parts(name: str, members: dict[str, bytes]) -> list[tuple[str, str]]:
    """Return (member, label) of the parts that can carry tags: body first, then the others."""
    main = "word/document.xml"
    if "_rels/.rels" in members:
        for rel in _parse(name, "_rels/.rels", members["_rels/.rels"]).iter(f"{{{PKG_RELS}}}Relationship"):
            if rel.get("Type") == OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
                main = _resolve("", rel.get("Target", main))
                break
    if main not in members:
        raise FormkitError(f"模板 {name} 不是有效的 Word 文档：缺少正文部分 {main}")
    parts = [(main, "正文")]
    rels_name = posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels")
    if rels_name in members:
        for rel in _parse(name, rels_name, members[rels_name]).iter(f"{{{PKG_RELS}}}Relationship"):
            kind = _PART_KINDS.get(rel.get("Type", ""))
            if kind is None or rel.get("TargetMode") == "External":
                continue
            target = _resolve(main, rel.get("Target", ""))
            if target in members and all(target != p for p, _ in parts):
                label = f"{kind}（{posixpath.basename(target)}）" if kind in ("页眉", "页脚") else kind
                parts.append((target, label))
    return parts


# --- paragraphs as text ---------------------------------------------------------------------------

@dataclass
class _Segment:
    element: Any  # w:t, or the w:tab/w:br that stands for one character
    text: str
    run: Any  # the w:r holding it (None outside a run)
    editable: bool  # a w:t whose text can be rewritten


@dataclass
class _Paragraph:
    element: Any
    where: str
    segments: list[_Segment]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


def _segments(p) -> list[_Segment]:
    """Return the paragraph's own text pieces in order (text boxes inside it are their own)."""
    out: list[_Segment] = []

    def walk(element, run):
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP or tag == _P or tag == _TXBX:
                continue
            if tag == _T:
                out.append(_Segment(child, child.text or "", run, True))
            elif tag == _TAB:
                out.append(_Segment(child, "\t", run, False))
            elif tag in (_BR, _CR):
                out.append(_Segment(child, "\n", run, False))
            else:
                walk(child, child if tag == _R else run)

    walk(p, None)
    return out


def _paragraphs(root, label: str) -> list[_Paragraph]:
    tables = {t: k for k, t in enumerate(root.iter(_TBL), start=1)}  # keyed by element: proxies stay alive
    out = []
    count = 0
    for p in root.iter(_P):
        cell = next((a for a in p.iterancestors(_TC)), None)
        if cell is not None:
            row = cell.getparent()
            table = next((a for a in cell.iterancestors(_TBL)), None)
            rows = [r for r in table.iter(_TR) if next(r.iterancestors(_TBL)) is table] if table is not None else []
            r_index = rows.index(row) + 1 if row in rows else 0
            c_index = [c for c in row if c.tag == _TC].index(cell) + 1 if row is not None and row.tag == _TR else 0
            where = f"表格{tables.get(table, '?')}第{r_index}行第{c_index}列"
            where = where if label == "正文" else f"{label}{where}"
        else:
            count += 1
            where = f"{label}第{count}段"
        out.append(_Paragraph(p, where, _segments(p)))
    return out


# --- tags in a paragraph ---------------------------------------------------------------------------

@dataclass
class _Found:
    start: int
    end: int  # exclusive; -1 when the tag is not closed in its paragraph
    kind: str
    prefix: str
    keyword: str
    spaced_prefix: str  # "{% tr for %}": the prefix written with a space (not a docxtpl prefix)


_KEYWORD = re.compile(r"[-+]?\s*(\w+)")


def _find_tags(text: str) -> list[_Found]:
    norm = text.translate(_DELIMS)
    found = []
    pos = 0
    while True:
        m = _OPENING.search(norm, pos)
        if m is None:
            return found
        start = m.start()
        mark = norm[start + 1]
        close = norm.find(_CLOSING[mark], start + 2)
        kind = {"{": "var", "%": "block", "#": "comment"}[mark]
        end = close + 2 if close >= 0 else -1
        inner = norm[start + 2: close if close >= 0 else len(norm)]
        prefix = keyword = spaced = ""
        if kind != "comment":
            for candidate in _PREFIXES:
                if inner.startswith(candidate + " ") or (kind == "block" and inner.startswith(candidate + "\t")):
                    prefix = candidate
                    inner = inner[len(candidate):]
                    break
        if kind == "block":
            km = _KEYWORD.match(inner)
            keyword = km.group(1) if km else ""
            if not prefix and keyword in _PREFIXES:
                rest = inner[km.end():].strip() if km else ""
                second = rest.split(None, 1)[0] if rest else ""
                if second in _OPENERS or second.startswith("end") or second in _MIDDLE:
                    spaced, keyword = keyword, second
        found.append(_Found(start, end, kind, prefix, keyword, spaced))
        if end < 0:
            return found
        pos = end


_DOUBLE = set('"“”„‟″')
_SINGLE = set("'‘’‚‛′")


def _outside_quotes(inner: str) -> Iterable[tuple[int, str]]:
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


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _path(element) -> tuple[str, ...]:
    return tuple(etree.QName(a).localname for a in reversed(list(element.iterancestors())))


# --- the analysis -------------------------------------------------------------------------------------

@dataclass
class _Block:
    keyword: str
    prefix: str
    where: str
    text: str
    path: tuple[str, ...]


def _block_path(found: _Found, segment: _Segment, paragraph: _Paragraph) -> tuple[str, ...] | None:
    """Return the element names a block tag stands under once docxtpl has moved it (None: can't)."""
    if found.prefix == "p":
        return _path(paragraph.element)
    if found.prefix in ("tr", "tc"):
        target = _TR if found.prefix == "tr" else _TC
        holder = next(paragraph.element.iterancestors(target), None)
        return _path(holder) if holder is not None else None
    if found.prefix == "r":
        return _path(segment.run) if segment.run is not None else _path(segment.element)
    return _path(segment.element) + (etree.QName(segment.element).localname,)


def _analyse_part(report: LintReport, root, member: str, label: str) -> None:
    stack: list[_Block] = []
    problems = report.problems
    for paragraph in _paragraphs(root, label):
        text = paragraph.text
        if "{" not in text and "｛" not in text:
            continue
        # map each character to its segment
        owners: list[int] = []
        for k, segment in enumerate(paragraph.segments):
            owners.extend([k] * len(segment.text))
        for found in _find_tags(text):
            where = paragraph.where
            raw = text[found.start: found.end if found.end >= 0 else len(text)]
            shown = _short(raw)
            if found.end < 0:
                closing = _CLOSING[text.translate(_DELIMS)[found.start + 1]]
                problems.append(Problem("unclosed-tag", where, f"标签“{shown}”在本段内没有结束（缺少“{closing}”，"
                                        "标签不能跨段落；请检查括号是否成对）"))
                continue
            first = paragraph.segments[owners[found.start]]
            runs = {id(paragraph.segments[owners[i]].run) for i in range(found.start, found.end)}
            tag = Tag(raw, where, member, found.kind, found.prefix, found.keyword, runs=len(runs))
            report.tags.append(tag)
            # full-width braces: {{ written ｛｛
            delimiters = raw[:2] + raw[-2:]
            if any(ch in "｛｝％＃" for ch in delimiters):
                problems.append(Problem("fullwidth", where, f"标签“{shown}”的括号或百分号是全角字符，"
                                        "Word 不会把它当作标签（应为半角 {{ }}、{% %}）", fixable=True))
            inner = raw[2:-2]
            curly = sorted({ch for ch in inner if ch in _CURLY})
            if curly:
                problems.append(Problem("curly-quote", where, f"标签“{shown}”中有弯引号 {' '.join(curly)}"
                                        "（Word 自动替换所致），应为直引号 \" 或 '", fixable=True))
            wide = list(dict.fromkeys(ch for _i, ch in _outside_quotes(inner) if ch in _FULLWIDTH))
            if wide:
                names = " ".join("全角空格" if ch == "\u3000" else ch for ch in wide)
                problems.append(Problem("fullwidth", where, f"标签“{shown}”中有全角标点 {names}"
                                        "（应为半角字符，引号内的文字除外）", fixable=True))
            if len(runs) > 1:
                fixable = all(paragraph.segments[owners[i]].editable for i in range(found.start, found.end))
                problems.append(Problem("split-tag", where, f"标签“{shown}”被 Word 拆成了{len(runs)}段格式不同的文字"
                                        "（编辑或拼写检查所致），渲染后只保留第一段的格式"
                                        + ("" if fixable else "；标签中有换行或制表符，无法自动修复"),
                                        fixable=fixable))
            if found.spaced_prefix:
                p = found.spaced_prefix
                problems.append(Problem(f"{p if p != 'r' else 'p'}-misuse", where,
                                        f"标签“{shown}”中 % 与 {p} 之间有空格：应写成 {{%{p} {found.keyword} … %}}"))
                continue
            _check_prefix(problems, paragraph, found, where, shown, text)
            if found.kind == "block":
                _check_block(problems, stack, found, where, shown, _block_path(found, first, paragraph))
    for block in stack:
        problems.append(Problem("unbalanced", block.where, f"“{block.text}”没有对应的 {{% end{block.keyword} %}}"))


def _check_prefix(problems: list[Problem], paragraph: _Paragraph, found: _Found, where: str, shown: str,
                  text: str) -> None:
    prefix = found.prefix
    if not prefix or prefix == "r":
        return
    element = paragraph.element
    if prefix == "p":
        other = (text[: found.start] + text[found.end:]).strip()
        if other:
            problems.append(Problem("p-misuse", where, f"{{%p %}} 标签“{shown}”所在的段落还有其他文字“{_short(other, 20)}”："
                                    "渲染时整段被标签取代，这些文字会丢失；请把 {%p %} 标签单独放在一段"))
        return
    target = _TR if prefix == "tr" else _TC
    holder = next(element.iterancestors(target), None)
    if holder is None:
        where_ok = "表格的行中（任一单元格）" if prefix == "tr" else "表格的单元格中"
        problems.append(Problem(f"{prefix}-misuse", where, f"{{%{prefix} %}} 标签“{shown}”必须写在{where_ok}，"
                                f"这里不在表格中；段落请用 {{%p %}}"))
        return
    others = []
    for p in holder.iter(_P):
        if p is element:
            rest = (text[: found.start] + text[found.end:]).strip()
        else:
            rest = "".join(s.text for s in _segments(p)).strip()
        if rest:
            others.append(rest)
    if others:
        unit = "行" if prefix == "tr" else "单元格"
        problems.append(Problem(f"{prefix}-misuse", where, f"{{%{prefix} %}} 标签“{shown}”所在的{unit}还有其他文字"
                                f"“{_short(' '.join(others), 20)}”：渲染时整个{unit}被标签取代，这些文字会丢失"))


def _check_block(problems: list[Problem], stack: list[_Block], found: _Found, where: str, shown: str,
                 path: tuple[str, ...] | None) -> None:
    word = found.keyword
    if word in _OPENERS:
        stack.append(_Block(word, found.prefix, where, shown, path or ()))
        return
    if word in _MIDDLE:
        if not stack or stack[-1].keyword not in _MIDDLE[word]:
            problems.append(Problem("unbalanced", where, f"“{shown}”不在对应的 {{% if %}}"
                                    f"{'/{% for %}' if word == 'else' else ''} 块中"))
        else:
            _same_structure(problems, stack[-1], found, where, shown, path)
        return
    if word.startswith("end") and word[3:] in _OPENERS:
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


def _same_structure(problems: list[Problem], opener: _Block, found: _Found, where: str, shown: str,
                    path: tuple[str, ...] | None) -> None:
    if opener.prefix != found.prefix:
        def name(prefix: str) -> str:
            return f"{{%{prefix} %}}（{_PREFIX_NAMES[prefix]}）" if prefix else "{% %}（不带前缀）"

        problems.append(Problem("unbalanced", where, f"“{shown}”与{opener.where}的“{opener.text}”写法不一致："
                                f"开头用了 {name(opener.prefix)}，这里用了 {name(found.prefix)}"))
        return
    if path is not None and opener.path and path != opener.path:
        problems.append(Problem("unbalanced", where, f"“{shown}”与{opener.where}的“{opener.text}”不在同一层结构中"
                                "（例如一个在段落里、一个在表格里），生成的文档会损坏；"
                                "整段用 {%p %}、整行用 {%tr %}、整格用 {%tc %}"))


# --- public functions ---------------------------------------------------------------------------------

def lint(path: str | Path, columns: Iterable[str] | None = None, aliases: dict[str, str] | None = None) -> LintReport:
    """Return the :class:`LintReport` of the template at ``path``.

    ``columns`` (with ``aliases``: identifier → column, as :class:`formkit.readers.table_data.Table` has)
    are the DATA's columns: variables they lack are errors, columns never used are notes.
    Raises :class:`FormkitError` when the file is not a readable .docx.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormkitError(f"无法读取模板 {path.name}：{exc.strerror or exc}") from None
    return lint_bytes(data, path.name, columns, aliases)


def lint_bytes(data: bytes, name: str = "模板.docx", columns: Iterable[str] | None = None,
               aliases: dict[str, str] | None = None) -> LintReport:
    """Return the :class:`LintReport` of a template held in ``data`` (see :func:`lint`)."""
    from formkit.outputs.engine import DocxTemplate, TemplateError

    members = _members(data, name)
    report = LintReport(template=name)
    for member, label in _parts(name, members):
        _analyse_part(report, _parse(name, member, members[member]), member, label)
    fixable = any(p.fixable for p in report.problems)
    compiled = (_fixed_package(name, members)[0] if fixable else b"") or data
    try:
        template = DocxTemplate.from_bytes(compiled, name)
    except TemplateError as exc:
        if not any(p.code in ("unbalanced", "unclosed-tag", "tr-misuse", "tc-misuse", "p-misuse")
                   for p in report.problems):
            report.problems.append(Problem("syntax", "", str(exc)))
    else:
        report.variables = sorted(template.variables())
        report.tested_only = sorted(template.tested_only())
    if columns is not None:
        _compare_data(report, list(columns), aliases or {})
    return report


def _compare_data(report: LintReport, columns: list[str], aliases: dict[str, str]) -> None:
    report.columns = columns
    provided = set(columns) | set(aliases) | set(RENDER_NAMES)
    optional = set(report.tested_only)
    for variable in report.variables:
        if variable in provided:
            continue
        close = difflib.get_close_matches(variable, columns, n=1, cutoff=0.5)
        hint = f"（是不是“{close[0]}”？）" if close else ""
        if variable in optional:
            report.problems.append(Problem(
                "optional-variable", "", f"变量“{variable}”在数据中没有对应的列，模板只在条件中用到它，"
                f"按“不成立”处理{hint}", severity="note"))
        else:
            report.problems.append(Problem("missing-variable", "",
                                           f"模板输出的变量“{variable}”在数据中没有对应的列{hint}"))
    used = set(report.variables)
    by_column = {c: {c} for c in columns}
    for alias, column in aliases.items():
        by_column.setdefault(column, set()).add(alias)
    for column in columns:
        if not by_column[column] & used:
            report.problems.append(Problem("unused-column", "", f"数据中的列“{column}”模板没有用到", severity="note"))


def require_clean(path: str | Path, *, allow_fixable: bool = False) -> None:
    """Raise :class:`FormkitError` listing the problems when the template at ``path`` has any.

    For commands that take a user's template (``letters --template``, ``report --template``):
    call before rendering. ``allow_fixable=True`` lets pass the problems the engine repairs by
    itself when it loads a template (split tags, curly quotes in tags).
    """
    report = lint(path)
    errors = report.errors
    if allow_fixable:
        errors = [p for p in errors if p.code not in ("split-tag", "curly-quote")]
    if errors:
        report.problems = errors
        raise FormkitError(report.message())


# --- fixing -------------------------------------------------------------------------------------------

@dataclass
class FixResult:
    """What :func:`fix` changed."""

    joined: int = 0  # split tags joined into one run
    quotes: int = 0  # curly quotes straightened
    fullwidth: int = 0  # full-width characters made ASCII


def _fix_paragraph(paragraph: _Paragraph, result: FixResult) -> bool:
    segments = paragraph.segments
    text = paragraph.text
    owners: list[int] = []
    for k, segment in enumerate(segments):
        owners.extend([k] * len(segment.text))
    chars = list(text)
    changed = False
    for found in _find_tags(text):
        if found.end < 0:
            continue
        span = range(found.start, found.end)
        # delimiters written full-width
        for i in (found.start, found.start + 1, found.end - 2, found.end - 1):
            if chars[i] in "｛｝％＃":
                chars[i] = chars[i].translate(_DELIMS)
                result.fullwidth += 1
                changed = True
        inner_start = found.start + 2
        inner = "".join(chars[inner_start: found.end - 2])
        outside = {inner_start + i for i, _ch in _outside_quotes(inner)}
        for i in range(inner_start, found.end - 2):
            ch = chars[i]
            if ch in _CURLY:
                chars[i] = _CURLY[ch]
                result.quotes += 1
                changed = True
            elif i in outside and ch in _FULLWIDTH:
                chars[i] = _FULLWIDTH[ch]
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
            segment.element.set(_XML_SPACE, "preserve")
        if not new and segment.run is not None:
            emptied_runs.add(segment.run)
    for run in emptied_runs:  # a run left with nothing but its formatting and empty text goes
        if all(child.tag in (_w("rPr"), _T) and not (child.text if child.tag == _T else "") for child in run):
            parent = run.getparent()
            if parent is not None:
                parent.remove(run)
    return True


def _fixed_package(name: str, members: dict[str, bytes]) -> tuple[bytes, FixResult]:
    result = FixResult()
    changed: dict[str, bytes] = {}
    for member, label in _parts(name, members):
        root = _parse(name, member, members[member])  # a fresh tree: the caller's stays as read
        touched = False
        for paragraph in _paragraphs(root, label):
            if ("{" in paragraph.text or "｛" in paragraph.text) and _fix_paragraph(paragraph, result):
                touched = True
        if touched:
            changed[member] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if not changed:
        return b"", result
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, changed.get(member, content))
    return out.getvalue(), result


def fix_bytes(data: bytes, name: str = "模板.docx") -> tuple[bytes, FixResult]:
    """Return the repaired template's bytes (``data`` itself when nothing changed) and the changes."""
    members = _members(data, name)
    fixed, result = _fixed_package(name, members)
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
