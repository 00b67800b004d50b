"""The portal's library object: stored uploads, submissions, status and merges over formkit.api.

``Portal`` is what `formkit serve` builds and the views call; it holds the database engine,
the data folder and the reader pool. Nothing here knows about HTTP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from formkit.campaign import Campaign, load_campaign
from formkit.errors import FormkitError
from formkit.findings import Finding
from formkit.forms import submission_slots
from formkit.fsutil import safe_filename
from formkit.portal import db
from formkit.portal.accounts import User, record
from formkit.portal.worker import ReaderPool, annotate, documents_job, merge_job, relay_progress, report

MAX_UPLOAD = 50 * 1024 * 1024
MERGE_TIMEOUT = 600.0
CHINA = dt.timezone(dt.timedelta(hours=8))
#: What a city sends, by the slot names of the API and the database: evaluation-1, …, anomaly.
SLOTS = {slot.key: slot for slot in submission_slots()}


class TooLarge(Exception):
    """An upload over the 50 MB limit (refused before it is stored)."""


@dataclass
class Stored:
    sha256: str
    size: int
    path: Path


def local_day(iso: str) -> dt.date:
    """Return the calendar day (China time) of a stored UTC timestamp."""
    return dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc).astimezone(CHINA).date()


class Portal:
    """The portal's state: database, data folder, campaign and the reader pool."""

    def __init__(self, db_url: str | None = None, data_dir: str | os.PathLike = "formkit-data",
                 campaign: Campaign | None = None, config: str | None = None, workers: int | None = None,
                 timeout: float | None = None, memory: int | None = None, as_of: dt.date | None = None,
                 inline: bool = False):
        #: The portal's "today" when fixed (``serve --as-of``: looking at a past campaign, the demo).
        self.as_of = as_of
        self.engine = db.open_engine(db_url)
        #: The same database for the filing register (formkit.registry opens its own engine).
        self.db_url = db.engine_url(db_url)
        self.data = Path(data_dir)
        for sub in ("files", "tmp", "annotated", "merges"):
            (self.data / sub).mkdir(parents=True, exist_ok=True)
        self.config = config
        self.campaign = campaign or load_campaign(config)
        kwargs = {k: v for k, v in (("timeout", timeout), ("memory", memory)) if v is not None}
        # ``inline``: read in this process (the demo's seeding; the same functions as the workers).
        self.pool = InlinePool(self.campaign) if inline else ReaderPool(workers or 2, config=config, **kwargs)
        from formkit.portal.jobs import Jobs

        self.jobs = Jobs(self)
        self._blanks: list[Path] = []

    def today(self) -> dt.date:
        """Return the day status and merges are judged at by default (China time, or ``as_of``)."""
        return self.as_of or dt.datetime.now(CHINA).date()

    def close(self) -> None:
        self.pool.close()
        self.engine.dispose()

    # -- storing ---------------------------------------------------------------------------

    def temp_file(self):
        """Return an open temporary file in the data folder (same file system as the store)."""
        return tempfile.NamedTemporaryFile(dir=self.data / "tmp", prefix="upload-", delete=False)

    def store(self, tmp_path: Path) -> Stored:
        """Move a received file into the store under its sha256; return where it is."""
        digest = hashlib.sha256()
        size = 0
        with open(tmp_path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        if size > MAX_UPLOAD:
            os.unlink(tmp_path)
            raise TooLarge()
        sha = digest.hexdigest()
        dest = self.file_path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            os.unlink(tmp_path)
        else:
            os.chmod(tmp_path, 0o440)
            os.replace(tmp_path, dest)
        return Stored(sha, size, dest)

    def file_path(self, sha: str) -> Path:
        return self.data / "files" / sha[:2] / sha

    # -- submissions -----------------------------------------------------------------------

    async def submit(self, user: User, stored: Stored, filename: str, city: str | None,
                     ip: str | None = None, received_at=None) -> tuple[int, dict]:
        """Read an upload in a worker, keep it and return (HTTP status, the submission as JSON).

        ``city`` is the account's city (or the one a province user named); a city account's
        upload that reads as another city's is kept as refused and answered 422. ``received_at``
        (a function of the forms read, returning UTC time as db.now() writes it) is only given by
        the demo, which dates its sample uploads.
        """
        filename = clean_name(filename)
        name = f"{city}/{filename}" if city else filename
        rep = await self.pool.run(report, str(stored.path), name, name=name)
        findings = rep["findings"]
        read_cities = {f["city"] for f in rep["forms"] if f["city"]}
        refused = None
        if user.role == "city":
            others = sorted(read_cities - {user.city}, key=self.campaign.city_order)
            if others:
                refused = Finding.make(
                    "city-ambiguous",
                    f"本文件读作{'、'.join(others)}的报送材料（依据填报单位或文件名），不是本账号所属的{user.city}；"
                    f"未予接收。请上传{user.city}自己的表格，或核对表头“填报单位”和文件名",
                    file=name).to_dict()
                findings = [refused] + findings
        if city is None and len(read_cities) == 1:
            city = next(iter(read_cities))
        errors = sum(f["severity"] == "error" for f in findings)
        warnings = sum(f["severity"] == "warning" for f in findings)
        forms = [{"form": f["form"], "batch": f["batch"], "records": f["records"]} for f in rep["forms"]]
        received = received_at(rep["forms"]) if received_at else db.now()
        with self.engine.begin() as conn:
            sid = conn.execute(db.submissions.insert().values(
                city=city, filename=filename, sha256=stored.sha256, size=stored.size, received_at=received,
                uploaded_by=user.username, refused=refused is not None, errors=errors, warnings=warnings,
                forms_json=json.dumps(rep["forms"], ensure_ascii=False),
                findings_json=json.dumps(findings, ensure_ascii=False))).inserted_primary_key[0]
            if refused is None and city:
                for f in rep["forms"]:
                    if f["slot"]:
                        conn.execute(db.slots.insert().values(
                            submission_id=sid, city=city, slot=f["slot"], form=f["form"], batch=f["batch"],
                            records=f["records"], errors=f["errors"], warnings=f["warnings"], late=f["late"]))
            record(conn, "upload-refused" if refused else "upload",
                   {"submission": sid, "city": city, "filename": filename, "sha256": stored.sha256,
                    "errors": errors, "warnings": warnings}, user.username, ip)
        body = {"id": sid, "city": city, "filename": filename, "sha256": stored.sha256, "received_at": received,
                "forms": forms, "errors": errors, "warnings": warnings, "findings": findings}
        return (422 if refused else 201), body

    def _row_json(self, row, findings: bool = True) -> dict:
        forms = [{"form": f["form"], "batch": f["batch"], "records": f["records"]} for f in json.loads(row.forms_json)]
        out = {"id": row.id, "city": row.city, "filename": row.filename, "sha256": row.sha256,
               "received_at": row.received_at, "forms": forms, "errors": row.errors, "warnings": row.warnings}
        if findings:
            out["findings"] = json.loads(row.findings_json)
        out["refused"] = bool(row.refused)
        out["uploaded_by"] = row.uploaded_by
        return out

    def submissions(self, city: str | None = None, findings: bool = False) -> list[dict]:
        """Return submissions, newest first (of one city when given)."""
        q = sa.select(db.submissions).order_by(db.submissions.c.id.desc())
        if city:
            q = q.where(db.submissions.c.city == city)
        with self.engine.connect() as conn:
            return [self._row_json(r, findings) for r in conn.execute(q)]

    def submission(self, sid: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.submissions).where(db.submissions.c.id == sid)).first()
        return self._row_json(row) if row else None

    def audit(self, action: str, detail, user: User | None, ip: str | None = None) -> None:
        with self.engine.begin() as conn:
            record(conn, action, detail, user.username if user else None, ip)

    async def annotated(self, sub: dict) -> Path | None:
        """Return the marked-up copy of a submission (made once, then kept), or None."""
        folder = self.data / "annotated" / str(sub["id"])
        done = [p for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
        if done:
            return done[0]
        name = f"{sub['city']}/{sub['filename']}" if sub["city"] else sub["filename"]
        work = Path(tempfile.mkdtemp(dir=self.data / "tmp", prefix="annotate-"))
        try:
            made = await self.pool.run(annotate, str(self.file_path(sub["sha256"])), str(work), name, name=name)
            if not made:
                return None
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / Path(made).name
            os.replace(made, final)
            return final
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # -- blank forms -----------------------------------------------------------------------

    def blanks(self) -> list[Path]:
        """Return the blank attachments (outputs.blank, as `formkit blank`), written once per process."""
        from formkit.outputs.blank import write_blanks

        folder = self.data / "blanks"
        if not self._blanks:
            self._blanks = write_blanks(self.campaign, folder)
        return self._blanks

    def blank_file(self, name: str) -> Path | None:
        """Return a blank attachment by its file name (only one that is listed)."""
        return next((p for p in self.blanks() if p.name == name), None)

    # -- status ----------------------------------------------------------------------------

    def deadline(self, slot: str) -> dt.date:
        return self.campaign.form_deadline(SLOTS[slot].form, SLOTS[slot].batch)

    def latest_slots(self, city: str | None = None) -> dict[tuple[str, str], dict]:
        """Return {(city, slot): the slot row of its latest submission} (a resubmission replaces)."""
        q = (sa.select(db.slots, db.submissions.c.received_at)
             .join(db.submissions, db.submissions.c.id == db.slots.c.submission_id)
             .order_by(db.slots.c.submission_id))
        if city:
            q = q.where(db.slots.c.city == city)
        latest: dict[tuple[str, str], dict] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(q):
                latest[(row.city, row.slot)] = dict(row._mapping)
        return latest

    def status(self, as_of: dt.date | None = None, city: str | None = None) -> dict:
        """Return the status of SPEC §9: per city and slot its state, submission and counts."""
        as_of = as_of or self.today()
        latest = self.latest_slots(city)
        cities = {}
        for c in self.campaign.cities:
            if city and c.name != city:
                continue
            row = {}
            for slot in SLOTS:
                deadline = self.deadline(slot)
                got = latest.get((c.name, slot))
                if got is None:
                    state = "missing" if as_of > deadline else "not-due"
                    row[slot] = {"state": state, "submission": None, "records": 0, "errors": 0,
                                 "warnings": 0, "deadline": deadline.isoformat()}
                    continue
                if got["errors"]:
                    state = "errors"
                elif got["late"] or local_day(got["received_at"]) > deadline:
                    state = "late"
                else:
                    state = "ok"
                row[slot] = {"state": state, "submission": got["submission_id"], "records": got["records"],
                             "errors": got["errors"], "warnings": got["warnings"], "deadline": deadline.isoformat(),
                             "received_at": got["received_at"]}
            cities[c.name] = row
        return {"as_of": as_of.isoformat(), "cities": cities}

    # -- merges ----------------------------------------------------------------------------

    def merge_inputs(self, folder: Path) -> list[dict]:
        """Lay the latest submission of every slot out as ``folder/<city>/<file name>``; return them.

        The plan (附件1) is taken from the province's latest upload of it, when there is one.
        """
        latest = self.latest_slots()
        ids = sorted({row["submission_id"] for row in latest.values()})
        with self.engine.connect() as conn:
            rows = list(conn.execute(sa.select(db.submissions).where(db.submissions.c.id.in_(ids)))) if ids else []
            plan = None
            for row in conn.execute(sa.select(db.submissions).where(db.submissions.c.refused.is_(False))
                                    .order_by(db.submissions.c.id)):
                if any(f["form"] == "plan" for f in json.loads(row.forms_json)):
                    plan = row
        if plan is not None and plan.id not in ids:
            rows.append(plan)
        used: set[str] = set()
        out = []
        for row in sorted(rows, key=lambda r: r.id):
            sub = folder / (row.city or "省局")
            sub.mkdir(parents=True, exist_ok=True)
            name = row.filename
            stem, suffix = os.path.splitext(name)
            n = 1
            while f"{row.city}/{name}" in used:
                n += 1
                name = f"{stem}（{n}）{suffix}"
            used.add(f"{row.city}/{name}")
            target = sub / name
            try:
                os.link(self.file_path(row.sha256), target)
            except OSError:
                shutil.copyfile(self.file_path(row.sha256), target)
            out.append({"id": row.id, "city": row.city, "file": f"{sub.name}/{name}"})
        return out

    async def merge(self, user: User, as_of: dt.date | None = None, ip: str | None = None, progress=None) -> dict:
        """Run api.merge_to over the latest submissions in a worker; return {"id", "summary", "files"}.

        Each merge writes into its own folder (``merges/<id>/``), so two merges at once, in one
        worker or several, are both correct.
        """
        as_of = as_of or self.today()
        with self.engine.begin() as conn:
            mid = conn.execute(db.merges.insert().values(
                created_at=db.now(), created_by=user.username, as_of=as_of.isoformat(), summary_json="{}",
                files_json="[]", submissions_json="[]")).inserted_primary_key[0]
        folder = self.data / "merges" / str(mid)
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "inputs").mkdir(parents=True)
        used = self.merge_inputs(folder / "inputs")
        said = folder / "progress.txt"
        if progress:
            await progress(f"正在读取、核对并汇总{len(used)}份报送材料（截至{as_of.isoformat()}）")
        job = asyncio.ensure_future(self.pool.run(merge_job, str(folder / "inputs"), str(folder / "out"),
                                                  as_of.isoformat(), str(said), name="merge", timeout=MERGE_TIMEOUT))
        if progress:
            await relay_progress(job, said, progress)
        done = await job
        if not done or "error" in done:
            raise FormkitError((done or {}).get("error") or "汇总未能完成（处理进程超时或异常退出），请稍后重试")
        with self.engine.begin() as conn:
            conn.execute(db.merges.update().where(db.merges.c.id == mid).values(
                summary_json=json.dumps(done["summary"], ensure_ascii=False),
                files_json=json.dumps(done["files"], ensure_ascii=False),
                submissions_json=json.dumps(used, ensure_ascii=False)))
            record(conn, "merge", {"merge": mid, "as_of": as_of.isoformat(), "submissions": [u["id"] for u in used],
                                   "errors": done["counts"]["error"], "warnings": done["counts"]["warning"]},
                   user.username, ip)
        return {"id": mid, "summary": done["summary"], "files": done["files"]}

    def merge_record(self, mid: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.merges).where(db.merges.c.id == mid)).first()
        if row is None:
            return None
        return {"id": row.id, "as_of": row.as_of, "created_at": row.created_at, "created_by": row.created_by,
                "summary": json.loads(row.summary_json), "files": json.loads(row.files_json),
                "submissions": json.loads(row.submissions_json)}

    async def documents(self, mid: int, user: User, ip: str | None = None, progress=None, pdf: bool = False) -> list[str]:
        """Write the report and every kind of letter from merge ``mid``; return their relative names.

        ``pdf``: the report and the combined letters also as PDF.
        """
        folder = self.data / "merges" / str(mid)
        out = folder / "docs"
        shutil.rmtree(out, ignore_errors=True)
        if progress:
            await progress(f"正在根据第{mid}次汇总生成汇总报告和各类函件（逐份及合订本）" + ("，并转换为PDF" if pdf else ""))
        done = await self.pool.run(documents_job, str(folder / "out"), str(out), pdf, name="documents",
                                   timeout=MERGE_TIMEOUT)
        if not done or "error" in done:
            raise FormkitError((done or {}).get("error") or "公文未能生成（处理进程超时或异常退出），请稍后重试")
        self.audit("documents", {"merge": mid, "files": len(done["files"]), "pdf": pdf}, user, ip)
        return done["files"]

    def document_names(self, mid: int) -> list[str]:
        out = self.data / "merges" / str(mid) / "docs"
        if not out.is_dir():
            return []
        return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())

    def document_file(self, mid: int, name: str) -> Path | None:
        """Return a document of merge ``mid`` by its relative name (only one that is listed)."""
        if name not in self.document_names(mid):
            return None
        return self.data / "merges" / str(mid) / "docs" / name

    def merge_list(self) -> list[dict]:
        """Return every finished merge, newest first (without its summary)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(db.merges.c.id, db.merges.c.created_at, db.merges.c.created_by,
                                          db.merges.c.as_of, db.merges.c.files_json)
                                .order_by(db.merges.c.id.desc())).all()
        return [{"id": r.id, "created_at": r.created_at, "created_by": r.created_by, "as_of": r.as_of,
                 "files": json.loads(r.files_json)} for r in rows if json.loads(r.files_json)]

    def merge_file(self, mid: int, name: str) -> Path | None:
        rec = self.merge_record(mid)
        if rec is None or name not in rec["files"]:
            return None
        path = self.data / "merges" / str(mid) / "out" / name
        return path if path.is_file() else None


class InlinePool:
    """The ReaderPool's ``run`` done in this process (no memory or time limit: trusted files only)."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign

    async def run(self, fn, *args, name: str = "", retries: int = 0, timeout: float | None = None):
        from formkit.portal import worker

        worker._CAMPAIGN = self.campaign
        return fn(*args)

    def close(self) -> None:
        pass


def clean_name(filename: str) -> str:
    """Return the uploaded name as safe text: its last path part, without control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if not name or name in (".", ".."):
        name = "未命名文件"
    return safe_filename(name) if len(name.encode("utf-8")) > 200 else name
