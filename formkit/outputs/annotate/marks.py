"""What the workbook and the document markers share: the names, where a finding is."""

from __future__ import annotations

import re
from typing import Callable

from formkit.findings import Finding
SHEET_NAME = "问题清单"
NO_FINDING = "未发现问题"
AUTHOR = "formkit"
#: Word/PDF positions (``第7行第3列``) as findings write them.
GRID_CELL = re.compile(r"^第(\d+)行第(\d+)列$")


def location(f: Finding) -> str:
    """Return where a finding is, for a person: ``Sheet1!C7``, ``表1 第5行第9列``, else what it is about."""
    where = f.where
    if where:
        return where
    if f.column:
        return f"表头“{f.column}”"
    return "整个文件"


def by_place(findings: list[Finding], position: Callable) -> dict[tuple, list[Finding]]:
    """Return the findings that name a cell, by (sheet, row, column) as ``position`` reads the cell."""
    places: dict[tuple, list[Finding]] = {}
    for f in findings:
        at = position(f)
        if at is not None and f.sheet:
            places.setdefault((f.sheet, *at), []).append(f)
    return places
