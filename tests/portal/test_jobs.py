"""Background jobs in one process: a job outlives nobody — one whose web process is gone reads as failed."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from pathlib import Path

from formkit.portal import accounts, db
from formkit.portal.service import Portal
from tests.portal.conftest import PASSWORD, sample


def test_a_merge_job_runs_to_done_and_a_job_of_a_dead_process_is_failed(tmp_path):
    portal = Portal(f"sqlite:///{tmp_path / 'formkit.sqlite'}", tmp_path / "data", inline=True,
                    as_of=dt.date(2024, 1, 15))
    try:
        from formkit.campaign import load_campaign

        sheng = accounts.add_user(portal.engine, "sheng", "province", None, PASSWORD, load_campaign())
        nanjing = accounts.add_user(portal.engine, "nj", "city", "南京市", PASSWORD, load_campaign())

        async def run():
            with portal.temp_file() as tmp:
                tmp.write(sample("南京市", "3").read_bytes())
            status, _body = await portal.submit(nanjing, portal.store(Path(tmp.name)), "a.xlsx",
                                                "南京市")
            assert status == 201
            jid = portal.jobs.start("merge", sheng)
            assert portal.jobs.get(jid)["state"] in ("queued", "running")
            return await portal.jobs.wait(jid)

        job = asyncio.run(run())
        assert job["state"] == "done" and job["error"] is None
        merged = portal.merge_record(job["result_id"])
        assert merged["as_of"] == "2024-01-15"  # the portal's --as-of is the default
        assert merged["summary"]["cities"]["南京市"]["spotcheck"]["rows"] == 34

        # a job left running by a web process that is gone (a restart) is shown as failed
        with portal.engine.begin() as conn:
            stale = conn.execute(db.jobs.insert().values(
                kind="merge", state="running", progress="正在读取", params_json="{}", created_at=db.now(),
                created_by="sheng", owner=f"{socket.gethostname()}:999999999")).inserted_primary_key[0]
        gone = portal.jobs.get(stale)
        assert gone["state"] == "failed" and "服务已重启" in gone["error"]
    finally:
        portal.close()
