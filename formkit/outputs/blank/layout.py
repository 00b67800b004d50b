"""What both formats of a blank attachment share: the formats, the file names, the labels printed
around the table, and what goes into the table (the rows a filled form adds, the province's
prefilled rows, how many empty rows a city gets)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.forms import Form
from formkit.fsutil import safe_filename

FORMATS = ("xlsx", "docx")

HEADER_LABELS = {"unit": "填报单位（盖章）：", "date": "填报日期：", "batch": "批次："}
FOOTER_LINE = "填表人：          审核人：          联系电话："
NOTES_LABEL = "填表说明："
TOTAL_LABEL = "合计"
BLANK_NAME = re.compile(r"^附件\d+-.+\.(xlsx|docx)$")


@dataclass
class Filled:
    """What a filled form adds to the blank layout: header-block values, data rows, a total row."""

    block: dict = field(default_factory=dict)  # unit / date / batch → text
    rows: list[list] = field(default_factory=list)  # one value per declared column
    total: bool = False  # the last row is a 合计 row


def blank_filename(form: Form, campaign: Campaign, fmt: str) -> str:
    """Return the file name of a blank attachment, e.g. ``附件2-2023年度贯标绩效评价合格企业汇总表.xlsx``."""
    check_format(fmt)
    return safe_filename(f"附件{form.attachment}-{form.title_for(campaign.year)}.{fmt}", max_len=120)


def check_format(fmt: str) -> None:
    """Raise FormkitError unless ``fmt`` is one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise FormkitError(f"不支持的格式“{fmt}”，可选：{'、'.join(FORMATS)}")


def _column_of_type(form: Form, kind: str) -> int | None:
    for index, col in enumerate(form.columns):
        if col.type == kind:
            return index
    return None


def prefilled_rows(form: Form, campaign: Campaign) -> list[list[str]] | None:
    """Return the rows printed in a province-issued form (one per city, then 合计), else None."""
    if not form.issued_by_province:
        return None
    seq, city = _column_of_type(form, "seq"), _column_of_type(form, "city")
    rows = []
    for number, c in enumerate(campaign.cities, start=1):
        row = [""] * len(form.columns)
        if seq is not None:
            row[seq] = str(number)
        if city is not None:
            row[city] = c.name
        rows.append(row)
    if form.has_total_row:
        row = [""] * len(form.columns)
        row[city if city is not None else (1 if len(row) > 1 else 0)] = TOTAL_LABEL
        rows.append(row)
    return rows


def blank_row_count(form: Form, campaign: Campaign, default: int) -> int:
    """Return how many empty rows a city form gets: the default, or the spot-check quota."""
    if form.key == "spotcheck":
        return max(default, int(campaign.thresholds.get("spotcheck_min_per_city", 0)))
    return default


def numbered_notes(form: Form) -> list[str]:
    """Return the form's notes numbered ``1. …``, as printed below the table."""
    return [f"{i}. {note}" for i, note in enumerate(form.notes, start=1)]
