"""Checks of one value: present when required, and parseable as its column's type."""

from __future__ import annotations

from typing import Iterator

from formkit.checks.base import row_check
from formkit.findings import Finding
from formkit.forms import get_form
from formkit.table import Record


@row_check
def required(record: Record, campaign) -> Iterator[Finding]:
    """Yield `required` for an empty required value, including the conditional ones."""
    form = get_form(record.form)
    missing = record.submission.missing if record.submission else ()
    cells = record.cells
    for col in form.checked_for_presence:
        cell = cells.get(col.key)
        if cell is None or cell.raw != "" or col.key in missing:
            continue
        if col.required:
            yield Finding.at(record, col.key, "required", f"{col.header}为必填项，不能为空，请补填")
            continue
        if col.required_when and all(record.value(k) == v for k, v in col.required_when.items()):
            cond = "，".join(f"{form.column(k).header}为“{v}”" for k, v in col.required_when.items())
            yield Finding.at(record, col.key, "required", f"{cond}时，{col.header}必须填写，请补填")


@row_check
def parse_problems(record: Record, campaign) -> Iterator[Finding]:
    """Yield the `uscc`, `date`, `enum`, `number` and `phone` findings of unparseable values."""
    for key, cell in record.cells.items():
        if cell.problem is not None:
            code, message = cell.problem
            yield Finding.at(record, key, code, message, cell)
