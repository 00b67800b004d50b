"""The library behind the commands: read, check (and later merge and render).

Everything the CLI does is a call here, so a Python user gets the same results::

    from formkit import api
    result = api.check(["samples/submissions"])
    for finding in result.findings: ...
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from formkit.campaign import Campaign, load_campaign
from formkit.checks import check_submission
from formkit.errors import FormkitError
from formkit.findings import Finding, count, sort_key
from formkit.forms import load_forms
from formkit.layout import grids_to_submissions, resolve_context
from formkit.readers import SUPPORTED, Unreadable, read_grids
from formkit.table import Source, Submission

#: Suffixes picked up when a folder is scanned (office files a city might send).
SCANNED = SUPPORTED + (".xlsb", ".ods", ".odt", ".csv", ".rtf")


@dataclass
class FileResult:
    """One input file: what it was read as, the forms found in it, and its own findings."""

    path: Path
    name: str
    family: str | None = None
    submissions: list[Submission] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Seconds spent reading (file → records) and checking, and grid cells read: for bench/.
    read_seconds: float = 0.0
    check_seconds: float = 0.0
    cells: int = 0

    @property
    def records(self):
        return [r for s in self.submissions for r in s.records]


@dataclass
class CheckResult:
    """Every file read and every finding, in a stable order."""

    files: list[FileResult]
    findings: list[Finding]
    ignored: list[Path] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return count(self.findings)

    @property
    def ok(self) -> bool:
        """Return True when there is no error finding (warnings allowed)."""
        return self.counts["error"] == 0


def collect_inputs(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, str]], list[Path]]:
    """Return ([(path, display name)], ignored) for files and folders (recursive)."""
    found: list[tuple[Path, str]] = []
    ignored: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if not child.is_file() or any(p.startswith(".") for p in child.relative_to(path).parts):
                    continue
                if child.name.startswith("~$"):
                    continue  # Office lock files left beside an open document
                if child.suffix.lower() in SCANNED:
                    found.append((child, child.relative_to(path).as_posix()))
                else:
                    ignored.append(child)
        elif path.is_file():
            found.append((path, path.name))
        elif not path.exists():
            raise FormkitError(f"找不到文件或文件夹：{path}")
        else:
            raise FormkitError(f"不是普通文件：{path}")
    # The same file named twice (a folder and a file in it) is read once.
    seen, unique = set(), []
    for path, name in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, name))
    return unique, ignored


def read_file(path: Path, campaign: Campaign, name: str | None = None, forms: list | None = None,
              unknown_message: str | None = None) -> FileResult:
    """Return the forms found in one file and the findings of reading and checking it.

    ``forms`` limits the forms looked for (default: the four attachments); ``unknown_message``
    replaces the unknown-form message (the register has its own).
    """
    name = name or path.name
    result = FileResult(path=path, name=name)
    started = time.perf_counter()
    try:
        family, grids = read_grids(path, name)
    except Unreadable as exc:
        result.findings.append(Finding.make("unreadable", str(exc), file=name))
        return result
    result.cells = sum(len(row) for grid in grids for row in grid.rows)
    result.family = family
    forms = forms or list(load_forms().values())
    try:
        subs = grids_to_submissions(grids, forms, path, campaign)
    except RecursionError:
        result.findings.append(Finding.make("unreadable", "文件结构嵌套过深，无法读取", file=name))
        return result
    except Exception as exc:  # noqa: BLE001 — a file must end as a finding, never a traceback
        result.findings.append(Finding.make(
            "unreadable", f"文件内容无法解析（内部错误 {type(exc).__name__}），请用Office或WPS另存后重新提交；"
            "如仍出现，请把文件发给技术支持", file=name))
        return result
    if not subs:
        titles = "、".join(f"附件{f.attachment}" for f in forms)
        result.findings.append(Finding.make(
            "unknown-form",
            unknown_message or f"文件中没有找到可识别的表格（{titles}之一）。请确认表头行包含“企业名称”"
            "“统一社会信用代码”等列名，或使用 formkit blank 生成的空白表填写",
            source=Source(name, None, kind=family), file=name))
        return result
    for sub in subs:
        resolve_context(sub, campaign, Path(name))
        result.submissions.append(sub)
    checked = time.perf_counter()
    result.read_seconds = checked - started
    for sub in subs:
        result.findings.extend(check_submission(sub, campaign))
    result.findings.sort(key=sort_key)
    result.check_seconds = time.perf_counter() - checked
    return result


def check(paths: Iterable[str | Path], campaign: Campaign | None = None,
          progress: Callable[[Iterable], Iterable] | None = None) -> CheckResult:
    """Return every file's forms and findings for files and folders."""
    campaign = campaign or load_campaign()
    inputs, ignored = collect_inputs(paths)
    files = []
    iterator = progress(inputs) if progress else inputs
    from formkit.readers.office import converted_copies

    # Legacy Word/WPS files are converted by LibreOffice in one call for the whole run.
    with converted_copies([path for path, _ in inputs]):
        for path, name in iterator:
            files.append(read_file(path, campaign, name))
    findings = [f for fr in files for f in fr.findings]
    return CheckResult(files=files, findings=findings, ignored=ignored)


def check_file(path: str | Path, name: str | None = None, campaign: Campaign | None = None) -> FileResult:
    """Return one file's forms and findings, read as if it were called ``name``.

    ``name`` (a relative path such as ``南京市/附件2.xlsx``) gives the file name and folder the
    city and batch may be taken from, and is the ``file`` of every finding; the bytes at
    ``path`` decide the format (a stored upload has no suffix). Legacy Word/WPS files are
    converted by LibreOffice first.
    """
    from formkit.readers.office import converted_copies

    path = Path(path)
    campaign = campaign or load_campaign()
    with converted_copies([path]):
        return read_file(path, campaign, name)


def refuse_output_inside_inputs(out_dir: Path, paths: Iterable[str | Path]) -> None:
    """Raise FormkitError when the output folder is an input file, an input folder or inside one."""
    out = Path(out_dir).resolve()
    for raw in paths:
        src = Path(raw).resolve()
        if out == src or (src.is_dir() and src in out.parents):
            raise FormkitError(f"输出文件夹 {out_dir} 位于报送材料 {raw} 之中；为免覆盖或混入原始材料，请换一个输出文件夹")
        if src.is_file() and out == src.parent:
            # The outputs would sit beside the file (and one named like an output be replaced).
            raise FormkitError(f"输出文件夹 {out_dir} 就是报送材料 {raw} 所在的文件夹；为免覆盖或混入原始材料，请换一个输出文件夹")
    if out.exists() and not out.is_dir():
        raise FormkitError(f"输出位置 {out_dir} 已存在且不是文件夹")


def merge_to(paths: Iterable[str | Path], out_dir: str | Path, campaign: Campaign | None = None,
             as_of=None, progress=None):
    """Return (MergeResult, written paths) after merging ``paths`` and writing into ``out_dir``."""
    from formkit.merge import merge
    from formkit.outputs.merged import write_merged

    paths = list(paths)
    refuse_output_inside_inputs(Path(out_dir), paths)
    result = merge(paths, campaign, as_of=as_of, progress=progress)
    started = time.perf_counter()
    was_enabled = gc.isenabled()
    gc.disable()  # writing makes a million short-lived cells; the cyclic GC only slows it
    try:
        written = write_merged(result, Path(out_dir))
    except OSError as exc:
        raise FormkitError(f"无法写入输出文件夹 {out_dir}：{exc.strerror or exc}") from exc
    finally:
        if was_enabled:
            gc.enable()
    result.timings["write"] = time.perf_counter() - started
    return result, written


# --- feedback to the cities: marked-up copies and 数据问题反馈函 (SPEC §5) --------------------------


def annotate_file(path: str | Path, dest_dir: str | Path, *, campaign: Campaign | None = None,
                  display_name: str | None = None, result: FileResult | None = None) -> Path | None:
    """Return the marked-up copy of one file written into ``dest_dir``, or None when none can be made.

    The copy is the city's own workbook or document (``<stem>（问题标注）.xlsx|.docx``), every cell
    with a finding filled and commented, and a 问题清单 of all the file's findings. ``result``
    is the file's already-computed :class:`FileResult` (from :func:`read_file`), saving a second
    read; ``display_name`` is the name the findings carry. None for a file that cannot be read
    (encrypted, corrupt): its findings say why.
    """
    from formkit.outputs.annotate import annotate_file as run

    return run(path, dest_dir, campaign=campaign or load_campaign(), display_name=display_name, result=result)


def annotate(paths: Iterable[str | Path], out_dir: str | Path, *, campaign: Campaign | None = None,
             progress: Callable[[Iterable], Iterable] | None = None):
    """Return one :class:`formkit.outputs.annotate.Annotated` per input file, copies written under ``out_dir``.

    Folders are scanned recursively and mirrored under ``out_dir``; ``.output`` is None (and
    ``.reason`` says why) for a file that got no copy.
    """
    from formkit.outputs.annotate import annotate as run

    return run(paths, out_dir, campaign=campaign or load_campaign(), progress=progress)


def feedback_letters(merged_dir: str | Path, out_dir: str | Path, *, campaign: Campaign | None = None,
                     combined: bool = False, pdf: bool = False, start: int | None = None,
                     template: str | Path | None = None, today=None, progress=None):
    """Return the :class:`formkit.outputs.letters.LettersResult` of the 数据问题反馈函 written into ``out_dir``.

    One letter per city with findings in the merge output ``merged_dir`` (as ``formkit letters
    feedback``); ``start`` is the first document number (None: the campaign's
    ``letters.doc_number_start``); ``pdf`` adds a PDF of every document written (LibreOffice,
    one call), listed in the result's ``pdfs``.
    """
    from formkit.outputs.letters import load_merged, write_letters

    campaign = campaign or load_campaign()
    merged = load_merged(merged_dir, campaign)
    result = write_letters("feedback", merged, out_dir, campaign, template=template, combined=combined,
                           today=today, start=start, progress=progress)
    result.pdfs = []
    if pdf and result.outputs:
        from formkit.outputs.pdf import to_pdf

        result.pdfs = to_pdf(result.outputs)
    return result


def documents(merged_dir: str | Path, out_dir: str | Path, *, campaign: Campaign | None = None,
              kinds: Iterable[str] | None = None, combined: bool = True, today=None) -> list[Path]:
    """Return every document written into ``out_dir`` from the merge output ``merged_dir``.

    The provincial report (``<year>年度贯标工作情况报告.docx``) and, for each letter kind
    (default: all of them, in the order of ``formkit demo``), a folder named by the kind in
    Chinese with one letter per recipient and, with ``combined``, all of them in one document;
    document numbers run on from one kind to the next. A kind with no recipient writes nothing.
    """
    from formkit.outputs.letters import KINDS, load_merged, write_letters
    from formkit.outputs.report import write_report

    campaign = campaign or load_campaign()
    merged = load_merged(merged_dir, campaign)
    out = Path(out_dir)
    written = [write_report(merged, out / f"{campaign.year}年度贯标工作情况报告.docx", campaign, today=today)]
    number = None
    for kind in (list(kinds) if kinds is not None else list(KINDS)):
        done = write_letters(kind, merged, out / KINDS[kind], campaign, combined=combined, today=today, start=number)
        if done.letters:
            number = done.letters[-1].number + 1
        written.extend(done.outputs)
    return written


def export_register(db, path: str | Path, campaign: Campaign | None = None) -> Path:
    """Return ``path`` after writing the filing register at ``db`` out as a workbook (as `registry export`)."""
    from formkit import registry

    return registry.export_xlsx(db, path, campaign or load_campaign())
