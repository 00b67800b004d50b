"""Checks that compare records across files and forms: duplicate, conflict, name-mismatch.

Each takes the merged records (already in the official order: city, file, row) and returns
findings. Both places are always named, so a person can find the other row.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from formkit.findings import Finding
from formkit.forms import get_form
from formkit.normalize import enum_key
from formkit.table import Record


_TERMS = get_form("anomaly").terms
_UNFILED = (_TERMS["stock_unfiled"], _TERMS["new_unfiled"])  # filed years ago, neither certified nor evaluated


def place(record: Record) -> str:
    """Return where a record is, for a message: 南京市 南京市-附件2….xlsx Sheet1 第7行."""
    src = record.source
    city = record.submission.city if record.submission and record.submission.city else ""
    where = f"{src.sheet} 第{src.row}行" if src.sheet else f"第{src.row}行"
    return f"{city}“{src.file}”{where}".strip()


def name_key(name: str) -> str:
    """Return an enterprise name's matching key (not cached: names are mostly unique)."""
    return enum_key.__wrapped__(name) if name else ""


def code_of(record: Record) -> str | None:
    """Return the record's credit code for matching: the valid code, else the compacted raw text."""
    value = record.value("uscc")
    if value:
        return value
    raw = record.raw("uscc")
    return enum_key(raw) if raw else None


def repeats(records: Iterable[Record], key: Callable[[Record], str | None] = code_of
            ) -> Iterator[tuple[Record, Record]]:
    """Yield (record, the first record with its code) for every later occurrence of a code."""
    first: dict[str, Record] = {}
    for record in records:
        code = key(record)
        if not code:
            continue
        if code in first:
            yield record, first[code]
        else:
            first[code] = record


def duplicate(records_by_form: dict[str, list[Record]]) -> list[Finding]:
    """Return `duplicate` for every later occurrence of a code within one form (all files, both batches)."""
    out: list[Finding] = []
    for form, records in records_by_form.items():
        if form == "plan":
            continue
        for record, other in repeats(records):
            out.append(Finding.at(record, "uscc", "duplicate",
                                  f"该企业已在{place(other)}填报（{get_form(form).label}中同一信用代码只应出现一次），"
                                  "请删除重复行或核对信用代码"))
    return out


def register_duplicate(records: Iterable[Record]) -> list[Finding]:
    """Return `duplicate` for every later row of a (valid) code already in the register files read."""
    return [Finding.at(record, "uscc", "duplicate",
                       f"该企业已在{place(other)}列出（备案名单中同一信用代码只应出现一次），未导入此行，请删除重复行")
            for record, other in repeats(records, key=lambda r: r.value("uscc"))]


def _handling(anomaly: Record) -> str | None:
    kind, action = anomaly.value("type"), anomaly.value("action")
    if kind == "已注销" or action == "删除":
        return f"已在附件4中报为“{kind or ''}”、处理意见“{action or ''}”"
    if kind in _UNFILED:
        return f"已在附件4中报为“{kind}”"
    return None


def conflict(records_by_form: dict[str, list[Record]]) -> list[Finding]:
    """Return `conflict` on both sides when the anomaly form contradicts evaluation or spot checks."""
    out: list[Finding] = []
    evaluated: dict[str, list[Record]] = {}
    for record in records_by_form.get("evaluation", []):
        if code_of(record):
            evaluated.setdefault(code_of(record), []).append(record)
    certified: dict[str, list[Record]] = {}
    for record in records_by_form.get("spotcheck", []):
        if code_of(record):
            certified.setdefault(code_of(record), []).append(record)
    for anomaly in records_by_form.get("anomaly", []):
        code = code_of(anomaly)
        reason = _handling(anomaly)
        if not code or reason is None:
            continue
        kind = anomaly.value("type")
        for other in evaluated.get(code, []):
            out.append(Finding.at(other, "uscc", "conflict",
                                  f"该企业{reason}（{place(anomaly)}），却又列为绩效评价合格企业，请核实两表"))
            out.append(Finding.at(anomaly, "type", "conflict",
                                  f"该企业在附件2（{place(other)}）中列为绩效评价合格企业，"
                                  f"与“{kind}”相矛盾，请核实两表"))
        if kind in _UNFILED:
            for other in certified.get(code, []):
                out.append(Finding.at(other, "uscc", "conflict",
                                      f"该企业{reason}（{place(anomaly)}），却持有认证证书，请核实两表"))
                out.append(Finding.at(anomaly, "type", "conflict",
                                      f"该企业在{place(other)}有认证证书（{other.raw('cert_no')}），"
                                      f"与“{kind}”相矛盾，请核实两表"))
    return out


def name_mismatch(records_by_form: dict[str, list[Record]]) -> list[Finding]:
    """Return `name-mismatch` when one code carries different names, unless 已更名 explains it."""
    renamed: dict[str, set[str]] = {}
    for anomaly in records_by_form.get("anomaly", []):
        if anomaly.value("type") == "已更名" and code_of(anomaly):
            names = {name_key(anomaly.raw("name")), name_key(anomaly.raw("new_name"))}
            renamed.setdefault(code_of(anomaly), set()).update(n for n in names if n)
    first: dict[str, Record] = {}
    out: list[Finding] = []
    for form in ("evaluation", "spotcheck", "anomaly"):
        for record in records_by_form.get(form, []):
            code, name = code_of(record), name_key(record.raw("name"))
            if not code or not name:
                continue
            if code not in first:
                first[code] = record
                continue
            other = first[code]
            other_name = name_key(other.raw("name"))
            if name == other_name or {name, other_name} <= renamed.get(code, set()):
                continue
            out.append(Finding.at(record, "name", "name-mismatch",
                                  f"同一信用代码在{place(other)}的企业名称为“{other.raw('name')}”，与此处“{record.raw('name')}”不一致；"
                                  "如企业已更名，请在附件4中按“已更名”报送，否则请核对名称或代码"))
    return out


CROSS_CHECKS = (duplicate, conflict, name_mismatch)


def run_cross_checks(records_by_form: dict[str, list[Record]]) -> Iterable[Finding]:
    """Yield the findings of every cross-file check."""
    for check in CROSS_CHECKS:
        yield from check(records_by_form)
