"""Findings: what is wrong with the data, where, and how to fix it (SPEC §4)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from formkit.table import Cell, Record, Source, Submission

ERROR = "error"
WARNING = "warning"

#: Every finding code and its severity (SPEC §4). A code not listed here is a bug.
CODES = {
    "unreadable": ERROR, "unknown-form": ERROR, "missing-column": ERROR,
    "city-ambiguous": WARNING, "required": ERROR, "uscc": ERROR, "date": ERROR,
    "enum": ERROR, "number": ERROR, "phone": WARNING, "city-mismatch": WARNING,
    "duplicate": ERROR, "conflict": ERROR, "name-mismatch": WARNING,
    "action-mismatch": ERROR, "filing-age": ERROR, "not-qualified": ERROR,
    "uncertified-body": WARNING, "spotcheck-quota": ERROR, "below-last-year": WARNING,
    "plan-shortfall": WARNING, "missing-submission": WARNING, "late": WARNING,
    "total-mismatch": WARNING, "not-filed": WARNING, "filing-date-mismatch": WARNING,
}

#: The Chinese name of each severity: 错误 (the record is not counted), 警告 (to be checked).
SEVERITY_NAMES = {ERROR: "错误", WARNING: "警告"}

#: The Chinese name of each code, for tables a person reads.
CODE_NAMES = {
    "unreadable": "无法读取", "unknown-form": "无法识别表格", "missing-column": "缺少列",
    "city-ambiguous": "设区市不明确", "required": "必填项为空", "uscc": "信用代码有误",
    "date": "日期有误", "enum": "填写值不在可选范围", "number": "数字有误", "phone": "电话存疑",
    "city-mismatch": "信用代码与设区市不符", "duplicate": "重复填报", "conflict": "表间矛盾",
    "name-mismatch": "企业名称不一致", "action-mismatch": "处理意见不符合规定",
    "filing-age": "备案年限不符", "not-qualified": "评价结论不合格",
    "uncertified-body": "认证机构不在名单", "spotcheck-quota": "抽查数量不足",
    "below-last-year": "低于上年", "plan-shortfall": "未完成计划", "missing-submission": "未报送",
    "late": "逾期报送", "total-mismatch": "合计不符", "not-filed": "未在备案名单",
    "filing-date-mismatch": "备案时间与名单不符",
}

FIELDS = ("severity", "code", "message", "form", "city", "file", "sheet", "row", "column",
          "cell", "key", "value")


@dataclass
class Finding:
    """One problem, with exactly the keys of the JSON contract."""

    severity: str
    code: str
    message: str
    form: str | None = None
    city: str | None = None
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    key: str | None = None
    value: str | None = None
    #: The record the finding is about (not part of the JSON contract).
    record: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def make(cls, code: str, message: str, *, source: Source | None = None, form=None, city=None,
             file=None, column=None, key=None, value=None) -> "Finding":
        """Return a finding whose severity comes from the code and position from ``source``."""
        return cls(
            severity=CODES[code], code=code, message=message, form=form, city=city,
            file=source.file if source else file, sheet=source.sheet if source else None,
            row=source.row if source else None, column=column,
            cell=source.cell if source and source.col is not None else None,
            key=key, value=value,
        )

    @classmethod
    def at(cls, record: Record, column_key: str | None, code: str, message: str,
           cell: Cell | None = None) -> "Finding":
        """Return a finding on a record's cell (or on the record's row when no cell)."""
        from formkit.forms import get_form

        sub = record.submission
        if cell is None and column_key is not None:
            cell = record.cells.get(column_key)
        header = get_form(record.form).column(column_key).header if column_key else None
        source = cell.source if cell is not None else record.source
        finding = cls.make(code, message, source=source, form=record.form,
                           city=sub.city if sub else None, column=header, key=record.key,
                           value=cell.raw if cell is not None else None)
        finding.record = record
        return finding

    @classmethod
    def on_submission(cls, sub: Submission, code: str, message: str, source: Source | None = None,
                      column: str | None = None, value: str | None = None) -> "Finding":
        """Return a finding about a whole submission (file, sheet)."""
        return cls.make(code, message, source=source or Source(sub.file, sub.sheet, kind=sub.kind),
                        form=sub.form, city=sub.city, column=column, value=value)

    @property
    def where(self) -> str:
        """Return the location as one string for a person: ``Sheet1!C7``."""
        if self.sheet and self.cell:
            sep = "!" if self.cell[0].isascii() else " "
            return f"{self.sheet}{sep}{self.cell}"
        if self.sheet and self.row:
            return f"{self.sheet} 第{self.row}行"
        return self.sheet or ""

    def to_dict(self) -> dict:
        """Return exactly the keys of the JSON contract (SPEC §4)."""
        return {name: getattr(self, name) for name in FIELDS}


def sort_key(f: Finding, city_order=None):
    """Return a stable order: file, sheet, row, column position, code."""
    return (f.file or "", f.sheet or "", f.row or 0, col_order(f.cell), f.code)


def col_order(cell: str | None) -> tuple:
    if not cell:
        return (0, "")
    letters = "".join(ch for ch in cell if ch.isascii() and ch.isalpha())
    return (len(letters), letters, cell)


def to_json(findings: Iterable[Finding]) -> str:
    """Return the findings as the JSON list of SPEC §4."""
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2)


def count(findings: Iterable[Finding]) -> dict[str, int]:
    """Return ``{"error": n, "warning": n}``."""
    out = {ERROR: 0, WARNING: 0}
    for f in findings:
        out[f.severity] += 1
    return out


class Tallied:
    """For a result that holds ``findings``: its counts by severity, and whether it is ok."""

    findings: list[Finding]

    @property
    def counts(self) -> dict[str, int]:
        return count(self.findings)

    @property
    def ok(self) -> bool:
        """Return True when there is no error finding (warnings allowed)."""
        return self.counts[ERROR] == 0


def flatten(findings: Iterable[Finding], *fields: str) -> list[tuple]:
    """Return tuples of the named fields, for assertions (default: file, cell, code)."""
    fields = fields or ("file", "cell", "code")
    return [tuple(getattr(f, name) for name in fields) for f in findings]
