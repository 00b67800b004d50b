"""What the letters and the report are made from: the merge output folder, and its values as text.

:func:`load_merged` reads ``summary.json``, ``records.json`` and ``findings.json``
(:func:`formkit.merged_files.read_merged`) into a :class:`Merged`; :func:`value_date`,
:func:`value_text` and :func:`value_sentence` turn a record's values into what a letter prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.merged_files import read_merged

_END_PUNCTUATION = "。；;，,、 "


def value_date(value: Any) -> dt.date | None:
    """Return the date of an ISO text from records.json (``2023-12-20``), else None."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def value_text(value: Any) -> str:
    """Return a value as a letter prints it: lists joined with 、, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def value_sentence(value: Any) -> str:
    """Return a free-text value without the trailing punctuation the template adds itself."""
    return value_text(value).rstrip(_END_PUNCTUATION)


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
    data = read_merged(path)
    merged = Merged(path=path, summary=data["summary.json"], records=data["records.json"]["forms"],
                    findings=data["findings.json"])
    if campaign is not None and merged.year is not None and merged.year != campaign.year:
        raise FormkitError(f"{path} 是{merged.year}年度的汇总结果，而活动配置是{campaign.year}年度的"
                           f"（{campaign.source or '内置配置'}）：请用 --config 指定{merged.year}年度的配置")
    return merged
