"""Checks of a city's whole year: quota, last year, plan target, missing submissions.

They count valid records (no error finding) and run after every other check.
"""

from __future__ import annotations


from formkit.findings import Finding
from formkit.forms import get_form, submission_slots
from formkit.normalize import chinese_date



def _city_finding(code, message, city, form, file=None):
    return Finding.make(code, message, form=form, city=city, file=file)


def spotcheck_quota(ctx) -> list[Finding]:
    """Return `spotcheck-quota` for each city whose valid spot checks are below the threshold."""
    out = []
    minimum = ctx.campaign.thresholds["spotcheck_min_per_city"]
    for city in ctx.campaign.cities:
        subs = ctx.submissions_of(city.name, "spotcheck")
        if not subs:
            continue
        valid = ctx.valid_count(city.name, "spotcheck")
        if valid < minimum:
            total = sum(len(s.records) for s in subs)
            extra = f"（报送{total}条，其中有效{valid}条）" if total != valid else ""
            out.append(_city_finding("spotcheck-quota",
                                     f"{city.name}抽查企业{valid}家{extra}，少于通知要求的每市不低于{minimum}家，"
                                     f"请补充抽查至{minimum}家以上", city.name, "spotcheck",
                                     subs[0].file if len(subs) == 1 else None))
    return out


def _year_counts(ctx):
    """Yield (city, valid evaluations) for each city whose whole year can be judged.

    A city that sent evaluations is judged once its last batch is due or sent.
    """
    last_batch = get_form("evaluation").batches
    last_day = ctx.campaign.form_deadline("evaluation", last_batch)
    for city in ctx.campaign.cities:
        subs = ctx.submissions_of(city.name, "evaluation")
        if subs and (ctx.as_of > last_day or any(s.batch == last_batch for s in subs)):
            yield city, ctx.valid_count(city.name, "evaluation")


def below_last_year(ctx) -> list[Finding]:
    """Return `below-last-year` where a city's qualified count (both batches) is below last year's."""
    out = []
    for city, valid in _year_counts(ctx):
        if city.last_year is not None and valid < city.last_year:
            out.append(_city_finding("below-last-year",
                                     f"{city.name}本年度绩效评价合格企业{valid}家（两批合计），低于{ctx.campaign.year - 1}年的"
                                     f"{city.last_year}家；通知要求新增数量原则上不低于上年", city.name, "evaluation"))
    return out


def plan_shortfall(ctx) -> list[Finding]:
    """Return `plan-shortfall` where a city's qualified count is below its plan target."""
    out = []
    for city, valid in _year_counts(ctx):
        target = ctx.target(city.name)
        if target is not None and valid < target:
            source = "附件1计划分解表" if ctx.plan_targets else "活动配置"
            out.append(_city_finding("plan-shortfall",
                                     f"{city.name}绩效评价合格企业{valid}家，未达到年度指导性计划的{target}家"
                                     f"（目标来自{source}），差{target - valid}家", city.name, "evaluation"))
    return out


def missing_submission(ctx) -> list[Finding]:
    """Return `missing-submission` for each form a city has not sent although it is due."""
    out = []
    for city in ctx.campaign.cities:
        for slot in submission_slots():
            deadline = ctx.campaign.form_deadline(slot.form, slot.batch)
            if ctx.as_of <= deadline:
                continue
            subs = ctx.submissions_of(city.name, slot.form)
            if slot.batch is not None:
                subs = [s for s in subs if s.batch == slot.batch]
            if not subs:
                out.append(_city_finding("missing-submission",
                                         f"{city.name}未报送{slot.label}（截止日期{chinese_date(deadline)}），请催报",
                                         city.name, slot.form))
    return out


CITY_CHECKS = (spotcheck_quota, below_last_year, plan_shortfall, missing_submission)
