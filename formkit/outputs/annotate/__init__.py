"""Marked-up copies for the cities (``formkit annotate``): their own file, every problem shown where it is.

For each input file the city's own workbook or document is opened and saved again under a new
name — not rebuilt — with every cell a finding names filled red (error) or yellow (warning) and
the finding's message attached to it (an Excel cell comment; a Word comment anchored in the
table cell, plus the cell's shading). A sheet ``问题清单`` (first in the workbook) or a closing
table ``问题清单`` (at the end of the document) lists every finding of the file, those about
the whole file or sheet included; a file without findings says 未发现问题.

What is opened:

* ``.xlsx``/``.xlsm`` — the file itself, with openpyxl (macros are not kept: the copy is an
  ``.xlsx``). openpyxl drops what it does not model: pictures, charts, shapes and data-validation
  lists kept in extensions; cell values, formats, merged cells, column widths stay.
* ``.docx`` — the file itself, with python-docx (≥ 1.2 for real Word comments).
* ``.xls``/``.et`` and ``.doc``/``.wps`` — the copy LibreOffice makes for reading
  (:mod:`formkit.soffice`, one call per format for a whole run); the output is
  ``.xlsx``/``.docx``.
* ``.pdf`` — there is no document to keep: the tables read from it are written into a new
  workbook, one sheet per table (named like the findings: ``第1页表1``), each cell at the row and
  column the findings give.

``formkit annotate`` also marks what the merge finds across the files given together
(duplicate, conflict, name-mismatch); :func:`annotate_file` marks the findings of its one file.

A file that cannot be read at all (encrypted, corrupt, not an office file) gets no copy: the
result says why, and ``formkit annotate`` prints it. Inputs are only read; each copy is written
to a temporary name and renamed.

The package: :mod:`.sources` (what each input is marked in, the copies' names),
:mod:`.workbook` (marking a workbook), :mod:`.pdf` (the workbook made of a PDF's tables),
:mod:`.document` (marking a Word document), :mod:`.marks` (what both markers share); here the
run over one file or many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from formkit.campaign import Campaign, load_campaign
from formkit.errors import FormkitError
from formkit.findings import Finding
from formkit.outputs.annotate.document import annotate_docx
from formkit.outputs.annotate.pdf import annotate_pdf
from formkit.outputs.annotate.sources import annotated_name, is_ole, legacy_copies, output_kind, sheet_xml_size
from formkit.outputs.annotate.workbook import annotate_xlsx

#: Uncompressed sheet XML of a workbook reopened at most. openpyxl keeps every cell as an object
#: (about 50× the XML in memory); 40 MB is some 500,000 cells — far beyond a real city's form.
MAX_SHEET_XML = 40 * 1024 * 1024


@dataclass
class Annotated:
    """One input file: where its marked-up copy went (None when none could be made) and why not."""

    source: Path
    name: str
    output: Path | None
    findings: list[Finding] = field(default_factory=list)
    reason: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Return findings errors first, then by position (sheet, row, column) as a person reads them."""
    from formkit.findings import sort_key

    return sorted(findings, key=lambda f: (f.severity != "error", sort_key(f)))


# --- one file --------------------------------------------------------------------------------------


def annotate_file(path: str | Path, dest_dir: str | Path, *, campaign: Campaign | None = None,
                  display_name: str | None = None, result=None) -> Path | None:
    """Return the marked-up copy of one file written into ``dest_dir`` (None when none can be made).

    ``result`` is the file's :class:`formkit.api.FileResult` when already read and checked
    (the portal has it from the upload); otherwise the file is read here. ``display_name`` is
    the name findings and the copy's name use (default: the file's own name).
    """
    return annotate_one(Path(path), Path(dest_dir), campaign=campaign, display_name=display_name,
                        result=result).output


def annotate_one(path: Path, dest_dir: Path, *, campaign: Campaign | None = None,
                 display_name: str | None = None, result=None,
                 copies: dict[Path, Path | str] | None = None, filename: str | None = None) -> Annotated:
    """Return what became of one file: its copy in ``dest_dir`` (named ``filename``), or why there is none."""
    from formkit.checking import read_file

    campaign = campaign or load_campaign()
    name = display_name or (result.name if result is not None else path.name)
    if copies is None:
        with legacy_copies([path]) as made:
            return annotate_one(path, dest_dir, campaign=campaign, display_name=name, result=result, copies=made,
                                filename=filename)
    if result is None:
        result = read_file(path, campaign, name)
    findings = ordered(result.findings)
    done = Annotated(source=path, name=name, output=None, findings=findings)
    unreadable = [f for f in findings if f.code == "unreadable"]
    kind = output_kind(path)
    if unreadable or kind is None:
        done.reason = unreadable[0].message if unreadable else "无法识别的文件格式，未生成标注文件"
        return done
    source: Path | str = path
    if is_ole(path):
        source = copies.get(path) or "未能转换此文件，未生成标注文件"
        if isinstance(source, str):
            done.reason = source
            return done
    target = Path(dest_dir) / (filename or annotated_name(name, kind))
    if kind == "xlsx" and result.family != "pdf":
        size = sheet_xml_size(Path(source))
        if size > MAX_SHEET_XML:
            done.reason = (f"表格过大（工作表解压后{size // (1024 * 1024)} MB），未生成标注副本；"
                           "问题见 formkit check 的结果，请删除多余的行列后重新提交")
            return done
    try:
        if kind == "docx":
            data = annotate_docx(source, findings, name)
        elif result.family == "pdf":
            data = annotate_pdf(path, findings, name)
        else:
            data = annotate_xlsx(source, findings, name)
    except FormkitError as exc:  # the PDF could not be read again
        done.reason = str(exc)
        return done
    except Exception as exc:  # noqa: BLE001 — a file the readers took but the writer cannot reopen
        done.reason = f"文件可以读取，但无法另存标注副本（{type(exc).__name__}），请直接查看问题清单"
        return done
    from formkit.fsutil import write_bytes

    done.output = write_bytes(target, data)
    return done


# --- many files --------------------------------------------------------------------------------------


def annotate(paths: Iterable[str | Path], out_dir: str | Path, *, campaign: Campaign | None = None,
             progress: Callable[[Iterable], Iterable] | None = None) -> list[Annotated]:
    """Return, per input file (folders scanned recursively), its marked-up copy under ``out_dir``.

    The input folders are mirrored: ``南京市/a.xlsx`` of folder ``报送材料`` becomes
    ``out_dir/南京市/a（问题标注）.xlsx``. Legacy files are converted by LibreOffice once, for
    reading and marking alike. Each copy shows its file's own findings and those across the
    files given together (:func:`cross_file_findings`), as the merge reports them.
    """
    from formkit.checking import collect_inputs, read_file

    campaign = campaign or load_campaign()
    paths = list(paths)
    out_dir = Path(out_dir)
    inputs, _ = collect_inputs(paths)
    results: list[Annotated] = []
    used: set[str] = set()
    with legacy_copies([p for p, _ in inputs]) as copies:
        checked = [read_file(path, campaign, name) for path, name in (progress(inputs) if progress else inputs)]
        for result, extra in zip(checked, cross_file_findings(checked, campaign)):
            if extra:
                result.findings = result.findings + extra
        for (path, name), result in zip(inputs, checked):
            folder = out_dir.joinpath(*Path(name).parts[:-1])
            kind = output_kind(path) or "xlsx"
            # Two inputs that would give the same copy (a.xls and a.xlsx): the later one numbered.
            target = folder / annotated_name(name, kind)
            k = 1
            while str(target).lower() in used:
                k += 1
                target = folder / annotated_name(f"{Path(name).stem}（{k}）{Path(name).suffix}", kind)
            used.add(str(target).lower())
            results.append(annotate_one(path, folder, campaign=campaign, display_name=name, result=result,
                                        copies=copies, filename=target.name))
    return results


def cross_file_findings(results: list, campaign: Campaign) -> list[list[Finding]]:
    """Return, per file result, the findings across the files read together (duplicate, conflict, name-mismatch).

    As ``formkit merge`` finds them: a resubmission replaces the older file of the same city,
    form and batch, which is then not compared. The city-level checks (quota, plan, missing)
    are not about one file and are left to the merge and the 数据问题反馈函.
    """
    from formkit.checks.cross import run_cross_checks
    from formkit.merge import order_records, resolve_resubmissions

    active, _ = resolve_resubmissions([s for r in results for s in r.submissions])
    by_file: dict[str, list[Finding]] = {}
    for f in run_cross_checks(order_records(active, campaign)):
        by_file.setdefault(f.file, []).append(f)
    return [by_file.get(r.name, []) for r in results]
