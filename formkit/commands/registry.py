"""`formkit registry …`: the filing register (备案名单), a thin layer over :mod:`formkit.registry`.

SQLAlchemy and the readers are imported inside the commands, so `formkit --help` stays fast.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from formkit.commands.group import config_option, fail, main, parse_day, progress


def _command_line() -> str:
    """Return the command as typed (recorded with every change set)."""
    return "formkit " + shlex.join(sys.argv[1:]) if len(sys.argv) > 1 else "formkit registry"


def db_options(fn):
    """Add ``--db PATH|URL`` and ``--wait SECONDS`` to a registry command."""
    fn = click.option("--wait", "wait", type=click.FloatRange(min=0), default=30.0, show_default=True, metavar="秒",
                      help="另一个命令正在修改备案名单时，最多等待的秒数")(fn)
    fn = click.option("--db", "db", envvar="FORMKIT_DB", metavar="路径或URL",
                      help="备案名单数据库：SQLite文件（默认为当前文件夹的 formkit.sqlite，也可用环境变量 FORMKIT_DB 指定），"
                           "或共用服务器的 postgresql://用户:密码@主机/库名")(fn)
    return fn


def _table(headers, rows, limits):
    from formkit.console import table

    return table(headers, rows, limits)


def _notice(message: str) -> None:
    click.echo(message, err=True)


def _file_report(check) -> list[str]:
    """Return the findings of the register files, grouped by file (as `formkit check` prints them)."""
    from formkit.console import SEVERITY_NAMES
    from formkit.findings import CODE_NAMES

    lines = []
    for fr in check.files:
        fs = fr.findings
        status = "通过" if not fs else (f"{sum(f.severity == 'error' for f in fs)}个错误，"
                                       f"{sum(f.severity == 'warning' for f in fs)}个警告")
        rows = f"  [备案名单 · {len(fr.records)}行]" if fr.submissions else ""
        lines.append(f"■ {fr.name}{rows}  —— {status}")
        if fs:
            lines.extend(_table(["位置", "问题", "原值"],
                                [[f.where or "（整个文件）",
                                  f"[{SEVERITY_NAMES[f.severity]}] {CODE_NAMES[f.code]}：{f.message}", f.value or ""]
                                 for f in fs], [20, 56, 20]))
        for sub in fr.submissions:
            if sub.extra_columns:
                lines.append(f"  提示：{sub.sheet} 有未识别的列（已忽略）：" + "、".join(sub.extra_columns))
    if check.ignored:
        lines.append(f"另有{len(check.ignored)}个非表格文件未读取（如 {check.ignored[0].name}）。")
    return lines


def _grouped(changes):
    """Return consecutive changes of one enterprise, action and source cell as groups."""
    groups = []
    for c in changes:
        last = groups[-1][0] if groups else None
        if last is not None and (last.uscc, last.action, last.where) == (c.uscc, c.action, c.where):
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


@main.group()
def registry():
    """备案名单：导入省局的贯标备案名单，按各市复核结果更新，查询变更历史、撤销、列出到期企业、导出。

    名单保存在数据库中（默认为当前文件夹的 formkit.sqlite，--db 可指定其他文件或
    postgresql:// 服务器）。删除只是状态（注明日期和原因），不会删掉任何一行；每项变更都记录
    时间、命令、来源文件和单元格、原值和新值，可按变更集撤销。
    """


@registry.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--update", is_flag=True,
              help="与名单中已有企业的值不同时，以文件为准更新（默认只补充空白项，不同之处列出不改）")
@click.option("--dry-run", is_flag=True, help="只检查并列出将要导入的内容，不写入数据库")
@db_options
@config_option
def import_(files, update, dry_run, db, wait, campaign):
    """导入备案名单（.xlsx/.xls/.docx/.doc/.wps/.et/.pdf，文件或文件夹）。

    与附件表格相同的读取、规范化和检查：有错误的行不导入并列出；同一文件重复导入不会改变任何内容。
    """
    from formkit import registry as reg

    result = reg.import_files(db, files, campaign, update=update, dry_run=dry_run,
                              command=_command_line(), wait=wait, on_wait=_notice,
                              progress=lambda xs: progress(xs, "读取文件"))
    click.echo("\n".join(_file_report(result.check)))
    n_rows = sum(len(fr.records) for fr in result.check.files)
    click.echo(f"读取{n_rows}行，其中{result.rejected}行有错误未导入。")
    if result.differences:
        click.echo(f"\n以下{len(result.differences)}项与名单中现有的值不同，未修改（确认以文件为准时加 --update 重新导入）：")
        click.echo("\n".join(_table(
            ["企业", "信用代码", "项目", "名单中", "文件中", "位置"],
            [[d.name or "", d.uscc, reg.field_name(d.field), reg.shown(d.old), reg.shown(d.new), d.where]
             for d in result.differences], [24, 18, 12, 16, 16, 30])))
    verb = "将" if dry_run else "已"
    if result.changes:
        click.echo(f"\n{verb}新增{result.added}家企业，{verb}补充或更新{result.updated}项。"
                   + (f"变更集编号 {result.changeset}（可用 formkit registry undo {result.changeset} 撤销）。"
                      if result.changeset else ""))
    else:
        click.echo("\n备案名单中已有这些内容，没有需要导入的变更。")
    if dry_run:
        click.echo("（试运行，未写入数据库）")
    sys.exit(1 if result.rejected else 0)


@registry.command("apply")
@click.argument("merged_dir", type=click.Path())
@click.option("--yes", is_flag=True, help="确认写入（不加时只列出变更，不修改数据库）")
@click.option("--date", "on", callback=parse_day, metavar="日期",
              help="删除、标记、宽限期的生效日期（默认今天），如 2023-08-01")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出变更和跳过的记录")
@db_options
def apply(merged_dir, yes, on, as_json, db, wait):
    """按汇总结果（formkit merge 的输出文件夹）更新备案名单。

    附件4：已注销、放弃贯标、满3年的删除（保留记录，注明日期和原因）；经营异常的标记；更名的更新名称；
    给予宽限期的记下截止日期。附件2：记下最近绩效评价日期，宽限期内通过评价的恢复正常。
    有错误的记录不应用。不加 --yes 时只列出变更集；加 --yes 时在一个事务中全部写入。
    """
    from formkit import registry as reg

    result = reg.apply_merged(db, merged_dir, yes=yes, on=on, command=_command_line(), wait=wait,
                              on_wait=_notice)
    if as_json:
        click.echo(json.dumps({
            "changeset": result.changeset, "applied": result.applied,
            "changes": [c.row() for c in result.changes],
            "skipped": [vars(s) for s in result.skipped], "unchanged": result.unchanged,
        }, ensure_ascii=False, indent=2))
        return
    if result.changes:
        groups = _grouped(result.changes)
        click.echo(f"变更集（{len(groups)}处变更，{len(result.changes)}项，涉及{len({c.uscc for c in result.changes})}家企业）：")
        click.echo("\n".join(_table(
            ["序号", "设区市", "企业", "信用代码", "变更", "内容（原值 → 新值）", "来源"],
            [[str(i), g[0].city or "", g[0].name or "", g[0].uscc, reg.ACTION_NAMES[g[0].action],
              "；".join(f"{reg.field_name(c.field)}：{reg.shown(c.old)} → {reg.shown(c.new)}" for c in g), g[0].where]
             for i, g in enumerate(groups, start=1)],
            [4, 8, 20, 18, 8, 40, 30])))
    else:
        click.echo("备案名单已与汇总结果一致，没有需要应用的变更。")
    if result.skipped:
        click.echo(f"\n未应用的记录（{len(result.skipped)}条）：")
        click.echo("\n".join(_table(
            ["设区市", "企业", "信用代码", "位置", "原因"],
            [[s.city or "", s.name or "", s.uscc or "", s.where, s.reason] for s in result.skipped],
            [8, 22, 18, 30, 36])))
    if result.unchanged:
        click.echo(f"\n另有{result.unchanged}条记录此前已应用，名单无需改动。")
    if result.applied:
        click.echo(f"\n已写入备案名单，变更集编号 {result.changeset}（可用 formkit registry undo {result.changeset} 撤销）。")
    elif result.changes and not yes:
        click.echo("\n以上为预览，未修改备案名单。确认无误后加 --yes 写入。")


@registry.command("history")
@click.argument("code", required=False)
@click.option("--json", "as_json", is_flag=True, help="以JSON输出")
@db_options
def history(code, as_json, db, wait):
    """变更历史：不带参数列出全部变更集；CODE 为统一社会信用代码时列出该企业的变更，为变更集编号时列出该变更集。"""
    from formkit import registry as reg
    from formkit.normalize import compact

    if code is None:
        rows = reg.changeset_rows(db)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
            return
        if not rows:
            click.echo("备案名单还没有任何变更。")
            return
        click.echo("\n".join(_table(
            ["编号", "时间", "操作人", "类型", "变更数", "摘要", "命令"],
            [[str(r["id"]), r["created_at"], r["operator"] or "", "导入" if r["kind"] == "import" else "应用",
              str(r["changes"]), r["summary"] or "", r["command"]] for r in rows],
            [6, 25, 10, 4, 6, 30, 40])))
        return
    key = compact(code).upper()
    if key.isdigit() and len(key) < 10:
        rows = reg.change_rows(db, changeset=int(key))
        if not rows:
            fail(f"没有编号为 {key} 的变更集（不带参数运行 formkit registry history 列出全部变更集）")
        title = f"变更集 {key}：{rows[0]['created_at']}，{rows[0]['command']}"
        current = None
    else:
        rows = reg.change_rows(db, uscc=key)
        current = reg.enterprise(db, key)
        if current is None and not rows:
            fail(f"备案名单中没有统一社会信用代码为 {key} 的企业")
        title = None
    if as_json:
        click.echo(json.dumps({"enterprise": current, "changes": rows}, ensure_ascii=False, indent=2, default=str))
        return
    if title:
        click.echo(title)
    if current is not None:
        click.echo(f"{current['name']}（{current['uscc']}，{current['city']}）现状：{current['status']}"
                   + (f"，{current['status_reason']}" if current["status_reason"] else "")
                   + (f"，宽限期至{current['grace_until']}" if current["grace_until"] else ""))
    click.echo("\n".join(_table(
        ["变更集", "时间", "企业", "变更", "项目", "原值", "新值", "来源", "原因"],
        [[str(r["changeset_id"]), r["created_at"][:19], r["current_name"] or r["uscc"],
          reg.ACTION_NAMES.get(r["action"], r["action"]), reg.field_name(r["field"]) if r["field"] else "整行",
          reg.history_text(r["field"], r["old_value"]) or "（空）",
          reg.history_text(r["field"], r["new_value"]) or "（空）",
          " ".join(p for p in (r["source_file"], r["source_sheet"], r["source_cell"]) if p), r["reason"] or ""]
         for r in rows],
        [6, 19, 20, 8, 10, 14, 14, 30, 24])))


@registry.command("undo")
@click.argument("changeset", type=int)
@click.option("--yes", is_flag=True, help="确认撤销（不加时只列出将要撤销的变更）")
@db_options
def undo(changeset, yes, db, wait):
    """撤销一个变更集：每项改回原值，该变更集新增的企业移出，变更集本身一并删除，名单回到应用前的样子。"""
    from formkit import registry as reg

    result = reg.undo(db, changeset, yes=yes, wait=wait, on_wait=_notice)
    cs = result.changeset
    click.echo(f"变更集 {cs['id']}：{cs['created_at']}，{cs['command']}（{cs['summary'] or ''}）")
    click.echo("\n".join(_table(
        ["企业", "变更", "项目", "当前值", "改回"],
        [[r["uscc"], reg.ACTION_NAMES.get(r["action"], r["action"]),
          reg.field_name(r["field"]) if r["field"] else "整行",
          reg.history_text(r["field"], r["new_value"]) or "（空）",
          "（移出名单）" if r["action"] == "add" else (r["old_value"] or "（空）")]
         for r in reversed(result.changes)],
        [18, 8, 10, 24, 24])))
    if result.done:
        click.echo(f"\n已撤销变更集 {cs['id']}（{len(result.changes)}项）。")
    else:
        click.echo("\n以上为预览，未修改备案名单。确认撤销时加 --yes。")


@registry.command("due")
@click.option("--as-of", "as_of", callback=parse_day, metavar="日期",
              help="按哪一天计算备案年限（默认今天），如 2023-07-31")
@click.option("--json", "as_json", is_flag=True, help="以JSON列表输出")
@db_options
@config_option
def due(as_of, as_json, db, wait, campaign):
    """列出到期企业（按设区市）：备案超5年（活动年度前备案）或满3年（活动年度起备案）仍未认证、未评价的，及宽限期已满的。"""
    import datetime as dt

    from formkit import registry as reg
    from formkit.normalize import chinese_date

    as_of = as_of or dt.date.today()
    rows = reg.due_enterprises(reg.resolve_url(db), as_of, campaign)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=lambda v: v.isoformat()))
        return
    if not rows:
        click.echo(f"截至{chinese_date(as_of)}，没有到期未认证或评价的备案企业。")
        return
    click.echo(f"截至{chinese_date(as_of)}，到期未认证或评价的备案企业{len(rows)}家：")
    by_city: dict[str, list[dict]] = {}
    for r in rows:
        by_city.setdefault(r["city"], []).append(r)
    for city, items in by_city.items():
        click.echo(f"\n{city}（{len(items)}家）")
        click.echo("\n".join(_table(
            ["企业", "信用代码", "备案时间", "情形", "应办", "宽限期至"],
            [[r["name"], r["uscc"], r["filing_date"].isoformat(), r["rule_name"], r["action"],
              (r["grace_deadline"] or r["grace_until"] or "").__str__()] for r in items],
            [24, 18, 10, 22, 24, 10])))


@registry.command("export")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False), help="输出的 .xlsx 文件")
@db_options
@config_option
def export(out, db, wait, campaign):
    """导出备案名单现状（.xlsx）：备案名单（含已删除企业及状态）、状态统计、变更记录三个工作表。"""
    from formkit import api

    if Path(out).suffix.lower() != ".xlsx":
        fail(f"输出文件应以 .xlsx 结尾：{out}")
    try:
        path = api.export_register(db, out, campaign)
    except OSError as exc:
        fail(f"无法写入 {out}：{exc.strerror or exc}")
    click.echo(f"已导出：{path}")
