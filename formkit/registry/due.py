"""The due rules: which enterprises of the register are due for a reminder or for removal.

Part 三 of the notice: enterprises filed over 5 years without certification or evaluation
are reminded and given one year's grace (removed when they give up or still fail); new
filings 3 years without either are removed.
"""

from __future__ import annotations

import datetime as dt

from formkit.campaign import Campaign, load_campaign
from formkit.forms import get_form
from formkit.normalize import add_years
from formkit.registry.db import load_state, opened
from formkit.registry.values import GRACE, REMOVED

_TERMS = get_form("anomaly").terms
RULE_NAMES = {"5-year": _TERMS["stock_unfiled"], "3-year": _TERMS["new_unfiled"],
              "grace-expired": "宽限期满仍未认证或评价"}


RULE_ACTIONS = {"5-year": "提醒，愿意开展认证或评价的给予1年宽限期，放弃的删除",
                "3-year": "从备案名单中删除", "grace-expired": "从备案名单中删除"}


def due_rows(state: dict[str, dict], as_of: dt.date, campaign: Campaign) -> list[dict]:
    """Return the enterprises due on ``as_of`` (see :func:`due_enterprises`), by city."""
    stock = campaign.thresholds["stock_filing_years"]
    new = campaign.thresholds["new_filing_years"]
    grace_years = campaign.thresholds["grace_period_years"]
    month, day = campaign.deadlines["anomaly"].split("-")
    review = dt.date(as_of.year, int(month), int(day))
    grace_deadline = add_years(review, grace_years)
    out = []
    for code, row in state.items():
        if row["status"] == REMOVED or row["cert_no"] or row["cert_date"] or row["eval_date"]:
            continue
        filed = row["filing_date"]
        rule = None
        deadline = None
        if row["status"] == GRACE:
            if row["grace_until"] is not None and row["grace_until"] < as_of:
                rule = "grace-expired"
        elif filed.year < campaign.year:
            if add_years(filed, stock) <= as_of:
                rule, deadline = "5-year", grace_deadline
        elif add_years(filed, new) <= as_of:
            rule = "3-year"
        if rule is None:
            continue
        city = campaign.city(row["city"])
        out.append({
            "city": row["city"], "office": city.office if city else None, "name": row["name"],
            "uscc": code, "filing_date": filed, "rule": rule, "rule_name": RULE_NAMES[rule],
            "action": RULE_ACTIONS[rule], "grace_deadline": deadline, "status": row["status"],
            "grace_until": row["grace_until"],
            "years": as_of.year - filed.year - ((as_of.month, as_of.day) < (filed.month, filed.day)),
        })
    out.sort(key=lambda d: (campaign.city_order(d["city"]), d["filing_date"], d["uscc"]))
    return out


def due_enterprises(db_url, as_of: dt.date | None = None, campaign: Campaign | None = None) -> list[dict]:
    """Return the enterprises due on ``as_of`` (default today), cities in official order.

    Not removed, not certified (no 认证证书编号/发证日期) and not evaluated (no 最近绩效评价日期), and:
    - ``5-year``: filed before the campaign year and at least 5 years before ``as_of`` → remind;
      ``grace_deadline`` is one year after that year's review deadline (07-31): the date the
      reminder letter states;
    - ``3-year``: filed in the campaign year or later and at least 3 years before ``as_of`` → remove;
    - ``grace-expired``: in a grace period that ended before ``as_of`` → remove.
    An enterprise already in its grace period is not due again until the grace period ends.

    Each dict: city, office, name, uscc, filing_date (date), rule, rule_name, action,
    grace_deadline (date or None), status, grace_until, years (age of the filing).
    ``db_url`` is a path, a URL or an open :class:`Registry`.
    """
    campaign = campaign or load_campaign()
    as_of = as_of or dt.date.today()
    with opened(db_url) as reg, reg.read() as conn:
        state = load_state(conn)
    return due_rows(state, as_of, campaign)
