"""The register's export workbook (`formkit registry export`): the register as it stands,
counts by status, and the history of changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from formkit.campaign import Campaign
from formkit.forms import load_register_form
from formkit.normalize import chinese_date
from formkit.outputs.palette import HEADER_FILL
from formkit.registry.changes import ACTION_NAMES
from formkit.registry.values import STATUSES, field_name, history_text

EXPORT_SHEETS = ("备案名单", "状态统计", "变更记录")


HISTORY_HEADERS = ["变更集", "时间", "操作人", "命令", "统一社会信用代码", "企业名称", "变更", "项目",
                   "原值", "新值", "来源文件", "来源位置", "原因"]


def write_register(state: dict[str, dict], history: list[dict], path: str | Path, campaign: Campaign,
                   today: dt.date | None = None) -> Path:
    """Write the register as it stands: 备案名单 (every enterprise, removed ones too), 状态统计, 变更记录.

    ``state`` is the register's enterprises (USCC → fields), ``history`` its change rows
    (:func:`formkit.registry.change_rows`). The first sheet has the headers of
    ``forms/register.toml``, so the file can be imported again. Every text is written as a
    text cell: nothing becomes a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from formkit.fsutil import atomic_path

    today = today or dt.date.today()
    form = load_register_form()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wb = Workbook(write_only=True)

    def cell(ws, value, **style):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text stays text: "=HYPERLINK(…)" is never a formula
        elif isinstance(value, dt.date):
            c.number_format = "yyyy-mm-dd"
        for k, v in style.items():
            setattr(c, k, v)
        return c

    def header(ws, names, widths):
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.append([cell(ws, h, font=bold, fill=fill, alignment=center) for h in names])

    ordered = sorted(state.items(), key=lambda kv: campaign.city_order(kv[1]["city"]))
    ws = wb.create_sheet(EXPORT_SHEETS[0])
    ws.freeze_panes = "A4"
    cols = form.columns
    for i, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, col.width)
    ws.append([cell(ws, f"{campaign.province}{form.title}", font=Font(bold=True, size=16))])
    counts = {s: sum(r["status"] == s for _, r in ordered) for s in STATUSES}
    ws.append([cell(ws, f"截至{chinese_date(today)}，共{len(ordered)}家（"
                    + "，".join(f"{s}{counts[s]}家" for s in STATUSES) + "）")])
    ws.append([cell(ws, c.header, font=bold, fill=fill, alignment=center) for c in cols])
    for n, (code, row) in enumerate(ordered, start=1):
        values = []
        for c in cols:
            value = n if c.key == "seq" else (code if c.key == "uscc" else row.get(c.key))
            values.append(cell(ws, value) if isinstance(value, (str, dt.date)) else value)
        ws.append(values)
    ws.auto_filter.ref = f"A3:{get_column_letter(len(cols))}{len(ordered) + 3}"

    ws = wb.create_sheet(EXPORT_SHEETS[1])
    header(ws, ["设区市", *STATUSES, "合计"], [12, 10, 10, 10, 10, 10])
    names = [c.name for c in campaign.cities]
    names += sorted({r["city"] for r in state.values()} - set(names))
    totals = {s: 0 for s in STATUSES}
    for name in names:
        per = {s: sum(r["city"] == name and r["status"] == s for r in state.values()) for s in STATUSES}
        for s in STATUSES:
            totals[s] += per[s]
        ws.append([cell(ws, name), *[per[s] for s in STATUSES], sum(per.values())])
    ws.append([cell(ws, "全省合计", font=bold), *[totals[s] for s in STATUSES], sum(totals.values())])

    ws = wb.create_sheet(EXPORT_SHEETS[2])
    header(ws, HISTORY_HEADERS, [8, 22, 10, 30, 22, 28, 10, 14, 24, 24, 40, 16, 36])
    for r in history:
        key = r["field"]
        ws.append([r["changeset_id"], cell(ws, r["created_at"]), cell(ws, r["operator"] or ""),
                   cell(ws, r["command"]), cell(ws, r["uscc"]), cell(ws, r["current_name"] or ""),
                   cell(ws, ACTION_NAMES.get(r["action"], r["action"])),
                   cell(ws, field_name(key) if key else "整行"),
                   cell(ws, history_text(key, r["old_value"])), cell(ws, history_text(key, r["new_value"])),
                   cell(ws, r["source_file"] or ""),
                   cell(ws, " ".join(p for p in (r["source_sheet"], r["source_cell"]) if p)),
                   cell(ws, r["reason"] or "")])
    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
