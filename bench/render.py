"""Benchmark: `formkit render` of 2,000 rows against the naive docxtpl loop and the floor.

Run:  .venv/bin/python bench/render.py [--rows 2000] [--repeat 3]

In ONE run, on the same templates (bench/letters.py's "slim" and "default" reminder letter)
and the same 2,000 rows (bench/letters.py's records, written to a .json DATA file):

1. naive   — docxtpl as its README shows it: open the template, render(autoescape=True), save,
             once per row (the rows already in memory);
2. floor   — bench/letters.py's Floor: docxtpl's pre-processing and plain jinja2 compiled once,
             then per row render document.xml and write the zip (document.xml deflated, every
             other member stored); the rows already in memory;
3. formkit — the render command's work in this process, from the file names on:
             ``DocxTemplate.load`` + ``load_table`` (reading the JSON) + ``render_table`` (the
             --where filter when given, names, sandboxed strict rendering, atomic writes);
4. process — ``python -m formkit render TEMPLATE DATA -o DIR`` as a subprocess: the whole
             command, interpreter start and imports included (one run per round).

Also: reading a 2,000-row .xlsx of the same rows (flat columns) with ``load_table``.
Prints ms a row and the ratios formkit/floor and naive/formkit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from letters import Floor, make_records, make_templates, naive, timed  # noqa: E402

from formkit.outputs.render import render_table  # noqa: E402
from formkit.outputs.docx import DocxTemplate  # noqa: E402
from formkit.readers.table_data import load_table  # noqa: E402


def write_data(folder: Path, n: int) -> tuple[Path, Path, list[dict]]:
    """Return the .json DATA (nested 记录), a flat .xlsx of the same rows, and the rows as read back."""
    import openpyxl

    records = make_records(n)
    data = folder / "rows.json"
    data.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    flat = [k for k in records[0] if k != "记录"]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("名单")
    ws.append(flat)
    for record in records:
        ws.append([record[k] for k in flat])
    xlsx = folder / "rows.xlsx"
    wb.save(xlsx)
    return data, xlsx, json.loads(data.read_text(encoding="utf-8"))


def formkit_run(template: Path, data: Path, out: Path) -> None:
    engine = DocxTemplate.load(template)
    table = load_table(data)
    result = render_table(engine, table, out)
    assert not result.failed, result.failed[:3]


def process_run(template: Path, data: Path, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "formkit", "render", str(template), str(data), "-o", str(out)],
                   check=True, stdout=subprocess.DEVNULL, cwd=HERE.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="formkit-bench-render-"))
    try:
        templates = make_templates(work)
        data, xlsx, records = write_data(work, args.rows)
        n = len(records)
        print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
              f"{n} rows, median of {args.repeat} rounds\n")
        start = time.perf_counter()
        table = load_table(xlsx)
        t_xlsx = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        load_table(data)
        t_json = (time.perf_counter() - start) * 1000
        print(f"reading DATA with load_table: .xlsx {len(table.rows)} rows × {len(table.columns)} columns "
              f"{t_xlsx:.0f} ms; .json (nested) {t_json:.0f} ms\n")
        print(f"{'template':<9} {'naive':>8} {'floor':>8} {'formkit':>8} {'process':>8}  "
              f"{'formkit/floor':>13} {'process/floor':>13} {'naive/formkit':>13}")
        for label, path in templates.items():
            (work / "warm").mkdir(exist_ok=True)
            naive(path, records[:3], work / "warm")  # imports and caches outside the timing
            floor = Floor(path)
            runs = {
                "naive": lambda o: naive(path, records, o),
                "floor": lambda o: floor.run(records, o),
                "formkit": lambda o: formkit_run(path, data, o),
                "process": lambda o: process_run(path, data, o),
            }
            times = {key: [] for key in runs}
            for _ in range(args.repeat):  # taking turns, so that the disk's moods fall on all alike
                for key, fn in runs.items():
                    ms, _kb = timed(fn, work / key, n)
                    times[key].append(ms)
            t_naive, t_floor, t_ours, t_proc = (statistics.median(times[k]) for k in runs)
            print(f"{label:<9} {t_naive:8.2f} {t_floor:8.2f} {t_ours:8.2f} {t_proc:8.2f}  "
                  f"{t_ours / t_floor:13.2f} {t_proc / t_floor:13.2f} {t_naive / t_ours:13.1f}")
            spread = {k: f"{min(v):.2f}–{max(v):.2f}" for k, v in times.items()}
            print(f"{'':<9} range over rounds: " + ", ".join(f"{k} {s}" for k, s in spread.items()))
        print("\nms a row; formkit includes loading the template and reading the .json DATA, "
              "process the whole `python -m formkit render` command")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
