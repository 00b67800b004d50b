"""`formkit serve`, `formkit users …` and `formkit audit`: the portal, its accounts and its log.

Thin over :mod:`formkit.portal`; Starlette, uvicorn and argon2 are imported inside the commands.
"""

from __future__ import annotations

import json
import os
import sys

import click

from formkit.commands.group import config_option, fail, main, parse_day


def db_option(fn):
    return click.option("--db", "db", envvar="FORMKIT_DB", metavar="URL",
                        help="数据库：默认当前文件夹的 sqlite:///formkit.sqlite（也可用环境变量 FORMKIT_DB），"
                             "共用服务器用 postgresql://用户:密码@主机/库名")(fn)


def _engine(db):
    from formkit.portal.db import open_engine

    return open_engine(db)  # an unreachable database: its FormkitError is said as 错误：…, status 2


@main.command()
@db_option
@click.option("--data", "data", default="formkit-data", show_default=True, type=click.Path(file_okay=False),
              help="保存上传文件、标注件和汇总结果的文件夹")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（放在 nginx 之后时保持 127.0.0.1）")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="监听端口")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Web 进程数（多于1个时须用 PostgreSQL）")
@click.option("--readers", default=2, show_default=True, type=click.IntRange(1, 32),
              help="每个 Web 进程中读取上传文件的子进程数")
@click.option("--secure-cookies", is_flag=True,
              help="Cookie 只经 HTTPS 发送（在 nginx 等提供 HTTPS 的代理之后运行时使用）")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="活动配置文件（TOML），默认为内置的江苏省2023年度配置")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="按这一天（如 2024-01-15）判断各市报送状态和汇总的默认日期，用于查看往年活动或演示；默认今天")
def serve(db, data, host, port, workers, readers, secure_cookies, config_path, as_of):
    """启动报送平台：各设区市上传表格并立即看到问题，省局查看各市报送情况并汇总。"""
    import uvicorn

    from formkit.campaign import load_campaign
    from formkit.portal.db import engine_url

    load_campaign(config_path)  # a bad --config is said now, not in every worker
    url = engine_url(db)
    if workers > 1 and url.startswith("sqlite"):
        fail("SQLite 数据库只能用一个 Web 进程；多进程（--workers）须用 PostgreSQL：--db postgresql://用户@主机/库名")
    from formkit.portal.accounts import list_users

    engine = _engine(db)  # a clear message now, not a traceback in every worker
    if not list_users(engine):
        click.echo("提示：尚无账号，请先运行 formkit users add 用户名 --role province（省局）"
                   "或 --role city --city 南京市（设区市）", err=True)
    engine.dispose()
    try:
        os.makedirs(data, exist_ok=True)
    except OSError as exc:
        fail(f"无法建立数据文件夹 {data}：{exc.strerror or exc}")
    os.environ.update(FORMKIT_DB=url, FORMKIT_DATA=os.path.abspath(data), FORMKIT_READERS=str(readers),
                      FORMKIT_CONFIG=os.path.abspath(config_path) if config_path else "",
                      FORMKIT_SECURE_COOKIES="1" if secure_cookies else "0",
                      FORMKIT_AS_OF=as_of.date().isoformat() if as_of else "")
    click.echo(f"报送平台已启动：http://{host}:{port}/  （按 Ctrl+C 停止）", err=True)
    uvicorn.run("formkit.portal.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=True, server_header=False)


@main.group()
def users():
    """报送平台的账号：添加、列出、改密码、停用、签发API令牌。"""


def _read_password(from_stdin: bool, prompt: str = "密码") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt="再输入一次")


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["province", "city"]), help="province 省局；city 设区市")
@click.option("--city", help="设区市账号所属的设区市，如 南京市")
@click.option("--password-stdin", "password_stdin", is_flag=True, help="从标准输入读取密码（一行）")
@db_option
@config_option
def users_add(name, role, city, password_stdin, db, campaign):
    """添加账号 NAME。"""
    from formkit.portal import accounts

    engine = _engine(db)
    user = accounts.add_user(engine, name, role, city, _read_password(password_stdin), campaign)
    click.echo(f"已添加用户 {user.username}（{accounts.ROLE_NAMES[user.role]}{'·' + user.city if user.city else ''}）")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出")
@db_option
def users_list(as_json, db):
    """列出全部账号。"""
    from formkit.console import table
    from formkit.portal import accounts

    rows = accounts.list_users(_engine(db))
    if as_json:
        click.echo(json.dumps([{**u.public(), "active": u.active} for u in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("尚无账号；用 formkit users add 用户名 --role city --city 南京市 添加")
        return
    click.echo("\n".join(table(["用户名", "角色", "设区市", "状态"],
                               [[u.username, accounts.ROLE_NAMES[u.role], u.city or "", "正常" if u.active else "已停用"]
                                for u in rows], [30, 6, 10, 6])))


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", "password_stdin", is_flag=True, help="从标准输入读取新密码（一行）")
@db_option
def users_passwd(name, password_stdin, db):
    """重设账号 NAME 的密码（同时解除登录锁定）。"""
    from formkit.portal import accounts

    engine = _engine(db)
    accounts.set_password(engine, name, _read_password(password_stdin, "新密码"))
    click.echo(f"已重设 {name} 的密码")


@users.command("disable")
@click.argument("name")
@db_option
def users_disable(name, db):
    """停用账号 NAME（其令牌同时作废）。"""
    from formkit.portal import accounts

    accounts.disable_user(_engine(db), name)
    click.echo(f"已停用 {name}")


@users.command("token")
@click.argument("name")
@db_option
def users_token(name, db):
    """为账号 NAME 签发新的API令牌（只显示这一次，旧令牌作废）。"""
    from formkit.portal import accounts

    token = accounts.issue_token(_engine(db), name)
    click.echo(token)
    click.echo(f"（{name} 的新令牌只显示这一次，请妥善保存；调用接口时放在请求头 Authorization: Bearer 令牌）", err=True)


@main.command()
@click.option("--since", callback=parse_day, metavar="YYYY-MM-DD", help="只列出这一天（含）以后的记录")
@click.option("--json", "as_json", is_flag=True, help="以JSON列表输出")
@db_option
def audit(since, as_json, db):
    """报送平台的操作日志：登录、上传、下载、汇总和账号变更（谁、何时、做了什么、从哪里）。"""
    from formkit.console import table
    from formkit.portal.accounts import audit_rows
    from formkit.portal.views.pages import local_time

    rows = audit_rows(_engine(db), since)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("没有日志记录")
        return
    click.echo("\n".join(table(["时间", "用户", "操作", "内容", "来源"],
                               [[local_time(r["at"]), r["username"] or "", r["action"], r["detail"], r["ip"] or ""]
                                for r in rows], [16, 14, 14, 50, 15])))
