"""The 催报函 (``urge``): each city with a ``missing-submission``, ``late`` or ``spotcheck-quota``
finding, addressed to the city office, listing what is missing, late or short with the
deadlines (and a ``plan-shortfall``/``below-last-year`` of the same city).

:func:`urge_items` words those items; the 数据问题反馈函 and the report say them the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from formkit.campaign import Campaign
from formkit.forms import get_form
from formkit.normalize import chinese_date
from formkit.outputs.letters.context import Letter, city_office
from formkit.outputs.letters.data import Merged, value_text


def _form_title(form: str, year: int) -> str:
    f = get_form(form)
    return f"附件{f.attachment}《{f.title_for(year)}》"


def _form_deadline(campaign: Campaign, form: str, batch: int | None) -> dt.date | None:
    """Return when ``form`` was due; an evaluation file of no known batch counts as the first."""
    return campaign.form_deadline(form, batch if batch in (1, 2) else 1)


def _batch_of(merged: Merged, finding: dict) -> int | None:
    """Return the evaluation batch of the file a finding is about (from its records)."""
    for r in merged.records.get(finding.get("form") or "", []):
        if r.get("file") == finding.get("file") and r.get("batch"):
            return r["batch"]
    text = finding.get("file") or ""
    if "第二批" in text or "下半年" in text:
        return 2
    if "第一批" in text or "上半年" in text:
        return 1
    return None


def urge_items(merged: Merged, campaign: Campaign, city: str) -> list[dict[str, Any]]:
    """Return what a city is urged about: missing, late and short items (then plan and last year)."""
    year = campaign.year
    items: list[tuple[str, str, str, bool]] = []  # (事项, 情况, 要求, whether something is to be sent)
    findings = [f for f in merged.findings if f.get("city") == city]
    for f in findings:
        if f.get("code") != "missing-submission" or not f.get("form"):
            continue
        form = f["form"]
        if form == "evaluation":
            batches = sorted({b for b in (1, 2) if f"第{'一二'[b - 1]}批" in (f.get("message") or "")})
            when = "、".join(chinese_date(_form_deadline(campaign, form, b)) for b in batches) if batches else \
                chinese_date(_form_deadline(campaign, form, 1))
            label = "（" + "、".join(f"第{'一二'[b - 1]}批" for b in batches) + "）" if batches else ""
            items.append(("未报送", f"{_form_title(form, year)}{label}应于{when}前报送，至今未收到。", "请尽快补报。",
                          True))
        else:
            items.append(("未报送", f"{_form_title(form, year)}应于{chinese_date(_form_deadline(campaign, form, None))}"
                                   "前报送，至今未收到。", "请尽快补报。", True))
    for f in findings:
        if f.get("code") != "late" or not f.get("form"):
            continue
        form = f["form"]
        batch = _batch_of(merged, f) if form == "evaluation" else None
        label = f"（第{'一二'[batch - 1]}批）" if batch in (1, 2) else ""
        deadline = _form_deadline(campaign, form, batch)
        filled = value_text(f.get("value"))
        # Received, only late: the letter says it was late; nothing is asked to be sent again.
        items.append(("逾期报送", f"{_form_title(form, year)}{label}应于{chinese_date(deadline)}前报送，"
                                 f"填报日期为{filled}，已收到，属逾期报送。", "今后请按时报送。", False))
    minimum = campaign.thresholds.get("spotcheck_min_per_city", 30)
    for f in findings:
        if f.get("code") != "spotcheck-quota":
            continue
        done = merged.summary.get("cities", {}).get(city, {}).get("spotcheck", {}).get("rows", 0)
        items.append(("抽查数量不足",
                      f"{_form_title('spotcheck', year)}有效抽查企业{done}家，未达到《通知》“本年度各设区市抽查企业的"
                      f"数量应不低于{minimum}家”的要求，差{max(minimum - done, 0)}家（报送截止日期"
                      f"{chinese_date(campaign.deadline('spotcheck'))}）。", "请补充抽查并报送。", True))
    codes = {f.get("code") for f in findings}
    evaluation = merged.summary.get("cities", {}).get(city, {}).get("evaluation", {})
    done = evaluation.get("rows", 0)
    parts = []
    if "plan-shortfall" in codes and evaluation.get("target") is not None:
        parts.append(f"未达到年度指导性计划的{evaluation['target']}家")
    if "below-last-year" in codes and evaluation.get("last_year") is not None:
        parts.append(f"低于{year - 1}年的{evaluation['last_year']}家（《通知》要求今年新增绩效评价合格企业数量"
                     f"原则上不低于{year - 1}年）")
    if parts:
        items.append(("绩效评价进度", f"绩效评价合格企业（两批合计）{done}家，" + "，".join(parts) + "。",
                      "请加大工作力度。", False))
    return [{"序号": n, "事项": label, "情况": fact, "内容": fact + request, "需报送": send}
            for n, (label, fact, request, send) in enumerate(items, start=1)]


URGE_CODES = ("missing-submission", "late", "spotcheck-quota")


def urges(merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
    """Return the 催报函: one per city with something missing, late or short, cities in official order."""
    cities = {f.get("city") for f in merged.findings_of(*URGE_CODES) if f.get("city")}
    out = []
    for city in sorted(cities, key=lambda c: (campaign.city_order(c), c)):
        office = city_office(campaign, city)
        rows = urge_items(merged, campaign, city)
        out.append(Letter(office, {
            **base,
            "标题": f"关于报送{campaign.year}年度贯标工作材料的催报函",
            "主送": office,
            "设区市": city,
            "市局": office,
            "事项数": len(rows),
            "需报送": any(row["需报送"] for row in rows),
            "明细": rows,
        }))
    return out
