"""The portal's tables (SQLAlchemy Core) in the database given by ``--db``, and opening it.

The tables carry a ``portal_`` prefix so the register (formkit.registry) can live in the same
database. ``create_all`` makes missing tables; ``portal_meta`` keeps the schema version and
the secret that signs session and CSRF cookies (shared by every worker of one database).
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy import event

from formkit.errors import FormkitError

SCHEMA_VERSION = 1
DEFAULT_DB = "sqlite:///formkit.sqlite"

metadata = sa.MetaData()

meta = sa.Table(
    "portal_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

users = sa.Table(
    "portal_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("city", sa.String(40)),
    sa.Column("password_hash", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.String(40), nullable=False),
)

tokens = sa.Table(
    "portal_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("portal_users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

login_failures = sa.Table(
    "portal_login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(100), nullable=False, index=True),
    sa.Column("at", sa.String(40), nullable=False),
)

submissions = sa.Table(
    "portal_submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("city", sa.String(40), index=True),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("uploaded_by", sa.String(100), nullable=False),
    #: Refused (422: the file reads as another city's): kept in the history, never counted.
    sa.Column("refused", sa.Boolean, nullable=False, default=False),
    sa.Column("errors", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
    sa.Column("forms_json", sa.Text, nullable=False),
    sa.Column("findings_json", sa.Text, nullable=False),
)

#: One row per form found in a submission: what the status matrix reads.
slots = sa.Table(
    "portal_slots", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("portal_submissions.id"), nullable=False, index=True),
    sa.Column("city", sa.String(40), nullable=False, index=True),
    sa.Column("slot", sa.String(20), nullable=False),
    sa.Column("form", sa.String(20), nullable=False),
    sa.Column("batch", sa.Integer),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("errors", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
    sa.Column("late", sa.Boolean, nullable=False, default=False),
)

merges = sa.Table(
    "portal_merges", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("as_of", sa.String(10), nullable=False),
    sa.Column("summary_json", sa.Text, nullable=False),
    sa.Column("files_json", sa.Text, nullable=False),
    sa.Column("submissions_json", sa.Text, nullable=False),
)

#: Long work started from a page (a merge, the documents of a merge): run in the background.
jobs = sa.Table(
    "portal_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    #: queued / running / done / failed
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("progress", sa.Text, nullable=False, default=""),
    sa.Column("params_json", sa.Text, nullable=False, default="{}"),
    #: The merge made (kind merge) or documented (kind documents).
    sa.Column("result_id", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("finished_at", sa.String(40)),
    #: host:pid of the web process running it (a job of a process that is gone is failed).
    sa.Column("owner", sa.String(200), nullable=False),
)

audit = sa.Table(
    "portal_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False, index=True),
    sa.Column("username", sa.String(100)),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("ip", sa.String(64)),
)


def now() -> str:
    """Return the current UTC time as fixed-width ISO text (sorts like the time itself)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def engine_url(db: str | None) -> str:
    """Return the SQLAlchemy URL for ``--db`` (default ``formkit.sqlite`` here), as the register reads it.

    One rule for the portal and the register, which live in the same database: a path is a
    SQLite file, ``postgresql://`` (and ``postgres://``) use the psycopg 3 driver.
    """
    from formkit.registry.db import resolve_url

    return resolve_url(db or DEFAULT_DB)


def display_url(url: str) -> str:
    """Return the URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _sqlite_connect(dbapi_conn, _record):
    dbapi_conn.execute("PRAGMA journal_mode = WAL")
    dbapi_conn.execute("PRAGMA foreign_keys = ON")


def open_engine(db: str | None) -> sa.Engine:
    """Return an engine with the portal's tables created, or raise FormkitError in Chinese."""
    url = engine_url(db)
    shown = display_url(db or DEFAULT_DB)
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_connect)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise FormkitError(f"数据库地址 {shown} 无效：{exc}。--db 应为 sqlite:///文件路径 或 "
                           "postgresql://用户:密码@主机/库名") from exc
    try:
        create_schema(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise FormkitError(f"无法连接数据库 {shown}：{reason}。请确认数据库服务已启动、地址和用户名正确") from exc
    return engine


def create_schema(engine: sa.Engine) -> None:
    """Create missing tables and the meta rows (schema version, signing secret)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two workers starting together must not both create the tables.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(290490)")
        metadata.create_all(conn)
        have = dict(conn.execute(sa.select(meta.c.key, meta.c.value)).all())
        if "schema_version" not in have:
            conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif int(have["schema_version"]) > SCHEMA_VERSION:
            raise FormkitError(f"数据库由更新版本的 formkit 建立（结构版本 {have['schema_version']}），请升级 formkit")
        if "secret" not in have:
            conn.execute(meta.insert().values(key="secret", value=secrets.token_urlsafe(48)))


def secret(engine: sa.Engine) -> str:
    """Return the secret that signs cookies (the same for every worker)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(meta.c.value).where(meta.c.key == "secret")).scalar_one()
