"""The consolidated provincial report (``formkit report MERGED_DIR -o FILE.docx``).

Built from what ``formkit merge`` wrote (summary.json, records.json, findings.json) and the
campaign: 一、总体情况 (totals, against the plan and last year), 二、各设区市完成情况 (two tables
with a row per city, and a chart), 三、存在的问题 (the findings grouped by kind and city, in
sentences, with counts), 四、下一步工作. The numbers are those of summary.json: valid,
de-duplicated records.

The template (``templates/docx/report.docx`` or ``--template``) is rendered by the engine
(:mod:`formkit.outputs.docx`); its variables are listed in docs/templates.md. A picture whose
alternative text is ``formkit:chart`` is the chart's place: its PNG is replaced by the chart
drawn by :mod:`formkit.outputs.report_chart`, so the user can move or resize it in Word.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.forms import get_form
from formkit.normalize import chinese_date, chinese_number
from formkit.outputs.letters import (MEASURES, Merged, canonical_body, common_context,
                                     load_template, urge_items, URGE_CODES)
from formkit.outputs.report_chart import chart_member, chart_png, replace_member

#: Codes said city by city in their own paragraphs; every other code goes to 数据质量.
CITY_CODES = ("missing-submission", "late", "spotcheck-quota", "plan-shortfall", "below-last-year")
DASH = "—"


def _percent(part: int, whole: int | None) -> str:
    if not whole:
        return DASH
    return f"{part / whole * 100:.1f}%"


def _signed(value: int | None) -> str:
    if value is None:
        return DASH
    return f"+{value}" if value > 0 else ("0" if value == 0 else f"−{-value}")


def _join(names: list[str]) -> str:
    return "、".join(names)


def _grace_count(by_action: dict) -> int:
    return by_action.get(get_form("anomaly").terms["grace"], 0)


# --- the figures ---------------------------------------------------------------------------------


def _city_rows(merged: Merged, campaign: Campaign) -> list[dict[str, Any]]:
    minimum = campaign.thresholds.get("spotcheck_min_per_city", 30)
    rows = []
    for name, figures in merged.summary["cities"].items():
        ev = figures.get("evaluation", {})
        sp = figures.get("spotcheck", {})
        an = figures.get("anomaly", {})
        by_action = an.get("by_action", {})
        total = ev.get("rows", 0)
        last = ev.get("last_year")
        checked = sp.get("rows", 0)
        rows.append({
            "设区市": name,
            "计划": ev.get("target") if ev.get("target") is not None else DASH,
            "第一批": ev.get("batch1", 0),
            "第二批": ev.get("batch2", 0),
            "合计": total,
            "完成率": _percent(total, ev.get("target")),
            "上年": last if last is not None else DASH,
            "较上年": _signed(total - last) if last is not None else DASH,
            "抽查": checked,
            "抽查达标": "是" if checked >= minimum else f"差{minimum - checked}家",
            "未达标": sp.get("failed", 0),
            "异常": an.get("rows", 0),
            "删除": by_action.get("删除", 0),
            "标记跟踪": by_action.get("标记跟踪", 0),
            "更新名称": by_action.get("更新名称", 0),
            "宽限期": _grace_count(by_action),
            # for sentences
            "_target": ev.get("target"),
            "_last": last,
        })
    return rows


def _change_phrase(now: int, last: int | None, last_year: int) -> str:
    if last is None:
        return f"无{last_year}年数据可比"
    diff = now - last
    if diff == 0:
        return "与上年持平"
    rate = f"，{'增长' if diff > 0 else '下降'}{abs(diff) / last * 100:.1f}%" if last else ""
    return f"比上年{'增加' if diff > 0 else '减少'}{abs(diff)}家{rate}"


def _flagged(merged: Merged, code: str) -> set[str]:
    """Return the cities with a finding ``code`` (merge raises city findings only when due)."""
    return {f.get("city") for f in merged.findings if f.get("code") == code and f.get("city")}


def _plan_sentence(rows: list[dict], merged: Merged, last_year: int) -> str:
    """Say which cities met the plan and which fell short of it or of last year.

    Shortfalls are those merge reported (``plan-shortfall``, ``below-last-year``: raised once a
    city's year is complete); cities neither done nor flagged are still under way.
    """
    short_names, below_names = _flagged(merged, "plan-shortfall"), _flagged(merged, "below-last-year")
    planned = [r for r in rows if r["_target"] is not None]
    done = [r for r in planned if r["合计"] >= r["_target"]]
    short = [r for r in planned if r["设区市"] in short_names and r["合计"] < r["_target"]]
    below = [r for r in rows if r["设区市"] in below_names and r["_last"] is not None and r["合计"] < r["_last"]]
    pending = [r for r in planned if r not in done and r not in short]
    parts = []
    if planned and len(done) == len(planned):
        parts.append(f"{len(done)}个设区市均完成年度指导性计划")
    else:
        if done:
            parts.append(f"{len(done)}个设区市完成年度指导性计划")
        if short:
            parts.append(_join([f"{r['设区市']}（{r['合计']}家，计划{r['_target']}家）" for r in short]) + "未完成")
        if pending:
            parts.append(f"{len(pending)}个设区市尚在推进中（全年结果以第二批报送为准）")
        parts = ["，".join(parts)] if parts else []
    if below:
        parts.append(_join([f"{r['设区市']}（{r['合计']}家，{last_year}年{r['_last']}家）" for r in below])
                     + f"低于{last_year}年，未达到“新增绩效评价合格企业数量原则上不低于上年”的要求")
    return "；".join(parts) + "。" if parts else ""


def _quota_sentence(rows: list[dict], merged: Merged, minimum: int) -> str:
    """Say which cities are short of the spot-check quota (as merge found) and which have not reported."""
    short_names = _flagged(merged, "spotcheck-quota")
    short = [r for r in rows if r["设区市"] in short_names]
    missing = [r for r in rows if r["抽查"] == 0 and r not in short]
    met = [r for r in rows if r["抽查"] >= minimum]
    if len(met) == len(rows):
        return f"各设区市抽查数量均达到每市不低于{minimum}家的要求。"
    parts = []
    if short:
        parts.append(_join([f"{r['设区市']}抽查{r['抽查']}家" for r in short]) + f"，未达到每市不低于{minimum}家的要求")
    if missing:
        parts.append(_join([r["设区市"] for r in missing]) + "尚未报送抽查情况")
    others = [r for r in rows if r not in short and r not in missing and r not in met]
    if others:
        parts.append(_join([f"{r['设区市']}已抽查{r['抽查']}家" for r in others]))
    if met:
        parts.append(f"{'其余' if parts else ''}{len(met)}个设区市均达到要求")
    return "；".join(parts) + "。"


def _failed_measures(merged: Merged) -> Counter:
    return Counter(r.get("values", {}).get("measure") for r in merged.valid("spotcheck")
                   if r.get("values", {}).get("conclusion") == "未达标")


def _totals(merged: Merged, campaign: Campaign, rows: list[dict]) -> dict[str, Any]:
    totals = merged.summary["totals"]
    ev, sp, an = totals.get("evaluation", {}), totals.get("spotcheck", {}), totals.get("anomaly", {})
    minimum = campaign.thresholds.get("spotcheck_min_per_city", 30)
    targets = [r["_target"] for r in rows if r["_target"] is not None]
    lasts = [r["_last"] for r in rows if r["_last"] is not None]
    target = ev.get("target") if ev.get("target") is not None else (sum(targets) if targets else None)
    last = ev.get("last_year") if ev.get("last_year") is not None else (sum(lasts) if lasts else None)
    total = ev.get("rows", 0)
    measures = _failed_measures(merged)
    by_type = an.get("by_type", {})
    by_action = an.get("by_action", {})
    grace = _grace_count(by_action)
    types = [f"{t}{n}家" for t, n in by_type.items() if n]
    actions = [f"{a}{n}家" for a, n in by_action.items() if n]
    return {
        "计划": target if target is not None else DASH,
        "第一批": ev.get("batch1", 0),
        "第二批": ev.get("batch2", 0),
        "合计": total,
        "完成率": _percent(total, target),
        "上年": last if last is not None else DASH,
        "较上年": _signed(total - last) if last is not None else DASH,
        "较上年说明": _change_phrase(total, last, campaign.year - 1),
        "抽查": sp.get("rows", 0),
        "抽查达标": f"{sum(1 for r in rows if r['抽查'] >= minimum)}/{len(rows)}",
        "未达标": sp.get("failed", 0),
        "约谈": measures.get("约谈", 0),
        "书面提醒": measures.get("书面提醒", 0),
        "移交执法": measures.get("移交执法", 0),
        "异常": an.get("rows", 0),
        "删除": by_action.get("删除", 0),
        "标记跟踪": by_action.get("标记跟踪", 0),
        "更新名称": by_action.get("更新名称", 0),
        "宽限期": grace,
        "异常类型说明": _join(types) if types else "无异常类型记录",
        "处理意见说明": (_join(actions) if actions else "无需处理"),
    }


# --- 三、存在的问题 ------------------------------------------------------------------------------


def _where(finding: dict) -> str:
    if finding.get("city"):
        return finding["city"]
    return "省级计划分解表" if finding.get("form") == "plan" else "未确定设区市的文件"


def _counted(findings: list[dict], campaign: Campaign) -> str:
    """Return “南京市2处、苏州市1处” for findings of one code, cities in official order."""
    per = Counter(_where(f) for f in findings)
    names = sorted(per, key=lambda c: (campaign.city_order(c), c))
    return _join([f"{c}{per[c]}处" for c in names])


def problems(merged: Merged, campaign: Campaign) -> list[dict[str, str]]:
    """Return 三、存在的问题: kinds of problem, each a heading and a paragraph with counts by city."""
    from formkit.findings import CODE_NAMES, CODES

    year = campaign.year
    groups: list[tuple[str, str]] = []
    by_code: dict[str, list[dict]] = {}
    for f in merged.findings:
        by_code.setdefault(f.get("code"), []).append(f)

    def cities_of(*codes: str) -> list[str]:
        names = {f.get("city") for code in codes for f in by_code.get(code, []) if f.get("city")}
        return sorted(names, key=lambda c: (campaign.city_order(c), c))

    late = cities_of("missing-submission", "late")
    if late:
        sentences = []
        for city in late:
            texts = [i["情况"].rstrip("。") for i in urge_items(merged, campaign, city)
                     if i["事项"] in ("未报送", "逾期报送")]
            if texts:
                sentences.append(f"{city}：" + "；".join(texts))
        n_missing, n_late = len(by_code.get("missing-submission", [])), len(by_code.get("late", []))
        counts = _join([s for s in (f"未报送{n_missing}项" if n_missing else "", f"逾期报送{n_late}项" if n_late else "")
                        if s])
        groups.append(("部分材料未按时报送", f"{counts}，涉及{len(late)}个设区市。" + "；".join(sentences) + "。"))

    quota = by_code.get("spotcheck-quota", [])
    if quota:
        minimum = campaign.thresholds.get("spotcheck_min_per_city", 30)
        cities = merged.summary.get("cities", {})
        texts = [f"{c}有效抽查{cities.get(c, {}).get('spotcheck', {}).get('rows', 0)}家" for c in cities_of("spotcheck-quota")]
        groups.append(("部分设区市抽查数量不足",
                       f"《通知》要求本年度各设区市抽查企业的数量应不低于{minimum}家。{len(texts)}个设区市未达到要求："
                       + _join(texts) + "。"))

    lagging = cities_of("plan-shortfall", "below-last-year")
    if lagging:
        cities = merged.summary.get("cities", {})
        texts = []
        for c in lagging:
            ev = cities.get(c, {}).get("evaluation", {})
            bits = []
            if any(f.get("city") == c for f in by_code.get("plan-shortfall", [])):
                bits.append(f"计划{ev.get('target')}家")
            if any(f.get("city") == c for f in by_code.get("below-last-year", [])):
                bits.append(f"{year - 1}年{ev.get('last_year')}家")
            texts.append(f"{c}绩效评价合格企业{ev.get('rows', 0)}家（{'，'.join(bits)}）")
        n_plan, n_last = len(by_code.get("plan-shortfall", [])), len(by_code.get("below-last-year", []))
        groups.append(("绩效评价工作进展不平衡",
                       f"{n_plan}个设区市未完成年度指导性计划，{n_last}个设区市低于上年："
                       + "；".join(texts) + "。"))

    failed = [r for r in merged.valid("spotcheck") if r.get("values", {}).get("conclusion") == "未达标"]
    if failed:
        checked = merged.summary.get("totals", {}).get("spotcheck", {}).get("rows", 0)
        per_city = Counter(r.get("city") or "未确定设区市" for r in failed)
        per_body = Counter(canonical_body(campaign, str(r["values"].get("body") or "")) for r in failed)
        measures = Counter(r["values"].get("measure") for r in failed)
        city_text = _join([f"{c}{per_city[c]}家" for c in sorted(per_city, key=lambda c: (campaign.city_order(c), c))])
        body_text = _join([f"{b}{n}家" for b, n in per_body.most_common()])
        measure_text = _join([f"{m}{measures[m]}家次" for m in ("约谈", "书面提醒", "移交执法") if measures.get(m)])
        groups.append(("部分贯标认证企业质量不高",
                       f"抽查发现未达标企业{len(failed)}家，占抽查企业的{_percent(len(failed), checked)}，其中{city_text}。"
                       f"涉及认证机构{len(per_body)}家：{body_text}。"
                       + (f"按《通知》规定，应对相关认证机构{measure_text}。" if measure_text else "")))

    quality = {code: items for code, items in by_code.items() if code and code not in CITY_CODES}
    if quality:
        counts = Counter(f.get("severity") for items in quality.values() for f in items)

        def is_error(code: str) -> bool:
            return CODES.get(code, quality[code][0].get("severity")) == "error"

        order = sorted(quality, key=lambda c: (not is_error(c), -len(quality[c]), c))
        texts = [f"{CODE_NAMES.get(c, c)}{len(quality[c])}处（{_counted(quality[c], campaign)}）" for c in order]
        groups.append(("报送数据质量有待提高",
                       f"{'除上述问题外，汇总检查还' if groups else '汇总检查'}在报送的表格中发现错误{counts.get('error', 0)}处、需核实的提示"
                       f"{counts.get('warning', 0)}处：" + "；".join(texts)
                       + "。有错误的记录未计入本报告的统计，已在问题清单中逐条列明出处和修改意见。"))
    return [{"编号": f"（{chinese_number(n, below=20)}）", "标题": title, "内容": text}
            for n, (title, text) in enumerate(groups, start=1)]


def next_steps(merged: Merged, campaign: Campaign) -> list[dict[str, str]]:
    """Return 四、下一步工作: what follows from the figures and the notice."""
    year = campaign.year
    steps: list[tuple[str, str]] = []
    urged = sorted({f.get("city") for f in merged.findings_of(*URGE_CODES) if f.get("city")},
                   key=lambda c: (campaign.city_order(c), c))
    if urged:
        steps.append(("督促按时报送", f"向{_join(urged)}知识产权局发出催报函，督促其补报有关材料、补足抽查数量；"
                                      "各设区市要按《通知》规定的时间节点报送材料，确保数据真实、完整。"))
    else:
        steps.append(("督促按时报送", "继续督促各设区市按《通知》规定的时间节点报送材料，确保数据真实、完整。"))
    failed = [r for r in merged.valid("spotcheck") if r.get("values", {}).get("conclusion") == "未达标"]
    if failed:
        bodies = {m: len({canonical_body(campaign, str(r["values"].get("body") or "")) for r in failed
                          if r["values"].get("measure") == m}) for m in MEASURES.values()}
        said = _join([f"{m}认证机构{n}家" for m, n in bodies.items() if n])
        steps.append(("抓好抽查问题整改", f"督促{len(failed)}家未达标企业在整改期限内完成整改，由所在设区市知识产权局复核；"
                                          + (f"{said}，" if said else "")
                                          + "督促认证机构落实主体责任，发现违法违规行为的，交由市场监管综合执法机构依法处理。"))
    grace = merged.summary.get("totals", {}).get("anomaly", {}).get("by_action", {})
    n_grace = _grace_count(grace)
    grace_end = campaign.deadline("anomaly").replace(year=year + campaign.thresholds.get("grace_period_years", 1))
    text = "动态管理贯标备案企业"
    body = []
    if n_grace:
        body.append(f"对{n_grace}家给予宽限期的企业优先开展绩效评价，宽限期届满（{chinese_date(grace_end)}）后仍未通过评价的，"
                    "从备案名单中删除")
    deleted = grace.get("删除", 0)
    if deleted:
        body.append(f"从备案名单中删除{deleted}家企业")
    registry = campaign.deadline("registry_check").replace(year=year + 1)
    body.append(f"{chinese_date(registry)}前组织各设区市完成贯标备案企业信息年度核查，备案满"
                f"{campaign.thresholds.get('new_filing_years', 3)}年仍未通过认证或绩效评价的企业从备案名单中删除")
    steps.append((text, "；".join(body) + "。"))
    steps.append(("做好新旧标准衔接", "密切关注《企业知识产权管理规范》国家标准修订实施情况，做好新标准的宣传、解读、推广、培训，"
                                      "确保新旧标准顺利衔接。"))
    return [{"编号": f"（{chinese_number(n, below=20)}）", "标题": title, "内容": text}
            for n, (title, text) in enumerate(steps, start=1)]


def report_context(merged: Merged, campaign: Campaign, today: dt.date | None = None) -> dict[str, Any]:
    """Return the report template's variables (see docs/templates.md)."""
    rows = _city_rows(merged, campaign)
    totals = _totals(merged, campaign, rows)
    minimum = campaign.thresholds.get("spotcheck_min_per_city", 30)
    context = common_context(campaign, today)
    counts = merged.summary.get("findings", {})
    context.update({
        "标题": f"{campaign.province}{campaign.year}年度企业知识产权管理标准化工作情况报告",
        "各市": [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows],
        "全省": totals,
        "计划完成说明": _plan_sentence(rows, merged, campaign.year - 1),
        "抽查要求": minimum,
        "抽查要求说明": _quota_sentence(rows, merged, minimum),
        "错误数": counts.get("error", 0),
        "提示数": counts.get("warning", 0),
        "存在问题": problems(merged, campaign),
        "下一步工作": next_steps(merged, campaign),
    })
    return context


# --- writing -------------------------------------------------------------------------------------


def render_report(merged: Merged, campaign: Campaign, template: str | Path | None = None,
                  today: dt.date | None = None) -> bytes:
    """Return the report's .docx bytes (the template rendered, the chart put in its place)."""
    context = report_context(merged, campaign, today)
    engine = load_template(template, "report", set(context))
    data = engine.render(context)
    member = chart_member(data)
    if member is not None:
        data = replace_member(data, member, chart_png(merged, campaign))
    return data


def write_report(merged: Merged, path: str | Path, campaign: Campaign, template: str | Path | None = None,
                 today: dt.date | None = None) -> Path:
    """Return ``path`` after writing the report there (temporary name, then renamed)."""
    from formkit.fsutil import write_bytes

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise FormkitError(f"报告应保存为 .docx 文件，现为 {path.name}")
    if path.is_dir():
        raise FormkitError(f"{path} 是文件夹，请给出报告的文件名，如 {path / '汇总报告.docx'}")
    return write_bytes(path, render_report(merged, campaign, template, today))
