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


def test_a_merge_says_each_file_it_reads(tmp_path):
    """The worker says the file it reads (第k/N份) in the job's progress file; the last word is the writing."""
    from formkit.portal.worker import progress_to

    said = tmp_path / "progress.txt"
    seen = [said.read_text(encoding="utf-8") for _item in progress_to(said)(
        [(Path("a.xlsx"), "南京市/a.xlsx"), (Path("b.docx"), "无锡市/b.docx")])]
    assert seen == ["正在读取第1/2份报送材料：南京市/a.xlsx", "正在读取第2/2份报送材料：无锡市/b.docx"]
    assert said.read_text(encoding="utf-8") == "已读取2份报送材料，正在核对并写出全省汇总表"


def test_merge_job_reports_through_its_progress_file(tmp_path):
    from formkit.portal import worker

    (tmp_path / "in" / "南京市").mkdir(parents=True)
    for n in ("2-1", "3"):
        src = sample("南京市", n)
        (tmp_path / "in" / "南京市" / src.name).write_bytes(src.read_bytes())
    done = worker.merge_job(str(tmp_path / "in"), str(tmp_path / "out"), "2024-01-15", str(tmp_path / "p.txt"))
    assert "error" not in done and done["summary"]["cities"]["南京市"]["spotcheck"]["rows"] == 34
    assert (tmp_path / "p.txt").read_text(encoding="utf-8") == "已读取2份报送材料，正在核对并写出全省汇总表"


def test_the_job_passes_each_new_progress_text_on_until_it_is_done(tmp_path):
    from formkit.portal.worker import relay_progress

    said = tmp_path / "progress.txt"

    async def main():
        got = []

        async def progress(text):
            got.append(text)

        async def work():
            for text in ("正在读取第1/2份", "正在读取第1/2份", "正在读取第2/2份"):
                said.write_text(text, encoding="utf-8")
                await asyncio.sleep(0.05)
            return "done"

        job = asyncio.ensure_future(work())
        await relay_progress(job, said, progress, every=0.01)
        return await job, got

    assert asyncio.run(main()) == ("done", ["正在读取第1/2份", "正在读取第2/2份"])
