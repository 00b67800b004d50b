"""Checks: small functions, one per finding code, that take records and return findings.

``ROW_CHECKS`` run on each record, ``SUBMISSION_CHECKS`` on each submission (a form in a
file); the check modules register into them (:mod:`formkit.checks.base`). Cross-file and city
checks belong to merge. Each function is named after its code.
"""

from __future__ import annotations

from typing import Iterator

from formkit.campaign import Campaign
from formkit.checks import cell, file, row  # noqa: F401  (each registers its checks on import)
from formkit.checks.base import ROW_CHECKS, SUBMISSION_CHECKS, row_check, submission_check  # noqa: F401
from formkit.findings import Finding
from formkit.table import Submission


def check_submission(sub: Submission, campaign: Campaign) -> Iterator[Finding]:
    """Yield every single-file finding of a submission: its own, then each record's."""
    for check in SUBMISSION_CHECKS:
        yield from check(sub, campaign)
    for record in sub.records:
        for check in ROW_CHECKS:
            yield from check(record, campaign)
