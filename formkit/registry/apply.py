"""Applying a merge to the register: the change set a merge's records.json calls for.

附件4 (anomalies) removes, marks, renames and grants grace; 附件2 (evaluations) records the
latest evaluation and ends a grace period. Records with an error finding are skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formkit.forms import get_form
from formkit.merged_files import checked, read_json, read_merged
from formkit.registry.changes import ACTION_NAMES, Change, set_field, write_changeset
from formkit.registry.db import DEFAULT_WAIT, load_state, opened
from formkit.registry.values import ACTIVE, GRACE, MARKED, REMOVED, as_date, shown

#: Test hook: seconds `apply` sleeps after writing each change (to test locking and kills).
ENV_TEST_SLEEP = "FORMKIT_TEST_APPLY_SLEEP"

@dataclass
class Skipped:
    """A record that gives no change, and why."""

    form: str
    uscc: str | None
    name: str | None
    city: str | None
    where: str
    reason: str


@dataclass
class ApplyResult:
    """The change set computed from a merge's records, and whether it was written."""

    changes: list[Change]
    skipped: list[Skipped]
    unchanged: int
    source: str
    changeset: int | None = None
    applied: bool = False


def load_records(merged: str | Path) -> dict:
    """Return the records.json data of a merge output folder (or of the file itself)."""
    path = Path(merged)
    if path.is_file():
        return checked("records.json", read_json(path), path)
    return read_merged(path, ("records.json",), then="更新备案名单")["records.json"]


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
            set_field(state, out, code, "remove", "status", REMOVED, src, reason)
            set_field(state, out, code, "remove", "status_date", on, src, reason)
            set_field(state, out, code, "remove", "status_reason", reason, src, reason)
    elif action == "标记跟踪":
        if current["status"] != MARKED:
            set_field(state, out, code, "mark", "status", MARKED, src, reason)
            set_field(state, out, code, "mark", "status_date", on, src, reason)
            set_field(state, out, code, "mark", "status_reason", reason, src, reason)
    elif action == "更新名称":
        new_name = (v.get("new_name") or "").strip()
        if new_name:
            set_field(state, out, code, "rename", "name", new_name, _src(item, "new_name"), reason)
    elif action == get_form("anomaly").terms["grace"]:
        until = as_date(v.get("grace_until"))
        if current["status"] != GRACE:
            set_field(state, out, code, "grace", "status", GRACE, src, reason)
            set_field(state, out, code, "grace", "status_date", on, src, reason)
            set_field(state, out, code, "grace", "status_reason", reason, src, reason)
        if until is not None:
            set_field(state, out, code, "grace", "grace_until", until, _src(item, "grace_until"), reason)


def _apply_evaluation(state, out, code, v, item, on) -> None:
    current = state[code]
    when = as_date(v.get("eval_date"))
    if when is None:
        return
    batch = {1: "第一批", 2: "第二批"}.get(item.get("batch"), "")
    reason = f"{item.get('city') or ''}附件2{batch}绩效评价合格（{when.isoformat()}）"
    if current["eval_date"] is None or when > current["eval_date"]:
        set_field(state, out, code, "evaluate", "eval_date", when, _src(item, "eval_date"), reason)
    if current["status"] == GRACE:
        src = _src(item, "eval_date")
        why = f"宽限期内通过绩效评价（{when.isoformat()}）"
        set_field(state, out, code, "evaluate", "status", ACTIVE, src, why)
        set_field(state, out, code, "evaluate", "status_date", on, src, why)
        set_field(state, out, code, "evaluate", "status_reason", why, src, why)
        set_field(state, out, code, "evaluate", "grace_until", None, src, why)


def apply_merged(db, merged: str | Path, *, yes: bool = False, on: dt.date | None = None,
                 command: str = "formkit registry apply", wait: float = DEFAULT_WAIT,
                 on_wait: Callable[[str], None] | None = None) -> ApplyResult:
    """Compute the change set of a merge output and, with ``yes``, apply it in one transaction."""
    data = load_records(merged)
    on = on or dt.date.today()
    source = str(Path(merged))
    with opened(db, wait=wait, on_wait=on_wait) as reg:
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
