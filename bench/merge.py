"""Benchmark of `formkit merge` (SPEC §8), every figure with its baseline measured in this run.

    .venv/bin/python bench/merge.py [--rows 2000] [--keep DIR]

Measures: `formkit --help` (against a bare `python -c pass`); the whole-process merge of
the bundled samples; the whole-process merge of 13 cities × ROWS rows × 3 forms (half the
cities in .xlsx, half in .docx) with its peak memory and the split between reading,
checking and writing; and the reading rate of formkit's readers against the naive way
(openpyxl cell access for .xlsx, python-docx cell access for Word tables) on the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formkit.forms import get_form  # noqa: E402
from formkit.samplegen.enterprises import Gen  # noqa: E402
from formkit.samplegen.files import write_form_docx, write_form_xlsx  # noqa: E402
from formkit.campaign import load_campaign  # noqa: E402

FORMKIT = [sys.executable, "-m", "formkit"]


class ScaleGen(Gen):
    """The sample generator with numbered names, so thousands of rows stay unique."""

    counter = 0

    def name(self, city) -> str:
        ScaleGen.counter += 1
        return f"{city.short}{ScaleGen.counter:06d}号示例科技有限公司"


def generate_scale(out: Path, rows: int) -> Path:
    """Write 13 cities × ``rows`` rows for evaluation (two batches), spot checks and anomalies."""
    campaign = load_campaign()
    gen = ScaleGen(campaign)
    stamp = dt.datetime(2023, 12, 1)
    kinds = list(get_form("anomaly").column("type").values)
    for i, city in enumerate(campaign.cities):
        folder = out / city.name
        folder.mkdir(parents=True, exist_ok=True)
        writer = write_form_xlsx if i % 2 == 0 else write_form_docx
        ext = "xlsx" if i % 2 == 0 else "docx"
        for batch in (1, 2):
            data = [dict(gen.evaluation_row(city, batch), seq=n + 1) for n in range(rows // 2)]
            header = [f"填报单位（盖章）：{city.office}", f"填报日期：{2023}年{6 if batch == 1 else 12}月5日",
                      f"批次：第{'一' if batch == 1 else '二'}批"]
            _write(writer, folder / f"{city.name}-附件2-第{batch}批.{ext}", "evaluation",
                   "2023年度贯标绩效评价合格企业汇总表", header, data, stamp)
        data = [dict(gen.spotcheck_row(city, n % 10 == 0), seq=n + 1) for n in range(rows)]
        _write(writer, folder / f"{city.name}-附件3.{ext}", "spotcheck", "2023年度企业贯标质量抽查情况汇总表",
               [f"填报单位（盖章）：{city.office}", "填报日期：2023年11月20日"], data, stamp)
        data = [dict(gen.anomaly_row(city, kinds[n % len(kinds)]), seq=n + 1) for n in range(rows)]
        _write(writer, folder / f"{city.name}-附件4.{ext}", "anomaly", "企业贯标备案信息异常情况汇总表",
               [f"填报单位（盖章）：{city.office}", "填报日期：2023年7月20日"], data, stamp)
    return out


def _write(writer, path, form, title, header, rows, stamp):
    if writer is write_form_xlsx:
        writer(path, form, title, header, rows, None, "cell", stamp)
    else:
        writer(path, form, title, header, rows, None, "iso", stamp)


def timed(cmd: list[str], repeat: int = 1) -> float:
    """Return the best wall time of running ``cmd`` ``repeat`` times."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_of(cmd: list[str]) -> tuple[float, float]:
    """Return (seconds, peak resident MB) of one run of ``cmd`` in a fresh child process."""
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
            f"subprocess.run({cmd!r},stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def naive_xlsx(paths) -> tuple[int, float]:
    import openpyxl

    cells, start = 0, time.perf_counter()
    for p in paths:
        wb = openpyxl.load_workbook(p, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    _ = c.value
                    cells += 1
    return cells, time.perf_counter() - start


def naive_docx(paths) -> tuple[int, float]:
    import docx

    cells, start = 0, time.perf_counter()
    for p in paths:
        for table in docx.Document(p).tables:
            for row in table.rows:
                for c in row.cells:
                    _ = c.text
                    cells += 1
    return cells, time.perf_counter() - start


def formkit_read(paths) -> tuple[int, float]:
    from formkit.readers import read_grids

    cells, start = 0, time.perf_counter()
    for p in paths:
        _, grids = read_grids(p)
        cells += sum(len(r) for g in grids for r in g.rows)
    return cells, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated scale set here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="formkit-bench-"))
    scale = args.keep or work / "scale"
    if not (scale / "宿迁市").exists():
        t = time.perf_counter()
        generate_scale(scale, args.rows)
        print(f"generated scale set ({13 * args.rows * 3} rows) in {time.perf_counter() - t:.1f}s: {scale}")

    lines = []
    bare = timed([sys.executable, "-c", "pass"], 5)
    helptime = timed(FORMKIT + ["--help"], 5)
    lines.append(("`formkit --help`", f"{helptime:.3f} s", f"python -c pass {bare:.3f} s", f"+{helptime - bare:.3f} s", "< 0.3 s"))

    samples = ROOT / "samples" / "submissions"
    t_samples = timed(FORMKIT + ["merge", str(samples), "-o", str(work / "m1"), "--as-of", "2024-01-15"], 3)
    lines.append(("merge samples (whole process)", f"{t_samples:.2f} s", "", "", "< 1.5 s"))

    cmd = FORMKIT + ["merge", str(scale), "-o", str(work / "m2"), "--as-of", "2024-01-15"]
    t_scale, rss = peak_rss_of(cmd)
    lines.append((f"merge 13×{args.rows}×3 (whole process)", f"{t_scale:.2f} s", f"peak {rss:.0f} MB", "", "< 15 s, < 1 GB"))

    from formkit import api
    start = time.perf_counter()
    result, _ = api.merge_to([scale], work / "m3", load_campaign(), as_of=dt.date(2024, 1, 15))
    total = time.perf_counter() - start
    tm = result.timings
    n_records = sum(len(v) for v in result.records.values())
    lines.append(("  split in-process", f"{total:.2f} s", f"read {tm['read']:.2f} · check {tm['check']:.2f} · "
                  f"write {tm['write']:.2f}", f"{n_records} records", ""))

    del result  # the readers below are measured without the merge's objects alive
    import gc
    gc.collect()
    xlsx = sorted(scale.rglob("*.xlsx"))
    docx_files = sorted(scale.rglob("*.docx"))
    c1, t1 = formkit_read(xlsx)
    c0, t0 = naive_xlsx(xlsx)
    lines.append(("read .xlsx cells", f"{c1 / t1 / 1e6:.2f} Mcell/s", f"openpyxl {c0 / t0 / 1e6:.2f} Mcell/s",
                  f"{(c1 / t1) / (c0 / t0):.1f}×", "≥ 1 Mcell/s"))
    c1, t1 = formkit_read(docx_files)
    c0, t0 = naive_docx(docx_files)
    lines.append(("read Word table cells", f"{c1 / t1 / 1e3:.0f} kcell/s", f"python-docx {c0 / t0 / 1e3:.0f} kcell/s",
                  f"{(c1 / t1) / (c0 / t0):.1f}×", "≥ 200 kcell/s"))

    print()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print("| what | formkit | baseline (same run) | ratio | target |")
    print("|---|---|---|---|---|")
    for row in lines:
        print("| " + " | ".join(row) + " |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
