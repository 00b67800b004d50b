"""The filing register (备案名单): a database of the filed enterprises, kept up to date by review.

Part 三 of the notice: every year the cities verify the register — deregistered enterprises
are removed, abnormal ones marked and followed, renamed ones renamed, enterprises filed over
5 years without certification or evaluation reminded and given one year's grace (removed when
they give up or still fail), new filings 3 years without either removed.

The register lives in a database reached through SQLAlchemy Core: an SQLite file by default
(``formkit.sqlite`` in the working folder), or any SQLAlchemy URL such as
``postgresql://user:password@host/dbname`` for an office that shares one server.

Nothing is ever deleted from the register: removal is a status (已删除) with its date and
reason. Every change belongs to a change set (an import or an apply) that records when, who,
which command, and per change the source file and cell, the old and the new value. A change
set can be undone exactly; the undone change set leaves no trace, so the database is again
what it was before (the tests compare full dumps).

Writers take the database's write lock first (SQLite ``BEGIN IMMEDIATE``; elsewhere a lock
row selected ``FOR UPDATE``) and compute their changes inside that transaction, so two
``apply`` runs at once give one change set: the second waits and finds nothing left to do,
or gives up after ``wait`` seconds with a Chinese message. A run killed midway leaves the
database as it was before (the transaction is never committed).

Functions for other modules:
- :func:`registry_findings` — ``not-filed`` / ``filing-date-mismatch`` during ``merge --db``;
- :func:`due_enterprises` — the enterprises due for a reminder (``letters reminder --registry``).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import getpass
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import event

from formkit.campaign import Campaign, load_campaign
from formkit.errors import FormkitError
from formkit.findings import Finding, sort_key
from formkit.forms import load_register_form
from formkit.normalize import chinese_date

DEFAULT_DB = "formkit.sqlite"
#: Environment variable naming the database when ``--db`` is not given.
ENV_DB = "FORMKIT_DB"
#: Test hook: seconds `apply` sleeps after writing each change (to test locking and kills).
ENV_TEST_SLEEP = "FORMKIT_TEST_APPLY_SLEEP"
#: Seconds a writer waits for another writer's lock before giving up.
DEFAULT_WAIT = 30.0
SCHEMA_VERSION = "1"

ACTIVE, MARKED, GRACE, REMOVED = "正常", "经营异常", "宽限期", "已删除"
STATUSES = (ACTIVE, MARKED, GRACE, REMOVED)

#: The register's columns, in the order of ``forms/register.toml`` (without 序号, 统一社会信用代码).
FIELDS = ("city", "name", "filing_date", "cert_no", "cert_date", "eval_date", "status",
          "status_date", "status_reason", "grace_until", "remark")
DATE_FIELDS = frozenset({"filing_date", "cert_date", "eval_date", "status_date", "grace_until"})

#: Kinds of change, as a person reads them.
ACTION_NAMES = {"add": "新增", "update": "更新", "remove": "删除", "mark": "标记跟踪",
                "rename": "更新名称", "grace": "给予宽限期", "evaluate": "绩效评价"}

RULE_NAMES = {"5-year": "备案超5年未认证或评价", "3-year": "备案满3年未认证或评价",
              "grace-expired": "宽限期满仍未认证或评价"}
RULE_ACTIONS = {"5-year": "提醒，愿意开展认证或评价的给予1年宽限期，放弃的删除",
                "3-year": "从备案名单中删除", "grace-expired": "从备案名单中删除"}


def field_name(key: str) -> str:
    """Return the Chinese header of a register field (设区市, 企业名称 …)."""
    if key == "uscc":
        return "统一社会信用代码"
    return load_register_form().column(key).header


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

enterprises = sa.Table(
    "enterprises", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", sa.String(18), nullable=False, unique=True),
    sa.Column("city", sa.String(20), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("filing_date", sa.Date, nullable=False),
    sa.Column("cert_no", sa.Text),
    sa.Column("cert_date", sa.Date),
    sa.Column("eval_date", sa.Date),
    sa.Column("status", sa.String(8), nullable=False, default=ACTIVE),
    sa.Column("status_date", sa.Date),
    sa.Column("status_reason", sa.Text),
    sa.Column("grace_until", sa.Date),
    sa.Column("remark", sa.Text),
    sa.CheckConstraint("status IN ('正常', '经营异常', '宽限期', '已删除')", name="ck_enterprises_status"),
)

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
    """Return the SQLAlchemy URL of ``db``: a URL as given, a path as an SQLite file.

    ``None`` means ``$FORMKIT_DB``, else ``formkit.sqlite`` in the working folder.
    """
    value = str(db) if db is not None else (os.environ.get(ENV_DB) or DEFAULT_DB)
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def _sqlite_path(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def display_name(url: str) -> str:
    """Return the database as a person names it: the SQLite path, or the URL without password."""
    path = _sqlite_path(url)
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
                               "--db 应为SQLite文件路径，或 postgresql://用户:密码@主机/库名"
                               "（PostgreSQL 需另装驱动：pip install psycopg2-binary）") from exc

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
    path = _sqlite_path(url)
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
def _opened(db, **kwargs) -> Iterator[Registry]:
    """Yield ``db`` opened (a path/URL), or ``db`` itself when it is already a Registry."""
    if isinstance(db, Registry):
        yield db
        return
    reg = open_registry(db, **kwargs)
    try:
        yield reg
    finally:
        reg.close()


# ------------------------------------------------------------------ values

def value_text(value: Any) -> str | None:
    """Return a value as stored in the history: ISO dates, JSON rows, None kept."""
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps({k: value_text(v) for k, v in value.items()}, ensure_ascii=False, sort_keys=True)
    return str(value)


def value_of(field_key: str | None, text: str | None) -> Any:
    """Return the typed value of a history text (the inverse of :func:`value_text`)."""
    if text is None:
        return None
    if field_key is None:
        raw = json.loads(text)
        return {k: value_of(k, v) for k, v in raw.items()}
    if field_key in DATE_FIELDS:
        return dt.date.fromisoformat(text)
    return text


def shown(value: Any) -> str:
    """Return a value for a table a person reads."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def load_state(conn: sa.Connection) -> dict[str, dict]:
    """Return every enterprise of the register: USCC → {field: value} (insertion order)."""
    out: dict[str, dict] = {}
    for row in conn.execute(sa.select(enterprises).order_by(enterprises.c.id)).mappings():
        out[row["uscc"]] = {k: row[k] for k in FIELDS}
    return out


# ------------------------------------------------------------------ change sets

@dataclass
class Change:
    """One change of one field of one enterprise (or a whole new enterprise for ``add``)."""

    uscc: str
    action: str
    field: str | None
    old: Any
    new: Any
    city: str | None = None
    name: str | None = None
    source_file: str | None = None
    source_sheet: str | None = None
    source_cell: str | None = None
    reason: str | None = None

    @property
    def where(self) -> str:
        parts = [p for p in (self.source_file, self.source_sheet, self.source_cell) if p]
        return " ".join(parts)

    def row(self) -> dict:
        """Return the change as plain data (dates as ISO text)."""
        return {"uscc": self.uscc, "city": self.city, "name": self.name, "action": self.action,
                "field": self.field, "old": value_text(self.old), "new": value_text(self.new),
                "source_file": self.source_file, "source_sheet": self.source_sheet,
                "source_cell": self.source_cell, "reason": self.reason}


@dataclass
class Skipped:
    """A record that gives no change, and why."""

    form: str
    uscc: str | None
    name: str | None
    city: str | None
    where: str
    reason: str


def _operator() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container, a service)
        return None


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def write_changeset(conn: sa.Connection, items: list[Change], *, kind: str, command: str,
                    source: str | None, summary: str | None = None,
                    sleep: float = 0.0) -> int:
    """Apply ``items`` to the register and record them as one change set; return its number."""
    result = conn.execute(sa.insert(changesets).values(
        created_at=_now(), operator=_operator(), command=command, kind=kind, source=source,
        summary=summary))
    cs_id = result.inserted_primary_key[0]
    rows = []
    adds = []
    for seq, ch in enumerate(items, start=1):
        if ch.action == "add":
            values = {"uscc": ch.uscc, **{k: ch.new.get(k) for k in FIELDS}}
            if sleep:
                conn.execute(sa.insert(enterprises).values(**values))
            else:
                adds.append(values)
        else:
            conn.execute(sa.update(enterprises).where(enterprises.c.uscc == ch.uscc)
                         .values({ch.field: ch.new}))
        row = {"changeset_id": cs_id, "seq": seq, "uscc": ch.uscc, "action": ch.action,
               "field": ch.field, "old_value": value_text(ch.old), "new_value": value_text(ch.new),
               "source_file": ch.source_file, "source_sheet": ch.source_sheet,
               "source_cell": ch.source_cell, "reason": ch.reason}
        if sleep:
            conn.execute(sa.insert(changes).values(**row))
            time.sleep(sleep)
        else:
            rows.append(row)
    if adds:
        conn.execute(sa.insert(enterprises), adds)
    if rows:
        conn.execute(sa.insert(changes), rows)
    return cs_id


def _set(state: dict, out: list[Change], uscc: str, action: str, key: str, new: Any, src: dict,
         reason: str | None) -> None:
    """Append a change of ``key`` to ``new`` when it differs, and update ``state``."""
    current = state[uscc]
    old = current.get(key)
    if old == new:
        return
    out.append(Change(uscc=uscc, action=action, field=key, old=old, new=new, city=current.get("city"),
                      name=current.get("name"), reason=reason, **src))
    current[key] = new


# ------------------------------------------------------------------ import

@dataclass
class ImportResult:
    """What `registry import` read, found and changed."""

    check: Any                      # api.CheckResult of the register files
    changes: list[Change]
    differences: list[Change]       # values that differ from the register and were not overwritten
    rejected: int                   # rows not imported (an error finding)
    changeset: int | None = None
    dry_run: bool = False

    @property
    def added(self) -> int:
        return sum(c.action == "add" for c in self.changes)

    @property
    def updated(self) -> int:
        return sum(c.action == "update" for c in self.changes)


def _read_register_file(path: Path, campaign: Campaign, name: str):
    """Return the FileResult of one register file: the same reader, layout and checks as the forms."""
    from formkit.checking import read_file

    form = load_register_form()
    result = read_file(path, campaign, name, forms=[form], unknown_message=(
        "文件中没有找到备案名单表格。表头应包含“设区市”“企业名称”“统一社会信用代码”“备案时间”等列"
        "（可参照 formkit registry export 导出的名单）"))
    for f in result.findings:
        if f.code == "missing-column":
            f.message = f.message.replace(f"请按附件{form.attachment}的格式", "请按备案名单的格式")
    for sub in result.submissions:
        result.findings.extend(_register_row_checks(sub, campaign))
    result.findings.sort(key=sort_key)
    return result


def _register_row_checks(sub, campaign: Campaign) -> Iterator[Finding]:
    """Yield the register's own row findings: `city-mismatch` of the USCC against 设区市."""
    for record in sub.records:
        code, city_name = record.value("uscc"), record.value("city")
        city = campaign.city(city_name) if city_name else None
        if not code or city is None or code[2:6] == city.code:
            continue
        other = campaign.city_of_code(code)
        where = f"属于{other.name}" if other else f"不在{city.name}"
        yield Finding.at(record, "uscc", "city-mismatch",
                         f"信用代码的行政区划代码“{code[2:8]}”{where}，与所填设区市{city.name}不一致，请核实")


def read_register(paths: Iterable[str | Path], campaign: Campaign | None = None,
                  progress: Callable | None = None):
    """Return an api.CheckResult of register files: every row read and checked, duplicates found."""
    from formkit.checking import CheckResult, collect_inputs
    from formkit.checks.cross import place
    from formkit.readers.legacy import converted_copies

    campaign = campaign or load_campaign()
    inputs, ignored = collect_inputs(paths)
    files = []
    with converted_copies([p for p, _ in inputs]):
        for path, name in (progress(inputs) if progress else inputs):
            files.append(_read_register_file(path, campaign, name))
    first: dict[str, Any] = {}
    for fr in files:
        for record in fr.records:
            code = record.value("uscc")
            if not code:
                continue
            if code in first:
                fr.findings.append(Finding.at(
                    record, "uscc", "duplicate",
                    f"该企业已在{place(first[code])}列出（备案名单中同一信用代码只应出现一次），未导入此行，请删除重复行"))
            else:
                first[code] = record
    for fr in files:
        fr.findings.sort(key=sort_key)
        errors = {id(f.record) for f in fr.findings if f.record is not None and f.severity == "error"}
        for record in fr.records:
            record.valid = id(record) not in errors
    return CheckResult(files=files, findings=[f for fr in files for f in fr.findings], ignored=ignored)


def _record_values(record) -> dict:
    values = {k: record.value(k) for k in FIELDS if k in record.cells}
    for k in ("cert_no", "status_reason", "remark", "name"):
        if isinstance(values.get(k), str):
            values[k] = values[k].strip() or None
    return values


def plan_import(state: dict[str, dict], records: list, *, update: bool = False) -> tuple[list[Change], list[Change]]:
    """Return (changes, differences not applied) that bring ``records`` into the register.

    A new USCC is added; for a known one an empty field is filled in. A value that differs
    from the register is a difference: applied only with ``update`` (the file is right),
    otherwise reported and left as it is.
    """
    state = copy.deepcopy(state)
    out: list[Change] = []
    diffs: list[Change] = []
    for record in records:
        if not record.valid:
            continue
        code = record.value("uscc")
        values = _record_values(record)
        src_row = {"source_file": record.source.file, "source_sheet": record.source.sheet}
        if code not in state:
            row = {k: values.get(k) for k in FIELDS}
            row["status"] = row["status"] or ACTIVE
            cell = record.cells["uscc"].source.cell
            out.append(Change(uscc=code, action="add", field=None, old=None, new=row, city=row["city"],
                              name=row["name"], source_cell=cell, reason="导入备案名单", **src_row))
            state[code] = dict(row)
            continue
        current = state[code]
        for key in FIELDS:
            new = values.get(key)
            if new is None or new == current.get(key):
                continue
            src = dict(src_row, source_cell=record.cells[key].source.cell)
            change = Change(uscc=code, action="update", field=key, old=current.get(key), new=new,
                            city=current.get("city"), name=current.get("name"), reason="导入备案名单", **src)
            if current.get(key) is None or update:
                out.append(change)
                current[key] = new
            else:
                diffs.append(change)
    return out, diffs


def import_files(db, paths: Iterable[str | Path], campaign: Campaign | None = None, *,
                 update: bool = False, dry_run: bool = False, command: str = "formkit registry import",
                 wait: float = DEFAULT_WAIT, progress: Callable | None = None,
                 on_wait: Callable[[str], None] | None = None) -> ImportResult:
    """Read register files and add their valid rows to the register at ``db`` (created if missing)."""
    campaign = campaign or load_campaign()
    paths = list(paths)
    checked = read_register(paths, campaign, progress=progress)
    records = [r for fr in checked.files for r in fr.records]
    rejected = sum(not r.valid for r in records)
    path = _sqlite_path(resolve_url(db)) if not isinstance(db, Registry) else None
    if dry_run and path is not None and not path.exists():
        items, diffs = plan_import({}, records, update=update)  # a register yet to be made
        return ImportResult(checked, items, diffs, rejected, None, dry_run=True)
    with _opened(db, create=not dry_run, wait=wait, on_wait=on_wait) as reg:
        if dry_run:
            with reg.read() as conn:
                items, diffs = plan_import(load_state(conn), records, update=update)
            return ImportResult(checked, items, diffs, rejected, None, dry_run=True)
        with reg.write() as conn:
            items, diffs = plan_import(load_state(conn), records, update=update)
            cs_id = None
            if items:
                added = sum(c.action == "add" for c in items)
                summary = f"新增{added}家，更新{len(items) - added}项"
                cs_id = write_changeset(conn, items, kind="import", command=command,
                                        source="；".join(str(p) for p in paths), summary=summary)
    return ImportResult(checked, items, diffs, rejected, cs_id)


# ------------------------------------------------------------------ apply

@dataclass
class ApplyResult:
    """The change set computed from a merge's records, and whether it was written."""

    changes: list[Change]
    skipped: list[Skipped]
    unchanged: int
    source: str
    changeset: int | None = None
    applied: bool = False


def load_merged(merged: str | Path) -> tuple[dict, Path]:
    """Return (records.json data, its path) from a merge output folder (or the file itself)."""
    path = Path(merged)
    if path.is_dir():
        path = path / "records.json"
    if not path.is_file():
        raise FormkitError(f"找不到 {path}：MERGED_DIR 应为 formkit merge 的输出文件夹（其中有 records.json）")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormkitError(f"无法读取 {path}：{exc}；请重新运行 formkit merge") from exc
    if not isinstance(data, dict) or not isinstance(data.get("forms"), dict):
        raise FormkitError(f"{path} 不是 formkit merge 写出的 records.json")
    return data, path


def _src(item: dict, key: str) -> dict:
    cells = item.get("cells") or {}
    return {"source_file": item.get("file"), "source_sheet": item.get("sheet"), "source_cell": cells.get(key)}


def _where(item: dict) -> str:
    sheet = item.get("sheet")
    row = item.get("row")
    return f"{item.get('file') or ''} {sheet + ' ' if sheet else ''}第{row}行".strip()


def plan_apply(state: dict[str, dict], merged: dict, on: dt.date) -> tuple[list[Change], list[Skipped], int]:
    """Return (changes, skipped records, records already applied) for a merge's records.

    Anomaly rows (附件4) in their order: 删除 → status 已删除 with date ``on`` and reason;
    标记跟踪 → 经营异常; 更新名称 → the new name; 提醒并给予1年宽限期 → 宽限期 until the date
    given. Then evaluation rows (附件2): 最近绩效评价日期 when later than the register's, and an
    enterprise in its grace period is back to 正常. Records with an error finding are skipped.
    """
    state = copy.deepcopy(state)
    out: list[Change] = []
    skipped: list[Skipped] = []
    unchanged = 0
    forms = merged.get("forms", {})

    def skip(form, item, reason):
        v = item.get("values") or {}
        skipped.append(Skipped(form, v.get("uscc") or (item.get("raw") or {}).get("uscc"), v.get("name"),
                               item.get("city"), _where(item), reason))

    for form in ("anomaly", "evaluation"):
        for item in forms.get(form, []):
            v = item.get("values") or {}
            code = v.get("uscc")
            if not item.get("valid", False):
                codes = "、".join(item.get("findings") or [])
                skip(form, item, f"该行有错误（{codes}），未应用；请更正后重新汇总")
                continue
            if not code or code not in state:
                skip(form, item, "该企业不在备案名单中（未备案），未应用")
                continue
            current = state[code]
            before = len(out)
            if current["status"] == REMOVED:
                if not (form == "anomaly" and v.get("action") == "删除"):
                    skip(form, item, f"该企业已于{shown(current['status_date'])}从备案名单中删除"
                                     f"（{current['status_reason'] or '未注明原因'}），未应用")
                    continue
            if form == "anomaly":
                _apply_anomaly(state, out, code, v, item, on)
            else:
                _apply_evaluation(state, out, code, v, item, on)
            if len(out) == before:
                unchanged += 1
    return out, skipped, unchanged


def _apply_anomaly(state, out, code, v, item, on) -> None:
    kind, action = v.get("type"), v.get("action")
    note = (v.get("verification") or "").strip()
    reason = f"{kind}：{note}" if note else (kind or "")
    reason = f"{item.get('city') or ''}附件4复核，{reason}".strip("，")
    current = state[code]
    src = _src(item, "action")
    if action == "删除":
        if current["status"] != REMOVED:
            _set(state, out, code, "remove", "status", REMOVED, src, reason)
            _set(state, out, code, "remove", "status_date", on, src, reason)
            _set(state, out, code, "remove", "status_reason", reason, src, reason)
    elif action == "标记跟踪":
        if current["status"] != MARKED:
            _set(state, out, code, "mark", "status", MARKED, src, reason)
            _set(state, out, code, "mark", "status_date", on, src, reason)
            _set(state, out, code, "mark", "status_reason", reason, src, reason)
    elif action == "更新名称":
        new_name = (v.get("new_name") or "").strip()
        if new_name:
            _set(state, out, code, "rename", "name", new_name, _src(item, "new_name"), reason)
    elif action == "提醒并给予1年宽限期":
        until = _date(v.get("grace_until"))
        if current["status"] != GRACE:
            _set(state, out, code, "grace", "status", GRACE, src, reason)
            _set(state, out, code, "grace", "status_date", on, src, reason)
            _set(state, out, code, "grace", "status_reason", reason, src, reason)
        if until is not None:
            _set(state, out, code, "grace", "grace_until", until, _src(item, "grace_until"), reason)


def _apply_evaluation(state, out, code, v, item, on) -> None:
    current = state[code]
    when = _date(v.get("eval_date"))
    if when is None:
        return
    batch = {1: "第一批", 2: "第二批"}.get(item.get("batch"), "")
    reason = f"{item.get('city') or ''}附件2{batch}绩效评价合格（{when.isoformat()}）"
    if current["eval_date"] is None or when > current["eval_date"]:
        _set(state, out, code, "evaluate", "eval_date", when, _src(item, "eval_date"), reason)
    if current["status"] == GRACE:
        src = _src(item, "eval_date")
        why = f"宽限期内通过绩效评价（{when.isoformat()}）"
        _set(state, out, code, "evaluate", "status", ACTIVE, src, why)
        _set(state, out, code, "evaluate", "status_date", on, src, why)
        _set(state, out, code, "evaluate", "status_reason", why, src, why)
        _set(state, out, code, "evaluate", "grace_until", None, src, why)


def apply_merged(db, merged: str | Path, *, yes: bool = False, on: dt.date | None = None,
                 command: str = "formkit registry apply", wait: float = DEFAULT_WAIT,
                 on_wait: Callable[[str], None] | None = None) -> ApplyResult:
    """Compute the change set of a merge output and, with ``yes``, apply it in one transaction."""
    data, path = load_merged(merged)
    on = on or dt.date.today()
    source = str(Path(merged))
    with _opened(db, wait=wait, on_wait=on_wait) as reg:
        if not yes:
            with reg.read() as conn:
                items, skipped, unchanged = plan_apply(load_state(conn), data, on)
            return ApplyResult(items, skipped, unchanged, source)
        try:
            sleep = max(0.0, float(os.environ.get(ENV_TEST_SLEEP) or 0))
        except ValueError:
            sleep = 0.0
        with reg.write() as conn:
            items, skipped, unchanged = plan_apply(load_state(conn), data, on)
            cs_id = None
            if items:
                per: dict[str, set] = {}
                for ch in items:
                    per.setdefault(ch.action, set()).add(ch.uscc)
                summary = "，".join(f"{ACTION_NAMES[a]}{len(s)}家" for a, s in per.items())
                cs_id = write_changeset(conn, items, kind="apply", command=command, source=source,
                                        summary=summary, sleep=sleep)
    return ApplyResult(items, skipped, unchanged, source, cs_id, applied=cs_id is not None)


# ------------------------------------------------------------------ history and undo

def changeset_rows(db) -> list[dict]:
    """Return every change set (newest last) with its number of changes."""
    with _opened(db) as reg, reg.read() as conn:
        n = (sa.select(changes.c.changeset_id, sa.func.count().label("n"))
             .group_by(changes.c.changeset_id).subquery())
        q = (sa.select(changesets, sa.func.coalesce(n.c.n, 0).label("changes"))
             .select_from(changesets.outerjoin(n, n.c.changeset_id == changesets.c.id))
             .order_by(changesets.c.id))
        return [dict(r) for r in conn.execute(q).mappings()]


def change_rows(db, *, uscc: str | None = None, changeset: int | None = None) -> list[dict]:
    """Return changes (with their change set's time and command), oldest first."""
    with _opened(db) as reg, reg.read() as conn:
        q = (sa.select(changes, changesets.c.created_at, changesets.c.command, changesets.c.operator,
                       changesets.c.kind, enterprises.c.name.label("current_name"))
             .select_from(changes.join(changesets, changes.c.changeset_id == changesets.c.id)
                          .outerjoin(enterprises, enterprises.c.uscc == changes.c.uscc))
             .order_by(changes.c.changeset_id, changes.c.seq))
        if uscc is not None:
            q = q.where(changes.c.uscc == uscc)
        if changeset is not None:
            q = q.where(changes.c.changeset_id == changeset)
        return [dict(r) for r in conn.execute(q).mappings()]


def enterprise(db, uscc: str) -> dict | None:
    """Return one enterprise of the register as it stands, or None."""
    with _opened(db) as reg, reg.read() as conn:
        row = conn.execute(sa.select(enterprises).where(enterprises.c.uscc == uscc)).mappings().first()
        return dict(row) if row else None


@dataclass
class UndoResult:
    changeset: dict
    changes: list[dict]
    done: bool = False


def undo(db, changeset_id: int, *, yes: bool = False, wait: float = DEFAULT_WAIT,
         on_wait: Callable[[str], None] | None = None) -> UndoResult:
    """Revert one change set exactly (with ``yes``): every field back to its old value, added rows out.

    Refused when a later change set changed the same field of the same enterprise (undo that
    one first) or when the register no longer holds the values the change set wrote.
    """
    with _opened(db, wait=wait, on_wait=on_wait) as reg:
        ctx = reg.write() if yes else reg.read()
        with ctx as conn:
            cs = conn.execute(sa.select(changesets).where(changesets.c.id == changeset_id)).mappings().first()
            if cs is None:
                raise FormkitError(f"没有编号为 {changeset_id} 的变更集（formkit registry history 列出全部变更集）")
            rows = [dict(r) for r in conn.execute(
                sa.select(changes).where(changes.c.changeset_id == changeset_id).order_by(changes.c.seq)).mappings()]
            codes = {r["uscc"] for r in rows}
            later = [dict(r) for r in conn.execute(
                sa.select(changes).where(changes.c.changeset_id > changeset_id, changes.c.uscc.in_(codes))
                .order_by(changes.c.changeset_id, changes.c.seq)).mappings()] if codes else []
            added = {r["uscc"] for r in rows if r["action"] == "add"}
            touched = {(r["uscc"], r["field"]) for r in rows}
            for r in later:
                if r["uscc"] in added or (r["uscc"], r["field"]) in touched:
                    what = field_name(r["field"]) if r["field"] else "该企业"
                    raise FormkitError(
                        f"变更集 {changeset_id} 之后，变更集 {r['changeset_id']} 又修改了企业 {r['uscc']} 的{what}；"
                        f"请先撤销变更集 {r['changeset_id']}（及其后修改同一项的变更集），再撤销 {changeset_id}")
            state = load_state(conn)
            last: dict[tuple, dict] = {}
            for r in rows:
                last[(r["uscc"], r["field"])] = r
            for (code, key), r in last.items():
                expected = value_of(key, r["new_value"])
                if key is None:
                    current = state.get(code)
                    if current is None or any(current.get(k) != expected.get(k) for k in FIELDS if k not in _touched_later(rows, code)):
                        raise FormkitError(f"企业 {code} 已不是变更集 {changeset_id} 新增时的样子（数据库可能被直接修改过），无法精确撤销")
                    continue
                current = state.get(code, {}).get(key) if code in state else None
                if code not in state or current != expected:
                    raise FormkitError(
                        f"企业 {code} 的{field_name(key)}现为“{shown(current)}”，不是变更集 {changeset_id} 写入的"
                        f"“{shown(expected)}”（数据库可能被直接修改过），无法精确撤销")
            if yes:
                for r in reversed(rows):
                    if r["action"] == "add":
                        conn.execute(sa.delete(enterprises).where(enterprises.c.uscc == r["uscc"]))
                    else:
                        conn.execute(sa.update(enterprises).where(enterprises.c.uscc == r["uscc"])
                                     .values({r["field"]: value_of(r["field"], r["old_value"])}))
                conn.execute(sa.delete(changes).where(changes.c.changeset_id == changeset_id))
                conn.execute(sa.delete(changesets).where(changesets.c.id == changeset_id))
    return UndoResult(dict(cs), rows, done=yes)


def _touched_later(rows: list[dict], code: str) -> set[str]:
    """Return the fields of ``code`` the same change set changed after adding it."""
    return {r["field"] for r in rows if r["uscc"] == code and r["field"]}


# ------------------------------------------------------------------ due

def due_rows(state: dict[str, dict], as_of: dt.date, campaign: Campaign) -> list[dict]:
    """Return the enterprises due on ``as_of`` (see :func:`due_enterprises`), by city."""
    stock = campaign.thresholds["stock_filing_years"]
    new = campaign.thresholds["new_filing_years"]
    grace_years = campaign.thresholds["grace_period_years"]
    month, day = campaign.deadlines["anomaly"].split("-")
    review = dt.date(as_of.year, int(month), int(day))
    grace_deadline = _add_years(review, grace_years)
    out = []
    for code, row in state.items():
        if row["status"] == REMOVED or row["cert_no"] or row["cert_date"] or row["eval_date"]:
            continue
        filed = row["filing_date"]
        rule = None
        deadline = None
        if row["status"] == GRACE:
            if row["grace_until"] is not None and row["grace_until"] < as_of:
                rule = "grace-expired"
        elif filed.year < campaign.year:
            if _add_years(filed, stock) <= as_of:
                rule, deadline = "5-year", grace_deadline
        elif _add_years(filed, new) <= as_of:
            rule = "3-year"
        if rule is None:
            continue
        city = campaign.city(row["city"])
        out.append({
            "city": row["city"], "office": city.office if city else None, "name": row["name"],
            "uscc": code, "filing_date": filed, "rule": rule, "rule_name": RULE_NAMES[rule],
            "action": RULE_ACTIONS[rule], "grace_deadline": deadline, "status": row["status"],
            "grace_until": row["grace_until"],
            "years": as_of.year - filed.year - ((as_of.month, as_of.day) < (filed.month, filed.day)),
        })
    out.sort(key=lambda d: (campaign.city_order(d["city"]), d["filing_date"], d["uscc"]))
    return out


def due_enterprises(db_url, as_of: dt.date | None = None, campaign: Campaign | None = None) -> list[dict]:
    """Return the enterprises due on ``as_of`` (default today), cities in official order.

    Not removed, not certified (no 认证证书编号/发证日期) and not evaluated (no 最近绩效评价日期), and:
    - ``5-year``: filed before the campaign year and at least 5 years before ``as_of`` → remind;
      ``grace_deadline`` is one year after that year's review deadline (07-31): the date the
      reminder letter states;
    - ``3-year``: filed in the campaign year or later and at least 3 years before ``as_of`` → remove;
    - ``grace-expired``: in a grace period that ended before ``as_of`` → remove.
    An enterprise already in its grace period is not due again until the grace period ends.

    Each dict: city, office, name, uscc, filing_date (date), rule, rule_name, action,
    grace_deadline (date or None), status, grace_until, years (age of the filing).
    ``db_url`` is a path, a URL or an open :class:`Registry`.
    """
    campaign = campaign or load_campaign()
    as_of = as_of or dt.date.today()
    with _opened(db_url) as reg, reg.read() as conn:
        state = load_state(conn)
    return due_rows(state, as_of, campaign)


# ------------------------------------------------------------------ merge --db

FILED_FORMS = ("evaluation", "anomaly")


def registry_findings(records_by_form: dict[str, list], db_url) -> list[Finding]:
    """Return `not-filed` and `filing-date-mismatch` warnings of merged records against the register.

    Only the forms that carry 备案时间 (附件2, 附件4) are compared, and only records whose
    credit code is valid (an invalid code already has its own error).
    """
    from formkit.forms import get_form

    with _opened(db_url) as reg, reg.read() as conn:
        state = load_state(conn)
    out: list[Finding] = []
    for form in FILED_FORMS:
        header = get_form(form).column("filing_date").header
        for record in records_by_form.get(form, []):
            code = record.value("uscc")
            if not code:
                continue
            known = state.get(code)
            if known is None:
                out.append(Finding.at(record, "uscc", "not-filed",
                                      "该企业不在备案名单中（未备案或信用代码有误），请核实企业是否已完成贯标备案"))
                continue
            if known["status"] == REMOVED:
                why = known["status_reason"] or "未注明原因"
                out.append(Finding.at(record, "uscc", "not-filed",
                                      f"该企业已于{shown(known['status_date'])}从备案名单中删除（{why}），请核实"))
                continue
            filed = record.value("filing_date")
            if isinstance(filed, dt.date) and filed != known["filing_date"]:
                out.append(Finding.at(record, "filing_date", "filing-date-mismatch",
                                      f"{header}{chinese_date(filed)}与备案名单中的备案时间"
                                      f"{chinese_date(known['filing_date'])}不一致，请核对"))
    return out


@contextlib.contextmanager
def findings_source(db) -> Iterator[Callable[[dict[str, list]], list[Finding]]]:
    """Yield, with the register open, the function that compares merged records with it."""
    with _opened(db) as reg:
        yield lambda records_by_form: registry_findings(records_by_form, reg)


# ------------------------------------------------------------------ export and dump

EXPORT_SHEETS = ("备案名单", "状态统计", "变更记录")
HISTORY_HEADERS = ["变更集", "时间", "操作人", "命令", "统一社会信用代码", "企业名称", "变更", "项目",
                   "原值", "新值", "来源文件", "来源位置", "原因"]


def export_xlsx(db, path: str | Path, campaign: Campaign | None = None, today: dt.date | None = None) -> Path:
    """Write the register as it stands: 备案名单 (every enterprise, removed ones too), 状态统计, 变更记录.

    The first sheet has the headers of ``forms/register.toml``, so the file can be imported again.
    Every text is written as a text cell: nothing becomes a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from formkit.fsutil import atomic_path

    campaign = campaign or load_campaign()
    today = today or dt.date.today()
    with _opened(db) as reg, reg.read() as conn:
        state = load_state(conn)
    history = change_rows(db)
    form = load_register_form()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="D9E1F2")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wb = Workbook(write_only=True)

    def cell(ws, value, **style):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text stays text: "=HYPERLINK(…)" is never a formula
        elif isinstance(value, dt.date):
            c.number_format = "yyyy-mm-dd"
        for k, v in style.items():
            setattr(c, k, v)
        return c

    def header(ws, names, widths):
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.append([cell(ws, h, font=bold, fill=fill, alignment=center) for h in names])

    ordered = sorted(state.items(), key=lambda kv: campaign.city_order(kv[1]["city"]))
    ws = wb.create_sheet(EXPORT_SHEETS[0])
    ws.freeze_panes = "A4"
    cols = form.columns
    for i, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, col.width)
    ws.append([cell(ws, f"{campaign.province}{form.title}", font=Font(bold=True, size=16))])
    counts = {s: sum(r["status"] == s for _, r in ordered) for s in STATUSES}
    ws.append([cell(ws, f"截至{chinese_date(today)}，共{len(ordered)}家（"
                    + "，".join(f"{s}{counts[s]}家" for s in STATUSES) + "）")])
    ws.append([cell(ws, c.header, font=bold, fill=fill, alignment=center) for c in cols])
    for n, (code, row) in enumerate(ordered, start=1):
        values = []
        for c in cols:
            value = n if c.key == "seq" else (code if c.key == "uscc" else row.get(c.key))
            values.append(cell(ws, value) if isinstance(value, (str, dt.date)) else value)
        ws.append(values)
    ws.auto_filter.ref = f"A3:{get_column_letter(len(cols))}{len(ordered) + 3}"

    ws = wb.create_sheet(EXPORT_SHEETS[1])
    header(ws, ["设区市", *STATUSES, "合计"], [12, 10, 10, 10, 10, 10])
    names = [c.name for c in campaign.cities]
    names += sorted({r["city"] for r in state.values()} - set(names))
    totals = {s: 0 for s in STATUSES}
    for name in names:
        per = {s: sum(r["city"] == name and r["status"] == s for r in state.values()) for s in STATUSES}
        for s in STATUSES:
            totals[s] += per[s]
        ws.append([cell(ws, name), *[per[s] for s in STATUSES], sum(per.values())])
    ws.append([cell(ws, "全省合计", font=bold), *[totals[s] for s in STATUSES], sum(totals.values())])

    ws = wb.create_sheet(EXPORT_SHEETS[2])
    header(ws, HISTORY_HEADERS, [8, 22, 10, 30, 22, 28, 10, 14, 24, 24, 40, 16, 36])
    for r in history:
        key = r["field"]
        ws.append([r["changeset_id"], cell(ws, r["created_at"]), cell(ws, r["operator"] or ""),
                   cell(ws, r["command"]), cell(ws, r["uscc"]), cell(ws, r["current_name"] or ""),
                   cell(ws, ACTION_NAMES.get(r["action"], r["action"])),
                   cell(ws, field_name(key) if key else "整行"),
                   cell(ws, _history_text(key, r["old_value"])), cell(ws, _history_text(key, r["new_value"])),
                   cell(ws, r["source_file"] or ""),
                   cell(ws, " ".join(p for p in (r["source_sheet"], r["source_cell"]) if p)),
                   cell(ws, r["reason"] or "")])
    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _history_text(key: str | None, text: str | None) -> str:
    if text is None:
        return ""
    if key is None:
        row = json.loads(text)
        return "；".join(f"{field_name(k)}：{v}" for k, v in row.items() if v not in (None, ""))
    return text


def demo(out_dir: str | Path, merged_dir: str | Path, campaign: Campaign | None = None) -> list[str]:
    """Run the register part of `formkit demo`; return the lines to print.

    Imports the bundled sample register into ``out_dir/formkit.sqlite`` (made afresh), shows
    what `registry apply` would change from ``merged_dir`` (a dry run) and the enterprises due
    at the anomaly review deadline.
    """
    from formkit.registry_samples import sample_register_path

    campaign = campaign or load_campaign()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / DEFAULT_DB
    if db.exists():
        db.unlink()
    imported = import_files(db, [sample_register_path()], campaign, command="formkit demo")
    applied = apply_merged(db, merged_dir, yes=False, command="formkit demo")
    as_of = campaign.deadline("anomaly")
    due = due_enterprises(db, as_of, campaign)
    per: dict[str, set] = {}
    for ch in applied.changes:
        per.setdefault(ch.action, set()).add(ch.uscc)
    lines = [f"备案名单：导入示例名单 {imported.added} 家企业（数据库 {db}）。",
             "按汇总结果应更新（试运行，未写入）：" + ("，".join(f"{ACTION_NAMES[a]}{len(s)}家" for a, s in per.items())
                                              or "无"),
             f"  另有{len(applied.skipped)}条记录因有错误或不在名单中未应用；"
             f"写入请运行 formkit registry apply {merged_dir} --db {db} --yes",
             f"截至{chinese_date(as_of)}到期未认证或评价的企业{len(due)}家："]
    by_city: dict[str, int] = {}
    for d in due:
        by_city[d["city"]] = by_city.get(d["city"], 0) + 1
    lines.append("  " + "，".join(f"{c}{n}家" for c, n in by_city.items()))
    return lines


def dump(db) -> dict[str, list[tuple]]:
    """Return every row of every table, ordered by primary key (to compare database states)."""
    with _opened(db) as reg, reg.read() as conn:
        out = {}
        for name in TABLES:
            table = metadata.tables[name]
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(r) for r in rows]
        return out
