"""LibreOffice as a converter: legacy and WPS files → .docx/.xlsx, many files in one call.

Every call runs ``soffice --headless`` with its own fresh profile
(``-env:UserInstallation=file:///tmp/…``: a shared profile makes parallel or repeated runs fail
intermittently), in its own process group, under a timeout; on timeout the whole group is
killed and every file of the batch gets the reason. Inputs are copied under neutral names
(``f0000.doc``), so two files with the same name in different folders cannot collide and the
extension tells LibreOffice the real format (a WPS ``.wps`` is a Word file inside).

:func:`converted_copies` is the run-level pre-pass: it converts every file of a run that needs
LibreOffice in one call per target format, and the readers pick the copies up by path.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator

from formkit.readers import INSTALL_HINT

#: Seconds allowed for one soffice call: a base for start-up plus a share per file.
#: Module-level so tests (and a slow machine) can change them.
TIMEOUT_BASE = 120.0
TIMEOUT_PER_FILE = 10.0
#: soffice calls for one batch at most: the first, and again for the files after one that
#: made LibreOffice crash.
MAX_CALLS = 3

#: Export filters by target extension; anything else is passed to ``--convert-to`` as given.
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
}

MISSING = f"此文件需要 LibreOffice 转换后才能读取，但本机未安装 LibreOffice。{INSTALL_HINT}；或用Word/WPS另存为.docx/.xlsx后提交"

#: What the last batch cost, for benchmarks and reports: {"files", "seconds", "calls"}.
last_stats: dict[str, float] = {}


def find_soffice() -> str | None:
    """Return the path of the LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def timeout_for(n_files: int) -> float:
    """Return the seconds one call converting ``n_files`` files may take."""
    return TIMEOUT_BASE + TIMEOUT_PER_FILE * n_files


def convert_batch(paths: Iterable[Path], to_ext: str, outdir: Path | None = None,
                  timeout: float | None = None, input_exts: dict[Path, str] | None = None
                  ) -> dict[Path, Path | str]:
    """Return, per input path, its converted copy in ``outdir`` or a Chinese reason it failed.

    One soffice call converts all ``paths`` to ``to_ext`` (``docx``, ``xlsx``, ``pdf`` or a
    full ``ext:filter``). ``input_exts`` gives the extension each input is handed over with
    (default: its own). ``outdir`` defaults to a new temporary folder the caller removes.
    """
    last_stats.clear()
    paths = list(dict.fromkeys(Path(p) for p in paths))
    if not paths:
        return {}
    soffice = find_soffice()
    if soffice is None:
        return {p: MISSING for p in paths}
    outdir = Path(outdir) if outdir is not None else Path(tempfile.mkdtemp(prefix="formkit-lo-"))
    work = Path(tempfile.mkdtemp(prefix="formkit-lo-run-"))
    try:
        return _run(soffice, paths, to_ext, outdir, work,
                    timeout if timeout is not None else timeout_for(len(paths)), input_exts or {})
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(soffice: str, paths: list[Path], to_ext: str, outdir: Path, work: Path, timeout: float,
         input_exts: dict[Path, str]) -> dict[Path, Path | str]:
    indir = work / "in"
    indir.mkdir()
    outdir.mkdir(parents=True, exist_ok=True)
    target = FILTERS.get(to_ext, to_ext)
    out_ext = target.split(":", 1)[0].lower()
    results: dict[Path, Path | str] = {}
    staged: dict[Path, Path] = {}
    for k, path in enumerate(paths):
        ext = input_exts.get(path) or path.suffix.lower() or ".bin"
        copy = indir / f"f{k:04d}{ext}"
        try:
            shutil.copyfile(path, copy)
        except OSError as exc:
            results[path] = f"无法读取文件：{exc.strerror or exc}"
            continue
        staged[path] = copy
    if not staged:
        return results
    todo = list(staged)
    calls = 0
    started = time.monotonic()
    while todo:
        calls += 1
        outcome = _call(soffice, work / f"profile{calls}", target, outdir, [staged[p] for p in todo], timeout)
        if outcome == "timeout":
            for path in todo:
                results[path] = (f"LibreOffice转换超时（{timeout:.0f}秒内未完成，已终止），无法读取此文件；"
                                 "请用Word或WPS另存为.docx/.xlsx后提交")
            break
        if isinstance(outcome, str):
            for path in todo:
                results[path] = outcome
            break
        missing = []
        for path in todo:
            produced = outdir / f"{staged[path].stem}.{out_ext}"
            if produced.is_file() and produced.stat().st_size > 0:
                results[path] = produced
            else:
                missing.append(path)
                results[path] = ("LibreOffice无法转换此文件（文件可能已损坏、加密或不是Office文件），"
                                 "请用Word或WPS另存为.docx/.xlsx后提交")
        # LibreOffice converts in order and goes on past a file it cannot load; when it dies
        # instead (a crash, returncode ≠ 0), the first missing file is the likely culprit and
        # the files after it deserve another call.
        if outcome == 0 or not missing or calls >= MAX_CALLS:
            break
        todo = missing[1:]
    last_stats.update(files=len(staged), seconds=round(time.monotonic() - started, 3), calls=calls)
    return results


def _call(soffice: str, profile: Path, target: str, outdir: Path, inputs: list[Path],
          timeout: float) -> int | str:
    """Run one soffice conversion; return its exit status, "timeout", or a reason it could not start."""
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
           "--norestore", "--nolockcheck", "--nodefault", "--nologo",
           "--convert-to", target, "--outdir", str(outdir), *map(str, inputs)]
    try:
        # Own session: on timeout the whole group (launcher and soffice.bin) is killed. No
        # pipes: a straggler holding one open could block us after the kill.
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True, cwd=profile.parent)
    except OSError as exc:
        return f"无法启动 LibreOffice（{exc.strerror or exc}）。{INSTALL_HINT}"
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)  # the leader is not reaped yet, so its group id cannot have been reused
        proc.wait()
        return "timeout"


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the process group the conversion runs in (launcher and soffice.bin alike)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


# ------------------------------------------------------------ run-level pre-pass

# The copies of the run in progress. A context variable, not a module-level dict: two runs
# in one process (threads of a server) each see only their own copies, and one run ending
# never removes — or deletes under — the copies another is reading.
_active: contextvars.ContextVar[dict[Path, Path | str] | None] = contextvars.ContextVar(
    "formkit_converted_copies", default=None)


def lookup(path: Path) -> Path | str | None:
    """Return the converted copy (or the reason it failed) the pre-pass made for ``path``."""
    active = _active.get()
    return active.get(_key(path)) if active else None


def _key(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path).absolute()


@contextlib.contextmanager
def converted_copies(paths: Iterable[Path]) -> Iterator[dict[Path, Path | str]]:
    """Convert every file among ``paths`` that needs LibreOffice, one soffice call per target.

    While the block runs, the readers find the copies through :func:`lookup` and read them in
    place of the originals (names and provenance stay the originals'); afterwards the copies
    are deleted. Files that need no conversion are not touched.
    """
    from formkit.readers import legacy

    plan: dict[str, dict[Path, str]] = {}
    for path in paths:
        need = legacy.conversion_for(Path(path))
        if need is not None:
            to_ext, in_ext = need
            plan.setdefault(to_ext, {})[Path(path)] = in_ext
    if not plan:
        yield {}
        return
    outroot = Path(tempfile.mkdtemp(prefix="formkit-converted-"))
    done: dict[Path, Path | str] = {}
    started = time.monotonic()
    try:
        calls = 0
        for to_ext, inputs in plan.items():
            try:
                results = convert_batch(list(inputs), to_ext, outroot / to_ext, input_exts=inputs)
            except Exception as exc:  # e.g. no space for the copies: a finding per file, not a crash
                reason = f"无法用 LibreOffice 转换（{type(exc).__name__}：{exc}），请另存为.docx/.xlsx后提交"
                results = {p: reason for p in inputs}
            calls += int(last_stats.get("calls", 0))
            done.update(results)
        last_stats.update(files=len(done), seconds=round(time.monotonic() - started, 3), calls=calls)
        keys = {_key(p): v for p, v in done.items()}
        outer = _active.get()
        token = _active.set({**(outer or {}), **keys})
        try:
            yield done
        finally:
            _active.reset(token)
    finally:
        shutil.rmtree(outroot, ignore_errors=True)
