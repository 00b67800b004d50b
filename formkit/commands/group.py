"""The ``formkit`` click group and what every command shares: Chinese usage errors and help
words, ``--config``, failing with a Chinese message, a progress bar, ``--as-of`` dates.

The commands themselves are in :mod:`formkit.cli` (the first ones) and in the other modules of
this package; they import from here, and :mod:`formkit.cli` imports them, one way.
"""

from __future__ import annotations

import functools
import sys

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
    """A group whose usage errors are said in Chinese and exit with status 2.

    A :class:`FormkitError` a command lets through is printed as ``错误：…`` with status 2: commands
    do not catch library errors themselves.
    """

    def main(self, args=None, prog_name=None, **kwargs):
        try:
            return super().main(args=args, prog_name=prog_name or "formkit", standalone_mode=False, **kwargs)
        except FormkitError as exc:  # the one translation of a library error: its message, status 2
            fail(str(exc))
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

        campaign = load_campaign(config_path)
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


def parse_day(ctx, param, value):
    """Return the date of an --as-of option, or None."""
    if value is None:
        return None
    from formkit.normalize import parse_date

    day, problem = parse_date(value)
    if day is None:
        raise click.BadParameter(f"“{value}”不是日期，请写成 2023-12-31 的形式")
    return day
