"""Text a person reads in the terminal: tables that line up with Chinese characters."""

from __future__ import annotations

import unicodedata
from collections import OrderedDict

from formkit.findings import CODE_NAMES, Finding
from formkit.forms import get_form

SEVERITY_NAMES = {"error": "错误", "warning": "警告"}


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
        lines.append(f"■ {fr.name}" + (f"  [{subs}]" if subs else "") + f"  —— {status}")
        if fs:
            rows = [[f.where or "（整个文件）", f"[{SEVERITY_NAMES[f.severity]}] {CODE_NAMES[f.code]}：{f.message}",
                     f.value or ""] for f in fs]
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
