"""Checks of one record against the notice's rules and the campaign."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from formkit.checks.base import row_check
from formkit.findings import Finding
from formkit.forms import get_form
from formkit.normalize import add_years, chinese_date, enum_key
from formkit.table import Record


@row_check
def not_qualified(record: Record, campaign) -> Iterator[Finding]:
    """Yield `not-qualified` when an evaluation row's 评价结论 is not 合格."""
    if record.form == "evaluation" and record.value("conclusion") not in (None, "合格"):
        yield Finding.at(record, "conclusion", "not-qualified",
                         "本表只填报绩效评价合格的企业，评价结论为“不合格”的企业请从表中删除")


@row_check
def action_mismatch(record: Record, campaign) -> Iterator[Finding]:
    """Yield `action-mismatch` when a row's values contradict the notice's handling rules."""
    form = get_form(record.form)
    for rule in form.rules:
        if not all(record.value(k) == v for k, v in rule.when.items()):
            continue
        cond = "、".join(f"“{v}”" for v in rule.when.values())
        for key, expected in rule.expect.items():
            actual = record.value(key)
            if actual is not None and actual != expected:
                col = form.column(key)
                yield Finding.at(record, key, "action-mismatch", rule.message or
                                 f"按通知规定，{cond}的企业{col.header}应为“{expected}”，现为“{actual}”，请更正")
        for key, forbidden in rule.forbid.items():
            actual = record.value(key)
            if actual is not None and actual in forbidden:
                yield Finding.at(record, key, "action-mismatch", rule.message)
    if record.form == "anomaly":
        yield from _anomaly_extra(record, campaign)


def _anomaly_extra(record: Record, campaign) -> Iterator[Finding]:
    grace = record.value("grace_until")
    if isinstance(grace, dt.date):
        review = campaign.deadline("anomaly")
        limit = add_years(review, campaign.thresholds["grace_period_years"])
        if grace > limit:
            yield Finding.at(record, "grace_until", "action-mismatch",
                             f"宽限期最长为复核截止日期后1年（至{chinese_date(limit)}），"
                             f"现填{chinese_date(grace)}，请更正")
    new_name = record.value("new_name")
    if record.value("type") == "已更名" and new_name and enum_key(new_name) == enum_key(record.value("name") or ""):
        yield Finding.at(record, "new_name", "action-mismatch",
                         "异常类型为“已更名”，但现企业名称与备案名称相同，请填写更名后的名称")


@row_check
def filing_age(record: Record, campaign) -> Iterator[Finding]:
    """Yield `filing-age` when 备案时间 is too recent for the claimed 超5年/满3年."""
    if record.form != "anomaly":
        return
    kind = record.value("type")
    filed = record.value("filing_date")
    if not isinstance(filed, dt.date):
        return
    review = campaign.deadline("anomaly")
    terms = get_form("anomaly").terms
    years = {terms["stock_unfiled"]: campaign.thresholds["stock_filing_years"],
             terms["new_unfiled"]: campaign.thresholds["new_filing_years"]}.get(kind)
    if years is None:
        return
    latest = add_years(review, -years)
    if filed > latest:
        yield Finding.at(record, "filing_date", "filing-age",
                         f"异常类型为“{kind}”，但备案时间{chinese_date(filed)}距复核截止日"
                         f"{chinese_date(review)}不足{years}年（应在{chinese_date(latest)}或之前），"
                         f"请核对备案时间或异常类型")


@row_check
def city_mismatch(record: Record, campaign) -> Iterator[Finding]:
    """Yield `city-mismatch` when the USCC's region code is not in the submitting city."""
    sub = record.submission
    if sub is not None:
        yield from _region_not_in(record, sub.city, campaign, "填报单位",
                                  "请核实企业是否属于本市（迁入企业请在备注中说明）")


def register_city_mismatch(record: Record, campaign) -> Iterator[Finding]:
    """Yield `city-mismatch` when a register row's USCC region code is not in its 设区市.

    The register's own row check (run by `formkit registry import`): its rows name their city
    in a column, where a form's rows share the submitting city.
    """
    yield from _region_not_in(record, record.value("city"), campaign, "所填设区市", "请核实")


def _region_not_in(record: Record, city_name: str | None, campaign, against: str, advice: str) -> Iterator[Finding]:
    """Yield `city-mismatch` when the record's USCC region code is not in the city ``city_name``."""
    code = record.value("uscc")
    city = campaign.city(city_name) if code and city_name else None
    if city is None or code[2:6] == city.code:
        return
    other = campaign.city_of_code(code)
    where = f"属于{other.name}" if other else f"不在{city.name}"
    yield Finding.at(record, "uscc", "city-mismatch",
                     f"信用代码的行政区划代码“{code[2:8]}”{where}，与{against}{city.name}不一致，{advice}")


@row_check
def date(record: Record, campaign) -> Iterator[Finding]:
    """Yield `date` for a date outside what the rules allow (campaign year, order of dates)."""
    form = get_form(record.form)
    for col in form.ruled_dates:
        value = record.value(col.key)
        if not isinstance(value, dt.date):
            continue
        if col.in_year and value.year != campaign.year:
            yield Finding.at(record, col.key, "date",
                             f"{col.header}{chinese_date(value)}不在{campaign.year}年度内，请核对")
            continue
        for other in col.not_after:
            limit, name = _other_date(record, other)
            if limit is not None and value > limit:
                yield Finding.at(record, col.key, "date",
                                 f"{col.header}{chinese_date(value)}晚于{name}{chinese_date(limit)}，请核对")
                break
        for other in col.not_before:
            limit, name = _other_date(record, other)
            if limit is not None and value < limit:
                yield Finding.at(record, col.key, "date",
                                 f"{col.header}{chinese_date(value)}早于{name}{chinese_date(limit)}，请核对")
                break


def _other_date(record: Record, key: str):
    if key == "fill_date":
        sub = record.submission
        value = sub.fill_date if sub is not None else None
        return (value if isinstance(value, dt.date) else None), "填报日期"
    value = record.value(key)
    header = get_form(record.form).column(key).header
    return (value if isinstance(value, dt.date) else None), header
