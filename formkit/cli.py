"""The ``formkit`` command: a thin layer over :mod:`formkit.api`; the entry point.

The group and the helpers every command shares are :mod:`formkit.commands.group`; the first
commands are here, the others in :mod:`formkit.commands` (imported at the end, so that
``formkit.cli.main`` is the whole command line).

Exit status (SPEC §5): 0 no errors (warnings allowed), 1 errors in the data, 2 the
command could not run. Heavy libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formkit.commands.group import config_option, fail, main, parse_day, progress  # noqa: F401
from formkit.errors import FormkitError
from formkit.forms import FORM_ORDER, get_form


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="以JSON列表输出问题（字段见说明文档）")
@config_option
def check(paths, as_json, campaign):
    """读取并检查报送的表格：PATHS 为文件或文件夹（含子文件夹）。"""
    from formkit import api, console
    from formkit.findings import to_json

    result = api.check(paths, campaign, progress=lambda xs: progress(xs, "读取文件"))
    if as_json:
        click.echo(to_json(result.findings))
    else:
        click.echo("\n".join(console.findings_by_file(result)))
    sys.exit(0 if result.ok else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="输出文件夹（不能是报送材料所在的文件夹）")
@click.option("--as-of", "as_of", callback=parse_day, metavar="YYYY-MM-DD",
              help="按哪一天判断是否应报未报（默认今天），如 2023-12-31")
@click.option("--json", "as_json", is_flag=True, help="以JSON列表输出全部问题")
@click.option("--db", "db", metavar="路径或URL",
              help="备案名单数据库（formkit registry import 建立；SQLite文件或 postgresql:// URL）："
                   "给出时检查附件2、附件4的企业是否在备案名单中、备案时间是否一致")
@config_option
def merge(paths, out_dir, as_of, as_json, db, campaign):
    """汇总各设区市报送的表格：检查（含跨文件、跨市检查）并写出全省汇总表、问题清单和统计。"""
    from formkit import api, console
    from formkit.findings import to_json

    result, written = api.merge_to(paths, out_dir, campaign, as_of=as_of, db=db,
                                   progress=lambda xs: progress(xs, "读取文件"))
    if as_json:
        click.echo(to_json(result.findings))
    else:
        click.echo("\n".join(console.merge_report(result, written)))
    sys.exit(0 if result.ok else 1)


@main.command()
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="输出文件夹")
@click.option("--form", "forms", multiple=True,
              type=click.Choice(list(FORM_ORDER)),
              help="只生成指定附件（可重复）：" + "、".join(f"{key} 附件{get_form(key).attachment}" for key in FORM_ORDER))
@click.option("--format", "fmt", type=click.Choice(["xlsx", "docx"]),
              help="只生成一种格式（默认xlsx和docx都生成）")
@config_option
def blank(out_dir, forms, fmt, campaign):
    """生成下发给各设区市的空白附件表格（带下拉选项和填表说明）。"""
    from formkit.outputs.blank import write_blanks

    formats = (fmt,) if fmt else ("xlsx", "docx")
    try:
        written = write_blanks(campaign, Path(out_dir), forms=list(forms) or None, formats=formats)
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    for path in written:
        click.echo(f"已生成：{path}")
    click.echo(f"共生成{len(written)}个空白表格，保存在 {out_dir}")


@main.group()
def config():
    """活动配置：导出默认配置供修改，或换上新的认证机构名单。"""


@config.command("init")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="写出的配置文件路径，如 jiangsu-2024.toml")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def config_init(out, force):
    """写出内置的默认活动配置，修改后用 --config 指定。"""
    from formkit.campaign import default_campaign_text
    from formkit.fsutil import write_text

    path = Path(out)
    if path.exists() and not force:
        fail(f"{path} 已存在；如需覆盖请加 --force")
    try:
        write_text(path, default_campaign_text())
    except (FormkitError, OSError) as exc:
        fail(str(exc))
    click.echo(f"已写出默认配置：{path}\n修改年份、截止日期、各市目标等后，用 --config {path} 指定。")


@config.command("bodies")
@click.argument("list_file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="写出的配置文件路径，如 jiangsu-2024.toml")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="在此配置文件的基础上替换（默认为内置配置）")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def config_bodies(list_file, out, config_path, force):
    """用下载的认证机构名单（.xlsx/.xls/.csv，每行一个机构）替换配置中的 approved_bodies。

    名单取“机构名称”列（没有则取第一列），“简称”列作为简称；写出的配置文件除认证机构名单外与原配置相同。
    """
    from formkit.campaign import campaign_with_bodies, default_campaign_text, load_campaign
    from formkit.fsutil import write_text

    path = Path(out)
    if path.exists() and not force:
        fail(f"{path} 已存在；如需覆盖请加 --force")
    try:
        if config_path:
            load_campaign(config_path)  # a broken base file is reported with its line first
            text = Path(config_path).read_bytes().decode("utf-8-sig")
        else:
            text = default_campaign_text()
        new_text, bodies = campaign_with_bodies(text, list_file)
        write_text(path, new_text)
    except (FormkitError, OSError, UnicodeDecodeError) as exc:
        fail(str(exc))
    click.echo(f"已写出配置：{path}，认证机构名单共{len(bodies)}家（取自 {Path(list_file).name}）。\n"
               f"检查和汇总时用 --config {path} 指定。")


@main.command()
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default="formkit-demo",
              show_default=True, help="演示输出文件夹")
@config_option
def demo(out_dir, campaign):
    """用内置的示例报送材料演示全过程：汇总13个设区市的附件，生成汇总报告、各类函件（含数据问题反馈函）和问题标注副本。"""
    from formkit import api, console
    from formkit.outputs.letters import KINDS, load_merged, write_letters
    from formkit.outputs.report import write_report
    from formkit.resources import samples_dir

    samples = samples_dir()
    if not samples.is_dir():
        fail(f"找不到内置示例：{samples}")
    out = Path(out_dir)
    click.echo(f"示例材料：{samples}")
    click.echo("（13个设区市的附件1–4，其中故意设置了若干问题，清单见 samples/README.md）\n")
    # The samples describe the 2023 campaign: judge them as of the start of the next year.
    as_of = campaign.deadline("evaluation_batch2").replace(year=campaign.year + 1, month=1, day=15)
    result, written = api.merge_to([samples], out / "汇总", campaign, as_of=as_of,
                                   progress=lambda xs: progress(xs, "读取文件"))
    click.echo("\n".join(console.merge_report(result, written)))

    # The documents that follow: the report, then every kind of letter (one file per recipient
    # and one combined document each), document numbers running on from one kind to the next.
    documents = out / "公文"
    click.echo(f"\n公文（保存在 {documents}）：")
    failed = False
    merged = load_merged(out / "汇总", campaign)
    try:
        path = write_report(merged, documents / f"{campaign.year}年度贯标工作情况报告.docx", campaign)
        click.echo(f"  汇总报告：{path}")
    except (FormkitError, OSError) as exc:
        failed = True
        click.echo(f"  汇总报告未能生成：{exc}", err=True)
    number = None
    for kind, name in KINDS.items():
        try:
            done = write_letters(kind, merged, documents / name, campaign, combined=True, start=number)
        except (FormkitError, OSError) as exc:
            failed = True
            click.echo(f"  {name}未能生成：{exc}", err=True)
            continue
        if not done.letters:
            click.echo(f"  {name}：无需发送")
            continue
        number = done.letters[-1].number + 1
        click.echo(f"  {name}{len(done.paths)}份：{documents / name}（合并文档：{done.combined.name}）")

    # The cities' own files, marked up: what each city gets back with its 数据问题反馈函.
    marked = out / "问题标注"
    try:
        annotated = api.annotate([samples], marked, campaign=campaign)
        done = [a for a in annotated if a.output is not None]
        flagged = sum(1 for a in done if a.findings)
        click.echo(f"\n问题标注副本{len(done)}份（其中{flagged}份标有问题）：{marked}")
    except (FormkitError, OSError) as exc:
        failed = True
        click.echo(f"\n问题标注副本未能生成：{exc}", err=True)

    # The filing register: import the sample register, show what the review would change
    # (a dry run) and who is due.
    click.echo(f"\n备案名单（保存在 {out / '备案名单'}）：")
    try:
        for line in register_demo(out / "备案名单", out / "汇总", campaign):
            click.echo(f"  {line}")
    except (FormkitError, OSError) as exc:
        failed = True
        click.echo(f"  备案名单演示未能完成：{exc}", err=True)
    click.echo("\n汇总表、问题清单和公文均可在 Excel、Word 或 WPS 中打开；正式行文前请核对公文内容。")
    # The same samples in the portal: each city's files as its uploads, with demo accounts.
    click.echo(f"\n报送平台（保存在 {out / '报送平台'}）：")
    try:
        from formkit.portal.demo import demo_lines, seed_demo

        click.echo("\n".join(f"  {line}" for line in demo_lines(seed_demo(out / "报送平台", samples, campaign, as_of))))
    except (FormkitError, OSError) as exc:
        failed = True
        click.echo(f"  报送平台演示未能完成：{exc}", err=True)
    if failed:
        sys.exit(2)


def register_demo(out_dir: Path, merged_dir: Path, campaign) -> list[str]:
    """Run the register part of `formkit demo`; return the lines to print.

    Imports the bundled sample register into ``out_dir/formkit.sqlite`` (made afresh), shows
    what `registry apply` would change from ``merged_dir`` (a dry run) and the enterprises due
    at the anomaly review deadline.
    """
    from formkit import registry
    from formkit.normalize import chinese_date
    from formkit.samplegen.register import sample_register_path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / registry.DEFAULT_DB
    if db.exists():
        db.unlink()
    imported = registry.import_files(db, [sample_register_path()], campaign, command="formkit demo")
    applied = registry.apply_merged(db, merged_dir, yes=False, command="formkit demo")
    as_of = campaign.deadline("anomaly")
    due = registry.due_enterprises(db, as_of, campaign)
    per: dict[str, set] = {}
    for ch in applied.changes:
        per.setdefault(ch.action, set()).add(ch.uscc)
    lines = [f"备案名单：导入示例名单 {imported.added} 家企业（数据库 {db}）。",
             "按汇总结果应更新（试运行，未写入）："
             + ("，".join(f"{registry.ACTION_NAMES[a]}{len(s)}家" for a, s in per.items()) or "无"),
             f"  另有{len(applied.skipped)}条记录因有错误或不在名单中未应用；"
             f"写入请运行 formkit registry apply {merged_dir} --db {db} --yes",
             f"截至{chinese_date(as_of)}到期未认证或评价的企业{len(due)}家："]
    by_city: dict[str, int] = {}
    for d in due:
        by_city[d["city"]] = by_city.get(d["city"], 0) + 1
    lines.append("  " + "，".join(f"{c}{n}家" for c, n in by_city.items()))
    return lines


from formkit.commands import register_all  # noqa: E402  (the other commands register on ``main``)

register_all()

if __name__ == "__main__":  # pragma: no cover
    main()
