"""The five kinds of letters (SPEC §5), written from what ``formkit merge`` produced.

``formkit letters KIND MERGED_DIR -o DIR`` reads ``MERGED_DIR``'s ``summary.json``,
``records.json`` and ``findings.json`` (:func:`load_merged`), picks the recipients the notice
names (:func:`build_letters`) and renders one ``.docx`` per recipient from one compiled template
(:func:`write_letters`; ``--combined`` adds one document holding every letter).

Recipients come only from valid records (``"valid": true``: no error finding):

* ``reminder`` 提醒函 — each enterprise of anomaly type 备案超5年未认证或评价 whose 企业意愿 is
  愿意开展认证或评价 (handling 提醒并给予1年宽限期); addressed to the enterprise, copied to its
  city office; states the grace deadline (宽限期至, else the review deadline plus the grace years).
* ``interview`` 约谈通知书 / ``written-reminder`` 书面提醒函 — each certification body (aliases of
  the campaign's approved bodies folded into their full names) whose certified enterprises
  were 未达标 with 认证机构处理措施 约谈 / 书面提醒, over all cities; the letter lists each of
  them (city, name, credit code, certificate number, problems, rectification deadline).
* ``rectification`` 限期整改通知书 — each 未达标 enterprise, with its 整改期限; copied to its city office.
* ``urge`` 催报函 — each city with a ``missing-submission``, ``late`` or ``spotcheck-quota``
  finding, addressed to the city office, listing what is missing, late or short with the
  deadlines (and a ``plan-shortfall``/``below-last-year`` of the same city).

Every letter gets a document number (the campaign's ``[letters] doc_number_prefix`` and a running
number from ``doc_number_start``, in output order), the signatory, 成文日期 (``[letters] date``,
else today) in Arabic numerals and the campaign contact. The variables of each template, with
examples, are listed in docs/templates.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.forms import get_form
from formkit.normalize import add_years, chinese_date

#: Letter kinds (the command's KIND) → the kind in Chinese (file names, titles, messages).
KINDS = {
    "reminder": "提醒函",
    "interview": "约谈通知书",
    "written-reminder": "书面提醒函",
    "rectification": "限期整改通知书",
    "urge": "催报函",
    "feedback": "数据问题反馈函",
}

#: Days after 成文日期 given for a reply (约谈, 书面提醒 self-inspection, 催报); ``[letters] reply_days``.
DEFAULT_REPLY_DAYS = 15
#: Days after 成文日期 given to report on a rectification whose 整改期限 has already passed by
#: then (a letter never asks for a date before its own 成文日期); ``[letters] overdue_reply_days``.
DEFAULT_OVERDUE_REPLY_DAYS = 15

#: The spot-check measure each certification-body letter is about.
MEASURES = {"interview": "约谈", "written-reminder": "书面提醒"}

MERGED_FILES = ("summary.json", "records.json", "findings.json")
_END_PUNCTUATION = "。；;，,、 "


def _date(value: Any) -> dt.date | None:
    """Return the date of an ISO text from records.json (``2023-12-20``), else None."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sentence(value: Any) -> str:
    """Return a free-text value without the trailing punctuation the template adds itself."""
    return _text(value).rstrip(_END_PUNCTUATION)


# --- the merge output ----------------------------------------------------------------------------


@dataclass
class Merged:
    """What ``formkit merge`` wrote into a folder: the summary, the records and the findings."""

    path: Path
    summary: dict
    records: dict[str, list[dict]]
    findings: list[dict]

    @property
    def year(self) -> int | None:
        return self.summary.get("year")

    def valid(self, form: str) -> list[dict]:
        """Return the valid records of ``form`` (no error finding), in the merged order."""
        return [r for r in self.records.get(form, []) if r.get("valid") is True]

    def findings_of(self, *codes: str) -> list[dict]:
        return [f for f in self.findings if f.get("code") in codes]


def load_merged(path: str | Path, campaign: Campaign | None = None) -> Merged:
    """Return the merge output in folder ``path``; a FormkitError (Chinese) when it is not one.

    With ``campaign``, the merged year must be the campaign's: letters cite the year's notice.
    """
    path = Path(path)
    hint = f"请先运行 formkit merge 报送材料 -o {path}，再用该文件夹生成公文"
    if not path.is_dir():
        raise FormkitError(f"{path} 不是文件夹，也不是 formkit merge 的输出：{hint}")
    missing = [name for name in MERGED_FILES if not (path / name).is_file()]
    if missing:
        raise FormkitError(f"{path} 不是 formkit merge 的输出文件夹（缺少 {'、'.join(missing)}）：{hint}")
    data = {}
    for name in MERGED_FILES:
        try:
            data[name] = json.loads((path / name).read_text(encoding="utf-8"))
        except OSError as exc:
            raise FormkitError(f"无法读取 {path / name}：{exc.strerror or exc}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FormkitError(f"{path / name} 已损坏，不是 formkit merge 写出的 JSON（{exc}）：请重新运行 formkit merge") from exc
    summary, records, findings = data["summary.json"], data["records.json"], data["findings.json"]
    if not (isinstance(summary, dict) and isinstance(summary.get("cities"), dict)
            and isinstance(summary.get("totals"), dict)):
        raise FormkitError(f"{path / 'summary.json'} 的内容不是 formkit merge 的统计（缺少 cities/totals）：请重新运行 formkit merge")
    if not (isinstance(records, dict) and isinstance(records.get("forms"), dict)
            and all(isinstance(v, list) for v in records["forms"].values())):
        raise FormkitError(f"{path / 'records.json'} 的内容不是 formkit merge 的记录（缺少 forms）：请重新运行 formkit merge")
    if not (isinstance(findings, list) and all(isinstance(f, dict) for f in findings)):
        raise FormkitError(f"{path / 'findings.json'} 的内容不是问题列表：请重新运行 formkit merge")
    merged = Merged(path=path, summary=summary, records=records["forms"], findings=findings)
    if campaign is not None and merged.year is not None and merged.year != campaign.year:
        raise FormkitError(f"{path} 是{merged.year}年度的汇总结果，而活动配置是{campaign.year}年度的"
                           f"（{campaign.source or '内置配置'}）：请用 --config 指定{merged.year}年度的配置")
    return merged


# --- what every letter says ----------------------------------------------------------------------


def letter_date(campaign: Campaign, today: dt.date | None = None) -> dt.date:
    """Return 成文日期: the campaign's ``[letters] date``, else ``today`` (else the real today)."""
    raw = campaign.letters.get("date") if campaign.letters else None
    if raw:
        return dt.date.fromisoformat(str(raw))
    return today or dt.date.today()


def provincial_bureau(campaign: Campaign) -> str:
    """Return the bureau the issuing office belongs to (江苏省知识产权局办公室 → 江苏省知识产权局)."""
    office = campaign.office
    return office[: -len("办公室")] if office.endswith("办公室") and len(office) > 3 else office


def _days_setting(campaign: Campaign, key: str, default: int) -> int:
    days = (campaign.letters or {}).get(key, default)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise FormkitError(f"配置项 letters.{key} 应为不小于0的整数（天数），现为 {days!r}")
    return days


def overdue_reply_date(campaign: Campaign, today: dt.date | None = None) -> dt.date:
    """Return the date by which a rectification already overdue at 成文日期 is to be reported on."""
    return letter_date(campaign, today) + dt.timedelta(
        days=_days_setting(campaign, "overdue_reply_days", DEFAULT_OVERDUE_REPLY_DAYS))


def common_context(campaign: Campaign, today: dt.date | None = None) -> dict[str, Any]:
    """Return the variables every letter and the report share (see docs/templates.md)."""
    letters = campaign.letters or {}
    contact = campaign.contact or {}
    date = letter_date(campaign, today)
    notice_date = _date(campaign.notice_date)
    reply_days = _days_setting(campaign, "reply_days", DEFAULT_REPLY_DAYS)
    return {
        "年度": campaign.year,
        "上年度": campaign.year - 1,
        "省份": campaign.province,
        "发文机关": campaign.office,
        "省局": provincial_bureau(campaign),
        "署名": str(letters.get("signatory") or campaign.office),
        "成文日期": chinese_date(date),
        "回复期限": chinese_date(date + dt.timedelta(days=reply_days)),
        "通知": f"《{campaign.notice_title}》" if campaign.notice_title else "通知",
        "通知发文机关": campaign.office,
        "通知日期": chinese_date(notice_date),
        "联系处室": str(contact.get("department", "")),
        "联系人": str(contact.get("person", "")),
        "联系电话": str(contact.get("phone", "")),
        "联系邮箱": str(contact.get("email", "")),
        "抄送": "",
    }


def doc_number(campaign: Campaign, number: int) -> str:
    """Return 发文字号: the campaign's prefix and ``number`` (苏知办函〔2023〕101号)."""
    prefix = str((campaign.letters or {}).get("doc_number_prefix") or "")
    return f"{prefix}{number}号"


def doc_number_start(campaign: Campaign) -> int:
    start = (campaign.letters or {}).get("doc_number_start", 1)
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise FormkitError(f"配置项 letters.doc_number_start 应为不小于0的整数，现为 {start!r}")
    return start


def city_office(campaign: Campaign, city: str | None) -> str:
    """Return the office of ``city`` as the campaign names it (苏州市知识产权局)."""
    if not city:
        return ""
    found = campaign.city(city)
    return found.office if found is not None else f"{city}知识产权局"


def canonical_body(campaign: Campaign, name: str) -> str:
    """Return a certification body's full name: an alias of an approved body becomes its name."""
    cleaned = re.sub(r"\s+", "", name or "")
    return campaign.approved_body(cleaned) or cleaned or "（未填写认证机构）"


# --- recipients ----------------------------------------------------------------------------------


@dataclass
class Letter:
    """One letter: its recipient (for the file name) and the template's variables."""

    recipient: str
    context: dict[str, Any] = field(default_factory=dict)
    number: int = 0  # the running number of its 发文字号
    #: Why the letter does not ask for the date the data gives (it passed before 成文日期), in
    #: Chinese, for the command's summary; "" when it does.
    note: str = ""


def _reminder(campaign: Campaign, base: dict, *, name: str, uscc: str, city: str | None, office: str,
              filed: str, grace_until: dt.date | None, verification: str) -> Letter:
    """Return one reminder letter (提醒函) to an enterprise filed over 5 years ago.

    A grace deadline that has passed by 成文日期 (or none at all) cannot be given: the year of
    grace then runs from 成文日期, and the letter's note says so.
    """
    years = campaign.thresholds.get("stock_filing_years", 5)
    grace_years = campaign.thresholds.get("grace_period_years", 1)
    date = _date_of(base)
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


def _reminders(merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
    grace = campaign.thresholds.get("grace_period_years", 1)
    review = campaign.deadline("anomaly")
    out = []
    for r in merged.valid("anomaly"):
        v = r.get("values", {})
        if not str(v.get("type") or "").startswith("备案超"):  # 备案超5年未认证或评价
            continue
        if v.get("willingness") != get_form("anomaly").terms["willing"] or not str(v.get("action") or "").startswith("提醒"):
            continue
        out.append(_reminder(
            campaign, base, name=_text(v.get("name")), uscc=_text(v.get("uscc")), city=r.get("city"),
            office=city_office(campaign, r.get("city")),
            filed=chinese_date(_date(v.get("filing_date"))) or _text(r.get("raw", {}).get("filing_date")),
            grace_until=_date(v.get("grace_until")) or add_years(review, grace),
            verification=_sentence(v.get("verification"))))
    return out


def reminders_from_registry(due: list[dict], campaign: Campaign, base: dict) -> list[Letter]:
    """Return the reminder letters of the register's 5-year rule (``formkit.registry.due_enterprises``)."""
    return [_reminder(campaign, base, name=_text(d.get("name")), uscc=_text(d.get("uscc")), city=d.get("city"),
                      office=d.get("office") or city_office(campaign, d.get("city")),
                      filed=chinese_date(_date(d.get("filing_date"))), grace_until=_date(d.get("grace_deadline")),
                      verification="")
            for d in due if d.get("rule") == "5-year"]


def _date_of(base: dict) -> dt.date | None:
    """Return 成文日期 of a letter's context (the common context carries it as text)."""
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", base.get("成文日期", ""))
    return dt.date(*map(int, m.groups())) if m else None


def _overdue(r: dict, date: dt.date | None) -> bool:
    """Return whether a spot check's 整改期限 is missing or not after 成文日期 (it cannot be asked for)."""
    deadline = _date(r.get("values", {}).get("deadline"))
    return date is not None and (deadline is None or deadline <= date)


def _failed_spotchecks(merged: Merged) -> list[dict]:
    return [r for r in merged.valid("spotcheck") if r.get("values", {}).get("conclusion") == "未达标"]


def _spotcheck_row(r: dict, n: int) -> dict[str, Any]:
    v = r.get("values", {})
    return {
        "序号": n,
        "设区市": r.get("city") or "",
        "企业名称": _text(v.get("name")),
        "统一社会信用代码": _text(v.get("uscc")),
        "证书编号": _text(v.get("cert_no")),
        "发证日期": chinese_date(_date(v.get("cert_date"))),
        "抽查日期": chinese_date(_date(v.get("check_date"))),
        "主要问题": _sentence(v.get("problems")),
        "整改期限": chinese_date(_date(v.get("deadline"))) or _text(r.get("raw", {}).get("deadline")),
        "处理措施": _text(v.get("measure")),
    }


def _body_letters(kind: str, merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
    measure = MEASURES[kind]
    groups: dict[str, list[dict]] = {}
    for r in _failed_spotchecks(merged):
        if r.get("values", {}).get("measure") != measure:
            continue
        groups.setdefault(canonical_body(campaign, _text(r["values"].get("body"))), []).append(r)
    out = []
    date = _date_of(base)
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


def _rectifications(merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
    out = []
    date = _date_of(base)
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
            "认证机构": canonical_body(campaign, _text(v.get("body"))),
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


def _form_title(form: str, year: int) -> str:
    from formkit.forms import get_form

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
        filled = _text(f.get("value"))
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


def _urges(merged: Merged, campaign: Campaign, base: dict) -> list[Letter]:
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


def build_letters(kind: str, merged: Merged, campaign: Campaign, today: dt.date | None = None,
                  start: int | None = None, due: list[dict] | None = None) -> list[Letter]:
    """Return the letters of ``kind`` in output order, each with its document number.

    ``due`` (reminders only): the register's due enterprises, used instead of the merged
    anomaly form (``formkit letters reminder --registry``).
    """
    if kind not in KINDS:
        raise FormkitError(f"没有这种函件：{kind}（可选：{'、'.join(f'{k} {v}' for k, v in KINDS.items())}）")
    base = common_context(campaign, today)
    if kind == "reminder" and due is not None:
        letters = reminders_from_registry(due, campaign, base)
    elif kind == "reminder":
        letters = _reminders(merged, campaign, base)
    elif kind in MEASURES:
        letters = _body_letters(kind, merged, campaign, base)
    elif kind == "rectification":
        letters = _rectifications(merged, campaign, base)
    elif kind == "feedback":
        from formkit.outputs.feedback import feedback_letters

        letters = feedback_letters(merged, campaign, base)
    else:
        letters = _urges(merged, campaign, base)
    number = doc_number_start(campaign) if start is None else start
    for k, letter in enumerate(letters):
        letter.number = number + k
        letter.context["发文字号"] = doc_number(campaign, letter.number)
        letter.context["序号"] = k + 1
    return letters


# --- writing -------------------------------------------------------------------------------------


def letter_filename(n: int, recipient: str, kind: str, width: int = 3) -> str:
    """Return ``NNN-<recipient>-<kind in Chinese>.docx`` with only characters safe on every system."""
    from formkit.fsutil import safe_filename

    name = safe_filename(recipient, max_len=60) if recipient else "收件单位"
    return safe_filename(f"{n:0{width}d}-{name}-{KINDS[kind]}.docx", max_len=120)


def combined_filename(kind: str, count: int) -> str:
    """Return the name of the document holding every letter of ``kind`` (全部-提醒函.docx)."""
    return f"全部-{KINDS[kind]}.docx"


def default_template(kind: str) -> Path:
    """Return the bundled template of ``kind`` (templates/docx/reminder.docx …)."""
    from formkit.outputs.make_templates import TEMPLATE_FILES
    from formkit.resources import templates_dir

    return templates_dir() / "docx" / TEMPLATE_FILES[kind]


def load_template(path: str | Path | None, kind: str, context_keys: set[str] | None = None):
    """Return the compiled template (the bundled one when ``path`` is None), checked against the data.

    A top-level variable the template prints or iterates but the data lacks is refused before
    anything is written, with the engine's message naming the template and the variable; one it
    only tests (``{% if 备注 %}``) is false.
    """
    from formkit.outputs.docx import DocxTemplate, TemplateError

    if path is not None:
        # A user's template is linted first: a broken one is refused with the lint's message.
        # Split tags and curly quotes pass: the engine repairs those when it loads.
        from formkit.outputs.lint import require_clean

        require_clean(path, allow_fixable=True)
    template = DocxTemplate.load(path or default_template(kind))
    if context_keys is not None:
        # a variable only tested ({% if 备注 %}) may be missing: it is false, as in docxtpl
        unknown = sorted(template.variables() - template.tested_only() - context_keys)
        if unknown:
            raise TemplateError(f"模板 {template.name} 中的变量“{unknown[0]}”没有数据"
                                + (f"（另有 {'、'.join(unknown[1:])}）" if unknown[1:] else "")
                                + f"：{KINDS.get(kind, '报告')}可用的变量见 docs/templates.md",
                                template=template.name, variable=unknown[0])
    return template


@dataclass
class LettersResult:
    """What :func:`write_letters` wrote: one path per letter, and the combined document if asked."""

    kind: str
    letters: list[Letter]
    paths: list[Path]
    combined: Path | None = None
    pdfs: list[Path] = field(default_factory=list)  # filled by api.feedback_letters(pdf=True)

    @property
    def outputs(self) -> list[Path]:
        return self.paths + ([self.combined] if self.combined else [])


def write_letters(kind: str, merged: Merged, out_dir: str | Path, campaign: Campaign, *,
                  template: str | Path | None = None, combined: bool = False, today: dt.date | None = None,
                  start: int | None = None, progress: Callable | None = None,
                  due: list[dict] | None = None) -> LettersResult:
    """Return what was written into ``out_dir``: one letter per recipient (and all of them in one).

    The template is read and compiled once. Every letter is rendered before any file is
    written, so a template error leaves no partial set behind; each file is written to a
    temporary name and renamed.
    """
    from formkit.fsutil import write_bytes

    letters = build_letters(kind, merged, campaign, today=today, start=start, due=due)
    out_dir = Path(out_dir)
    result = LettersResult(kind, letters, [])
    if not letters:
        return result
    keys = set().union(*(letter.context for letter in letters))
    engine = load_template(template, kind, keys)
    width = max(3, len(str(len(letters))))
    names: list[str] = []
    seen: set[str] = set()
    for k, letter in enumerate(letters, start=1):
        name = letter_filename(k, letter.recipient, kind, width)
        while name.lower() in seen:  # cannot happen with the running number; kept for safety
            name = name[:-5] + "_.docx"
        seen.add(name.lower())
        names.append(name)
    items = list(zip(letters, names))
    rendered: list[tuple[Path, bytes]] = []
    for letter, name in (progress(items) if progress else items):
        rendered.append((out_dir / name, engine.render(letter.context)))
    combined_bytes = engine.render_combined_bytes([letter.context for letter in letters]) if combined else None
    for path, data in rendered:
        result.paths.append(write_bytes(path, data))
    if combined_bytes is not None:
        result.combined = write_bytes(out_dir / combined_filename(kind, len(letters)), combined_bytes)
    return result
