"""``formkit render`` and ``formkit lint``: parse, call :mod:`formkit.outputs.render` or
:mod:`formkit.outputs.lint`, print, exit (what the commands do: see those modules).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formkit.commands.group import fail, main, progress
from formkit.outputs.render import ORDINAL, ROW_NUMBER, RenderResult, failure_lines, render_table

# ------------------------------------------------------------------------------ commands


def _load_table(data: str, sheet: str | None, header_row: int | None):
    from formkit.readers.table_data import load_table

    return load_table(Path(data), sheet=sheet, header_row=header_row)


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
    result = render_table(template, table, Path(out_dir), name=name_pattern, where=where, combined=combined,
                          pdf=pdf, wrap=lambda items: progress(items, "生成文档"),
                          protect=[template_file, Path(data_path)])
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
    report = linting.lint(template_file, columns, aliases)
    click.echo("\n".join(report_lines(report, table)))
    if not fix:
        sys.exit(0 if report.ok else 1)
    changes = linting.fix(template_file, Path(out))
    fixed = linting.lint(Path(out), columns, aliases)
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
