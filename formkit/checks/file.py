"""Checks of a whole submission: columns, city, 填报日期, totals."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from formkit.checks.base import submission_check
from formkit.findings import Finding
from formkit.forms import get_form
from formkit.normalize import chinese_date, enum_key, number_text
from formkit.table import Source, Submission


@submission_check
def missing_column(sub: Submission, campaign) -> Iterator[Finding]:
    """Yield `missing-column` for each required column the header lacks."""
    form = get_form(sub.form)
    src = Source(sub.file, sub.sheet, sub.header_row, None, sub.kind)
    for key in sub.missing:
        col = form.column(key)
        yield Finding.on_submission(sub, "missing-column",
                                    f"表头中找不到必填列“{col.header}”，请按附件{form.attachment}的格式补上该列",
                                    source=src, column=col.header)


@submission_check
def city_ambiguous(sub: Submission, campaign) -> Iterator[Finding]:
    """Yield `city-ambiguous` when the city cannot be told or its sources disagree."""
    if get_form(sub.form).issued_by_province or not sub.records:
        return  # an empty form (a blank attachment) has nothing to attribute to a city
    named = set(sub.city_sources.values())
    src = sub.block.unit.source if sub.block.unit is not None else None
    if not named:
        yield Finding.on_submission(sub, "city-ambiguous",
                                    "无法确定填报的设区市：填报单位、文件名和文件夹名中都没有设区市名称，"
                                    "请在“填报单位”处填写，如“南京市知识产权局”", source=src,
                                    value=sub.block.unit.raw if sub.block.unit else None)
    elif len(named) > 1:
        detail = "，".join(f"{k}为{v}" for k, v in sub.city_sources.items())
        yield Finding.on_submission(sub, "city-ambiguous",
                                    f"设区市来源不一致（{detail}），已按填报单位记为{sub.city}，请核实",
                                    source=src, value=sub.block.unit.raw if sub.block.unit else None)


@submission_check
def fill_date(sub: Submission, campaign) -> Iterator[Finding]:
    """Yield `date` when 填报日期 is not a date, and `late` when it is after the deadline."""
    cell = sub.block.date
    if cell is None:
        return
    if cell.problem:
        yield Finding.on_submission(sub, "date", cell.problem[1], source=cell.source, column="填报日期",
                                    value=cell.raw)
        return
    deadline = campaign.form_deadline(sub.form, sub.batch)
    if deadline and isinstance(sub.fill_date, dt.date) and sub.fill_date > deadline:
        yield Finding.on_submission(sub, "late",
                                    f"填报日期{chinese_date(sub.fill_date)}晚于报送截止日期{chinese_date(deadline)}，"
                                    "属逾期报送", source=cell.source, column="填报日期", value=cell.raw)


@submission_check
def total_mismatch(sub: Submission, campaign) -> Iterator[Finding]:
    """Yield `total-mismatch` for each 合计 cell that differs from the sum of the rows."""
    form = get_form(sub.form)
    for total in sub.totals:
        for col in form.columns:
            if col.type not in ("int", "number") or col.key not in total.cells:
                continue
            stated = total.value(col.key)
            if stated is None:
                continue
            actual = sum(r.value(col.key) or 0 for r in sub.records if isinstance(r.value(col.key), (int, float)))
            if abs(stated - actual) > 1e-9:
                cell = total.cells[col.key]
                finding = Finding.make(
                    "total-mismatch", f"合计行{col.header}为{number_text(stated)}，但各行相加为{number_text(actual)}，请核对",
                    source=cell.source, form=sub.form, city=sub.city, column=col.header, key=None, value=cell.raw)
                finding.record = total
                yield finding


@submission_check
def uncertified_body(sub: Submission, campaign) -> Iterator[Finding]:
    """Yield one `uncertified-body` per 认证机构 not among the approved bodies, naming its rows.

    The finding sits on the body's first cell; the message lists every row it appears on, so
    one unknown body gives one warning, not one a row.
    """
    if not campaign.approved_bodies:
        return
    approved = {b.name for b in campaign.approved_bodies}
    rows: dict[str, list] = {}
    for record in sub.records:
        body = record.value("body") if "body" in record.cells else None
        if body and body not in approved:
            rows.setdefault(enum_key(body), []).append(record)
    for records in rows.values():
        first = records[0]
        numbers = "、".join(str(r.cells["body"].source.row) for r in records)
        yield Finding.at(first, "body", "uncertified-body",
                         f"认证机构“{first.raw('body')}”不在经国家认监委批准的知识产权管理体系认证机构名单中"
                         f"（见第{numbers}行，共{len(records)}行），请核实机构全称；如该机构确已获批，"
                         "请用 formkit config bodies 更新认证机构名单（活动配置 approved_bodies）")
