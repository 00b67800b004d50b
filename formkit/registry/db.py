"""The register's database: its schema (derived from ``forms/register.toml``), the connection,
and the write lock.

The register lives in a database reached through SQLAlchemy Core: an SQLite file by default
(``formkit.sqlite`` in the working folder), or any SQLAlchemy URL such as
``postgresql://user:password@host/dbname`` for an office that shares one server.

Writers take the database's write lock first (SQLite ``BEGIN IMMEDIATE``; elsewhere a lock
row selected ``FOR UPDATE``) and compute their changes inside that transaction, so two
``apply`` runs at once give one change set: the second waits and finds nothing left to do,
or gives up after ``wait`` seconds with a Chinese message. A run killed midway leaves the
database as it was before (the transaction is never committed).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy import event

from formkit.errors import FormkitError
from formkit.forms import load_register_form
from formkit.registry.values import FIELDS

DEFAULT_DB = "formkit.sqlite"
#: Environment variable naming the database when ``--db`` is not given.
ENV_DB = "FORMKIT_DB"
#: Seconds a writer waits for another writer's lock before giving up.
DEFAULT_WAIT = 30.0
SCHEMA_VERSION = "1"


# ------------------------------------------------------------------ schema

metadata = sa.MetaData()

registry_meta = sa.Table(
    "registry_meta", metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text),
)

#: One row (id 1): the application lock a writer selects FOR UPDATE on servers (PostgreSQL).
registry_lock = sa.Table(
    "registry_lock", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("note", sa.Text),
)

#: SQL type of a register column by its declared type (lengths: an 18-character code, a city's
#: name, an enum value of up to four characters).
_SQL_TYPES = {"uscc": lambda: sa.String(18), "city": lambda: sa.String(20), "enum": lambda: sa.String(8),
              "date": lambda: sa.Date(), "text": lambda: sa.Text()}


def _enterprise_columns() -> list:
    """Return the columns of ``enterprises``: an id, the credit code (unique), then every field.

    Required columns are NOT NULL; an enum column (状态) is never null either: a blank is its
    first value (正常), and a CHECK constraint holds it to the declared values.
    """
    form = load_register_form()
    key = next(c for c in form.columns if c.type == "uscc")
    out: list = [sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column(key.key, _SQL_TYPES["uscc"](), nullable=False, unique=True)]
    checks = []
    for name in FIELDS:
        col = form.column(name)
        if col.type == "enum":
            out.append(sa.Column(name, _SQL_TYPES["enum"](), nullable=False, default=col.values[0]))
            allowed = ", ".join(f"'{v}'" for v in col.values)
            checks.append(sa.CheckConstraint(f"{name} IN ({allowed})", name=f"ck_enterprises_{name}"))
        elif col.required:
            out.append(sa.Column(name, _SQL_TYPES[col.type](), nullable=False))
        else:
            out.append(sa.Column(name, _SQL_TYPES[col.type]()))
    return out + checks


enterprises = sa.Table("enterprises", metadata, *_enterprise_columns())

changesets = sa.Table(
    "changesets", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("operator", sa.Text),
    sa.Column("command", sa.Text, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),      # import | apply
    sa.Column("source", sa.Text),
    sa.Column("summary", sa.Text),
)

changes = sa.Table(
    "changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("changeset_id", sa.Integer, sa.ForeignKey("changesets.id"), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("uscc", sa.String(18), nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),    # see ACTION_NAMES
    sa.Column("field", sa.String(20)),                     # None for "add" (new_value: the row as JSON)
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("source_file", sa.Text),
    sa.Column("source_sheet", sa.Text),
    sa.Column("source_cell", sa.Text),
    sa.Column("reason", sa.Text),
)

TABLES = ("registry_meta", "registry_lock", "enterprises", "changesets", "changes")


# ------------------------------------------------------------------ connection

def resolve_url(db: str | os.PathLike | None = None) -> str:
    """Return the SQLAlchemy URL of ``db``: a URL as given (``postgresql://`` on psycopg 3), a path as an SQLite file.

    ``None`` means ``$FORMKIT_DB``, else ``formkit.sqlite`` in the working folder.
    """
    value = str(db) if db is not None else (os.environ.get(ENV_DB) or DEFAULT_DB)
    if "://" in value:
        # PostgreSQL through psycopg 3 (a dependency of formkit), not SQLAlchemy's default psycopg2.
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+psycopg://" + value[len(plain):]
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def display_name(url: str) -> str:
    """Return the database as a person names it: the SQLite path, or the URL without password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return sa.engine.make_url(url).render_as_string(hide_password=True)


class Registry:
    """An open register database: short read transactions and locked write transactions."""

    def __init__(self, url: str, wait: float = DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None):
        self.url = url
        self.wait = wait
        #: Called with a Chinese notice when a writer has to wait for another one's lock.
        self.on_wait = on_wait
        self.name = display_name(url)
        self.sqlite = sa.engine.make_url(url).get_backend_name() == "sqlite"
        try:
            if self.sqlite:
                self.engine = sa.create_engine(url, connect_args={"timeout": wait})
                event.listen(self.engine, "connect", _sqlite_connect)
                event.listen(self.engine, "begin", _sqlite_begin)
            else:
                self.engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
            raise FormkitError(f"无法连接备案名单数据库 {self.name}：{exc}。"
                               "--db 应为SQLite文件路径，或 postgresql://用户:密码@主机/库名") from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """Yield a connection in a plain transaction (no lock; sees committed data only)."""
        with self.errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def write(self, lock_row: bool = True) -> Iterator[sa.Connection]:
        """Yield a connection holding the register's write lock; commit when the block ends.

        SQLite: ``BEGIN IMMEDIATE`` (the database's own write lock). Other databases: the row
        of ``registry_lock`` selected FOR UPDATE (``lock_row=False`` only to create the schema).
        """
        with self.errors(), self.engine.connect() as conn:
            conn.execution_options(formkit_write=True)
            with self._begin_write(conn):
                if not self.sqlite and lock_row:
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(self.wait * 1000)}ms'")
                    conn.execute(sa.select(registry_lock.c.id).where(registry_lock.c.id == 1).with_for_update())
                yield conn

    def _begin_write(self, conn: sa.Connection):
        """Begin the write transaction; say so through ``on_wait`` when another writer holds the lock."""
        if not self.sqlite or self.on_wait is None:
            return conn.begin()
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            return conn.begin()
        except sa.exc.OperationalError as exc:
            if "locked" not in str(exc.orig).lower() and "busy" not in str(exc.orig).lower():
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(self.wait * 1000)}")
        self.on_wait(f"备案名单正被另一个 formkit 命令修改，等待其完成（最多{self.wait:g}秒）……")
        return conn.begin()

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn database errors into FormkitError with a Chinese message."""
        try:
            yield
        except sa.exc.OperationalError as exc:
            text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
            if "locked" in text or "busy" in text or "lock timeout" in text or "lock_timeout" in text:
                raise FormkitError(
                    f"备案名单正被另一个 formkit 命令修改（数据库 {self.name} 已锁定），等待{self.wait:g}秒后仍未结束。"
                    "请等该命令完成后重试（可用 --wait 秒数 延长等待）") from exc
            raise FormkitError(f"无法读写备案名单数据库 {self.name}：{exc.orig or exc}") from exc
        except sa.exc.DatabaseError as exc:
            raise FormkitError(f"{self.name} 不是可用的备案名单数据库：{exc.orig or exc}") from exc

    # -- schema
    def ensure_schema(self) -> None:
        """Create the tables when missing (idempotent)."""
        with self.write(lock_row=False) as conn:
            metadata.create_all(conn)
            if conn.execute(sa.select(registry_meta.c.key).where(registry_meta.c.key == "schema_version")).first() is None:
                conn.execute(sa.insert(registry_meta).values(key="schema_version", value=SCHEMA_VERSION))
            if conn.execute(sa.select(registry_lock.c.id).where(registry_lock.c.id == 1)).first() is None:
                conn.execute(sa.insert(registry_lock).values(id=1, note="formkit registry write lock"))

    def check_schema(self) -> None:
        """Raise FormkitError when the database is not a formkit register."""
        with self.read() as conn:
            names = set(sa.inspect(conn).get_table_names())
        missing = [t for t in TABLES if t not in names]
        if missing:
            raise FormkitError(f"{self.name} 不是 formkit 备案名单数据库（缺少数据表 {'、'.join(missing)}）；"
                               "请用 formkit registry import 名单文件 建立，或用 --db 指定正确的数据库")


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    # pysqlite would begin transactions itself (and late); formkit emits BEGIN in _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # A writer takes SQLite's write lock at BEGIN (waiting up to the busy timeout), so it
    # computes its changes on a state no one else can change before it commits.
    immediate = conn.get_execution_options().get("formkit_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def open_registry(db: str | os.PathLike | None = None, *, create: bool = False,
                  wait: float = DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None) -> Registry:
    """Return the register at ``db`` (path or URL); ``create`` makes a new one when missing."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise FormkitError(f"{path} 是文件夹；--db 应为数据库文件，如 {path / DEFAULT_DB}")
        if not path.exists():
            if not create:
                raise FormkitError(f"找不到备案名单数据库 {path}。请先用 formkit registry import 名单文件 导入备案名单，"
                                   "或用 --db 指定数据库")
            if not path.parent.is_dir():
                raise FormkitError(f"无法建立备案名单数据库 {path}：文件夹 {path.parent} 不存在")
    reg = Registry(url, wait, on_wait)
    try:
        if create:
            reg.ensure_schema()
        else:
            reg.check_schema()
    except BaseException:
        reg.close()
        raise
    return reg


@contextlib.contextmanager
def opened(db, **kwargs) -> Iterator[Registry]:
    """Yield ``db`` opened (a path/URL), or ``db`` itself when it is already a Registry."""
    if isinstance(db, Registry):
        yield db
        return
    reg = open_registry(db, **kwargs)
    try:
        yield reg
    finally:
        reg.close()


def load_state(conn: sa.Connection) -> dict[str, dict]:
    """Return every enterprise of the register: USCC → {field: value} (insertion order)."""
    out: dict[str, dict] = {}
    for row in conn.execute(sa.select(enterprises).order_by(enterprises.c.id)).mappings():
        out[row["uscc"]] = {k: row[k] for k in FIELDS}
    return out


def dump(db) -> dict[str, list[tuple]]:
    """Return every row of every table, ordered by primary key (to compare database states)."""
    with opened(db) as reg, reg.read() as conn:
        out = {}
        for name in TABLES:
            table = metadata.tables[name]
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(r) for r in rows]
        return out
