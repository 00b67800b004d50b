"""Output side of SPEC §7: names from inputs stay inside the output folder, inputs are never
an output, and an interrupted run leaves no half-written file under a final name.

After a SIGKILL the temporary files (``.<name>.<random>.part.<ext>``, hidden, in the output
folder) remain: nothing can clean up after SIGKILL. Any other failure while writing (an
exception, Ctrl-C) removes them; a finished run leaves none.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from formkit import uscc
from formkit.cli import main
from formkit.errors import OutputError
from formkit.fsutil import atomic_path, safe_filename, safe_join, write_bytes, write_text
from tests.builders import eval_row, standard_eval_sheet, write_xlsx

HOSTILE_NAMES = [
    "../../etc/passwd", "..\\..\\Windows\\System32\\drivers", "C:\\Users\\公司", "南京:苏州", "A/B\\C:D",
    "..", ".", "...", "", "   ", ".hidden", "CON", "con.docx", "LPT1.txt", "nul", "a\x00b", "行1\n行2\t制表",
    "公司\u202excod.exe", "零\u200b宽", "A&B<科技>|有限?公司*\"", "~/x", "/abs/olute", "\\\\server\\share\\x",
    "名" * 300, "x" * 400 + ".docx",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_safe_filename_stays_one_name(tmp_path, name):
    safe = safe_filename(name)
    assert safe and safe not in (".", "..") and not safe.startswith(".")
    assert not any(ch in safe for ch in '/\\:*?"<>|\x00\n\t\u202e\u200b')
    assert ".." not in safe
    assert len(safe.encode("utf-8")) <= 200 and len(safe) <= 80
    assert safe.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM1"}
    # Written atomically into a folder, it lands in that folder and nowhere else.
    folder = tmp_path / "out"
    path = write_text(folder / safe, "内容")
    assert path.resolve().parent == folder.resolve()
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["out", safe])
    assert safe_join(folder, name).resolve().parent == folder.resolve()


def test_safe_filename_keeps_what_is_fine():
    assert safe_filename("001-南京青禾示例科技有限公司-提醒函.docx") == "001-南京青禾示例科技有限公司-提醒函.docx"
    assert safe_filename("A&B<科技>有限公司") == "A&B_科技_有限公司"
    long = safe_filename("001-" + "很长的企业名称" * 40 + "-提醒函.docx", max_len=120)
    assert long.endswith(".docx") and len(long) <= 120 and len(long.encode()) <= 200


def test_recipient_names_become_files_inside_the_output_folder(tmp_path):
    out = tmp_path / "letters"
    names = ["../逃逸公司", "..\\逃逸公司", "C:逃逸公司", "/etc/逃逸公司", "逃逸公司"]
    written = [write_bytes(out / safe_filename(f"{n:03d}-{name}-提醒函.docx"), b"x")
               for n, name in enumerate(names, start=1)]
    assert all(p.resolve().parent == out.resolve() for p in written)
    assert len({p.name for p in written}) == len(names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letters"]
    assert not [p for p in out.iterdir() if ".part" in p.name]


def test_atomic_write_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "findings.json"
    target.write_text("旧的完整内容", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("写了一半", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "旧的完整内容"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.json"]
    with pytest.raises(OutputError):
        write_text(target / "under-a-file.json", "x")  # a file where a folder should be


# ------------------------------------------------------------ -o among the inputs

def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def inputs(tmp_path) -> Path:
    folder = tmp_path / "报送"
    write_xlsx(folder / "南京市" / "南京市-附件2.xlsx", {"S": standard_eval_sheet([eval_row(1)])})
    write_xlsx(folder / "南京市-附件2-补报.xlsx", {"S": standard_eval_sheet([eval_row(1)])})
    return folder


@pytest.mark.parametrize("target", ["folder", "subfolder", "new-inside", "file", "file-folder"])
def test_output_among_the_inputs_is_refused(inputs, target):
    paths = {"folder": inputs, "subfolder": inputs / "南京市", "new-inside": inputs / "汇总",
             "file": inputs / "南京市-附件2-补报.xlsx", "file-folder": inputs / "南京市"}
    args = [str(inputs)] if target != "file-folder" else [str(inputs / "南京市" / "南京市-附件2.xlsx")]
    before = _digest(inputs)
    run = CliRunner().invoke(main, ["merge", *args, "-o", str(paths[target])])
    assert run.exit_code == 2, run.output
    assert "请换一个输出文件夹" in run.output or "应为文件夹" in run.output, run.output
    assert _digest(inputs) == before
    assert not (inputs / "汇总").exists()


def test_output_beside_the_inputs_is_fine(inputs, tmp_path):
    before = _digest(inputs)
    run = CliRunner().invoke(main, ["merge", str(inputs), "-o", str(tmp_path / "汇总")])
    assert run.exit_code in (0, 1), run.output
    assert (tmp_path / "汇总" / "findings.json").exists()
    assert _digest(inputs) == before


# ------------------------------------------------------------ interrupted runs

def valid_code(k: int, region: str) -> str:
    body = f"{58000000 + k * 7919:08d}"
    first17 = "91" + region + body + uscc.org_check_char(body)
    return first17 + uscc.gb32100_check_char(first17)


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory) -> Path:
    """Three cities × 2,500 rows: merging them takes a few seconds, writing about one."""
    folder = tmp_path_factory.mktemp("big") / "报送"
    for i, (city, region) in enumerate([("南京市", "320102"), ("苏州市", "320505"), ("无锡市", "320211")]):
        rows = [eval_row(k + 1, name=f"{city}{k:05d}号示例科技有限公司", code=valid_code(i * 100000 + k, region),
                         联系电话="12") for k in range(2500)]
        write_xlsx(folder / f"{city}-附件2-第一批.xlsx", {"S": standard_eval_sheet(rows, unit=f"{city}知识产权局")})
    return folder


def _complete(path: Path) -> bool:
    """Return True when an output file is whole: a valid xlsx or a JSON document."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
        openpyxl.load_workbook(path, read_only=True).close()
        return True
    json.loads(path.read_text(encoding="utf-8"))
    return True


def _merge_and_kill(inputs: Path, out: Path, when) -> list[str]:
    """Start `formkit merge`, SIGKILL it as soon as ``when(names in out)`` holds; return the names."""
    proc = subprocess.Popen([sys.executable, "-m", "formkit", "merge", str(inputs), "-o", str(out),
                             "--as-of", "2023-07-01"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            names = [e.name for e in os.scandir(out)] if out.is_dir() else []
            if when(names):
                proc.send_signal(signal.SIGKILL)
                break
            if proc.poll() is not None:
                pytest.fail("merge finished before it could be interrupted")
            time.sleep(0.001)
        else:
            pytest.fail("merge never reached the point to interrupt")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return sorted(os.listdir(out))


def _parts(names) -> list[str]:
    return [n for n in names if ".part" in n]


def _finals(names) -> list[str]:
    return [n for n in names if ".part" not in n]


def test_interrupted_merge_leaves_no_half_file(big_inputs, tmp_path):
    # Killed while the first output is being written: only its temporary file exists.
    out = tmp_path / "first"
    names = _merge_and_kill(big_inputs, out, lambda ns: bool(_parts(ns)))
    assert _parts(names), names
    for name in _finals(names):
        assert _complete(out / name), name
    # Killed later, while another output is written after some are complete.
    out = tmp_path / "later"
    names = _merge_and_kill(big_inputs, out, lambda ns: len(_finals(ns)) >= 2 and bool(_parts(ns)))
    assert len(_finals(names)) >= 2
    for name in _finals(names):
        assert _complete(out / name), name  # every file under its final name is whole


def test_interrupted_rerun_keeps_complete_outputs(big_inputs, tmp_path):
    out = tmp_path / "汇总"
    done = subprocess.run([sys.executable, "-m", "formkit", "merge", str(big_inputs), "-o", str(out),
                           "--as-of", "2023-07-01"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    first = sorted(os.listdir(out))
    assert not _parts(first) and len(first) == 5
    names = _merge_and_kill(big_inputs, out, lambda ns: len(_parts(ns)) >= 1 and ns != first)
    assert set(_finals(names)) == set(first)
    for name in _finals(names):
        assert _complete(out / name), name  # the old complete file, or the new complete one
