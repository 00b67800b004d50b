"""Write what merge produced: a provincial workbook per form (:mod:`.merged_workbook`), the findings,
summary and records.

Workbooks are written in openpyxl's write-only mode (streamed, constant memory). Every text
from an input is written as a string cell, so ``=HYPERLINK(...)`` stays text and never
becomes a formula. Every file goes to a temporary name first and is renamed when complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

from formkit.findings import CODE_NAMES, SEVERITY_NAMES, to_json
from formkit.forms import get_form
from formkit.fsutil import atomic_path, write_text
from formkit.merge import MergeResult

FORMULA_START = ("=", "+", "-", "@")

from formkit.outputs.merged_workbook import consolidated_name, json_value, styles, text_cell, write_form_workbook


def write_findings_xlsx(result: MergeResult, path: Path) -> Path:
    """Write 问题清单: one row per finding, with filters so it sorts by city or code."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    st = styles()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题清单")
    headers = ["序号", "级别", "问题代码", "问题类别", "设区市", "附件", "文件", "工作表/表格", "行", "列", "单元格",
               "企业（信用代码或名称）", "原值", "说明及修改意见"]
    for i, w in enumerate([6, 6, 18, 16, 10, 8, 40, 12, 6, 18, 12, 22, 22, 70], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.append([text_cell(ws, h, font=st["header_font"], fill=st["header_fill"], border=st["border"]) for h in headers])
    for n, f in enumerate(result.findings, start=1):
        form = f"附件{get_form(f.form).attachment}" if f.form else None
        values = [n, SEVERITY_NAMES[f.severity], f.code, CODE_NAMES[f.code], f.city, form, f.file, f.sheet, f.row,
                  f.column, f.cell, f.key, f.value, f.message]
        row = [text_cell(ws, v, border=st["border"]) for v in values]
        row[1].fill = st[f.severity]
        ws.append(row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(result.findings) + 1}"
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def records_json(result: MergeResult) -> dict:
    """Return records.json: per form, every merged record with values, raw text and provenance."""
    out: dict = {"year": result.campaign.year, "forms": {}}
    codes_by_record: dict[int, list[str]] = {}
    for f in result.findings:
        if f.record is not None:
            codes_by_record.setdefault(id(f.record), []).append(f.code)
    for form_key, records in result.records.items():
        data_keys = {c.key for c in get_form(form_key).columns if c.type != "seq"}
        items = []
        for r in records:
            sub = r.submission
            refs = {k: c.source.cell for k, c in r.cells.items()}
            items.append({
                "city": sub.city,
                "batch": sub.batch,
                "file": r.source.file,
                "sheet": r.source.sheet,
                "row": r.source.row,
                "valid": r.valid,
                "findings": sorted(set(codes_by_record.get(id(r), ()))),
                "values": {k: json_value(c.value) for k, c in r.cells.items() if k in data_keys},
                "raw": {k: c.raw for k, c in r.cells.items()},
                "cells": refs,
            })
        out["forms"][form_key] = items
    return out


def records_json_text(result: MergeResult) -> str:
    """Return records.json's text: one record per line (the C encoder; indent would be 10× slower)."""
    data = records_json(result)
    parts = ['{"year": %d, "forms": {' % data["year"]]
    forms = list(data["forms"].items())
    for i, (form, items) in enumerate(forms):
        parts.append(f"\n {json.dumps(form)}: [")
        parts.append(",".join("\n  " + json.dumps(item, ensure_ascii=False) for item in items))
        parts.append("\n ]" + ("," if i < len(forms) - 1 else ""))
    parts.append("\n}}\n")
    return "".join(parts)


#: From this many merged records on, the workbooks are written by two processes (see below).
PARALLEL_MIN_RECORDS = 20000


def _jobs(result: MergeResult, out_dir: Path) -> list[tuple[Path, int, Callable[[], Path]]]:
    """Return (path, weight, writer) for every output; the weight is the rows it writes."""
    jobs = []
    for form_key in result.records:
        if form_key == "plan":
            continue  # the plan is the province's own table; its targets feed the summary
        path = out_dir / consolidated_name(get_form(form_key), result.campaign.year)
        jobs.append((path, len(result.records[form_key]),
                     lambda k=form_key, p=path: write_form_workbook(result, k, p)))
    n_findings = len(result.findings)
    n_records = sum(len(v) for v in result.records.values())
    jobs.append((out_dir / "findings.json", n_findings // 4,
                 lambda: write_text(out_dir / "findings.json", to_json(result.findings) + "\n")))
    jobs.append((out_dir / "findings.xlsx", n_findings,
                 lambda: write_findings_xlsx(result, out_dir / "findings.xlsx")))
    jobs.append((out_dir / "summary.json", 1, lambda: write_text(
        out_dir / "summary.json", json.dumps(result.summary, ensure_ascii=False, indent=2) + "\n")))
    jobs.append((out_dir / "records.json", n_records // 2,
                 lambda: write_text(out_dir / "records.json", records_json_text(result))))
    return jobs


def write_merged(result: MergeResult, out_dir: Path, parallel: bool | None = None) -> list[Path]:
    """Write every merge output into ``out_dir`` and return their paths.

    Writing workbooks is the slowest step of a large merge (openpyxl's writer makes about
    0.15 Mcell/s, in any Python writer). On a POSIX machine with two cores or more, a large
    merge forks: the child writes the heaviest workbooks from the memory it shares with the
    parent, the parent writes the rest. Every file is still written atomically; a failure in
    the child is raised in the parent. ``parallel`` forces one way or the other.
    """
    out_dir = Path(out_dir)
    jobs = _jobs(result, out_dir)
    if parallel is None:
        parallel = (hasattr(os, "fork") and (os.cpu_count() or 1) > 1
                    and sum(len(v) for v in result.records.values()) >= PARALLEL_MIN_RECORDS)
    if not parallel:
        return [write() for _, _, write in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][1])
    half = sum(w for _, w, _ in jobs) / 2
    child, load = set(), 0
    for i in order:
        if load + jobs[i][1] <= half or not child:
            child.add(i)
            load += jobs[i][1]
    _run_split([jobs[i][2] for i in sorted(child)],
               [jobs[i][2] for i in range(len(jobs)) if i not in child])
    return [path for path, _, _ in jobs]


def _run_split(in_child: list[Callable], in_parent: list[Callable]) -> None:
    """Run ``in_child`` in a forked process and ``in_parent`` here; raise the child's failure."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write, report a failure through the pipe, never return
        os.close(read_end)
        status = 0
        try:
            for write in in_child:
                write()
        except BaseException as exc:  # noqa: BLE001 — reported to the parent
            os.write(write_end, (str(exc) or type(exc).__name__).encode("utf-8", "replace")[:4000])
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        for write in in_parent:
            write()
    finally:
        message = b""
        with os.fdopen(read_end, "rb") as pipe:
            message = pipe.read()
        _, status = os.waitpid(pid, 0)
    if status != 0:
        from formkit.errors import OutputError

        raise OutputError(message.decode("utf-8", "replace") or "写出汇总表的子进程意外退出")
