"""`formkit annotate`: a marked-up copy of every file a city sent, problems shown in their cells."""

from __future__ import annotations

import sys

import click

from formkit.commands.group import config_option, fail, main, progress


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="输出文件夹（按输入文件夹的结构存放，不能是报送材料所在的文件夹）")
@config_option
def annotate(paths, out_dir, campaign):
    """为每个报送文件生成问题标注副本：有问题的单元格标红（错误）或标黄（警告）并加批注。

    副本即原表格或文档（另存，不改原文件），命名为“原文件名（问题标注）.xlsx/.docx”；
    Excel 副本的第一个工作表、Word 副本末尾的表格为“问题清单”。.xls/.et/.pdf 生成 .xlsx，
    .doc/.wps 生成 .docx。无法读取的文件（加密、损坏）不生成副本，在此列出原因。
    """
    from formkit import api, console

    try:
        results = api.annotate(paths, out_dir, campaign=campaign, progress=lambda xs: progress(xs, "标注文件"))
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    made = [r for r in results if r.output is not None]
    for r in made:
        counts = r.counts
        state = f"错误{counts['error']}处、警告{counts['warning']}处" if r.findings else "未发现问题"
        click.echo(f"已生成：{r.output}（{state}）")
    for r in results:
        if r.output is None:
            click.echo(f"未生成：{console.safe(r.name)}：{console.safe(r.reason)}", err=True)
    errors = sum(r.counts["error"] for r in results)
    click.echo(f"共{len(results)}个文件，生成标注副本{len(made)}个，保存在 {out_dir}"
               + (f"；{len(results) - len(made)}个文件无法读取，未生成副本" if len(made) < len(results) else ""))
    sys.exit(1 if errors else 0)
