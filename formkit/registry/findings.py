"""The register as one more source of findings for `formkit merge --db`: 附件2 and 附件4
records compared with it (`not-filed`, `filing-date-mismatch`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Callable, Iterator

from formkit.findings import Finding
from formkit.normalize import chinese_date
from formkit.registry.db import load_state, opened
from formkit.registry.values import REMOVED, shown

FILED_FORMS = ("evaluation", "anomaly")


def registry_findings(records_by_form: dict[str, list], db_url) -> list[Finding]:
    """Return `not-filed` and `filing-date-mismatch` warnings of merged records against the register.

    Only the forms that carry 备案时间 (附件2, 附件4) are compared, and only records whose
    credit code is valid (an invalid code already has its own error).
    """
    from formkit.forms import get_form

    with opened(db_url) as reg, reg.read() as conn:
        state = load_state(conn)
    out: list[Finding] = []
    for form in FILED_FORMS:
        header = get_form(form).column("filing_date").header
        for record in records_by_form.get(form, []):
            code = record.value("uscc")
            if not code:
                continue
            known = state.get(code)
            if known is None:
                out.append(Finding.at(record, "uscc", "not-filed",
                                      "该企业不在备案名单中（未备案或信用代码有误），请核实企业是否已完成贯标备案"))
                continue
            if known["status"] == REMOVED:
                why = known["status_reason"] or "未注明原因"
                out.append(Finding.at(record, "uscc", "not-filed",
                                      f"该企业已于{shown(known['status_date'])}从备案名单中删除（{why}），请核实"))
                continue
            filed = record.value("filing_date")
            if isinstance(filed, dt.date) and filed != known["filing_date"]:
                out.append(Finding.at(record, "filing_date", "filing-date-mismatch",
                                      f"{header}{chinese_date(filed)}与备案名单中的备案时间"
                                      f"{chinese_date(known['filing_date'])}不一致，请核对"))
    return out


@contextlib.contextmanager
def findings_source(db) -> Iterator[Callable[[dict[str, list]], list[Finding]]]:
    """Yield, with the register open, the function that compares merged records with it."""
    with opened(db) as reg:
        yield lambda records_by_form: registry_findings(records_by_form, reg)
