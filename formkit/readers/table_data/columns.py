"""Header names of a DATA table: header text → variable name as written, an identifier alias
for a header that is not a valid name, ``_2`` for duplicates and ``列3`` for an empty header."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

_BRACKETS = re.compile(r"\([^()]*\)|（[^（）]*）|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>|《[^《》]*》")
_NOT_NAME = re.compile(r"[^\w]+")


def header_name(value: Any) -> str:
    """Return a header cell's text as a variable name: as written, without whitespace."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\ufeff", "").replace("\u200b", "")
    return re.sub(r"\s+", "", text)


def identifier(name: str) -> str | None:
    """Return a Jinja-usable name for header ``name``, or None when ``name`` already is one.

    ``得分（分）`` → ``得分``; ``2023年目标`` → ``_2023年目标``; ``联系人/电话`` → ``联系人_电话``.
    """
    if name.isidentifier():
        return None
    stripped = name
    previous = None
    while previous != stripped:
        previous, stripped = stripped, _BRACKETS.sub("", stripped)
    stripped = stripped.strip("*※★")
    if stripped and stripped.isidentifier():
        return stripped
    candidate = _NOT_NAME.sub("_", stripped or name).strip("_")
    if not candidate:
        return None
    if not candidate[0].isalpha() and candidate[0] != "_":
        candidate = "_" + candidate
    return candidate if candidate.isidentifier() else None


def column_names(headers: list[str], has_data: list[bool]) -> tuple[list[str | None], dict[str, str]]:
    """Return the column name per position (None = dropped) and the identifier aliases."""
    names: list[str | None] = []
    seen: dict[str, int] = {}
    for k, header in enumerate(headers):
        if not header:
            if not has_data[k]:
                names.append(None)
                continue
            header = f"列{k + 1}"
        base = header
        count = seen.get(base, 0) + 1
        seen[base] = count
        if count > 1:
            header = f"{base}_{count}"
            while header in seen:
                count += 1
                header = f"{base}_{count}"
            seen[header] = 1
        names.append(header)
    taken = {n for n in names if n}
    aliases: dict[str, str] = {}
    for name in names:
        if not name:
            continue
        alias = identifier(name)
        if alias and alias not in taken and alias not in aliases:
            aliases[alias] = name
    return names, aliases
