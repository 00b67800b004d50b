"""What every letter says: the kinds, 成文日期, the document numbers, the offices, the common variables.

:func:`common_context` returns the variables every letter (and the report) shares — issuing
office, signatory, 成文日期 (``[letters] date``, else today) in Arabic numerals, the reply
date, the notice, the contact (see docs/templates.md); :class:`Letter` is one letter of any
kind, its recipient and its template's variables.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.normalize import chinese_date
from formkit.outputs.letters.data import value_date

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


@dataclass
class Letter:
    """One letter: its recipient (for the file name) and the template's variables."""

    recipient: str
    context: dict[str, Any] = field(default_factory=dict)
    number: int = 0  # the running number of its 发文字号
    #: Why the letter does not ask for the date the data gives (it passed before 成文日期), in
    #: Chinese, for the command's summary; "" when it does.
    note: str = ""


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


def days_setting(campaign: Campaign, key: str, default: int) -> int:
    """Return the day count ``[letters] key`` (else ``default``); a FormkitError when it is not one."""
    days = (campaign.letters or {}).get(key, default)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise FormkitError(f"配置项 letters.{key} 应为不小于0的整数（天数），现为 {days!r}")
    return days


def overdue_reply_date(campaign: Campaign, today: dt.date | None = None) -> dt.date:
    """Return the date by which a rectification already overdue at 成文日期 is to be reported on."""
    return letter_date(campaign, today) + dt.timedelta(
        days=days_setting(campaign, "overdue_reply_days", DEFAULT_OVERDUE_REPLY_DAYS))


def common_context(campaign: Campaign, today: dt.date | None = None) -> dict[str, Any]:
    """Return the variables every letter and the report share (see docs/templates.md)."""
    letters = campaign.letters or {}
    contact = campaign.contact or {}
    date = letter_date(campaign, today)
    notice_date = value_date(campaign.notice_date)
    reply_days = days_setting(campaign, "reply_days", DEFAULT_REPLY_DAYS)
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


def date_of(base: dict) -> dt.date | None:
    """Return 成文日期 of a letter's context (the common context carries it as text)."""
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", base.get("成文日期", ""))
    return dt.date(*map(int, m.groups())) if m else None
