"""Submissions of all cities → provincial records, cross-file findings and the year's summary.

The flow: read and check every file (:func:`formkit.checking.check`) → drop superseded resubmissions → order
records (cities in official order, then file, then row) → cross-file checks → city checks
on the valid records → summary. Writing the outputs is in :mod:`formkit.outputs.merged`.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from formkit.campaign import Campaign, load_campaign
from formkit.checking import CheckResult, FileResult, check
from formkit.checks.city import CITY_CHECKS
from formkit.checks.cross import run_cross_checks
from formkit.findings import Finding, Tallied
from formkit.forms import FORM_ORDER, get_form
from formkit.table import Record, Submission


@dataclass
class Superseded:
    """A submission replaced by a newer one for the same city, form and batch."""

    submission: Submission
    by: Submission
    reason: str


@dataclass
class MergeResult(Tallied):
    campaign: Campaign
    as_of: dt.date
    files: list[FileResult]
    submissions: list[Submission]
    superseded: list[Superseded]
    records: dict[str, list[Record]]
    findings: list[Finding]
    plan_targets: dict[str, int] = field(default_factory=dict)
    ignored: list[Path] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    #: Seconds per phase (read, check, write), for bench/.
    timings: dict = field(default_factory=dict)

    # -- helpers the city checks use ------------------------------------------------------

    def submissions_of(self, city: str, form: str) -> list[Submission]:
        return [s for s in self.submissions if s.city == city and s.form == form]

    def valid_records(self, city: str, form: str, batch: int | None = None) -> list[Record]:
        groups = self.__dict__.get("_valid_groups")
        if groups is None:  # grouped once: the city checks and the summary ask 100+ times
            groups = {}
            for key, records in self.records.items():
                for r in records:
                    if r.valid:
                        groups.setdefault((key, r.submission.city), []).append(r)
            self.__dict__["_valid_groups"] = groups
        found = groups.get((form, city), [])
        return found if batch is None else [r for r in found if r.submission.batch == batch]

    def valid_count(self, city: str, form: str, batch: int | None = None) -> int:
        return len(self.valid_records(city, form, batch))

    def target(self, city: str) -> int | None:
        if self.plan_targets:
            return self.plan_targets.get(city)
        found = self.campaign.city(city)
        return found.target if found else None


def _file_time(sub: Submission) -> float:
    try:
        return os.stat(sub.path).st_mtime
    except OSError:
        return 0.0


def resolve_resubmissions(subs: list[Submission]) -> tuple[list[Submission], list[Superseded]]:
    """Return (active submissions, superseded ones): per city, form and batch the newest wins."""
    groups: dict[tuple, list[Submission]] = {}
    active: list[Submission] = []
    for sub in subs:
        if sub.city is None and not get_form(sub.form).issued_by_province:
            active.append(sub)  # a city we cannot tell is never merged away
            continue
        key = (sub.form, sub.city, sub.batch if sub.form == "evaluation" else None)
        groups.setdefault(key, []).append(sub)
    superseded: list[Superseded] = []
    for key, group in groups.items():
        if len(group) == 1:
            active.append(group[0])
            continue
        dated = [s for s in group if s.fill_date]
        if len(dated) == len(group) and len({s.fill_date for s in group}) == len(group):
            ordered = sorted(group, key=lambda s: s.fill_date)
            reason = "填报日期较早"
        else:
            ordered = sorted(group, key=lambda s: (s.fill_date or dt.date.min, _file_time(s), s.file))
            reason = "文件较旧"
        newest = ordered[-1]
        active.append(newest)
        superseded.extend(Superseded(s, newest, reason) for s in ordered[:-1])
    return active, superseded


def order_records(subs: list[Submission], campaign: Campaign) -> dict[str, list[Record]]:
    """Return records by form: cities in official order, then file name, then row."""
    by_form: dict[str, list[Record]] = {}
    ordered = sorted(subs, key=lambda s: _submission_order(s, campaign))
    for sub in ordered:
        by_form.setdefault(sub.form, []).extend(sub.records)
    return {form: by_form[form] for form in FORM_ORDER if form in by_form}


def merge(paths: Iterable[str | Path], campaign: Campaign | None = None, as_of: dt.date | None = None,
          progress: Callable | None = None,
          more_findings: Callable[[dict[str, list[Record]]], list[Finding]] | None = None) -> MergeResult:
    """Return the merged records, every finding and the summary for files and folders.

    ``more_findings`` is one more source of findings on the merged records by form (the filing
    register's, :func:`formkit.registry.findings_source`).
    """
    campaign = campaign or load_campaign()
    as_of = as_of or dt.date.today()
    # Reading builds millions of small acyclic objects; the cyclic collector would walk them
    # again and again (a third of the read time at 78,000 rows). Pause it while reading.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        checked: CheckResult = check(paths, campaign, progress=progress)
    finally:
        if was_enabled:
            gc.enable()
    started = time.perf_counter()
    all_subs = [s for fr in checked.files for s in fr.submissions]
    active, superseded = resolve_resubmissions(all_subs)
    # Nothing downstream may depend on the order the inputs were named in (SPEC §3).
    active.sort(key=lambda s: _submission_order(s, campaign))
    superseded.sort(key=lambda x: _submission_order(x.submission, campaign))
    dropped = {id(x.submission) for x in superseded}
    findings = [f for fr in checked.files for f in fr.findings
                if f.record is None or id(f.record.submission) not in dropped]
    findings = [f for f in findings if not _on_dropped_submission(f, dropped, checked)]
    records = order_records(active, campaign)
    findings.extend(run_cross_checks(records))

    for form_records in records.values():
        for record in form_records:
            record.valid = True
    for f in findings:
        if f.record is not None and f.severity == "error":
            f.record.valid = False

    result = MergeResult(campaign=campaign, as_of=as_of, files=checked.files, submissions=active,
                         superseded=superseded, records=records, findings=[], ignored=checked.ignored)
    result.plan_targets = {r.value("city"): r.value("qualified") for r in records.get("plan", [])
                           if r.valid and r.value("city") and isinstance(r.value("qualified"), int)}
    for city_check in CITY_CHECKS:
        findings.extend(city_check(result))
    if more_findings is not None:
        findings.extend(more_findings(records))
    result.findings = sort_findings(findings, campaign)
    result.summary = summarize(result)
    result.timings = {
        "read": sum(fr.read_seconds for fr in checked.files),
        "check": sum(fr.check_seconds for fr in checked.files) + time.perf_counter() - started,
    }
    return result


def _submission_order(sub: Submission, campaign: Campaign) -> tuple:
    """Return a submission's place: city in official order, form, file, sheet, header row."""
    form = FORM_ORDER.index(sub.form) if sub.form in FORM_ORDER else len(FORM_ORDER)
    return (campaign.city_order(sub.city), form, sub.file, sub.sheet or "", sub.header_row or 0, sub.path)


def _on_dropped_submission(f: Finding, dropped: set[int], checked: CheckResult) -> bool:
    """Return True for a file-level finding of a superseded submission (its file replaced)."""
    if f.record is not None:
        return False
    for fr in checked.files:
        if fr.name == f.file and fr.submissions and all(id(s) in dropped for s in fr.submissions):
            return True
    return False


def sort_findings(findings: list[Finding], campaign: Campaign) -> list[Finding]:
    """Return findings in the order a person reads them: city, file, sheet, row, column, code."""
    def key(f: Finding):
        return (campaign.city_order(f.city), f.file or "", f.sheet or "", f.row or 0,
                len(f.cell or ""), f.cell or "", f.code, f.message, f.severity, f.form or "",
                f.column or "", f.key or "", f.value or "")
    return sorted(findings, key=key)


def summarize(result: MergeResult) -> dict:
    """Return summary.json: valid, de-duplicated counts per city and in total (SPEC §5)."""
    campaign = result.campaign
    types = get_form("anomaly").column("type").values
    actions = get_form("anomaly").column("action").values
    cities: dict[str, dict] = {}
    for city in campaign.cities:
        name = city.name
        anomalies = result.valid_records(name, "anomaly")
        spot = result.valid_records(name, "spotcheck")
        cities[name] = {
            "evaluation": {
                "rows": result.valid_count(name, "evaluation"),
                "batch1": result.valid_count(name, "evaluation", 1),
                "batch2": result.valid_count(name, "evaluation", 2),
                "last_year": city.last_year,
                "target": result.target(name),
            },
            "spotcheck": {"rows": len(spot), "failed": sum(r.value("conclusion") == "未达标" for r in spot)},
            "anomaly": {
                "rows": len(anomalies),
                "by_type": {t: sum(r.value("type") == t for r in anomalies) for t in types},
                "by_action": {a: sum(r.value("action") == a for r in anomalies) for a in actions},
            },
        }
    totals = {
        "evaluation": {k: sum((c["evaluation"][k] or 0) for c in cities.values())
                       for k in ("rows", "batch1", "batch2", "last_year", "target")},
        "spotcheck": {k: sum(c["spotcheck"][k] for c in cities.values()) for k in ("rows", "failed")},
        "anomaly": {
            "rows": sum(c["anomaly"]["rows"] for c in cities.values()),
            "by_type": {t: sum(c["anomaly"]["by_type"][t] for c in cities.values()) for t in types},
            "by_action": {a: sum(c["anomaly"]["by_action"][a] for c in cities.values()) for a in actions},
        },
    }
    return {
        "year": campaign.year,
        "cities": cities,
        "totals": totals,
        "findings": result.counts,
        "superseded": [s.submission.file for s in result.superseded],
    }
