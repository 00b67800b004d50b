"""The front door: everything the command line does is a call here, so a Python user gets the
same results::

    from formkit import api
    result = api.check(["samples/submissions"])
    for finding in result.findings: ...

Reading and checking live in :mod:`formkit.checking`, merging in :mod:`formkit.merge`, the
workbooks and documents in :mod:`formkit.outputs`, the filing register in :mod:`formkit.registry`.
"""

from __future__ import annotations

import contextlib
import gc
import time
from pathlib import Path
from typing import Callable, Iterable

from formkit.campaign import Campaign, load_campaign
from formkit.checking import SCANNED, CheckResult, FileResult, check, collect_inputs, read_file
from formkit.errors import FormkitError
from formkit.outputs.render import RenderResult, render_table
from formkit.readers.table_data import load_table

__all__ = ["SCANNED", "CheckResult", "FileResult", "check", "collect_inputs", "read_file",
           "check_file", "convert", "export_register", "merge_to", "refuse_output_inside_inputs",
           "annotate_file", "annotate", "feedback_letters", "documents",
           "RenderResult", "load_table", "render_table"]


def check_file(path: str | Path, name: str | None = None, campaign: Campaign | None = None) -> FileResult:
    """Return one file's forms and findings, read as if it were called ``name``.

    ``name`` (a relative path such as ``南京市/附件2.xlsx``) gives the file name and folder the
    city and batch may be taken from, and is the ``file`` of every finding; the bytes at
    ``path`` decide the format (a stored upload has no suffix). Legacy Word/WPS files are
    converted by LibreOffice first.
    """
    from formkit.readers.legacy import converted_copies

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


def convert(paths: Iterable[str | Path], to: str, out_dir: str | Path, campaign: Campaign | None = None,
            progress=None):
    """Return what was written (a ConvertResult): every form found in ``paths`` written as ``to``."""
    from formkit.outputs.convert import check_target, write_converted

    check_target(to)
    campaign = campaign or load_campaign()
    paths = list(paths)
    refuse_output_inside_inputs(Path(out_dir), paths)
    checked = check(paths, campaign, progress=progress)
    return write_converted(checked, to, out_dir, campaign)


def merge_to(paths: Iterable[str | Path], out_dir: str | Path, campaign: Campaign | None = None,
             as_of=None, progress=None, db=None):
    """Return (MergeResult, written paths) after merging ``paths`` and writing into ``out_dir``.

    ``db`` (a register path or URL) adds the filing register as one more source of findings:
    the merged records of 附件2 and 附件4 compared with it (`not-filed`, `filing-date-mismatch`).
    """
    from formkit.merge import merge
    from formkit.outputs.merged import write_merged

    paths = list(paths)
    campaign = campaign or load_campaign()
    refuse_output_inside_inputs(Path(out_dir), paths)
    with contextlib.ExitStack() as stack:
        more = None
        if db:
            from formkit import registry

            # Opened first: a missing register fails before the long read.
            more = stack.enter_context(registry.findings_source(db))
        result = merge(paths, campaign, as_of=as_of, progress=progress, more_findings=more)
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


def export_register(db, path: str | Path, campaign: Campaign | None = None, today=None) -> Path:
    """Write the filing register at ``db`` as it stands into the workbook ``path`` (.xlsx)."""
    from formkit import registry
    from formkit.outputs.register import write_register

    campaign = campaign or load_campaign()
    with registry.opened(db) as reg:
        with reg.read() as conn:
            state = registry.load_state(conn)
        history = registry.change_rows(reg)
    return write_register(state, history, path, campaign, today)


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

    paths = list(paths)
    refuse_output_inside_inputs(Path(out_dir), paths)
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

