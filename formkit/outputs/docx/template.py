"""DocxTemplate: a .docx template read and compiled once, rendered many times."""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import meta
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError, TemplateError as JinjaTemplateError
from lxml import etree

from formkit.fsutil import atomic_path
from formkit.outputs.docx.combine import Combiner
from formkit.outputs.docx.package import (BIG_PARSER, CORE_PROPS, MAX_TEMPLATE_BYTES, Package, TemplateError, XML_DECL,
                                          parse_part, read_members, read_package, wtag)
from formkit.outputs.docx.prepare import (COLUMN_TAGS, DOCPR_ID, LITERAL_BRACES, P_OPEN, docxtpl_fix_tables,
                                          docxtpl_patch_xml, grid_mismatch, has_tags, near_text, tags_between_cells,
                                          text_of, well_formed_by_construction)
from formkit.outputs.docx.sandbox import PLAIN_ENV, WORD_ENV
from formkit.outputs.ooxml import Member, RENDER_LEVEL, STATIC_LEVEL, zip_members


# ---------------------------------------------------------------------------------------------
# Compiled parts


@dataclass
class _Part:
    """A zip member that carries Jinja: its compiled template and how to wrap the output."""

    name: str  # zip member name, e.g. word/footer1.xml
    label: str  # for messages: 正文, 页脚（footer1.xml）…
    source: str  # the Jinja source after docxtpl's pre-processing
    template: Any
    prefix: str = XML_DECL
    suffix: str = ""
    fix_tables: bool = False
    docpr: bool = False
    literal_braces: bool = False
    proven: bool = False  # every rendering is well-formed XML (see prepare.well_formed_by_construction)

    def render_text(self, context: Mapping[str, Any], owner: "DocxTemplate") -> str:
        try:
            xml = self.template.render(context)
        except Exception as exc:  # noqa: BLE001 - every failure inside a template is the template's
            raise owner._runtime_error(exc, self) from None
        if self.literal_braces:
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return xml


_PART_LABELS = {"header": "页眉", "footer": "页脚", "footnotes": "脚注", "endnotes": "尾注"}


class DocxTemplate:
    """A .docx template read and compiled once; render it to as many documents as needed.

    Build with :meth:`load` (a path) or :meth:`from_bytes`. Rendering is thread-safe.
    """

    def __init__(self, name: str, members: dict[str, bytes], package: Package):
        self.name = name
        self._members = members  # every zip member's bytes, in archive order
        self._package = package
        self._parts: dict[str, _Part] = {}
        self._compiled: dict[str, Member] = {}
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
        members = read_members(data, name)
        package = read_package(name, members)
        return cls(name, members, package)

    def _compile(self) -> None:
        members = self._members
        main = self._package.main
        root = parse_part(self.name, main, members[main])
        body = root.find(wtag("body"))
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
        self._parts[main] = self._make_part(main, "正文", body_xml, WORD_ENV, prefix=XML_DECL + head, suffix=tail)

        for member, (_rid, kind) in self._package.headers_footers.items():
            self._maybe_part(member, f"{_PART_LABELS[kind]}（{PurePosixPath(member).name}）", WORD_ENV)
        for member in self._package.notes:
            kind = "footnotes" if "footnote" in member else "endnotes"
            self._maybe_part(member, _PART_LABELS[kind], WORD_ENV)
        if CORE_PROPS in members:
            self._maybe_part(CORE_PROPS, "文档属性", PLAIN_ENV)

        for name, content in members.items():
            if name not in self._parts:
                self._compiled[name] = Member.make(name, content, STATIC_LEVEL)

    def _maybe_part(self, member: str, label: str, env) -> None:
        root = parse_part(self.name, member, self._members[member])
        xml = etree.tostring(root, encoding="unicode")
        if has_tags(xml):
            self._parts[member] = self._make_part(member, label, xml, env)

    def _make_part(self, member: str, label: str, xml: str, env, prefix: str = XML_DECL, suffix: str = "") -> _Part:
        text = text_of(xml)
        source = docxtpl_patch_xml(xml)
        # One paragraph a line, for messages; the newline goes inside the start tag, where XML
        # allows whitespace, so the output needs no clean-up pass (docxtpl removes it by regex).
        source = P_OPEN.sub("<w:p\n\\1", source)
        part = _Part(member, label, source, None, prefix, suffix,
                     fix_tables=COLUMN_TAGS.search(text) is not None or (
                         member == self._package.main and (grid_mismatch(xml) or tags_between_cells(source))),
                     docpr="<wp:docPr" in source,
                     literal_braces=any(b in source for b in LITERAL_BRACES),
                     proven=env is WORD_ENV and well_formed_by_construction(source))
        try:
            code = env.compile(source, name=f"{self.name}:{member}", filename=f"{self.name}:{member}")
            part.template = env.template_class.from_code(env, code, env.make_globals(None), None)
        except TemplateSyntaxError as exc:
            near = near_text(source, exc.lineno)
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
        return names - set(WORD_ENV.globals)

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
        return zip_members(self._members_with(rendered))

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
        return Combiner(self).run([self._check_context(c) for c in contexts])

    # --- internals ----------------------------------------------------------------------------

    def _check_context(self, context: Mapping[str, Any]) -> Mapping[str, Any]:
        if not isinstance(context, Mapping):
            raise TemplateError(f"模板 {self.name} 的数据必须是字典（键为变量名），收到 {type(context).__name__}",
                                template=self.name)
        return context

    def _render_part(self, part: _Part, context: Mapping[str, Any]) -> Member:
        return Member.make(part.name, self._render_xml(part, context).encode("utf-8"), RENDER_LEVEL)

    def _check_xml(self, part: _Part, data: bytes) -> None:
        """Raise a TemplateError when a rendered part is not well-formed XML (Word would refuse it).

        docxtpl re-parses the body with lxml's ``recover=True``, which silently drops what does
        not fit; a letter with text missing is worse than an error. Costs ~0.1 ms a letter, so
        it runs only for parts whose well-formedness could not be proven at load time.
        """
        try:
            etree.fromstring(data, BIG_PARSER)
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
            xml = etree.tostring(docxtpl_fix_tables(xml), encoding="unicode")
        if part.docpr:  # drawing ids must be unique; a loop over a picture repeats them (as docxtpl)
            counter = docpr_ids or iter(range(1001, 1 << 31))
            xml = DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(counter)}{m.group(3)}", xml)
        return xml if body_only else part.prefix + xml + part.suffix

    def _members_with(self, rendered: dict[str, Member]) -> list[Member]:
        return [rendered.get(name) or self._compiled[name] for name in self._members]

    def _runtime_error(self, exc: BaseException, part: _Part) -> TemplateError:
        near = near_text(part.source, _template_line(exc, f"{self.name}:{part.name}"))
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


