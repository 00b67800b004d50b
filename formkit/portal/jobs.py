"""Background jobs: merges and documents started from a page run while the page polls their state.

A job is a row of ``portal_jobs`` (queued → running → done or failed, with a progress text)
and an asyncio task in the web process that started it; the reading itself happens in the
reader pool's worker processes, so no request waits on it. Merges and documents take one lock
for the campaign's data — a PostgreSQL advisory lock (every web process of the database) or,
on SQLite (one web process), an flock on the data folder — so two at once run one after the
other. A job whose web process is gone (restarted) is shown as failed, not as running forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import socket

import sqlalchemy as sa

from formkit.errors import FormkitError
from formkit.portal import db

KINDS = {"merge": "汇总", "documents": "生成公文"}
STATES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "未完成"}
#: pg_advisory_lock key of the campaign's merges and documents.
LOCK_KEY = 290491
POLL_SECONDS = 0.5

log = logging.getLogger("formkit.portal")


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(who: str) -> bool:
    host, _, pid = who.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's process: it says for itself
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


class Jobs:
    """Start, run and look up the background jobs of one portal."""

    def __init__(self, portal):
        self.portal = portal
        self._tasks: dict[int, asyncio.Task] = {}

    # -- the table --------------------------------------------------------------------------

    def _update(self, jid: int, **values) -> None:
        with self.portal.engine.begin() as conn:
            conn.execute(db.jobs.update().where(db.jobs.c.id == jid).values(**values))

    async def _set(self, jid: int, **values) -> None:
        await asyncio.to_thread(self._update, jid, **values)

    def get(self, jid: int) -> dict | None:
        """Return a job as a dict (a job of a process that is gone is marked failed first)."""
        with self.portal.engine.connect() as conn:
            row = conn.execute(sa.select(db.jobs).where(db.jobs.c.id == jid)).first()
        if row is None:
            return None
        if row.state in ("queued", "running") and jid not in self._tasks and not _alive(row.owner):
            self._update(jid, state="failed", error="服务已重启，这项任务被中断，请重新发起", finished_at=db.now())
            return self.get(jid)
        return {"id": row.id, "kind": row.kind, "kind_name": KINDS.get(row.kind, row.kind), "state": row.state,
                "state_name": STATES[row.state], "progress": row.progress, "result_id": row.result_id,
                "error": row.error, "created_at": row.created_at, "created_by": row.created_by,
                "finished_at": row.finished_at, "params": json.loads(row.params_json)}

    def recent(self, limit: int = 10) -> list[dict]:
        with self.portal.engine.connect() as conn:
            ids = conn.execute(sa.select(db.jobs.c.id).order_by(db.jobs.c.id.desc()).limit(limit)).scalars().all()
        return [j for j in (self.get(i) for i in ids) if j]

    # -- running ----------------------------------------------------------------------------

    def start(self, kind: str, user, ip: str | None = None, **params) -> int:
        """Record a job and start it in this process's event loop; return its id (call from the loop)."""
        with self.portal.engine.begin() as conn:
            jid = conn.execute(db.jobs.insert().values(
                kind=kind, state="queued", progress="排队等候", params_json=json.dumps(params, ensure_ascii=False),
                created_at=db.now(), created_by=user.username, owner=owner())).inserted_primary_key[0]
        task = asyncio.get_running_loop().create_task(self._run(jid, kind, user, ip, params))
        self._tasks[jid] = task
        task.add_done_callback(lambda _t: self._tasks.pop(jid, None))
        return jid

    async def wait(self, jid: int) -> dict | None:
        """Return the job once it has finished (a request that waits does not cancel it)."""
        task = self._tasks.get(jid)
        if task is not None:
            await asyncio.shield(task)
        return await asyncio.to_thread(self.get, jid)

    async def _run(self, jid: int, kind: str, user, ip, params: dict) -> None:
        async def progress(text: str) -> None:
            await self._set(jid, state="running", progress=text)

        try:
            async with self.lock(lambda: progress("等待另一项汇总或公文任务完成")):
                await progress("开始处理")
                if kind == "merge":
                    import datetime as dt

                    as_of = dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else None
                    done = await self.portal.merge(user, as_of, ip, progress=progress)
                    result = done["id"]
                else:
                    await self.portal.documents(params["merge"], user, ip, progress=progress,
                                                pdf=bool(params.get("pdf")))
                    result = params["merge"]
            await self._set(jid, state="done", progress="已完成", result_id=result, finished_at=db.now())
        except FormkitError as exc:
            await self._set(jid, state="failed", error=str(exc), finished_at=db.now())
        except Exception:  # noqa: BLE001 — a job must end in a state the page can show
            log.exception("job %s (%s) failed", jid, kind)
            await self._set(jid, state="failed", error="服务器内部错误，任务未完成，请稍后重试；如反复出现请联系技术支持",
                            finished_at=db.now())

    @contextlib.asynccontextmanager
    async def lock(self, on_wait):
        """Hold the campaign's work lock (polled, so a waiting job never holds a thread)."""
        engine = self.portal.engine
        if engine.dialect.name == "postgresql":
            conn = await asyncio.to_thread(engine.connect)
            try:
                waited = False
                while not await asyncio.to_thread(
                        lambda: conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({LOCK_KEY})").scalar()):
                    if not waited:
                        waited = True
                        await on_wait()
                    await asyncio.sleep(POLL_SECONDS)
                await asyncio.to_thread(conn.commit)  # the session lock outlives the transaction
                try:
                    yield
                finally:
                    await asyncio.to_thread(
                        lambda: (conn.exec_driver_sql(f"SELECT pg_advisory_unlock({LOCK_KEY})"), conn.commit()))
            finally:
                await asyncio.to_thread(conn.close)
            return
        with open(self.portal.data / "merge.lock", "a+b") as fh:
            waited = False
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not waited:
                        waited = True
                        await on_wait()
                    await asyncio.sleep(POLL_SECONDS)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
