"""The two lists every single-file check registers in, and the decorators that register them.

A check module decorates each function with :func:`row_check` (run on each record) or
:func:`submission_check` (run on each submission, a form in one file); :mod:`formkit.checks`
imports the check modules and runs the lists.
"""

from __future__ import annotations

from typing import Callable, Iterable

from formkit.campaign import Campaign
from formkit.findings import Finding
from formkit.table import Record, Submission

RowCheck = Callable[[Record, Campaign], Iterable[Finding]]
SubmissionCheck = Callable[[Submission, Campaign], Iterable[Finding]]

ROW_CHECKS: list[RowCheck] = []
SUBMISSION_CHECKS: list[SubmissionCheck] = []


def row_check(fn: RowCheck) -> RowCheck:
    ROW_CHECKS.append(fn)
    return fn


def submission_check(fn: SubmissionCheck) -> SubmissionCheck:
    SUBMISSION_CHECKS.append(fn)
    return fn
