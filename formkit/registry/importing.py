"""Importing register files: read like the forms (same readers, layout and checks), then each
valid row added to the register or its blanks filled in.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from formkit.campaign import Campaign, load_campaign
from formkit.findings import sort_key
from formkit.forms import load_register_form
from formkit.registry.changes import Change, write_changeset
from formkit.registry.db import DEFAULT_WAIT, Registry, load_state, opened, resolve_url, sqlite_path
from formkit.registry.values import ACTIVE, FIELDS

@dataclass
class ImportResult:
    """What `registry import` read, found and changed."""

    check: Any                      # checking.CheckResult of the register files
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
    from formkit.checks.row import register_city_mismatch

    form = load_register_form()
    result = read_file(path, campaign, name, forms=[form], unknown_message=(
        "文件中没有找到备案名单表格。表头应包含“设区市”“企业名称”“统一社会信用代码”“备案时间”等列"
        "（可参照 formkit registry export 导出的名单）"))
    for f in result.findings:
        if f.code == "missing-column":
            f.message = f.message.replace(f"请按附件{form.attachment}的格式", "请按备案名单的格式")
    for sub in result.submissions:
        for record in sub.records:
            result.findings.extend(register_city_mismatch(record, campaign))
    result.findings.sort(key=sort_key)
    return result


def read_register(paths: Iterable[str | Path], campaign: Campaign | None = None,
                  progress: Callable | None = None):
    """Return a CheckResult of register files: every row read and checked, duplicates found."""
    from formkit.checking import CheckResult, check
    from formkit.checks.cross import register_duplicate

    checked = check(paths, campaign or load_campaign(), progress=progress, read=_read_register_file)
    files = checked.files
    file_of = {id(record): fr for fr in files for record in fr.records}
    for finding in register_duplicate(r for fr in files for r in fr.records):
        file_of[id(finding.record)].findings.append(finding)
    for fr in files:
        fr.findings.sort(key=sort_key)
        errors = {id(f.record) for f in fr.findings if f.record is not None and f.severity == "error"}
        for record in fr.records:
            record.valid = id(record) not in errors
    return CheckResult(files=files, findings=[f for fr in files for f in fr.findings], ignored=checked.ignored)


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
    path = sqlite_path(resolve_url(db)) if not isinstance(db, Registry) else None
    if dry_run and path is not None and not path.exists():
        items, diffs = plan_import({}, records, update=update)  # a register yet to be made
        return ImportResult(checked, items, diffs, rejected, None, dry_run=True)
    with opened(db, create=not dry_run, wait=wait, on_wait=on_wait) as reg:
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
