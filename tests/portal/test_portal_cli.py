"""`formkit users …`, `formkit audit` and `formkit serve`'s refusals, through the real command."""

from __future__ import annotations

from pathlib import Path

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from formkit.cli import main
from formkit.portal import accounts, db
from tests.portal.conftest import ROOT


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_users_add_list_passwd_disable_token_and_audit(tmp_path):
    url = f"sqlite:///{tmp_path / 'formkit.sqlite'}"
    r = run("users", "add", "nanjing", "--role", "city", "--city", "南京市", "--password-stdin", "--db", url,
            input="first-password\n")
    assert r.exit_code == 0 and "已添加用户 nanjing（设区市·南京市）" in r.output
    r = run("users", "add", "sheng", "--role", "province", "--password-stdin", "--db", url, input="second-password\n")
    assert r.exit_code == 0
    r = run("users", "add", "x", "--role", "city", "--city", "上海市", "--password-stdin", "--db", url,
            input="password-123\n")
    assert r.exit_code == 2 and "错误：“上海市”不是本次活动的设区市" in r.output  # the one translation, in group.py
    r = run("users", "disable", "nobody", "--db", url)
    assert r.exit_code == 2 and "错误：没有用户 nobody" in r.output
    assert run("users", "add", "y", "--role", "city", "--password-stdin", "--db", url,
               input="password-123\n").exit_code == 2
    assert run("users", "add", "nanjing", "--role", "city", "--city", "南京市", "--password-stdin", "--db", url,
               input="password-123\n").exit_code == 2
    assert run("users", "add", "z", "--role", "province", "--password-stdin", "--db", url, input="short\n").exit_code == 2
    listed = json.loads(run("users", "list", "--json", "--db", url).output)
    assert listed == [{"username": "nanjing", "role": "city", "city": "南京市", "active": True},
                      {"username": "sheng", "role": "province", "city": None, "active": True}]

    r = CliRunner().invoke(main, ["users", "token", "nanjing", "--db", url])
    token = r.stdout.strip()
    assert r.exit_code == 0 and len(token) >= 40
    engine = db.open_engine(url)
    try:
        with engine.connect() as conn:
            assert accounts.user_for_token(conn, token).username == "nanjing"
            stored = conn.execute(db.tokens.select()).all()
        assert token not in {row.token_hash for row in stored}  # only the hash is kept
        assert accounts.login(engine, "nanjing", "first-password").username == "nanjing"
        assert run("users", "passwd", "nanjing", "--password-stdin", "--db", url, input="new-password-1\n").exit_code == 0
        assert accounts.login(engine, "nanjing", "first-password") is None
        assert accounts.login(engine, "nanjing", "new-password-1").username == "nanjing"
        assert run("users", "disable", "nanjing", "--db", url).exit_code == 0
        assert accounts.login(engine, "nanjing", "new-password-1") is None
        with engine.connect() as conn:
            assert accounts.user_for_token(conn, token) is None
        hashes = [row.password_hash for row in engine.connect().execute(db.users.select())]
        assert all(h.startswith("$argon2") for h in hashes)
    finally:
        engine.dispose()
    assert run("users", "disable", "nobody", "--db", url).exit_code == 2

    rows = json.loads(run("audit", "--json", "--db", url).output)
    assert [r["action"] for r in rows] == ["user-add", "user-add", "user-token", "login", "user-passwd",
                                           "login-failed", "login", "user-disable", "login-failed"]
    assert set(rows[0]) == {"id", "at", "username", "action", "detail", "ip"}
    assert json.loads(run("audit", "--json", "--since", "2999-01-01", "--db", url).output) == []
    text = run("audit", "--db", url).output
    assert "user-disable" in text and "nanjing" in text


def test_serve_says_so_when_the_database_cannot_be_reached(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "formkit", "serve", "--db", "postgresql://nobody@127.0.0.1:1/none",
                        "--data", str(tmp_path / "d")], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("错误：无法连接数据库 postgresql://nobody@127.0.0.1:1/none")
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "formkit", "serve", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}",
                        "--workers", "2"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "PostgreSQL" in r.stderr
    r = subprocess.run([sys.executable, "-m", "formkit", "users", "list", "--db", f"sqlite:///{tmp_path}/no/such/dir/x.sqlite"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("错误：无法连接数据库")


def test_database_urls():
    assert db.engine_url(None) == "sqlite:///formkit.sqlite"
    assert db.engine_url("postgresql://u@h/x") == "postgresql+psycopg://u@h/x"
    assert db.engine_url("postgres://u@h/x") == "postgresql+psycopg://u@h/x"
    assert db.engine_url("postgresql+psycopg://u@h/x") == "postgresql+psycopg://u@h/x"
    # A path is a SQLite file named absolutely, by the same rule as the register's --db.
    assert db.engine_url("data/portal.sqlite") == "sqlite:///" + str(Path("data/portal.sqlite").resolve())
    assert db.display_url("postgresql+psycopg://u:secret@h/x") == "postgresql+psycopg://u:***@h/x"
