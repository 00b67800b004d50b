"""数据问题反馈函: one letter per city, telling its office what is wrong in the files it sent.

``formkit letters feedback MERGED_DIR -o DIR`` (and :func:`formkit.api.feedback_letters`) use
the engine, layout, numbering and naming of the other letters (:mod:`.writing`); this module
only picks the recipients and builds each letter's variables:

* every campaign city with at least one finding in ``findings.json`` gets a letter, addressed
  to its office; a finding belongs to a city by its ``city``, else (a file that could not be
  read names no city) by the city named in the file's path;
* the body says how many files the city sent, how many problems were found (errors,
  warnings) and by when to resubmit: 成文日期 plus ``[letters] resubmit_days`` (default 7);
* the city-level findings (missing, late, short of the spot-check quota, of the plan or of
  last year) are items in the body, worded as in the 催报函 (:func:`.urge.urge_items`);
* every other finding is a row in the 附件 after the body (GB/T 9704: 附件说明 under the text,
  the attachment on a new page after the signature): per file, errors first, 位置 · 问题及修改要求 ·
  原值. So the letter itself stays one or two pages however many problems there are.

Every finding of the city appears exactly once: in the body's items or in the 附件.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from formkit.campaign import Campaign
from formkit.findings import SEVERITY_NAMES
from formkit.normalize import chinese_date, chinese_number
from formkit.outputs.letters.context import Letter, city_office, date_of, days_setting, letter_date
from formkit.outputs.letters.data import Merged, value_text
from formkit.outputs.letters.urge import urge_items

#: Days after 成文日期 to resubmit corrected files; ``[letters] resubmit_days``.
DEFAULT_RESUBMIT_DAYS = 7

#: Findings about a city as a whole (or a whole submission's timing): items in the letter's body.
CITY_LEVEL = ("missing-submission", "late", "spotcheck-quota", "plan-shortfall", "below-last-year")



def resubmit_days(campaign: Campaign) -> int:
    """Return ``[letters] resubmit_days`` (default 7); a FormkitError when it is not a day count."""
    return days_setting(campaign, "resubmit_days", DEFAULT_RESUBMIT_DAYS)


def city_of(finding: dict, campaign: Campaign) -> str | None:
    """Return the campaign city a finding is about: its ``city``, else the city its file's path names."""
    city = finding.get("city")
    if city:
        return city if campaign.city(city) is not None else None
    return city_of_path(finding.get("file"), campaign)


def city_of_path(path: str | None, campaign: Campaign) -> str | None:
    """Return the campaign city the first folder or the file name of ``path`` names, else None."""
    if not path:
        return None
    for part in str(path).replace("\\", "/").split("/"):
        for city in campaign.cities:
            if part.startswith(city.name):
                return city.name
    return None


def position(f: dict) -> str:
    """Return where a finding is, for the city: ``Sheet1!C7（统一社会信用代码）``, ``表1 第5行第9列（评价日期）``."""
    sheet, cell = f.get("sheet"), f.get("cell")
    if sheet and cell:
        where = f"{sheet}!{cell}" if cell[0].isascii() else f"{sheet} {cell}"
    elif sheet and f.get("row"):
        where = f"{sheet} 第{f['row']}行"
    elif sheet:
        where = str(sheet)
    else:
        where = "整个文件"
    column = f.get("column")
    return f"{where}（{column}）" if column else where


def problem_rows(findings: list[dict]) -> list[dict[str, Any]]:
    """Return the 附件 rows of one file's findings: errors first, then by position."""
    from formkit.findings import col_order

    def key(f: dict):
        return (f.get("severity") != "error", f.get("sheet") or "", f.get("row") or 0, col_order(f.get("cell")),
                f.get("code") or "")

    return [{"序号": n, "类别": SEVERITY_NAMES.get(f.get("severity"), ""), "位置": position(f),
             "问题": value_text(f.get("message")), "原值": value_text(f.get("value"))}
            for n, f in enumerate(sorted(findings, key=key), start=1)]


def received_files(merged: Merged, campaign: Campaign, city: str) -> list[str]:
    """Return the names of the files ``city`` sent: with records, with findings, or replaced by newer ones."""
    names: set[str] = set()
    for records in merged.records.values():
        names.update(r["file"] for r in records if r.get("city") == city and r.get("file"))
    names.update(f["file"] for f in merged.findings if f.get("file") and city_of(f, campaign) == city)
    names.update(n for n in merged.summary.get("superseded", []) or [] if city_of_path(n, campaign) == city)
    return sorted(names)


def feedback_letters(merged: Merged, campaign: Campaign, base: dict, today: dt.date | None = None) -> list[Letter]:
    """Return one 数据问题反馈函 per campaign city with findings, cities in official order."""
    days = resubmit_days(campaign)
    by_city: dict[str, list[dict]] = {}
    for f in merged.findings:
        city = city_of(f, campaign)
        if city is not None:
            by_city.setdefault(city, []).append(f)
    # The resubmission date counts from the letters' 成文日期 (already in ``base``, as text).
    date = date_of(base) or letter_date(campaign, today)
    out = []
    for city in sorted(by_city, key=lambda c: (campaign.city_order(c), c)):
        findings = by_city[city]
        office = city_office(campaign, city)
        items = urge_items(merged, campaign, city) if any(f.get("code") in CITY_LEVEL for f in findings) else []
        per_file: dict[str, list[dict]] = {}
        for f in findings:
            if f.get("code") not in CITY_LEVEL:
                per_file.setdefault(f.get("file") or "（未注明文件）", []).append(f)
        files = []
        # A file is named as the city knows it (its own name, without the folder) unless two share a name.
        basenames = [n.replace("\\", "/").rsplit("/", 1)[-1] for n in per_file]
        for k, name in enumerate(sorted(per_file), start=1):
            rows = problem_rows(per_file[name])
            errors = sum(row["类别"] == "错误" for row in rows)
            short = name.replace("\\", "/").rsplit("/", 1)[-1]
            files.append({"序号": k, "编号": chinese_number(k), "文件": short if basenames.count(short) == 1 else name,
                          "问题数": len(rows),
                          "错误数": errors, "警告数": len(rows) - errors, "问题": rows})
        errors = sum(f.get("severity") == "error" for f in findings)
        out.append(Letter(office, {
            **base,
            "标题": f"关于{campaign.year}年度贯标工作报送材料数据问题的反馈函",
            "主送": office,
            "设区市": city,
            "市局": office,
            "文件数": len(received_files(merged, campaign, city)),
            "问题数": len(findings),
            "错误数": errors,
            "警告数": len(findings) - errors,
            "文件问题数": sum(f["问题数"] for f in files),
            "问题文件数": len(files),
            "重报天数": days,
            "重报期限": chinese_date(date + dt.timedelta(days=days)),
            "附件名称": f"{city}报送材料数据问题清单",
            "市级问题": [{"序号": item["序号"], "内容": item["内容"]} for item in items],
            "明细": files,
        }))
    return out
