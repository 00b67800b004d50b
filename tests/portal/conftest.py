"""A real portal for the tests: `formkit serve` as a subprocess on 127.0.0.1, on SQLite or PostgreSQL.

PostgreSQL is the machine's (127.0.0.1:5432, trust auth, database ``test``, user ``postgres``
or ``root``); each test session gets a fresh schema, dropped afterwards. Under CI=true an
unreachable PostgreSQL fails the tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from formkit.campaign import load_campaign
from formkit.portal import accounts, db

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "submissions"
PASSWORD = "portal-test-password"
CI = os.environ.get("CI") == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `formkit serve`: its address, database, data folder and tokens per user."""

    url: str
    db_url: str
    data: Path
    proc: subprocess.Popen
    tokens: dict = field(default_factory=dict)

    def client(self, user: str | None = None, **kw) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kw)

    def alive(self) -> bool:
        return self.proc.poll() is None


def _pg_admin_url() -> str | None:
    import sqlalchemy as sa

    for user in ("postgres", "root"):
        url = f"postgresql+psycopg://{user}@127.0.0.1:5432/test"
        try:
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            engine.dispose()
            return url
        except Exception:  # noqa: BLE001 — try the next user
            continue
    return None


@pytest.fixture(scope="session")
def pg_url():
    """Yield a PostgreSQL URL whose search_path is a fresh schema (dropped at the end)."""
    import sqlalchemy as sa

    admin = _pg_admin_url()
    if admin is None:
        if CI:
            pytest.fail("PostgreSQL unreachable at 127.0.0.1:5432 (database test, user postgres or root)")
        pytest.skip("PostgreSQL unreachable at 127.0.0.1:5432")
    schema = f"formkit_test_{secrets.token_hex(4)}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{admin}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


def make_users(db_url: str, names: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """Create accounts {name: (role, city)} through the library; return {name: API token}."""
    engine = db.open_engine(db_url)
    campaign = load_campaign()
    tokens = {}
    try:
        for name, (role, city) in names.items():
            with engine.connect() as conn:
                exists = accounts.get_user(conn, name)
            if not exists:
                accounts.add_user(engine, name, role, city, PASSWORD, campaign)
            tokens[name] = accounts.issue_token(engine, name)
    finally:
        engine.dispose()
    return tokens


CITY_USERS = {f"city{n:02d}": ("city", c.name) for n, c in enumerate(load_campaign().cities, 1)}
USERS = {"sheng": ("province", None), **CITY_USERS}


def city_user(city: str) -> str:
    return next(name for name, (_role, c) in CITY_USERS.items() if c == city)


@contextlib.contextmanager
def running(db_url: str, data: Path, users: dict | None = None, env: dict | None = None, workers: int = 1,
            args: tuple = ()):
    """Start `formkit serve` on a free port, wait until it answers, yield a Server, stop it."""
    tokens = make_users(db_url, users or USERS)
    port = free_port()
    log = open(data.parent / f"serve-{port}.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "formkit", "serve", "--db", db_url, "--data", str(data), "--port", str(port),
         "--workers", str(workers), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", db_url, data, proc, tokens)
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                log.flush()
                raise RuntimeError((data.parent / f"serve-{port}.log").read_text(errors="replace"))
            try:
                if httpx.get(f"{server.url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("formkit serve did not answer within 60 s")
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """One server per test module and database kind."""
    base = tmp_path_factory.mktemp(f"portal-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{base / 'formkit.sqlite'}"
    else:
        db_url = request.getfixturevalue("pg_url")
        # a fresh set of tables per module within the session's schema
        import sqlalchemy as sa

        engine = sa.create_engine(db.engine_url(db_url))
        db.metadata.drop_all(engine)
        engine.dispose()
    with running(db_url, base / "data") as srv:
        yield srv


def sample(city: str, attachment: str) -> Path:
    """Return the bundled sample of a city for 附件N (``2-1``, ``2-2``, ``3``, ``4``)."""
    folder = SAMPLES / city
    wanted = {"2-1": "附件2", "2-2": "附件2", "3": "附件3", "4": "附件4"}[attachment]
    batch = {"2-1": "第一批", "2-2": "第二批"}.get(attachment, "")
    [path] = [p for p in folder.iterdir() if wanted in p.name and batch in p.name]
    return path
