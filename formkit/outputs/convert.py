"""`formkit convert`: every form read, written out as the same form in another format.

The reading is :func:`formkit.checking.check` (called by :func:`formkit.api.convert`); here
each submission read is written. xlsx and docx come out in the blank attachment's layout
(:mod:`formkit.outputs.blank`), json and csv as the
records with their provenance, pdf through LibreOffice from the docx. Values are written as
read (the raw text a city typed), so reading the output again gives the same records.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.findings import Finding
from formkit.forms import get_form
from formkit.fsutil import safe_filename, write_text
from formkit.table import Submission

TARGETS = ("xlsx", "docx", "json", "csv", "pdf")


@dataclass
class ConvertResult:
    written: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    records: int = 0


def submission_rows(sub: Submission) -> list[list[str]]:
    """Return the submission's rows as raw texts, one per declared column (totals last)."""
    form = get_form(sub.form)
    return [[r.raw(c.key) for c in form.columns] for r in [*sub.records, *sub.totals]]


def _block(sub: Submission) -> dict:
    block = {}
    for item in ("unit", "date", "batch"):
        cell = getattr(sub.block, item)
        if cell is not None:
            block[item] = cell.raw
    if "batch" not in block and sub.form == "evaluation" and sub.batch:
        block["batch"] = "第一批" if sub.batch == 1 else "第二批"
    return block


def _record_dicts(sub: Submission) -> list[dict]:
    form = get_form(sub.form)
    out = []
    for r in sub.records:
        item = {"附件": f"附件{form.attachment}", "设区市": sub.city, "来源文件": r.source.file,
                "来源位置": r.source.where()}
        item.update({c.header: r.raw(c.key) for c in form.columns})
        out.append(item)
    return out


def check_target(to: str) -> None:
    """Raise FormkitError when ``to`` is not a format forms can be converted to."""
    if to not in TARGETS:
        raise FormkitError(f"不支持转换为 {to}，可选：{'、'.join(TARGETS)}")


def write_converted(checked, to: str, out_dir: str | Path, campaign: Campaign) -> ConvertResult:
    """Return what was written: every form of ``checked`` (a CheckResult) written as ``to``."""
    from formkit.outputs.blank import Filled, write_filled

    check_target(to)
    out = Path(out_dir)
    result = ConvertResult(files=len(checked.files))
    result.findings = [f for fr in checked.files for f in fr.findings if f.code in ("unreadable", "unknown-form")]
    used: set[str] = set()
    docx_for_pdf: list[tuple[Path, Path]] = []
    scratch: Path | None = None
    for fr in checked.files:
        for k, sub in enumerate(fr.submissions):
            stem = Path(fr.name).stem + (f"-{safe_filename(sub.sheet)}" if len(fr.submissions) > 1 else "")
            stem = safe_filename(stem.replace("/", "-"))
            ext = "docx" if to == "pdf" else to
            name = f"{stem}.{ext}"
            n = 2
            while name.lower() in used:
                name = f"{stem}-{n}.{ext}"
                n += 1
            used.add(name.lower())
            target = out / name
            form = get_form(sub.form)
            result.records += len(sub.records)
            if to in ("xlsx", "docx", "pdf"):
                filled = Filled(block=_block(sub), rows=submission_rows(sub), total=bool(sub.totals))
                if to == "pdf":  # the docx goes to a scratch folder; only the PDF is an output
                    scratch = scratch or Path(tempfile.mkdtemp(prefix="formkit-convert-"))
                    docx_for_pdf.append((write_filled(form, campaign, filled, scratch / name, "docx"),
                                         target.with_suffix(".pdf")))
                else:
                    result.written.append(write_filled(form, campaign, filled, target, to))
            elif to == "json":
                data = {"form": sub.form, "title": form.title_for(campaign.year), "city": sub.city,
                        "batch": sub.batch, "block": _block(sub), "records": _record_dicts(sub)}
                result.written.append(write_text(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n"))
            else:
                buf = io.StringIO()
                records = _record_dicts(sub)
                fields = ["附件", "设区市", *[c.header for c in form.columns], "来源文件", "来源位置"]
                writer = csv.DictWriter(buf, fieldnames=fields)
                writer.writeheader()
                for item in records:
                    # Excel opens a CSV as formulas: a text starting with = + - @ gets a leading '
                    writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v)
                                     for k, v in item.items()})
                result.written.append(write_text(target, "\ufeff" + buf.getvalue()))
    if docx_for_pdf:
        from formkit.fsutil import write_bytes
        from formkit.outputs.pdf import to_pdf  # one LibreOffice call for all

        try:
            pdfs = to_pdf([doc for doc, _ in docx_for_pdf])
            for pdf, (_, final) in zip(pdfs, docx_for_pdf):
                result.written.append(write_bytes(final, pdf.read_bytes()))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return result
