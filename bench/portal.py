"""Benchmark of the portal (SPEC §8): upload and status latency against `formkit check` in the same run.

    .venv/bin/python bench/portal.py [--repeat 20]

Starts `formkit serve` (SQLite, a temporary folder) on a free port and measures, over real
HTTP: the whole request of uploading a 50-row evaluation form as .xlsx, .docx and .doc
(answered with its findings), p50 and p95, against `formkit check` of the same file as a
process; `GET /api/v1/status`; and 13 cities uploading their 4 files each at once (every
upload answered, listed under its own city, none mixed up).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.merge import generate_scale  # noqa: E402
from formkit.campaign import load_campaign  # noqa: E402
from tests.portal.conftest import city_user, running  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def fmt(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1000:.0f} ms · p95 {pct(values, 0.95) * 1000:.0f} ms"


def upload(client: httpx.Client, path: Path) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    with open(path, "rb") as fh:
        r = client.post("/api/v1/submissions", files={"file": (path.name, fh)})
    return time.perf_counter() - start, r


def check_process(path: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "formkit", "check", str(path)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="formkit-bench-portal-"))
    try:
        files = generate_scale(work / "in", 100)  # evaluation: 50 rows a batch
        campaign = load_campaign()
        nanjing, wuxi = campaign.cities[0].name, campaign.cities[1].name
        xlsx = files / nanjing / f"{nanjing}-附件2-第1批.xlsx"
        docx = files / wuxi / f"{wuxi}-附件2-第1批.docx"
        from formkit.readers import office

        converted = office.convert_batch([docx], "doc", work / "doc")
        doc = converted[docx] if isinstance(converted[docx], Path) else None
        rows = []
        with running(f"sqlite:///{work / 'formkit.sqlite'}", work / "data") as server:
            for label, path, user in (("xlsx", xlsx, city_user(nanjing)), ("docx", docx, city_user(wuxi)),
                                      ("doc", doc, city_user(wuxi))):
                if path is None:
                    rows.append((label, "LibreOffice missing", "", ""))
                    continue
                with server.client(user) as c:
                    upload(c, path)  # warm the worker
                    times = []
                    for _ in range(args.repeat if label != "doc" else max(5, args.repeat // 2)):
                        t, r = upload(c, path)
                        assert r.status_code == 201, r.text
                        times.append(t)
                records = r.json()["forms"][0]["records"]
                base = check_process(path, 5)
                rows.append((f"upload {label} ({records} rows)", fmt(times), f"`formkit check` {fmt(base)}",
                             f"{statistics.median(base) / statistics.median(times):.1f}× faster"))
            with server.client("sheng") as c:
                times = []
                for _ in range(max(50, args.repeat)):
                    start = time.perf_counter()
                    assert c.get("/api/v1/status").status_code == 200
                    times.append(time.perf_counter() - start)
            rows.append(("GET /api/v1/status", fmt(times), "", ""))

            jobs = [(city.name, p) for city in campaign.cities for p in sorted((files / city.name).iterdir())]

            def send(job):
                city, path = job
                with server.client(city_user(city)) as c:
                    t, r = upload(c, path)
                    return city, path, t, r

            start = time.perf_counter()
            with cf.ThreadPoolExecutor(len(jobs)) as pool:
                done = list(pool.map(send, jobs))
            wall = time.perf_counter() - start
            ok = sum(r.status_code == 201 and r.json()["city"] == city and r.json()["filename"] == path.name
                     and r.json()["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
                     for city, path, _t, r in done)
            listed = 0
            for city in {c for c, _p in jobs}:
                with server.client(city_user(city)) as c:
                    ids = {s["id"] for s in c.get("/api/v1/submissions").json() if s["city"] == city}
                listed += sum(r.json()["id"] in ids for c2, _p, _t, r in done if c2 == city)
            rows.append((f"{len(jobs)} uploads at once (13 cities × 4; 50 or 100 rows each)",
                         f"all in {wall:.1f} s; each {fmt([t for *_x, t, _r in done])}",
                         f"{ok}/{len(jobs)} answered right, {listed}/{len(jobs)} listed under their city", ""))
        print("| what | portal (whole request) | baseline (same run) | ratio |")
        print("|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
