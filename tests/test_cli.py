"""The command line: help for every command, exit statuses, messages in Chinese."""

import subprocess
import sys

from click.testing import CliRunner

from formkit.cli import main
from tests.builders import eval_row, standard_eval_sheet, write_xlsx


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, prefix + (name,))


def test_every_command_has_chinese_help():
    for path, cmd in _commands(main):
        run = CliRunner().invoke(main, [*path, "--help"])
        assert run.exit_code == 0, path
        assert cmd.help and not cmd.help.isascii(), path


def test_exit_status_clean_warning_error(tmp_path):
    clean = write_xlsx(tmp_path / "a" / "南京市.xlsx", {"S": standard_eval_sheet([eval_row(1)])})
    warn = write_xlsx(tmp_path / "b" / "南京市.xlsx", {"S": standard_eval_sheet([eval_row(1, 联系电话="12")])})
    err = write_xlsx(tmp_path / "c" / "南京市.xlsx", {"S": standard_eval_sheet([eval_row(1, 评价结论="不合格")])})
    assert CliRunner().invoke(main, ["check", str(clean)]).exit_code == 0
    assert CliRunner().invoke(main, ["check", str(warn)]).exit_code == 0
    assert CliRunner().invoke(main, ["check", str(err)]).exit_code == 1


def test_missing_path_is_status_2(tmp_path):
    run = CliRunner().invoke(main, ["check", str(tmp_path / "没有这个文件.xlsx")])
    assert run.exit_code == 2 and "找不到文件或文件夹" in run.output


def test_help_is_fast_and_light():
    code = "import sys, formkit.cli; print(sorted(m for m in ('openpyxl','docx','docxtpl','pdfplumber','python_calamine') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_usage_errors_are_chinese(tmp_path):
    run = CliRunner().invoke(main, ["check", "--nope", str(tmp_path)])
    assert run.exit_code == 2 and "没有选项 --nope" in run.output
    run = CliRunner().invoke(main, ["merge", str(tmp_path)])
    assert run.exit_code == 2 and "缺少必需的选项" in run.output
    run = CliRunner().invoke(main, ["blank", "-o", str(tmp_path), "--form", "xyz"])
    assert run.exit_code == 2 and "无效" in run.output
