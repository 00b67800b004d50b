"""``formkit render`` (any template, any table) and ``formkit lint`` (what breaks a template).

``render TEMPLATE.docx DATA -o DIR`` renders the template once per row of DATA on the letters'
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

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from formkit.commands.group import fail, main, progress
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


# ------------------------------------------------------------------------------ commands


def _load_table(data: str, sheet: str | None, header_row: int | None):
    from formkit.readers.table_data import load_table

    try:
        return load_table(Path(data), sheet=sheet, header_row=header_row)
    except FormkitError as exc:
        fail(str(exc))


def _template_name(path: str) -> Path:
    template = Path(path)
    if not template.is_file():
        fail(f"找不到模板：{template}")
    if template.suffix.lower() != ".docx":
        fail(f"模板 {template.name} 应为 Word 文档（.docx）；.doc/.wps 请先在 Word 或 WPS 中另存为 .docx")
    return template


@main.command()
@click.argument("template_path", metavar="TEMPLATE.docx", type=click.Path(dir_okay=False))
@click.argument("data_path", metavar="DATA", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="输出文件夹")
@click.option("--sheet", metavar="工作表", help="Excel 数据的工作表名称（或从1开始的序号），默认第一个可见工作表")
@click.option("--header-row", type=click.IntRange(min=1), metavar="行号",
              help="表头所在的行号（从1开始），默认自动识别（跳过表格上方的标题行）")
@click.option("--name", "name_pattern", metavar="模式",
              help="文件名模式（Jinja），如 \"{{ 设区市 }}-{{ 企业名称 }}\"；默认 001-<第一列>.docx")
@click.option("--where", "where", metavar="条件",
              help="只生成满足条件的行，如 '设区市 == \"南京市\" and 得分 >= 60'")
@click.option("--combined", is_flag=True, help="生成一个合并文档：每行一节，另起一页，页码从1开始")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转换为 PDF（一次转换全部文档）")
def render(template_path, data_path, out_dir, sheet, header_row, name_pattern, where, combined, pdf):
    """按数据表的每一行套用 Word 模板生成文档（数据可为 .xlsx/.xls/.csv/.json）。

    模板中用表头作变量名，如 {{ 企业名称 }}；支持 docxtpl 的 {% if %}、{% for %}、{%p %}、
    {%tr %}、{%tc %}、{%r %} 写法。每行一个文档，也可用 --combined 合并为一个文档。
    每行还可使用 {{ 序号 }}（符合 --where 条件的第几行，从1开始）和 {{ 行号 }}（在数据中的行号）。

    --where 条件写法：列名与文字、数字比较（== != < <= > >=），in / not in，and / or / not，
    + - * /，文字方法 startswith、endswith 等，函数 len、int、date 等；文字要加引号，
    如 设区市 in ["南京市", "苏州市"] and 备案日期 < "2018-01-01"。
    """
    from formkit.outputs.docx import DocxTemplate, TemplateError
    from formkit.readers import office

    template_file = _template_name(template_path)
    table = _load_table(data_path, sheet, header_row)
    if pdf and office.find_soffice() is None:
        from formkit.readers import INSTALL_HINT

        fail(f"--pdf 需要 LibreOffice，但本机未安装。{INSTALL_HINT}")
    try:
        template = DocxTemplate.load(template_file)
    except TemplateError as exc:
        fail(f"{exc}\n（可运行 formkit lint {template_file} 检查模板）")
    missing = sorted(template.variables() - template.tested_only() - table.names() - {ORDINAL, ROW_NUMBER})
    if missing:  # variables only tested ({% if 备注 %}) are simply false, as in docxtpl
        click.echo(f"注意：模板使用的变量“{'”“'.join(missing)}”在数据 {table.name} 中没有对应的列，"
                   "用到它们的行将无法生成", err=True)
    try:
        result = render_table(template, table, Path(out_dir), name=name_pattern, where=where, combined=combined,
                              pdf=pdf, wrap=lambda items: progress(items, "生成文档"),
                              protect=[template_file, Path(data_path)])
    except FormkitError as exc:
        fail(str(exc))
    for line in failure_lines(result.failed + result.pdf_failed):
        click.echo(f"未生成：{line}", err=True)
    click.echo(_summary(result, table, Path(out_dir), combined))
    sys.exit(1 if result.failed or result.pdf_failed else 0)


def _summary(result: RenderResult, table, out_dir: Path, combined: bool) -> str:
    failed_rows = len(result.failed)
    if combined and result.combined is not None:
        rows = result.rows - result.skipped - failed_rows
        parts = [f"已生成合并文档 {result.combined}，共{rows}节"]
    elif result.written:
        parts = [f"已生成{len(result.written)}份文档，保存在 {out_dir}"]
    else:
        parts = ["没有生成文档"]
    if result.pdfs:
        parts.append(f"PDF {len(result.pdfs)}份")
    if failed_rows:
        parts.append(f"{failed_rows}{'条' if table.kind == 'json' else '行'}未能生成（见上）")
    if result.skipped:
        parts.append(f"按 --where 条件跳过{result.skipped}{'条' if table.kind == 'json' else '行'}")
    if result.pdf_failed:
        parts.append(f"{len(result.pdf_failed)}份 PDF 转换失败")
    return "；".join(parts) + f"（数据共{result.rows}{'条' if table.kind == 'json' else '行'}）。"


@main.command()
@click.argument("template_path", metavar="TEMPLATE.docx", type=click.Path(dir_okay=False))
@click.argument("data_path", metavar="[DATA]", required=False, type=click.Path(dir_okay=False))
@click.option("--sheet", metavar="工作表", help="Excel 数据的工作表名称（或从1开始的序号）")
@click.option("--header-row", type=click.IntRange(min=1), metavar="行号", help="数据表头所在的行号（从1开始）")
@click.option("--fix", is_flag=True, help="写出修复后的副本：拉直标签中的引号、改正全角标点、合并被拆开的标签")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), metavar="NEW.docx",
              help="--fix 写出的新模板（不会修改原模板）")
def lint(template_path, data_path, sheet, header_row, fix, out):
    """检查 Word 模板：列出标签和变量，找出会使模板出错的问题。

    检查被 Word 拆开的标签、标签中的弯引号和全角标点、不配对的块（if/for 与 endif/endfor）、
    {%tr %}/{%tc %}/{%p %} 的用法错误；给出 DATA 时还检查数据缺少的变量和模板没有用到的列（仅提示）。
    有问题时退出状态为1；--fix -o 新模板.docx 写出修复了引号、全角标点和被拆开标签的副本。
    """
    from formkit.outputs import lint as linting

    template_file = _template_name(template_path)
    if fix and not out:
        fail("--fix 需要用 -o 指定新模板的文件名，如 --fix -o 修复后的模板.docx")
    if out and not fix:
        fail("-o 只与 --fix 一起使用")
    if out and _same_file(Path(out), template_file):
        fail("-o 不能是原模板本身：请写到新的文件")
    table = _load_table(data_path, sheet, header_row) if data_path else None
    columns = table.columns if table else None
    aliases = table.aliases if table else None
    try:
        report = linting.lint(template_file, columns, aliases)
    except FormkitError as exc:
        fail(str(exc))
    click.echo("\n".join(report_lines(report, table)))
    if not fix:
        sys.exit(0 if report.ok else 1)
    try:
        changes = linting.fix(template_file, Path(out))
        fixed = linting.lint(Path(out), columns, aliases)
    except FormkitError as exc:
        fail(str(exc))
    done = [f"合并被拆开的标签{changes.joined}个" if changes.joined else "",
            f"拉直引号{changes.quotes}处" if changes.quotes else "",
            f"改正全角字符{changes.fullwidth}处" if changes.fullwidth else ""]
    done_text = "，".join(d for d in done if d) or "没有需要自动修复的内容"
    click.echo(f"\n已写出修复后的模板：{out}（{done_text}）")
    if fixed.errors:
        click.echo(f"修复后仍有{len(fixed.errors)}处问题需要手工修改：")
        click.echo("\n".join(f"  {p}" for p in fixed.errors))
    else:
        click.echo("修复后的模板未发现问题。")
    sys.exit(0 if fixed.ok else 1)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def report_lines(report, table=None) -> list[str]:
    """Return the lint report as the lines ``formkit lint`` prints."""
    lines = [f"模板：{report.template}"]
    if report.tags:
        lines.append(f"标签（{len(report.tags)}个）：")
        width = max(len(t.where) for t in report.tags)
        for tag in report.tags:
            lines.append(f"  {tag.where:<{width}}  {tag.text}")
    else:
        lines.append("标签：无（模板中没有 {{ }} 或 {% %} 标签）")
    if report.variables:
        lines.append(f"变量（{len(report.variables)}个）：{'、'.join(report.variables)}")
    if table is not None:
        where = f"工作表“{table.sheet}”，" if table.sheet else ""
        lines.append(f"数据：{table.name}（{where}{len(table.rows)}{'条' if table.kind == 'json' else '行'}）"
                     f"，列：{'、'.join(table.columns)}")
    errors, notes = report.errors, report.notes
    if errors:
        lines.append(f"问题（{len(errors)}处）：")
        for problem in errors:
            lines.append(f"  {problem}" + ("（可用 --fix 自动修复）" if problem.fixable else ""))
    for note in notes:
        lines.append(f"提示：{note}")
    lines.append("未发现问题。" if not errors else f"共{len(errors)}处问题。")
    return lines
