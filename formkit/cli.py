"""The ``formkit`` command: a thin layer over :mod:`formkit.api`.

Exit status (SPEC §5): 0 no errors (warnings allowed), 1 errors in the data, 2 the
command could not run. Heavy libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from formkit import __version__
from formkit.errors import FormkitError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# click's own words in help screens, said in Chinese. click looks its gettext ``_`` up as a
# module global at call time, so a mapping function in those modules translates them.
_HELP_WORDS = {
    "Usage:": "用法：", "Options": "选项", "Commands": "命令", "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。", "Show the version and exit.": "显示版本号并退出。",
    "Aborted!": "已中止。", "required": "必填", "default: {default}": "默认：{default}",
}


def _zh(message: str) -> str:
    return _HELP_WORDS.get(message, message)


for _module in (click.core, click.formatting, click.decorators):
    _module._ = _zh


_CLICK_MESSAGES = [
    (r"No such option:? '?([^'\s]+)'?\.?", r"没有选项 \1"),
    (r"Missing argument '([^']+)'\.?", r"缺少参数 \1"),
    (r"Missing option '([^']+)'.*", r"缺少必需的选项 \1"),
    (r"No such command '([^']+)'\.?", r"没有命令 \1"),
    (r"Option '([^']+)' requires an argument\.?", r"选项 \1 需要一个值"),
    (r"Invalid value for '([^']+)'.*?: (?:Directory|File|Path) '(.+)' is a file\.?", r"选项 \1 的值 \2 是文件，应为文件夹"),
    (r"Invalid value for '([^']+)'.*?: (?:Directory|File|Path) '(.+)' is a directory\.?", r"选项 \1 的值 \2 是文件夹，应为文件"),
    (r"Invalid value for '([^']+)'.*?: '([^']+)' is not one of (.+)\.", r"选项 \1 的值 \2 无效，可选：\3"),
    (r"Invalid value for '([^']+)'.*?: (.+)", r"选项 \1 的值无效：\2"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1"),
]


def chinese_usage(message: str) -> str:
    """Return a Chinese rendering of click's usage error messages."""
    import re

    for pattern, repl in _CLICK_MESSAGES:
        if re.search(pattern, message):
            return re.sub(pattern, repl, message)
    return message


class ChineseGroup(click.Group):
    """A group whose usage errors are said in Chinese and exit with status 2."""

    def main(self, args=None, prog_name=None, **kwargs):
        try:
            return super().main(args=args, prog_name=prog_name or "formkit", standalone_mode=False, **kwargs)
        except click.exceptions.Abort:
            click.echo("已中止。", err=True)
            sys.exit(130)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
            sys.exit(2)
        except click.UsageError as exc:
            hint = f"\n（运行 {exc.ctx.command_path} --help 查看用法）" if exc.ctx else ""
            click.echo(f"错误：{chinese_usage(exc.format_message())}{hint}", err=True)
            sys.exit(2)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)


def config_option(fn):
    """Add ``--config FILE`` to a command and pass the loaded campaign as ``campaign``."""

    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="活动配置文件（TOML），默认为内置的江苏省2023年度配置")
    @functools.wraps(fn)
    def wrapper(*args, config_path=None, **kwargs):
        from formkit.campaign import load_campaign

        try:
            campaign = load_campaign(config_path)
        except FormkitError as exc:
            fail(str(exc))
        return fn(*args, campaign=campaign, **kwargs)

    return wrapper


def fail(message: str, status: int = 2):
    """Print a Chinese message to stderr and exit with ``status``."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(status)


def progress(items, label: str):
    """Return ``items`` wrapped in a progress bar on a terminal, unchanged otherwise."""
    items = list(items)
    if not sys.stderr.isatty() or len(items) < 2:
        return items

    def gen():
        with click.progressbar(items, label=label, file=sys.stderr,
                               item_show_func=lambda x: x[1][-30:] if x else "") as bar:
            yield from bar

    return gen()


@click.group(cls=ChineseGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="formkit %(version)s")
def main():
    """formkit：企业知识产权管理标准化（贯标）工作表格工具。

    读取各设区市报送的附件表格（Word、Excel、WPS、PDF），按通知要求逐项检查，
    汇总为全省表格，并生成符合公文格式的报告和函件。
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="以JSON列表输出问题（字段见说明文档）")
@config_option
def check(paths, as_json, campaign):
    """读取并检查报送的表格：PATHS 为文件或文件夹（含子文件夹）。"""
    from formkit import api, console
    from formkit.findings import to_json

    try:
        result = api.check(paths, campaign, progress=lambda xs: progress(xs, "读取文件"))
    except FormkitError as exc:
        fail(str(exc))
    if as_json:
        click.echo(to_json(result.findings))
    else:
        click.echo("\n".join(console.findings_by_file(result)))
    sys.exit(0 if result.ok else 1)


def parse_day(ctx, param, value):
    """Return the date of an --as-of option, or None."""
    if value is None:
        return None
    from formkit.normalize import parse_date

    day, problem = parse_date(value)
    if day is None:
        raise click.BadParameter(f"“{value}”不是日期，请写成 2023-12-31 的形式")
    return day


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

    try:
        if db:
            from formkit.registry import merge_to

            result, written = merge_to(paths, out_dir, campaign, as_of=as_of, db=db,
                                       progress=lambda xs: progress(xs, "读取文件"))
        else:
            result, written = api.merge_to(paths, out_dir, campaign, as_of=as_of,
                                           progress=lambda xs: progress(xs, "读取文件"))
    except FormkitError as exc:
        fail(str(exc))
    if as_json:
        click.echo(to_json(result.findings))
    else:
        click.echo("\n".join(console.merge_report(result, written)))
    sys.exit(0 if result.ok else 1)


@main.command()
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="输出文件夹")
@click.option("--form", "forms", multiple=True,
              type=click.Choice(["plan", "evaluation", "spotcheck", "anomaly"]),
              help="只生成指定附件（可重复）：plan 附件1、evaluation 附件2、spotcheck 附件3、anomaly 附件4")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "docx"]),
              help="只生成一种格式（默认xlsx和docx都生成）")
@config_option
def blank(out_dir, forms, fmt, campaign):
    """生成下发给各设区市的空白附件表格（带下拉选项和填表说明）。"""
    from formkit.blank import write_blanks

    formats = (fmt,) if fmt else ("xlsx", "docx")
    try:
        written = write_blanks(campaign, Path(out_dir), forms=list(forms) or None, formats=formats)
    except FormkitError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    for path in written:
        click.echo(f"已生成：{path}")
    click.echo(f"共生成{len(written)}个空白表格，保存在 {out_dir}")


@main.group()
def config():
    """活动配置：导出默认配置供修改。"""


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
    try:
        result, written = api.merge_to([samples], out / "汇总", campaign, as_of=as_of,
                                       progress=lambda xs: progress(xs, "读取文件"))
    except FormkitError as exc:
        fail(str(exc))
    click.echo("\n".join(console.merge_report(result, written)))

    # The documents that follow: the report, then every kind of letter (one file per recipient
    # and one combined document each), document numbers running on from one kind to the next.
    documents = out / "公文"
    click.echo(f"\n公文（保存在 {documents}）：")
    failed = False
    try:
        merged = load_merged(out / "汇总", campaign)
    except FormkitError as exc:
        fail(str(exc))
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
    from formkit import registry

    click.echo(f"\n备案名单（保存在 {out / '备案名单'}）：")
    try:
        for line in registry.demo(out / "备案名单", out / "汇总", campaign):
            click.echo(f"  {line}")
    except (FormkitError, OSError) as exc:
        failed = True
        click.echo(f"  备案名单演示未能完成：{exc}", err=True)
    click.echo("\n汇总表、问题清单和公文均可在 Excel、Word 或 WPS 中打开；正式行文前请核对公文内容。")
    if failed:
        sys.exit(2)


from formkit.commands import register_all  # noqa: E402  (commands register on ``main``)

register_all()

if __name__ == "__main__":  # pragma: no cover
    main()
