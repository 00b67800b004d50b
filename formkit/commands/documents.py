"""`formkit report` and `formkit letters`: the official Word documents made from a merge output."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formkit.commands.group import config_option, fail, main, parse_day, progress
from formkit.outputs.letters import KINDS

#: KIND → the kind in Chinese (kept here as well so that `formkit --help` imports nothing more).
#: Who gets each kind, for the message when nobody does.
WHO = {
    "reminder": "备案超5年未认证或评价、愿意开展认证或评价（给予宽限期）的企业",
    "interview": "抽查未达标且处理措施为“约谈”的企业所涉认证机构",
    "written-reminder": "抽查未达标且处理措施为“书面提醒”的企业所涉认证机构",
    "rectification": "抽查未达标的企业",
    "urge": "有未报送、逾期报送或抽查数量不足的设区市",
    "feedback": "报送材料中检查出问题的设区市",
}


def _convert(paths: list[Path]) -> list[Path]:
    from formkit.outputs.pdf import to_pdf

    return to_pdf(paths)


@main.command()
@click.argument("merged_dir", type=click.Path())
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="报告文件，如 全省贯标工作情况报告.docx")
@click.option("--template", type=click.Path(dir_okay=False),
              help="自己的报告模板（.docx，变量见 docs/templates.md），默认用内置模板")
@click.option("--pdf", "as_pdf", is_flag=True, help="同时转换为 PDF（需要 LibreOffice）")
@config_option
def report(merged_dir, out, template, as_pdf, campaign):
    """生成全省贯标工作情况报告（公文格式）：MERGED_DIR 为 formkit merge 的输出文件夹。

    报告包括总体情况、各设区市完成情况（表格和图表）、存在的问题和下一步工作。
    """
    from formkit.outputs.letters import load_merged
    from formkit.outputs.report import write_report

    try:
        merged = load_merged(merged_dir, campaign)
        path = write_report(merged, out, campaign, template=template)
    except OSError as exc:
        fail(f"无法写入 {out}：{exc.strerror or exc}")
    click.echo(f"已生成：{path}")
    if as_pdf:
        for pdf in _convert([path]):
            click.echo(f"已生成：{pdf}")
    click.echo(f"报告已生成（数据来自 {merged_dir}），可在 Word 或 WPS 中打开修改。")
    sys.exit(0)


@main.command()
@click.argument("kind", type=click.Choice(list(KINDS)), metavar="KIND")
@click.argument("merged_dir", type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="输出文件夹（每个收件单位一个 .docx）")
@click.option("--template", type=click.Path(dir_okay=False),
              help="自己的函件模板（.docx，变量见 docs/templates.md），默认用内置模板")
@click.option("--combined", is_flag=True, help="另生成一个包含全部函件的文档（每份另起一页，页码从1开始）")
@click.option("--pdf", "as_pdf", is_flag=True, help="同时把全部输出转换为 PDF（一次调用 LibreOffice）")
@click.option("--start", type=click.IntRange(min=0), metavar="N",
              help="发文字号的起始编号（默认取配置 letters.doc_number_start）")
@click.option("--registry", "registry_db", metavar="路径或URL",
              help="仅用于 reminder：收件企业取自备案名单数据库（formkit registry due），而非汇总的附件4")
@click.option("--as-of", "as_of", callback=parse_day, metavar="YYYY-MM-DD",
              help="与 --registry 同用：按哪一天计算到期（默认为本年度复核截止日）")
@config_option
def letters(kind, merged_dir, out_dir, template, combined, as_pdf, start, registry_db, as_of, campaign):
    """按汇总结果生成函件：KIND 为函件种类，MERGED_DIR 为 formkit merge 的输出文件夹。

    \b
    KIND：reminder          提醒函（备案超5年、愿意开展认证或评价的企业，写明宽限期）
          interview         约谈通知书（按认证机构，列出其认证的抽查未达标企业）
          written-reminder  书面提醒函（同上，处理措施为书面提醒）
          rectification     限期整改通知书（抽查未达标的企业，写明整改期限）
          urge              催报函（未报送、逾期报送或抽查数量不足的设区市）
          feedback          数据问题反馈函（有问题的设区市，附件逐条列出问题及修改要求）
    文件名为“序号-收件单位-函件种类.docx”。
    """
    from formkit.outputs.letters import load_merged, write_letters

    name = KINDS[kind]
    due = None
    if registry_db and kind != "reminder":
        fail("--registry 只能用于 reminder（提醒函）")
    try:
        merged = load_merged(merged_dir, campaign)
        if registry_db:
            from formkit.registry import due_enterprises

            due = due_enterprises(registry_db, as_of or campaign.deadline("anomaly"), campaign)
        result = write_letters(kind, merged, out_dir, campaign, template=template, combined=combined, start=start,
                               progress=lambda xs: progress(xs, f"生成{name}"), due=due)
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    if not result.letters:
        click.echo(f"没有需要发{name}的对象（{WHO[kind]}），未生成文件。")
        sys.exit(0)
    for path in result.outputs:
        click.echo(f"已生成：{path}")
    pdfs: list[Path] = []
    if as_pdf:
        pdfs = _convert(result.outputs)
        for pdf in pdfs:
            click.echo(f"已生成：{pdf}")
    written = {p.name for p in result.outputs}
    stale = sorted(p.name for p in Path(out_dir).glob(f"*-{name}.docx")
                   if p.name not in written and p.name[:3].isdigit())
    if stale:
        click.echo(f"注意：{out_dir} 中还有以前生成的{len(stale)}份{name}（如 {stale[0]}），本次未改动，"
                   "发送前请删除以免混淆", err=True)
    noted = [(path, letter.note) for path, letter in zip(result.paths, result.letters) if letter.note]
    if noted:  # dates the data gives that passed before 成文日期: the letters say so instead
        click.echo(f"其中{len(noted)}份{name}所依据的期限不晚于成文日期，函中已写明并另定期限：")
        for path, note in noted:
            click.echo(f"  {path.name}：{note}")
    first, last = result.letters[0].context["发文字号"], result.letters[-1].context["发文字号"]
    extra = f"，合并文档 {result.combined.name}" if result.combined else ""
    extra += f"，PDF {len(pdfs)}个" if pdfs else ""
    click.echo(f"共生成{name}{len(result.paths)}份（发文字号 {first}—{last}{extra}），保存在 {out_dir}")
    sys.exit(0)
