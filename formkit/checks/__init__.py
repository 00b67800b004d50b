"""Checks: small functions, one per finding code, that take records and return findings.

``ROW_CHECKS`` run on each record, ``SUBMISSION_CHECKS`` on each submission (a form in a
file). Cross-file and city checks belong to merge. Each function is named after its code.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

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


def check_submission(sub: Submission, campaign: Campaign) -> Iterator[Finding]:
    """Yield every single-file finding of a submission: its own, then each record's."""
    for check in SUBMISSION_CHECKS:
        yield from check(sub, campaign)
    for record in sub.records:
        for check in ROW_CHECKS:
            yield from check(record, campaign)


# Registration happens on import; keep these imports last.
from formkit.checks import cell, file, row  # noqa: E402,F401
