"""Fuzzing (SPEC §7): mutated sample files and random cell contents never make `check` raise.

Two kinds of input, both made from the bundled samples (samples/submissions):
- byte mutations — of the file as a whole (flips, cuts, insertions, repeats anywhere: in the
  zip headers, the central directory, the compressed data), or of one part re-zipped
  cleanly (so the XML parsers and the layout see the damage): also numbers in the XML
  replaced by huge ones (row and cell references, spans, sizes);
- random cell contents written into the real sheets (openpyxl) and Word tables
  (python-docx): any text (control characters as Excel's _xHHHH_ escapes), numbers,
  dates, formulas, long texts.

For every example `formkit.api.check` must return findings (codes of the contract, Chinese
messages) without raising, within TIME_LIMIT seconds. Examples are derandomized (the same
examples on every run, so CI does not flake); FORMKIT_FUZZ_RANDOM=1 draws new ones and
FORMKIT_FUZZ_EXAMPLES=N changes how many byte mutations are tried (default 500; the cell
tests try 3/5 and 2/5 of that).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formkit import api
from formkit.findings import CODES
from formkit.resources import samples_dir
from tests.hostile_files import excel_escape, to_shared_strings

TIME_LIMIT = 5.0
EXAMPLES = int(os.environ.get("FORMKIT_FUZZ_EXAMPLES", "500"))
RANDOM = os.environ.get("FORMKIT_FUZZ_RANDOM", "") not in ("", "0")

SAMPLES = samples_dir()
PICKS = [  # one file of every form in both formats, and the province's plan
    "南京市/南京市-附件2-2023年度贯标绩效评价合格企业汇总表（第一批）.xlsx",
    "徐州市/徐州市-附件4-企业贯标备案信息异常情况汇总表.xlsx",
    "苏州市/苏州市-附件3-2023年度企业贯标质量抽查情况汇总表.xlsx",
    "省局/附件1-2023年度企业贯标指导性计划分解表.xlsx",
    "常州市/常州市-附件2-2023年度贯标绩效评价合格企业汇总表（第二批）.docx",
    "南通市/南通市-附件3-2023年度企业贯标质量抽查情况汇总表.docx",
    "泰州市/泰州市-附件4-企业贯标备案信息异常情况汇总表.docx",
]


def _load_samples() -> dict[str, bytes]:
    found = {name: (SAMPLES / name).read_bytes() for name in PICKS if (SAMPLES / name).is_file()}
    # And an evaluation form whose texts live in sharedStrings.xml, as Excel saves them.
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "南京市-附件2-共享字符串.xlsx"
        copy.write_bytes(found[PICKS[0]])
        found["南京市/南京市-附件2-共享字符串.xlsx"] = to_shared_strings(copy).read_bytes()
    return found


ORIGINALS = _load_samples()
XLSX = sorted(n for n in ORIGINALS if n.endswith(".xlsx"))
DOCX = sorted(n for n in ORIGINALS if n.endswith(".docx"))


def fuzz_settings(examples: int):
    return settings(max_examples=examples, deadline=dt.timedelta(seconds=TIME_LIMIT), derandomize=not RANDOM,
                    database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def run_check(data: bytes, name: str, campaign) -> None:
    """Check ``data`` saved as ``name``: findings, never an exception, within the time limit."""
    with tempfile.TemporaryDirectory(prefix="formkit-fuzz-") as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        started = time.monotonic()
        result = api.check([path], campaign)
        elapsed = time.monotonic() - started
    assert elapsed < TIME_LIMIT, f"{name}: {elapsed:.1f}s"
    assert isinstance(result.findings, list)
    for f in result.findings:
        assert f.code in CODES and f.severity == CODES[f.code], f
        assert f.message and not f.message.isascii(), f
        assert f.file == path.name
        # The last-resort findings (an unexpected exception turned into a finding) are bugs.
        assert "内部错误" not in f.message, f


# ------------------------------------------------------------ byte mutations

_NUMBER = re.compile(rb"\d+")
HUGE = st.sampled_from([0, 1, 2**15, 2**16, 2**31 - 1, 2**31, 2**32, 2**63, 10**30, 1048576, 16384, 20000, 99999999])


@st.composite
def operation(draw):
    kind = draw(st.sampled_from(["flip", "set", "delete", "insert", "repeat", "truncate", "number"]))
    where = draw(st.floats(min_value=0, max_value=1, exclude_max=True))
    if kind in ("flip", "set"):
        return kind, where, draw(st.integers(0, 255))
    if kind in ("delete", "repeat"):
        return kind, where, draw(st.integers(1, 4096))
    if kind == "insert":
        return kind, where, draw(st.binary(min_size=1, max_size=64))
    if kind == "number":
        return kind, where, draw(st.one_of(HUGE, st.integers(0, 10**12)))
    return kind, where, None


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, where, arg in ops:
        if not buf:
            break
        at = int(where * len(buf))
        if kind == "flip":
            buf[at] ^= arg or 1
        elif kind == "set":
            buf[at] = arg
        elif kind == "delete":
            del buf[at:at + arg]
        elif kind == "insert":
            buf[at:at] = arg
        elif kind == "repeat":
            buf[at:at] = buf[at:at + arg]
        elif kind == "truncate":
            del buf[max(1, at):]
        elif kind == "number":
            numbers = list(_NUMBER.finditer(buf))
            if numbers:
                m = numbers[int(where * len(numbers))]
                buf[m.start():m.end()] = str(arg).encode()
    return bytes(buf)


def mutate_part(data: bytes, choose: float, ops) -> bytes:
    """Return the zip with one part mutated (the sheet or document half of the time), re-zipped."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        infos = zin.infolist()
        main = [i for i in infos if i.filename in ("xl/worksheets/sheet1.xml", "word/document.xml",
                                                    "xl/sharedStrings.xml")]
        pool = main if choose < 0.5 and main else infos
        target = pool[int((choose * 2 % 1) * len(pool))].filename
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in infos:
                part = zin.read(info.filename)
                if info.filename == target:
                    part = mutate(part, ops)
                zout.writestr(info.filename, part)
    return out.getvalue()


@fuzz_settings(EXAMPLES)
@given(name=st.sampled_from(sorted(ORIGINALS)), whole=st.booleans(),
       choose=st.floats(min_value=0, max_value=1, exclude_max=True),
       ops=st.lists(operation(), min_size=1, max_size=6))
def test_byte_mutations_never_raise(campaign, name, whole, choose, ops):
    original = ORIGINALS[name]
    data = mutate(original, ops) if whole else mutate_part(original, choose, ops)
    run_check(data, name, campaign)


# ------------------------------------------------------------ random cell contents

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
_TRICKY = st.sampled_from([
    "", " ", "\u3000", "合计", "小计", "序号", "企业名称", "统一社会信用代码", "填报单位：南京市知识产权局",
    "=1+1", "=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "#N/A", "#REF!",
    "9132010229141777XY", "9132O1O229141777XY", "913201022914177", "916201055811843000", "2023-02-30",
    "2023年13月1日", "20230506", "45000", "1e308", "-0", "NaN", "inf", "第一批", "第二批", "不合格", "未达标",
    "已注销", "删除", "提醒并给予1年宽限期", "\u202e逆序\u202c", "\u200b", "\ufeff", "&lt;", "<w:t>", "]]>",
    "{{ 7*7 }}", "{% for x in y %}", "${x}", "%s%s%n", "\\x00", "南京市" * 50,
])
CELL_VALUE = st.one_of(
    _TEXT, _TRICKY,
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=5000, max_size=20000),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.booleans(),
    st.none(),
)
EDIT = st.tuples(st.integers(1, 60), st.integers(1, 16), CELL_VALUE)


def _xlsx_with(data: bytes, edits) -> bytes:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    for row, col, value in edits:
        if isinstance(value, str):
            value = excel_escape(value)  # control characters as Excel writes them
        cell = ws.cell(row, col)
        if type(cell).__name__ == "MergedCell":
            continue
        cell.value = value
        if isinstance(value, str) and value.startswith("=") and row % 2:
            cell.data_type = "s"  # half of them typed as text, half left as formulas
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _docx_with(data: bytes, edits) -> bytes:
    from docx import Document

    doc = Document(io.BytesIO(data))
    tables = doc.tables
    if not tables:
        return data
    for row, col, value in edits:
        table = tables[(row + col) % len(tables)]
        rows = table.rows
        tr = rows[row % len(rows)]
        cells = tr.cells
        text = "" if value is None else str(value)
        text = "".join(ch for ch in text if ch in "\t\n" or (ord(ch) >= 32 and ch not in "\ufffe\uffff"))
        cells[col % len(cells)].text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@fuzz_settings(EXAMPLES * 3 // 5)
@given(name=st.sampled_from(XLSX), edits=st.lists(EDIT, min_size=1, max_size=12))
def test_random_cell_contents_in_sheets(campaign, name, edits):
    run_check(_xlsx_with(ORIGINALS[name], edits), name, campaign)


@fuzz_settings(EXAMPLES * 2 // 5)
@given(name=st.sampled_from(DOCX), edits=st.lists(EDIT, min_size=1, max_size=12))
def test_random_cell_contents_in_word_tables(campaign, name, edits):
    run_check(_docx_with(ORIGINALS[name], edits), name, campaign)


def test_samples_are_there():
    assert len(ORIGINALS) == len(PICKS) + 1, sorted(ORIGINALS)
    if os.environ.get("CI", "").lower() == "true":
        assert EXAMPLES >= 500
