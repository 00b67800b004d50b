"""Text a person reads in the terminal: tables that line up with Chinese characters."""

from __future__ import annotations

import unicodedata
from collections import OrderedDict

from formkit.findings import CODE_NAMES, SEVERITY_NAMES, Finding
from formkit.forms import get_form

CITY_CODES = ("spotcheck-quota", "below-last-year", "plan-shortfall", "missing-submission")
CROSS_CODES = ("duplicate", "conflict", "name-mismatch")


def width(text: str) -> int:
    """Return the number of terminal columns ``text`` takes (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    """Return ``text`` cut to ``limit`` columns, with an ellipsis when cut."""
    text = text.replace("\n", " ")
    if width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def wrap(text: str, limit: int) -> list[str]:
    """Return ``text`` broken into lines of at most ``limit`` terminal columns."""
    lines, current, used = [], [], 0
    for ch in text.replace("\n", " "):
        w = width(ch)
        if used + w > limit and current:
            lines.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += w
    lines.append("".join(current))
    return lines


def table(headers: list[str], rows: list[list[str]], limits: list[int] | None = None) -> list[str]:
    """Return lines of a left-aligned table; long cells wrap within their column's limit."""
    limits = limits or [60] * len(headers)
    wrapped = [[wrap(c, lim) for c, lim in zip(r, limits)] for r in rows]
    sizes = [max([width(h)] + [width(line) for r in wrapped for line in r[k]])
             for k, h in enumerate(headers)]
    out = ["  " + "  ".join(pad(h, s) for h, s in zip(headers, sizes)).rstrip()]
    for r in wrapped:
        for n in range(max(len(c) for c in r)):
            out.append("  " + "  ".join(pad(c[n] if n < len(c) else "", s)
                                        for c, s in zip(r, sizes)).rstrip())
    return out


_UNPRINTABLE = dict.fromkeys([*range(0, 32), 127, *range(0x80, 0xA0), 0x200E, 0x200F, *range(0x202A, 0x202F),
                              *range(0x2066, 0x206A)], "?")


def safe(text: str | None) -> str:
    """Return text with control and direction characters replaced, safe to print on a terminal."""
    return (text or "").translate(_UNPRINTABLE)


def describe_submission(sub) -> str:
    """Return a one-line description: 附件2 · 南京市 · 第一批 · 12条记录."""
    form = get_form(sub.form)
    parts = [f"附件{form.attachment}"]
    if sub.city:
        parts.append(sub.city)
    if sub.batch:
        parts.append("第一批" if sub.batch == 1 else "第二批")
    parts.append(f"{len(sub.records)}条记录")
    return " · ".join(parts)


def findings_by_file(result) -> list[str]:
    """Return the human report of a check: findings grouped by file as tables, and a total."""
    lines: list[str] = []
    groups: OrderedDict[str, list[Finding]] = OrderedDict()
    for fr in result.files:
        groups[fr.name] = list(fr.findings)
    for fr in result.files:
        subs = "；".join(describe_submission(s) for s in fr.submissions)
        fs = groups[fr.name]
        status = "通过" if not fs else f"{sum(f.severity == 'error' for f in fs)}个错误，{sum(f.severity == 'warning' for f in fs)}个警告"
        lines.append(f"■ {safe(fr.name)}" + (f"  [{subs}]" if subs else "") + f"  —— {status}")
        if fs:
            # A value can be a whole pasted page: show its start; findings.json keeps it all.
            rows = [[safe(f.where) or "（整个文件）",
                     f"[{SEVERITY_NAMES[f.severity]}] {CODE_NAMES[f.code]}：{safe(f.message)}",
                     clip(safe(f.value), 40)] for f in fs]
            lines.extend(table(["位置", "问题", "原值"], rows, [20, 56, 20]))
        for sub in fr.submissions:
            if sub.extra_columns:
                lines.append(f"  提示：{sub.sheet} 有未识别的列（已忽略）：" + "、".join(sub.extra_columns))
        lines.append("")
    n_records = sum(len(s.records) for fr in result.files for s in fr.submissions)
    c = result.counts
    lines.append(f"共检查{len(result.files)}个文件，读取{n_records}条记录；"
                 f"发现错误{c['error']}处、警告{c['warning']}处。"
                 + ("" if c["error"] == 0 else "请按上表逐项修改后重新提交。"))
    if result.ignored:
        lines.append(f"另有{len(result.ignored)}个非表格文件未读取（如 {result.ignored[0].name}）。")
    return lines


def merge_report(result, written) -> list[str]:
    """Return the human report of a merge: superseded files, city-level findings, per-city table."""
    lines: list[str] = []
    n_files = len(result.files)
    n_records = sum(len(v) for v in result.records.values())
    lines.append(f"读取{n_files}个文件，汇总{n_records}条记录。")
    if result.superseded:
        lines.append("")
        lines.append("以下文件已被同一设区市后报的文件替代，未计入汇总：")
        for s in result.superseded:
            lines.append(f"  {s.submission.file}  →  由 {s.by.file} 替代（{s.reason}）")
    city_level = [f for f in result.findings if f.code in CITY_CODES]
    cross = [f for f in result.findings if f.code in CROSS_CODES]
    unreadable = [f for f in result.findings if f.code in ("unreadable", "unknown-form")]
    if unreadable:
        lines.append("")
        lines.append("无法读取或识别的文件：")
        lines.extend(table(["文件", "问题"], [[f.file or "", f.message] for f in unreadable], [40, 50]))
    if cross:
        lines.append("")
        lines.append("跨文件检查发现的问题：")
        lines.extend(table(["设区市", "位置", "问题"],
                           [[f.city or "", f"{f.file} {f.where}", f"[{SEVERITY_NAMES[f.severity]}] {CODE_NAMES[f.code]}：{f.message}"]
                            for f in cross], [8, 30, 52]))
    if city_level:
        lines.append("")
        lines.append("各市整体情况：")
        lines.extend(table(["设区市", "问题"], [[f.city or "", f"[{SEVERITY_NAMES[f.severity]}] {f.message}"]
                                              for f in city_level], [8, 76]))
    if written:
        lines.append("")
        lines.append("输出文件：")
        lines.extend(f"  {p}" for p in written)
    c = result.counts
    lines.append("")
    lines.append(f"共发现错误{c['error']}处、警告{c['warning']}处（含各文件自身的问题），逐条见 findings.xlsx（问题清单）。")
    lines.append("")
    lines.extend(city_table(result))
    return lines


def city_table(result) -> list[str]:
    """Return the per-city table (rows per form, errors, warnings); fits a 100-column terminal."""
    errors: dict = {}
    warnings: dict = {}
    for f in result.findings:
        bucket = errors if f.severity == "error" else warnings
        bucket[f.city] = bucket.get(f.city, 0) + 1
    counts: dict = {}
    for form, records in result.records.items():
        if form == "plan":
            continue
        for r in records:
            key = (r.submission.city, form)
            counts[key] = counts.get(key, 0) + 1
    rows = []
    for city in [c.name for c in result.campaign.cities] + ([None] if any(k[0] is None for k in counts) else []):
        s = result.summary["cities"].get(city)
        ev = s["evaluation"] if s else None
        rows.append([
            city or "（未确定）",
            f"{ev['batch1']}/{ev['batch2']}" if ev else "",
            f"{ev['rows']}/{ev['target'] if ev['target'] is not None else '-'}" if ev else "",
            str(counts.get((city, "spotcheck"), 0)) + (f"（有效{s['spotcheck']['rows']}）" if s and s['spotcheck']['rows'] != counts.get((city, 'spotcheck'), 0) else ""),
            str(counts.get((city, "anomaly"), 0)),
            str(errors.get(city, 0)) if city else "",
            str(warnings.get(city, 0)) if city else "",
        ])
    t = result.summary["totals"]
    rows.append(["全省合计", f"{t['evaluation']['batch1']}/{t['evaluation']['batch2']}",
                 f"{t['evaluation']['rows']}/{t['evaluation']['target']}",
                 str(sum(len(v) for k, v in result.records.items() if k == "spotcheck")),
                 str(sum(len(v) for k, v in result.records.items() if k == "anomaly")),
                 str(result.counts["error"]), str(result.counts["warning"])])
    return table(["设区市", "评价合格(一批/二批)", "有效合计/目标", "抽查条数", "异常条数", "错误", "警告"], rows,
                 [10, 20, 14, 16, 8, 6, 6])
