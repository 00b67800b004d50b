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
from typing import Iterable

from formkit.campaign import Campaign, load_campaign
from formkit.checking import SCANNED, CheckResult, FileResult, check, collect_inputs, read_file
from formkit.errors import FormkitError

__all__ = ["SCANNED", "CheckResult", "FileResult", "check", "collect_inputs", "read_file",
           "convert", "export_register", "merge_to", "refuse_output_inside_inputs"]


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
