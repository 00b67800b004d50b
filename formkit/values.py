"""Raw cells → typed values by column type; a failure becomes ``Cell.problem`` (code, reason)."""

from __future__ import annotations

from formkit import normalize as n
from formkit import uscc as uscc_mod
from formkit.forms import Column
from formkit.table import Cell, RawCell, Source

DATE_HINT = "请按“2023-05-06”或“2023年5月6日”的格式填写"


# Types whose value depends only on the text, the column and the campaign: parsed once per
# distinct text. The cache belongs to the campaign, one per column object (never by the
# column's key or header): 附件2 and 附件3 both have a column ``conclusion`` whose texts
# mean different things (不合格 is 未达标 in 附件3), so a key by name would carry one form's
# meaning into the other depending on which file was read first.
_CACHED_TYPES = {"enum", "multienum", "city", "body", "phone"}
_CACHE_LIMIT = 50000


def _column_cache(column: Column, campaign) -> dict | None:
    """Return the campaign's (text, is_number) → (value, problem) cache for this column object.

    None without a campaign: nothing is cached. The cache is looked up by the column's id and
    holds the column itself, so an id can never be reused for another column while cached.
    """
    if campaign is None:
        return None
    caches = campaign.__dict__.get("_value_cache")
    if caches is None:
        caches = campaign.__dict__["_value_cache"] = {}
    entry = caches.get(id(column))
    if entry is None or entry[0] is not column:
        entry = caches[id(column)] = (column, {})
    return entry[1]


def parse_cell(column: Column, raw: RawCell, source: Source, campaign=None) -> Cell:
    """Return the Cell for ``raw`` under ``column``: raw text kept, value normalised."""
    text = raw.text
    if text == "":
        return Cell(text, None, source, None, raw.is_number)
    kind = column.type
    if kind in _CACHED_TYPES or (kind == "date" and not raw.is_date and not raw.is_number):
        cache = _column_cache(column, campaign)
        if cache is not None:
            # is_number is in the key: a phone typed as a number cell parses from its value.
            key = (text, raw.is_number)
            hit = cache.get(key)
            if hit is None:
                parsed = _parse(column, raw, source, campaign)
                hit = (parsed.value, parsed.problem)
                if len(cache) < _CACHE_LIMIT:
                    cache[key] = hit
            value = hit[0]
            if isinstance(value, list):
                value = list(value)  # each cell its own list: a change to one never shows in another
            return Cell(text, value, source, hit[1], raw.is_number)
    return _parse(column, raw, source, campaign)


def _parse(column: Column, raw: RawCell, source: Source, campaign=None) -> Cell:
    text = raw.text
    cell = Cell(raw=text, value=None, source=source, is_number=raw.is_number)
    kind = column.type
    if kind in ("text", "seq"):
        cell.value = n.half_width(text)
    elif kind == "uscc":
        value, problem = uscc_mod.validate(text, from_number=raw.is_number and _lost_digits(raw))
        if raw.is_number and problem is None:
            value, problem = uscc_mod.validate(text)
        cell.value = value
        if problem:
            cell.problem = ("uscc", problem)
    elif kind == "date":
        value, problem = n.parse_date(raw.value if raw.is_date or raw.is_number else text)
        cell.value = value
        if problem:
            cell.problem = ("date", f"{column.header}“{text}”{problem}，{DATE_HINT}")
    elif kind == "enum":
        value = column.enum_map.get(n.enum_key(text))
        cell.value = value
        if value is None:
            cell.problem = ("enum", f"{column.header}“{text}”不是规定的填写值，应为："
                            + "、".join(column.values))
    elif kind == "multienum":
        parts = [p for p in _split_multi(text) if p]
        values, bad = [], []
        for part in parts:
            value = column.enum_map.get(n.enum_key(part))
            (values.append(value) if value else bad.append(part))
        cell.value = values if not bad else None
        if bad:
            cell.problem = ("enum", f"{column.header}中“{'、'.join(bad)}”不是规定的类别，可选："
                            + "、".join(column.values) + "，多个类别用“、”分隔")
    elif kind in ("int", "number"):
        value, problem = n.parse_number(raw.value if raw.is_number else text, integer=kind == "int")
        if problem is None and value is not None:
            if column.min is not None and value < column.min:
                problem = f"不能小于{n.number_text(column.min)}"
            elif column.max is not None and value > column.max:
                problem = f"不能大于{n.number_text(column.max)}"
        cell.value = value if problem is None else None
        if problem:
            rng = _range_text(column)
            cell.problem = ("number", f"{column.header}“{text}”{problem}{rng}")
    elif kind == "phone":
        value, problem = n.parse_phone(raw.value if raw.is_number else text)
        cell.value = value
        if problem:
            cell.problem = ("phone", f"联系电话{problem}，请填写11位手机号或带区号的固定电话（如025-83236380）")
    elif kind == "city":
        city = campaign.city(n.compact(text)) if campaign else None
        cell.value = city.name if city else n.compact(text)
        if campaign and city is None and not _is_total(text):
            cell.problem = ("enum", f"“{text}”不是本次活动的设区市，应为："
                            + "、".join(c.name for c in campaign.cities))
    elif kind == "body":
        cell.value = canonical_body(text, campaign)
    return cell


def canonical_body(text: str, campaign) -> str:
    """Return the approved body's full name when ``text`` is its name or alias, else the text."""
    found = campaign.approved_body(text) if campaign is not None else None
    return found or n.half_width(text)


def _lost_digits(raw: RawCell) -> bool:
    """Return True when a numeric code cell cannot hold a whole 18-character code."""
    value = raw.value
    if isinstance(value, float):
        return True
    if isinstance(value, int):
        return len(str(abs(value))) != 18 or abs(value) > 2**53
    return True


def _split_multi(text: str) -> list[str]:
    import re

    return [p.strip() for p in re.split(r"[、，,/；;\n]+", text)]


def _range_text(column: Column) -> str:
    if column.min is not None and column.max is not None:
        return f"，应在{n.number_text(column.min)}到{n.number_text(column.max)}之间"
    if column.min is not None and column.type == "int":
        return "，应为不小于0的整数"
    return ""


def _is_total(text: str) -> bool:
    return n.compact(text) in {"合计", "总计", "小计", "全省", "全省合计"}
