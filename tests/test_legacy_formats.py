"""Every format a city sends: .xls (both date systems), .doc, .wps and PDF read as the original.

The legacy copies are made from the bundled samples by LibreOffice itself (one call per
target format, through formkit's own converter). Tests that need LibreOffice skip when it is
missing, and fail under CI=true: CI installs it (.ci/run).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import time
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from formkit import api
from formkit import soffice
from formkit.readers import INSTALL_HINT, legacy, ole, read_grids
from formkit.resources import samples_dir
from tests.builders import require_soffice

E2 = "2023年度贯标绩效评价合格企业汇总表"
E3 = "2023年度企业贯标质量抽查情况汇总表"
E4 = "企业贯标备案信息异常情况汇总表"

#: Originals taken from the samples: evaluation .xlsx, anomaly .xlsx, spotcheck .docx,
#: anomaly .docx, and an evaluation .docx whose rows break across PDF pages.
XLSX = [f"南京市/南京市-附件2-{E2}（第一批）.xlsx", f"苏州市/苏州市-附件4-{E4}.xlsx",
        f"徐州市/徐州市-附件3-{E3}.xlsx"]
DOCX = [f"常州市/常州市-附件3-{E3}.docx", f"淮安市/淮安市-附件4-{E4}.docx",
        f"南通市/南通市-附件2-{E2}（第一批）.docx"]


# ------------------------------------------------------------ helpers

def print_ready_copy(src: Path, dst: Path) -> Path:
    """Copy a workbook set up to print as it would be sent as PDF: landscape, one page wide.

    Calc prints what a cell shows: text cut off by a narrow column is cut off in the PDF
    too, and a wide sheet otherwise splits its columns over several pages. Columns are
    widened to their content and the sheet fitted to one page wide.
    """
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        merged = {(r, c) for rng in ws.merged_cells.ranges
                  for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col, rng.max_col + 1)}
        widths: dict[int, int] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and (cell.row, cell.column) not in merged:
                    text = str(cell.value)
                    w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
                    widths[cell.column] = max(widths.get(cell.column, 0), w)
        for col, w in widths.items():
            ws.column_dimensions[get_column_letter(col)].width = w * 1.2 + 2
    wb.save(dst)
    return dst


def records_of(result) -> list[tuple]:
    """Return per record the tuple of (column, normalised value), in reading order."""
    out = []
    for fr in result.files:
        for sub in fr.submissions:
            for rec in sub.records:
                out.append(tuple((k, repr(c.value)) for k, c in sorted(rec.cells.items())))
    return out


def context_of(result) -> list[tuple]:
    return [(s.form, s.city, s.batch, s.fill_date, len(s.records)) for fr in result.files for s in fr.submissions]


def make_ole(path: Path, streams: dict[str, bytes]) -> Path:
    """Write a minimal OLE2 compound file (version 3) holding ``streams`` (each ≥ 4096 bytes or empty)."""
    ss = 512
    end, free, fatsect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    data_sectors: list[bytes] = []
    entries = [("Root Entry", 5, end, 0)]
    chains: list[tuple[int, int]] = []
    for name, payload in streams.items():
        if not payload:
            entries.append((name, 2, end, 0))
            continue
        assert len(payload) >= 4096, "small streams would live in the mini stream"
        padded = payload + b"\0" * (-len(payload) % ss)
        first = 2 + len(data_sectors)  # sector 0 = FAT, sector 1 = directory
        n = len(padded) // ss
        data_sectors.extend(padded[i * ss:(i + 1) * ss] for i in range(n))
        chains.append((first, n))
        entries.append((name, 2, first, len(payload)))
    fat = [fatsect, end] + [free] * (ss // 4 - 2)
    for first, n in chains:
        for k in range(n):
            fat[first + k] = first + k + 1 if k < n - 1 else end
    assert len(entries) <= 4 and 2 + len(data_sectors) <= ss // 4
    header = bytearray(ss)
    header[0:8] = ole.OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 72, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))
    directory = bytearray(ss)
    for k, (name, kind, start, size) in enumerate(entries):
        off = k * 128
        raw = name.encode("utf-16-le") + b"\0\0"
        directory[off:off + len(raw)] = raw
        struct.pack_into("<HBB", directory, off + 64, len(raw), kind, 1)
        struct.pack_into("<III", directory, off + 68, free, free, 1 if k == 0 and len(entries) > 1 else free)
        struct.pack_into("<IQ", directory, off + 116, start, size)
    path.write_bytes(bytes(header) + struct.pack(f"<{ss // 4}I", *fat) + bytes(directory) + b"".join(data_sectors))
    return path


def word_stream(encrypted: bool) -> bytes:
    fib = bytearray(4096)
    struct.pack_into("<HHH", fib, 0, 0xA5EC, 0x00C1, 0)
    struct.pack_into("<H", fib, 10, 0x0100 if encrypted else 0)
    return bytes(fib)


# ------------------------------------------------------------ the converted samples

@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Return {(original relative name, ext): converted path} made by LibreOffice from the samples."""
    require_soffice()
    root = tmp_path_factory.mktemp("legacy")
    src = root / "src"
    src.mkdir()
    originals = {}
    for rel in XLSX + DOCX:
        dst = src / Path(rel).name
        shutil.copyfile(samples_dir() / rel, dst)
        originals[rel] = dst
    printable = root / "printable"
    printable.mkdir()
    fitted = [print_ready_copy(originals[rel], printable / Path(rel).name) for rel in XLSX]
    out: dict[tuple[str, str], Path] = {}
    plans = [
        ("xls", [originals[r] for r in XLSX], XLSX),
        ("doc", [originals[r] for r in DOCX], DOCX),
        ("pdf:writer_pdf_Export", [originals[r] for r in DOCX], DOCX),
        ("pdf:calc_pdf_Export", fitted, XLSX),
    ]
    timings = {}
    for to, inputs, rels in plans:
        ext = to.split(":")[0]
        folder = root / to.replace(":", "-")
        started = time.monotonic()
        results = soffice.convert_batch(inputs, to, folder)
        timings[to] = time.monotonic() - started
        for rel, path in zip(rels, inputs):
            made = results[path]
            assert isinstance(made, Path), made
            final = folder / f"{Path(rel).stem}.{ext}"
            made.rename(final)  # the converter names copies neutrally; give back the city's name
            out[(rel, ext)] = final
    out["timings"] = timings
    return out


CASES = [(rel, "xls") for rel in XLSX] + [(rel, "doc") for rel in DOCX] + \
        [(rel, "pdf") for rel in XLSX + DOCX]


@pytest.mark.parametrize("rel,ext", CASES, ids=[f"{Path(r).stem[:6]}-{e}" for r, e in CASES])
def test_converted_reads_same_records(converted, campaign, rel, ext):
    original = api.check([samples_dir() / rel], campaign)
    path = converted[(rel, ext)]
    again = api.check([path], campaign)
    assert [f for f in again.findings if f.code in ("unreadable", "unknown-form", "missing-column")] == []
    assert len(records_of(again)) == len(records_of(original))
    assert records_of(again) == records_of(original)
    assert context_of(again) == context_of(original)
    # Findings name the file the city sent (its own name), never a temporary copy.
    assert {f.file for f in again.findings} <= {path.name}
    assert sorted((f.code, f.key or "") for f in again.findings) == \
           sorted((f.code, f.key or "") for f in original.findings)
    if ext in ("xls", "doc"):
        # The same table structure: every finding at the same cell.
        assert [(f.code, f.sheet, f.cell) for f in again.findings] == \
               [(f.code, f.sheet, f.cell) for f in original.findings]
    if ext == "pdf":
        assert all(f.sheet is None or (f.sheet.startswith("第") and "页表" in f.sheet) for f in again.findings)
    for fr in again.files:
        assert fr.name == path.name
        for sub in fr.submissions:
            assert Path(sub.path) == path
            assert all(r.source.file == path.name for r in sub.records)


def test_legacy_folder_converted_in_one_call(converted, campaign, tmp_path, monkeypatch):
    folder = tmp_path / "南通市"
    folder.mkdir()
    docs = [converted[(rel, "doc")] for rel in DOCX]
    for doc in docs:
        shutil.copyfile(doc, folder / doc.name)
    shutil.copyfile(docs[0], folder / "副本.wps")  # a WPS 文字 file: a Word binary inside
    calls = []
    real = soffice.convert_batch

    def spy(paths, to_ext, *args, **kwargs):
        paths = list(paths)
        calls.append((len(paths), to_ext))
        return real(paths, to_ext, *args, **kwargs)

    monkeypatch.setattr(soffice, "convert_batch", spy)
    result = api.check([folder], campaign)
    assert calls == [(4, "docx")]
    assert soffice.last_stats["files"] == 4 and soffice.last_stats["calls"] == 1
    assert [fr.family for fr in result.files] == ["word"] * 4
    wps = next(fr for fr in result.files if fr.name == "副本.wps")
    assert len(wps.records) == len(next(fr for fr in result.files if fr.name == docs[0].name).records) > 0
    assert all(f.code != "unreadable" for f in result.findings)


def test_doc_read_on_its_own_converts_it(converted, campaign):
    doc = converted[(DOCX[0], "doc")]
    fr = api.read_file(doc, campaign)
    original = api.read_file(samples_dir() / DOCX[0], campaign)
    assert fr.family == "word" and len(fr.records) == len(original.records) > 0
    assert all(f.file == doc.name for f in fr.findings)


def test_doc_whose_bytes_are_docx_is_read_as_docx(campaign, tmp_path, monkeypatch):
    fake = tmp_path / "南通市-附件3-抽查表.doc"
    shutil.copyfile(samples_dir() / DOCX[0], fake)
    monkeypatch.setattr(soffice, "find_soffice", lambda: pytest.fail("no conversion expected"))
    result = api.check([fake], campaign)
    assert result.files[0].family == "word"
    assert records_of(result) == records_of(api.check([samples_dir() / DOCX[0]], campaign))


def test_xls_whose_bytes_are_xlsx_is_read_as_xlsx(campaign, tmp_path):
    fake = tmp_path / "南京市-附件2-评价表（第一批）.xls"
    shutil.copyfile(samples_dir() / XLSX[0], fake)
    result = api.check([fake], campaign)
    assert result.files[0].family == "excel" and len(records_of(result)) == 7


def test_doc_without_libreoffice_is_unreadable(campaign, tmp_path, monkeypatch):
    doc = make_ole(tmp_path / "常州市-附件3-抽查表.doc", {"WordDocument": word_stream(False)})
    wps = make_ole(tmp_path / "常州市-附件4-异常表.wps", {"Other": b""})  # kind told by extension
    assert ole.ole_kind(doc) == "doc" and ole.ole_kind(wps) == "unknown"
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # neither soffice nor libreoffice can be found
    result = api.check([tmp_path], campaign)
    assert [(f.code, f.file) for f in result.findings] == [
        ("unreadable", "常州市-附件3-抽查表.doc"), ("unreadable", "常州市-附件4-异常表.wps")]
    for f in result.findings:
        assert "LibreOffice" in f.message and INSTALL_HINT in f.message and f.severity == "error"


def test_encrypted_doc_is_refused_without_conversion(campaign, tmp_path, monkeypatch):
    doc = make_ole(tmp_path / "加密.doc", {"WordDocument": word_stream(True)})
    assert ole.doc_is_encrypted(doc)
    monkeypatch.setattr(soffice, "find_soffice", lambda: pytest.fail("an encrypted file is not converted"))
    result = api.check([doc], campaign)
    assert [(f.code, f.message) for f in result.findings] == [("unreadable", "文件已加密，请取消密码后重新提交")]


def test_ole_kind_reads_the_directory_not_the_text(tmp_path):
    # A Word file whose text mentions "Workbook" is still a Word file.
    text = "Workbook Book ".encode("utf-16-le") * 200
    doc = make_ole(tmp_path / "x.xls", {"WordDocument": word_stream(False) + text})
    assert ole.ole_kind(doc) == "doc" and ole.effective_kind(doc) == "doc"
    assert ole.ole_kind(make_ole(tmp_path / "y.doc", {"Workbook": b"\0" * 4096})) == "xls"
    assert ole.ole_kind(make_ole(tmp_path / "z.docx", {"EncryptedPackage": b"\0" * 4096,
                                                         "EncryptionInfo": b""})) == "encrypted"
    broken = tmp_path / "broken.doc"
    broken.write_bytes(ole.OLE_MAGIC + b"\xff" * 600)
    assert ole.ole_kind(broken) == "unknown" and ole.effective_kind(broken) == "doc"


def test_hanging_conversion_is_stopped(campaign, tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    pidfile = tmp_path / "soffice.pid"
    log = tmp_path / "soffice.log"
    fake = bindir / "soffice"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\necho $$ > "{pidfile}"\nexec sleep 60\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(soffice, "TIMEOUT_BASE", 1.0)
    monkeypatch.setattr(soffice, "TIMEOUT_PER_FILE", 0.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    make_ole(inbox / "a.doc", {"WordDocument": word_stream(False)})
    make_ole(inbox / "b.wps", {"WordDocument": word_stream(False)})
    started = time.monotonic()
    result = api.check([inbox], campaign)
    assert time.monotonic() - started < 15
    assert [(f.code, f.file) for f in result.findings] == [("unreadable", "a.doc"), ("unreadable", "b.wps")]
    assert all("超时" in f.message for f in result.findings)
    assert len(log.read_text().splitlines()) == 1  # one call for the batch
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


# ------------------------------------------------------------ .xls: date systems and merged cells

def _xls_from(tmp_path: Path, name: str, epoch_1904: bool, rows: list[list], merges: list[str]) -> Path:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    src = tmp_path / f"{name}.xlsx"
    wb.save(src)
    made = soffice.convert_batch([src], "xls", tmp_path / "xls")[src]
    assert isinstance(made, Path), made
    return made


@pytest.mark.parametrize("epoch_1904", [False, True], ids=["1900", "1904"])
def test_xls_dates_and_merged_cells(campaign, tmp_path, epoch_1904):
    require_soffice()
    import xlrd

    from tests.builders import CODES, EVAL_HEADERS, eval_row, standard_eval_sheet

    rows = [eval_row(1, code=CODES["nj1"], 贯标备案时间=dt.date(2021, 4, 6), 评价日期=dt.date(2023, 3, 1)),
            eval_row(2, name="南京青禾示例软件有限公司", code=CODES["nj2"], 贯标备案时间=dt.date(2020, 12, 31),
                     评价日期=dt.datetime(2023, 5, 6))]
    sheet = standard_eval_sheet(rows)
    # 所在县 of both rows in one merged cell (rows 5–6, column D), as offices do for one county.
    sheet[5][3] = ""
    xls = _xls_from(tmp_path, "南京市-附件2-评价表（第一批）", epoch_1904, sheet, ["D5:D6", "A1:N1"])
    book = xlrd.open_workbook(str(xls))
    assert book.datemode == (1 if epoch_1904 else 0)  # the file really uses that date system

    def read(result):
        recs = [r for fr in result.files for s in fr.submissions for r in s.records]
        return [(r.value("filing_date"), r.value("eval_date"), r.value("county")) for r in recs]

    expected = [(dt.date(2021, 4, 6), dt.date(2023, 3, 1), "玄武区"),
                (dt.date(2020, 12, 31), dt.date(2023, 5, 6), "玄武区")]
    assert read(api.check([xls], campaign)) == expected
    # xlrd, the fallback when calamine cannot open a workbook, reads the same.
    family, grids = read_grids(xls)
    assert family == "excel"
    via_xlrd = legacy.read_xls_xlrd(xls, xls.name)
    assert [[c.text for c in r] for r in via_xlrd[0].rows] == [[c.text for c in r] for r in grids[0].rows]
    assert EVAL_HEADERS[0] in [c.text for c in grids[0].rows[3]]


def test_xls_falls_back_to_xlrd_then_libreoffice(converted, campaign, monkeypatch):
    from formkit.readers import Unreadable, excel

    xls = converted[(XLSX[0], "xls")]
    expected = records_of(api.check([xls], campaign))

    def broken(path, name):
        if Path(path).suffix == ".xls":
            raise Unreadable("Excel文件已损坏，无法读取（test）")
        return real(path, name)

    real = excel.read_xlsx
    monkeypatch.setattr(excel, "read_xlsx", broken)
    assert records_of(api.check([xls], campaign)) == expected  # through xlrd
    monkeypatch.setattr(legacy, "read_xls_xlrd", lambda p, n: (_ for _ in ()).throw(ValueError("bad")))
    assert records_of(api.check([xls], campaign)) == expected  # through LibreOffice → .xlsx


def test_crash_mid_batch_retries_the_files_after_the_culprit(tmp_path, monkeypatch):
    # A fake soffice that "converts" by copying a docx, and dies on the second file of its
    # first call (as LibreOffice does on a file that crashes it).
    import sys

    sample = samples_dir() / DOCX[0]
    log = tmp_path / "calls.log"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "soffice"
    fake.write_text(f"""#!{sys.executable}
import shutil, sys
from pathlib import Path
args = sys.argv[1:]
with open({str(log)!r}, "a") as fh:
    fh.write(" ".join(args) + "\\n")
first = len(Path({str(log)!r}).read_text().splitlines()) == 1
out = Path(args[args.index("--outdir") + 1])
inputs = args[args.index("--outdir") + 2:]
for k, name in enumerate(inputs):
    if first and k == 1:
        sys.exit(134)
    shutil.copyfile({str(sample)!r}, out / (Path(name).stem + ".docx"))
""")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))
    files = []
    for name in ("a.doc", "b.doc", "c.doc"):
        files.append(make_ole(tmp_path / name, {"WordDocument": word_stream(False)}))
    results = soffice.convert_batch(files, "docx", tmp_path / "out")
    assert isinstance(results[files[0]], Path) and isinstance(results[files[2]], Path)
    assert isinstance(results[files[1]], str) and "LibreOffice无法转换" in results[files[1]]
    calls = log.read_text().splitlines()
    assert len(calls) == 2 and "f0000" not in calls[1] and "f0001" not in calls[1] and "f0002" in calls[1]
    assert soffice.last_stats["calls"] == 2


def test_wps_formats_routed_by_content(converted, campaign, tmp_path, monkeypatch):
    # WPS 表格 .et with a BIFF workbook inside is read directly; a .wps that is really a
    # .docx (newer WPS) is read as one: neither needs LibreOffice.
    et = tmp_path / "苏州市-附件4-异常表.et"
    shutil.copyfile(converted[(XLSX[1], "xls")], et)
    wps = tmp_path / "淮安市-附件4-异常表.wps"
    shutil.copyfile(samples_dir() / DOCX[1], wps)
    monkeypatch.setattr(soffice, "find_soffice", lambda: pytest.fail("no conversion expected"))
    for path, original, family in ((et, XLSX[1], "excel"), (wps, DOCX[1], "word")):
        result = api.check([path], campaign)
        assert result.files[0].family == family
        assert records_of(result) == records_of(api.check([samples_dir() / original], campaign))
        assert {f.file for f in result.findings} <= {path.name}
