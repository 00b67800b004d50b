"""Reading uploads in separate processes with a memory and a time limit.

The PDF reader's budget uses SIGALRM (main thread only) and a hostile file may exhaust memory
or crash a native library: each upload is therefore read in a worker process of a
``ProcessPoolExecutor`` whose initializer lowers ``RLIMIT_AS``. A worker that runs past the time
limit is killed; a pool whose worker died is rebuilt, and the upload gets an ``unreadable``
finding while the server stays up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import multiprocessing
import os
import threading
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from formkit.findings import Finding
from formkit.forms import slot_of

DEFAULT_MEMORY = 2 * 1024 ** 3
DEFAULT_TIMEOUT = 60.0


def _watch(server_pid: int) -> None:
    """Exit this worker when the web process that made it is gone (killed without shutting down)."""
    import time

    while True:
        time.sleep(2)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass


def _limit(memory: int, config: str | None, server_pid: int | None = None) -> None:
    import resource

    if memory:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    # Warm the readers once per worker, not per upload.
    import formkit.readers  # noqa: F401
    from formkit.campaign import load_campaign

    global _CAMPAIGN
    _CAMPAIGN = load_campaign(config)
    if server_pid:
        threading.Thread(target=_watch, args=(server_pid,), daemon=True, name="formkit-watch").start()


_CAMPAIGN = None


def report(path: str, name: str) -> dict:
    """Return what an upload reads as: forms (form, batch, city, records, slot) and findings (dicts)."""
    from formkit import api

    fr = _read_legacy_warm(Path(path), name) or api.check_file(Path(path), name, _CAMPAIGN)
    forms = []
    for sub in fr.submissions:
        mine = [f for f in fr.findings if f.form in (sub.form, None)]
        forms.append({
            "form": sub.form, "batch": sub.batch, "records": len(sub.records), "city": sub.city,
            "slot": getattr(slot_of(sub.form, sub.batch), "key", None),
            "errors": sum(f.severity == "error" for f in mine),
            "warnings": sum(f.severity == "warning" for f in mine),
            "late": any(f.code == "late" and f.form == sub.form for f in fr.findings),
        })
    return {"family": fr.family, "forms": forms, "findings": [f.to_dict() for f in fr.findings]}


def _read_legacy_warm(path: Path, name: str):
    """Return the FileResult of a .doc/.wps read through the worker's kept LibreOffice, or None.

    As the CLI does with its converted copy: the .docx is read by the Word reader under the
    original's name (encrypted files never get here: they are refused by the CLI's path).
    """
    import shutil
    import tempfile

    from formkit import api
    from formkit.readers.legacy import conversion_for
    from formkit.portal.warm import convert_doc

    if conversion_for(path) != ("docx", ".doc"):
        return None
    work = Path(tempfile.mkdtemp(prefix="formkit-warm-"))
    try:
        copy = convert_doc(path, work)
        if copy is None:
            return None
        fr = api.check_file(copy, name, _CAMPAIGN)
        fr.path = path
        return fr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def annotate(path: str, dest_dir: str, name: str) -> str | None:
    """Return the path of the marked-up copy of an upload (api.annotate_file), or None.

    The stored file has no suffix (it is named by its hash) and openpyxl opens a workbook only
    under a workbook's suffix: the copy is made from a link named with the upload's suffix.
    """
    import os

    from formkit import api

    from formkit.readers import sniff

    kind = sniff(Path(path))
    suffix = f".{kind}" if kind in ("xlsx", "docx", "pdf") else Path(name).suffix.lower()
    link = Path(dest_dir) / "source" / f"upload{suffix if suffix in api.SCANNED else ''}"
    link.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, link)
    except OSError:
        import shutil

        shutil.copyfile(path, link)
    out = api.annotate_file(link, Path(dest_dir), campaign=_CAMPAIGN, display_name=name)
    return str(out) if out else None


def _say(path: Path, text: str) -> None:
    """Replace the text of a job's progress file (whole, so the web process never reads half)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def progress_to(path: Path):
    """Return a progress wrapper for api.merge_to that says each file it reads in ``path``."""
    def wrap(items):
        items = list(items)
        for k, item in enumerate(items, 1):
            _say(path, f"正在读取第{k}/{len(items)}份报送材料：{item[1]}")
            yield item
        _say(path, f"已读取{len(items)}份报送材料，正在核对并写出全省汇总表")

    return wrap


async def relay_progress(job: asyncio.Future, said: Path, progress, every: float = 0.5) -> None:
    """Pass what a worker says in ``said`` on to ``progress`` until ``job`` is done."""
    last = None
    while not job.done():
        await asyncio.wait({job}, timeout=every)
        try:
            text = said.read_text(encoding="utf-8")
        except OSError:
            continue
        if text and text != last and not job.done():
            last = text
            await progress(text)


def merge_job(inputs: str, out_dir: str, as_of: str, progress_file: str | None = None) -> dict:
    """Return the summary, the written file names and the counts of api.merge_to over ``inputs``.

    With ``progress_file``, the file being read is said there as the merge goes (the job's page
    shows it).
    """
    import datetime as dt
    import json

    from formkit import api
    from formkit.errors import FormkitError

    progress = progress_to(Path(progress_file)) if progress_file else None
    try:
        result, written = api.merge_to([inputs], out_dir, _CAMPAIGN, as_of=dt.date.fromisoformat(as_of),
                                       progress=progress)
    except FormkitError as exc:
        return {"error": str(exc)}
    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    files = sorted(Path(p).name for p in written if Path(p).parent == out)
    return {"summary": summary, "files": files, "counts": result.counts}


def documents_job(merged_dir: str, out_dir: str, pdf: bool = False) -> dict:
    """Return the documents (report and letters) written from a merge, as paths relative to ``out_dir``.

    With ``pdf``, the report and each kind's combined document also as PDF (one LibreOffice call).
    """
    import zipfile

    from formkit import api
    from formkit.errors import FormkitError
    from formkit.fsutil import atomic_path

    out = Path(out_dir)
    try:
        written = api.documents(merged_dir, out, campaign=_CAMPAIGN)
        if pdf:
            from formkit.outputs.pdf import to_pdf

            written += to_pdf([p for p in written if p.parent == out or p.name.startswith("全部-")])
    except FormkitError as exc:
        return {"error": str(exc)}
    names = sorted(p.relative_to(out).as_posix() for p in written)
    with atomic_path(out / "全部公文.zip") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            zf.write(out / name, name)
    return {"files": names + ["全部公文.zip"]}


def unreadable(name: str, message: str) -> dict:
    f = Finding.make("unreadable", message, file=name)
    return {"family": None, "forms": [], "findings": [f.to_dict()]}


class ReaderPool:
    """A process pool that survives its workers: killed on timeout, rebuilt when broken."""

    def __init__(self, workers: int = 2, memory: int = DEFAULT_MEMORY, timeout: float = DEFAULT_TIMEOUT,
                 config: str | None = None):
        self.workers, self.memory, self.timeout, self.config = workers, memory, timeout, config
        self._lock = threading.Lock()
        self._pool = self._new()

    def _new(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                      initializer=_limit, initargs=(self.memory, self.config, os.getpid()))

    def _rebuild(self, broken: cf.ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is not broken:
                return  # another request rebuilt it already
            for proc in list((getattr(broken, "_processes", None) or {}).values()):
                try:
                    proc.kill()
                except (OSError, AttributeError):
                    pass
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new()

    async def run(self, fn, *args, name: str = "", retries: int = 2, timeout: float | None = None):
        """Return ``fn(*args)`` from a worker; on timeout or a dead worker, an ``unreadable`` report.

        A pool broken by another upload's crash is retried (an innocent file must not fail
        because a hostile one arrived at the same time).
        """
        loop = asyncio.get_running_loop()
        for attempt in range(retries + 1):
            pool = self._pool
            try:
                future = pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError):
                self._rebuild(pool)
                continue
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future, loop=loop), timeout or self.timeout)
            except asyncio.TimeoutError:
                self._rebuild(pool)
                if fn is not report:
                    return None
                return unreadable(
                    name, f"读取超时（超过{int(self.timeout)}秒），文件可能过于复杂或已损坏，请用Office或WPS另存后重新提交")
            except BrokenProcessPool:
                self._rebuild(pool)
                if attempt == retries:
                    break
        if fn is not report:
            return None
        return unreadable(
            name, "读取时处理进程异常退出（文件可能已损坏或内容过多），请用Office或WPS另存后重新提交")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
