"""The register's fields and values: which columns it keeps (from ``forms/register.toml``), the
statuses, and values as the history stores them and as a person reads them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from formkit.forms import load_register_form

_FORM = load_register_form()
_STATUS = _FORM.column("status")

#: The register's columns, in the order of ``forms/register.toml`` (without 序号 and the key,
#: 统一社会信用代码).
FIELDS = tuple(c.key for c in _FORM.columns if c.type not in ("seq", "uscc"))
DATE_FIELDS = frozenset(c.key for c in _FORM.columns if c.type == "date")

#: The statuses an enterprise can have, as the form declares them (正常 first: a blank is 正常).
STATUSES = _STATUS.values
ACTIVE, MARKED, GRACE, REMOVED = STATUSES


def field_name(key: str) -> str:
    """Return the Chinese header of a register field (设区市, 企业名称 …)."""
    return _FORM.column(key).header


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


def as_date(value: Any) -> dt.date | None:
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


def history_text(key: str | None, text: str | None) -> str:
    """Return a value of the history as a person reads it (a new row as 项目：值；…)."""
    if text is None:
        return ""
    if key is None:
        row = json.loads(text)
        return "；".join(f"{field_name(k)}：{v}" for k, v in row.items() if v not in (None, ""))
    return text
