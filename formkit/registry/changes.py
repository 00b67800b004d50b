"""Change sets: every change of the register, written with its provenance, listed, and undone.

Nothing is ever deleted from the register: removal is a status (已删除) with its date and
reason. Every change belongs to a change set (an import or an apply) that records when, who,
which command, and per change the source file and cell, the old and the new value. A change
set can be undone exactly; the undone change set leaves no trace, so the database is again
what it was before (the tests compare full dumps).
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from formkit.errors import FormkitError
from formkit.registry.db import DEFAULT_WAIT, changes, changesets, enterprises, load_state, opened
from formkit.registry.values import FIELDS, field_name, shown, value_of, value_text

#: Kinds of change, as a person reads them.
ACTION_NAMES = {"add": "新增", "update": "更新", "remove": "删除", "mark": "标记跟踪",
                "rename": "更新名称", "grace": "给予宽限期", "evaluate": "绩效评价"}


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


def set_field(state: dict, out: list[Change], uscc: str, action: str, key: str, new: Any, src: dict,
              reason: str | None) -> None:
    """Append a change of ``key`` to ``new`` when it differs, and update ``state``."""
    current = state[uscc]
    old = current.get(key)
    if old == new:
        return
    out.append(Change(uscc=uscc, action=action, field=key, old=old, new=new, city=current.get("city"),
                      name=current.get("name"), reason=reason, **src))
    current[key] = new


# ------------------------------------------------------------------ history and undo

def changeset_rows(db) -> list[dict]:
    """Return every change set (newest last) with its number of changes."""
    with opened(db) as reg, reg.read() as conn:
        n = (sa.select(changes.c.changeset_id, sa.func.count().label("n"))
             .group_by(changes.c.changeset_id).subquery())
        q = (sa.select(changesets, sa.func.coalesce(n.c.n, 0).label("changes"))
             .select_from(changesets.outerjoin(n, n.c.changeset_id == changesets.c.id))
             .order_by(changesets.c.id))
        return [dict(r) for r in conn.execute(q).mappings()]


def change_rows(db, *, uscc: str | None = None, changeset: int | None = None) -> list[dict]:
    """Return changes (with their change set's time and command), oldest first."""
    with opened(db) as reg, reg.read() as conn:
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
    with opened(db) as reg, reg.read() as conn:
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
    with opened(db, wait=wait, on_wait=on_wait) as reg:
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
