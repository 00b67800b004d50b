"""Rendering any Word template once per row of any table (``formkit render``).

:func:`render_table` renders the template once per row of DATA on the letters'
engine (:mod:`formkit.outputs.docx`: compiled once, escaped, sandboxed, strict about
undefined variables). Each row's context is its columns (:mod:`formkit.readers.table_data`) plus
``序号`` — the row's number among the rows ``--where`` keeps (1, 2, …; a row that fails keeps
its number, so names stay stable when the run is repeated after the data is corrected) — and
``行号`` — the row's place in DATA — unless DATA has columns of those names.

File names. Default ``NNN-<label>.docx``: NNN is the row's number among the rows kept (as
``序号`` above, even when DATA has its own 序号 column), zero-padded to at least three digits
(``001``), ``<label>`` the row's value in the first column that is not a numbering column
(序号/编号/行号/No/#), left out when empty: ``001-南京青禾科技有限公司.docx``.
``--name PATTERN`` is a Jinja pattern over the same context, rendered in the sandbox:
``--name "{{ 设区市 }}-{{ 企业名称 }}"``; ``.docx`` is added. Every name is cleaned to a safe
file name (:func:`formkit.fsutil.safe_filename`) and made unique ignoring case (``-2``, ``-3``);
a name that comes out empty falls back to NNN. Names never replace the template or the DATA.

``--combined`` writes ONE document instead, ``<template name>-合并.docx`` (or ``--name`` given as a
plain file name): a section per row, each on a new page with page numbers from 1 and its own
rendering of tagged headers/footers (the engine's ``render_combined``). ``--pdf`` converts every
document written in one LibreOffice call and puts each ``.pdf`` beside its ``.docx``.

A row that cannot be rendered (a variable without data, an expression error, a ``--where``
that cannot be evaluated on it) is reported with its row number and the reason; the other rows
are still written. Exit status: 0 all written, 1 some row failed, 2 the command could not run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from formkit.errors import FormkitError

NUMBER_COLUMNS = {"序号", "编号", "行号", "no", "no.", "#", "序", "nr"}
ORDINAL, ROW_NUMBER = "序号", "行号"
SHOWN_ROWS = 20  # row numbers listed per reason before "等N行"


# ------------------------------------------------------------------------------ naming


def _name_text(value: Any) -> Any:
    """The ``finalize`` of name patterns: date values as 2023年5月6日 (text as it is), whole floats
    without .0, None empty."""
    import datetime as dt

    from formkit.normalize import chinese_date

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return chinese_date(value)
    return value


class Namer:
    """Gives each document a safe, unique file name (see the module docstring)."""

    def __init__(self, pattern: str | None, columns: list[str], total: int, reserved: Iterable[str] = ()):
        self.width = max(3, len(str(total)))
        self.taken = {n.lower() for n in reserved}
        self.label = next((c for c in columns if c.strip().lower() not in NUMBER_COLUMNS), None)
        self.template = None
        self.names: set[str] = set()
        if pattern:
            from jinja2 import StrictUndefined, TemplateSyntaxError, meta
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, finalize=_name_text, autoescape=False)
            try:
                self.names = meta.find_undeclared_variables(env.parse(pattern))
                self.template = env.from_string(pattern)
            except TemplateSyntaxError as exc:
                raise FormkitError(f"--name 文件名模式“{pattern}”写法有误：{exc.message}") from None

    def stem(self, ordinal: int, context: dict[str, Any]) -> str:
        """Return the cleaned file name stem (no extension, not yet unique) of one document."""
        from formkit.fsutil import safe_filename

        number = f"{ordinal:0{self.width}d}"
        if self.template is not None:
            text = self.template.render(context)
            if text.lower().endswith(".docx"):
                text = text[:-5]
        else:
            value = _name_text(context.get(self.label)) if self.label else ""
            value = " ".join(str(value).split())
            text = f"{number}-{value}" if value else number
        text = " ".join(text.split())
        stem = safe_filename(text, max_len=100) if text.strip(" ._") else ""
        return stem if stem.strip("_ ") else number

    def unique(self, stem: str, suffix: str = ".docx") -> str:
        """Return ``stem + suffix``, numbered ``-2``, ``-3``… when the name is taken (case ignored)."""
        candidate, k = stem, 1
        while (candidate + suffix).lower() in self.taken:
            k += 1
            candidate = f"{stem}-{k}"
        self.taken.add((candidate + suffix).lower())
        return candidate + suffix


# ------------------------------------------------------------------------------ rendering


@dataclass
class RenderResult:
    """What a render run did: files written, rows that failed (row label → reason), rows skipped."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (第5行, reason)
    skipped: int = 0
    pdfs: list[Path] = field(default_factory=list)
    pdf_failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    rows: int = 0  # rows in DATA
    combined: Path | None = None


def contexts_of(table, where=None) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, str]], int]:
    """Return the rows ``where`` keeps as (row label, context), the rows it could not judge, the count skipped."""
    from formkit.where import WhereError

    kept: list[tuple[str, dict[str, Any]]] = []
    failed: list[tuple[str, str]] = []
    skipped = 0
    columns = set(table.columns)
    for i in range(len(table.rows)):
        context = table.context(i)
        label = table.row_label(i)
        if ROW_NUMBER not in columns:
            context[ROW_NUMBER] = table.row_numbers[i]
        if where is not None:
            try:
                keep = where(context, table.row_numbers[i])
            except WhereError as exc:
                failed.append((label, f"--where 条件无法计算：{exc}"))
                continue
            if not keep:
                skipped += 1
                continue
        kept.append((label, context))
    if ORDINAL not in columns:
        for k, (_label, context) in enumerate(kept, start=1):
            context[ORDINAL] = k
    return kept, failed, skipped


def render_table(template, table, out_dir: Path, *, name: str | None = None, where: str | None = None,
                 combined: bool = False, pdf: bool = False,
                 wrap: Callable[[list], Iterable] = lambda items: items,
                 protect: Iterable[Path] = ()) -> RenderResult:
    """Render ``template`` (an engine DocxTemplate) once per row of ``table`` into ``out_dir``.

    Raises :class:`FormkitError` when the run cannot start or cannot write (exit status 2);
    rows that fail are in :attr:`RenderResult.failed`. ``wrap`` wraps the list of rows (a
    progress bar); ``protect`` lists files that no output may replace (the inputs).
    """
    from formkit.errors import OutputError
    from formkit.outputs.docx import TemplateError
    from formkit.where import compile_where

    names = table.names() | {ORDINAL, ROW_NUMBER}
    condition = compile_where(where, table.names() | {ROW_NUMBER}) if where else None
    if combined and name and ("{{" in name or "{%" in name):
        raise FormkitError("--combined 只生成一个文件：--name 应为文件名（不能引用各行的数据）")
    out_dir = Path(out_dir)
    reserved = [p.name for p in protect if _same_dir(p.parent, out_dir)]
    kept, failed, skipped = contexts_of(table, condition)
    namer = Namer(None if combined else name, table.columns, len(kept), reserved)
    unknown = sorted(namer.names - names)
    if unknown:
        raise FormkitError(f"--name 文件名模式中的“{'”“'.join(unknown)}”不是数据中的列；数据中的列："
                           f"{'、'.join(table.columns)}")
    result = RenderResult(failed=failed, skipped=skipped, rows=len(table.rows))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹 {out_dir}：{exc.strerror or exc}") from None
    if not out_dir.is_dir():
        raise OutputError(f"输出位置 {out_dir} 不是文件夹")
    if combined:
        _render_combined(template, kept, out_dir, name, namer, result)
    else:
        items = [(k, label) for k, (label, _c) in enumerate(kept)]
        for k, label in wrap(items):
            context = kept[k][1]
            try:
                filename = namer.unique(namer.stem(k + 1, context))
            except Exception as exc:  # noqa: BLE001 - a pattern error on this row's data
                result.failed.append((label, f"--name 文件名模式出错：{_jinja_reason(exc)}"))
                continue
            path = out_dir / filename
            try:
                template.render_to(path, context)
            except TemplateError as exc:
                result.failed.append((label, str(exc)))
                continue
            except OSError as exc:
                raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from None
            result.written.append(path)
    if pdf and result.written:
        _convert_to_pdf(result, out_dir, namer)
    _sort_failures(result, table)
    return result


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _jinja_reason(exc: Exception) -> str:
    from jinja2 import UndefinedError

    if isinstance(exc, UndefinedError):
        return f"变量没有数据（{exc.message}）"
    return f"{type(exc).__name__}: {exc}"


def _render_combined(template, kept, out_dir: Path, name: str | None, namer: Namer, result: RenderResult) -> None:
    """Write one document with a section per row; rows that fail are left out and reported."""
    from formkit.errors import OutputError
    from formkit.fsutil import safe_filename, write_bytes
    from formkit.outputs.docx import TemplateError

    if not kept:
        return
    stem = name[:-5] if name and name.lower().endswith(".docx") else name
    stem = safe_filename(stem or f"{Path(template.name).stem}-合并", max_len=100) or "合并"
    path = out_dir / namer.unique(stem)
    contexts = [c for _label, c in kept]
    try:
        data = template.render_combined_bytes(contexts)
    except TemplateError:
        # Find the rows that fail, one by one, and combine the others.
        good = []
        for label, context in kept:
            try:
                template.render(context)
            except TemplateError as exc:
                result.failed.append((label, str(exc)))
            else:
                good.append(context)
        if not good:
            return
        try:
            data = template.render_combined_bytes(good)
        except TemplateError as exc:
            result.failed.append(("合并文档", str(exc)))
            return
    try:
        write_bytes(path, data)
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from None
    result.written.append(path)
    result.combined = path


def _convert_to_pdf(result: RenderResult, out_dir: Path, namer: Namer) -> None:
    """Convert every written document to PDF in one LibreOffice call, beside the .docx files."""
    import shutil
    import tempfile

    from formkit.fsutil import write_bytes
    from formkit.readers import office

    work = Path(tempfile.mkdtemp(prefix="formkit-pdf-"))
    try:
        converted = office.convert_batch(result.written, "pdf", outdir=work)
        for docx in result.written:
            outcome = converted.get(docx, "未转换")
            if isinstance(outcome, str):
                result.pdf_failed.append((docx.name, f"PDF 转换失败：{outcome}"))
                continue
            target = docx.with_suffix(".pdf")
            write_bytes(target, Path(outcome).read_bytes())
            result.pdfs.append(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sort_failures(result: RenderResult, table) -> None:
    order = {table.row_label(i): i for i in range(len(table.rows))}
    result.failed.sort(key=lambda f: order.get(f[0], len(order)))


def failure_lines(failed: list[tuple[str, str]]) -> list[str]:
    """Return the failures grouped by reason: ``第3、5、9行：reason`` (long lists shortened)."""
    groups: dict[str, list[str]] = {}
    for label, reason in failed:
        groups.setdefault(reason, []).append(label)
    lines = []
    for reason, labels in groups.items():
        if len(labels) == 1:
            lines.append(f"{labels[0]}：{reason}")
            continue
        unit = labels[0][-1] if labels[0][-1] in "行条" else ""
        numbers = [lb[1:-1] if unit and lb.startswith("第") and lb.endswith(unit) else lb for lb in labels]
        shown = "、".join(numbers[:SHOWN_ROWS])
        more = f"等{len(labels)}{unit or '项'}" if len(labels) > SHOWN_ROWS else ""
        lines.append(f"第{shown}{unit}{more}：{reason}" if unit else f"{shown}{more}：{reason}")
    return lines
