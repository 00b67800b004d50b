"""The recipients of the reminder, interview, written-reminder and rectification letters.

Only valid records (``"valid": true``: no error finding) give letters:

* ``reminder`` 提醒函 — each enterprise of anomaly type 备案超5年未认证或评价 whose 企业意愿 is
  愿意开展认证或评价 (handling 提醒并给予1年宽限期), or each due enterprise of the register's
  5-year rule; addressed to the enterprise, copied to its city office; states the grace deadline
  (宽限期至, else the review deadline plus the grace years).
* ``interview`` 约谈通知书 / ``written-reminder`` 书面提醒函 — each certification body (aliases of
  the campaign's approved bodies folded into their full names) whose certified enterprises
  were 未达标 with 认证机构处理措施 约谈 / 书面提醒, over all cities; the letter lists each of
  them (city, name, credit code, certificate number, problems, rectification deadline).
* ``rectification`` 限期整改通知书 — each 未达标 enterprise, with its 整改期限; copied to its city office.

A date the data gives that has passed by 成文日期 is not asked for: the letter gives a new one
and its :attr:`~formkit.outputs.letters.context.Letter.note` says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from formkit.campaign import Campaign
from formkit.forms import get_form
from formkit.normalize import add_years, chinese_date
from formkit.outputs.letters.context import (MEASURES, Letter, canonical_body, city_office, date_of,
                                             overdue_reply_date)
from formkit.outputs.letters.data import Merged, value_date, value_sentence, value_text


def _reminder(campaign: Campaign, base: dict, *, name: str, uscc: str, city: str | None, office: str,
              filed: str, grace_until: dt.date | None, verification: str) -> Letter:
    """Return one reminder letter (提醒函) to an enterprise filed over 5 years ago.

    A grace deadline that has passed by 成文日期 (or none at all) cannot be given: the year of
    grace then runs from 成文日期, and the letter's note says so.
    """
    years = campaign.thresholds.get("stock_filing_years", 5)
    grace_years = campaign.thresholds.get("grace_period_years", 1)
    date = date_of(base)
    note = ""
    if date is not None and (grace_until is None or grace_until <= date):
        given = grace_until
        grace_until = add_years(date, grace_years)
        note = (f"宽限期至{chinese_date(given)}不晚于成文日期，改为自成文日期起{grace_years}年（至{chinese_date(grace_until)}）"
                if given else f"没有宽限期截止日期，按自成文日期起{grace_years}年（至{chinese_date(grace_until)}）")
    return Letter(name, note=note, context={
        **base,
        "标题": f"关于贯标备案超过{years}年未认证或评价的提醒函",
        "主送": name,
        "抄送": office,
        "企业名称": name,
        "统一社会信用代码": uscc,
        "设区市": city or "",
        "市局": office,
        "备案时间": filed,
        "复核截止日期": chinese_date(campaign.deadline("anomaly")),
        "超期年限": years,
        "宽限年限": grace_years,
        "宽限期至": chinese_date(grace_until),
        "核实情况": verification,
    })


def reminders(merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
    """Return the 提醒函 of the merged anomaly form: filed over 5 years, willing, to be reminded."""
    grace = campaign.thresholds.get("grace_period_years", 1)
    review = campaign.deadline("anomaly")
    terms = get_form("anomaly").terms
    out = []
    for r in merged.valid("anomaly"):
        v = r.get("values", {})
        if (v.get("type"), v.get("willingness"), v.get("action")) != (terms["stock_unfiled"], terms["willing"],
                                                                      terms["grace"]):
            continue
        out.append(_reminder(
            campaign, base, name=value_text(v.get("name")), uscc=value_text(v.get("uscc")), city=r.get("city"),
            office=city_office(campaign, r.get("city")),
            filed=(chinese_date(value_date(v.get("filing_date")))
                   or value_text(r.get("raw", {}).get("filing_date"))),
            grace_until=value_date(v.get("grace_until")) or add_years(review, grace),
            verification=value_sentence(v.get("verification"))))
    return out


def reminders_from_registry(due: list[dict], campaign: Campaign, base: dict) -> list[Letter]:
    """Return the reminder letters of the register's 5-year rule (``formkit.registry.due_enterprises``)."""
    return [_reminder(campaign, base, name=value_text(d.get("name")), uscc=value_text(d.get("uscc")),
                      city=d.get("city"), office=d.get("office") or city_office(campaign, d.get("city")),
                      filed=chinese_date(value_date(d.get("filing_date"))),
                      grace_until=value_date(d.get("grace_deadline")), verification="")
            for d in due if d.get("rule") == "5-year"]


def _overdue(r: dict, date: dt.date | None) -> bool:
    """Return whether a spot check's 整改期限 is missing or not after 成文日期 (it cannot be asked for)."""
    deadline = value_date(r.get("values", {}).get("deadline"))
    return date is not None and (deadline is None or deadline <= date)


def _failed_spotchecks(merged: Merged) -> list[dict]:
    return [r for r in merged.valid("spotcheck") if r.get("values", {}).get("conclusion") == "未达标"]


def _spotcheck_row(r: dict, n: int) -> dict[str, Any]:
    v = r.get("values", {})
    return {
        "序号": n,
        "设区市": r.get("city") or "",
        "企业名称": value_text(v.get("name")),
        "统一社会信用代码": value_text(v.get("uscc")),
        "证书编号": value_text(v.get("cert_no")),
        "发证日期": chinese_date(value_date(v.get("cert_date"))),
        "抽查日期": chinese_date(value_date(v.get("check_date"))),
        "主要问题": value_sentence(v.get("problems")),
        "整改期限": chinese_date(value_date(v.get("deadline"))) or value_text(r.get("raw", {}).get("deadline")),
        "处理措施": value_text(v.get("measure")),
    }


def body_letters(kind: str, merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
    """Return the 约谈通知书 or 书面提醒函 (``kind``): one per certification body, listing its failed enterprises."""
    measure = MEASURES[kind]
    groups: dict[str, list[dict]] = {}
    for r in _failed_spotchecks(merged):
        if r.get("values", {}).get("measure") != measure:
            continue
        groups.setdefault(canonical_body(campaign, value_text(r["values"].get("body"))), []).append(r)
    out = []
    date = date_of(base)
    for body, records in groups.items():
        rows = [_spotcheck_row(r, n) for n, r in enumerate(records, start=1)]
        overdue = sum(_overdue(r, date) for r in records)
        cities = list(dict.fromkeys(row["设区市"] for row in rows if row["设区市"]))
        cities.sort(key=campaign.city_order)
        out.append(Letter(body, {
            **base,
            "标题": "关于贯标认证质量问题的约谈通知书" if kind == "interview" else "关于贯标认证质量问题的书面提醒函",
            "主送": body,
            "抄送": "、".join(city_office(campaign, c) for c in cities),
            "认证机构": body,
            "处理措施": measure,
            "企业数": len(rows),
            "涉及设区市": "、".join(cities),
            "逾期整改企业数": overdue,
            "明细": rows,
        }, note=f"{overdue}家企业的整改期限不晚于成文日期" if overdue else ""))
    return out


def rectifications(merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
    """Return the 限期整改通知书: one per enterprise that failed a spot check."""
    out = []
    date = date_of(base)
    reply = chinese_date(overdue_reply_date(campaign, date))
    for r in _failed_spotchecks(merged):
        row = _spotcheck_row(r, 1)
        v = r.get("values", {})
        office = city_office(campaign, r.get("city"))
        overdue = _overdue(r, date)
        note = ""
        if overdue:
            note = (f"整改期限{row['整改期限']}不晚于成文日期，改为要求于{reply}前报送整改情况" if row["整改期限"]
                    else f"没有整改期限，要求于{reply}前报送整改情况")
        out.append(Letter(row["企业名称"], note=note, context={
            **base,
            "标题": "关于贯标质量抽查未达标限期整改的通知书",
            "主送": row["企业名称"],
            "抄送": office,
            "企业名称": row["企业名称"],
            "统一社会信用代码": row["统一社会信用代码"],
            "设区市": row["设区市"],
            "市局": office,
            "认证机构": canonical_body(campaign, value_text(v.get("body"))),
            "证书编号": row["证书编号"],
            "发证日期": row["发证日期"],
            "抽查日期": row["抽查日期"],
            "主要问题": row["主要问题"],
            "整改期限": row["整改期限"],
            "整改期限已过": overdue,
            "整改情况报送期限": reply,
            "处理措施": row["处理措施"],
        }))
    return out
