"""`formkit convert`: each form read from any input format, written out in another."""

from __future__ import annotations

import sys

import click

from formkit.commands.group import config_option, fail, main, progress


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--to", "to", required=True, type=click.Choice(["xlsx", "docx", "json", "csv", "pdf"]),
              help="目标格式：xlsx/docx 为空白附件的版式，json/csv 为带出处的记录，pdf 经 LibreOffice 转换")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="输出文件夹")
@config_option
def convert(paths, to, out_dir, campaign):
    """批量转换：把读到的每张附件表格按同一表格另存为其他格式（文件夹含子文件夹）。"""
    from formkit import api, console

    try:
        result = api.convert(paths, to, out_dir, campaign, progress=lambda xs: progress(xs, "读取文件"))
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    for path in result.written:
        click.echo(f"已生成：{path}")
    for f in result.findings:
        click.echo(f"未能转换：{console.safe(f.file)}：{console.safe(f.message)}", err=True)
    click.echo(f"读取{result.files}个文件，转换{len(result.written)}张表格（{result.records}条记录）为 {to}，"
               f"保存在 {out_dir}" + (f"；{len(result.findings)}个文件无法读取或识别" if result.findings else ""))
    sys.exit(1 if result.findings else 0)
