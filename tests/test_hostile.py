"""Hostile and broken files (SPEC §7): every one answered by a finding, never a crash or a hang.

Each test makes its own file (tests/hostile_files.py) and checks the finding's code and the
gist of its Chinese message. What could take the interpreter down (a zip bomb, a sheet of a
million rows, a value in XFD1048576) runs in a subprocess that also reports its time and
how much its peak memory grew. The last tests put every one of these files in one folder and
run the real `formkit check` and `formkit merge` on it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from formkit import api
from formkit.readers import MAX_CELL_CHARS, read_grids
from tests import hostile_files as H
from tests.builders import CODES, eval_row, require_soffice, standard_eval_sheet, write_xlsx


def standard_eval_sheet_with_dates(rows: list[dict]) -> list[list]:
    """The standard sheet with real date cells and numbers (not texts) where Excel has them."""
    sheet = standard_eval_sheet(rows)
    for row in sheet[4:]:
        for j in (5, 8):
            row[j] = dt.date.fromisoformat(row[j]) if row[j] else row[j]
    return sheet

SECRET = "FORMKIT-SECRET-7f3a9c41"
DTD = "文件含有DTD或实体声明"
BOMB = "疑似压缩炸弹"
ENCRYPTED = "文件已加密，请取消密码后重新提交"
SCAN = "扫描件无文字层"


def findings(path: Path, campaign) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in api.check([path], campaign).findings]


def only(path: Path, campaign):
    """Return the one finding of a file that cannot be read."""
    result = api.check([path], campaign)
    assert len(result.findings) == 1, [(f.code, f.message) for f in result.findings]
    finding = result.findings[0]
    assert finding.file == path.name
    return finding


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, Path]:
    """A valid 南京市 evaluation form as .xlsx (inline strings), .xlsx (shared strings) and .docx."""
    d = tmp_path_factory.mktemp("good")
    rows = [eval_row(1), eval_row(2, name="南京乙示例科技有限公司", code=CODES["nj2"])]
    xlsx = H.eval_xlsx(d / "inline.xlsx", rows)
    sst = H.to_shared_strings(H.eval_xlsx(d / "shared.xlsx", rows))
    docx = H.eval_docx(d / "form.docx", rows)
    return {"xlsx": xlsx, "sst": sst, "docx": docx}


# ------------------------------------------------------------ measured in a subprocess

MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from formkit import api
    from formkit.campaign import load_campaign

    campaign = load_campaign()
    api.check([Path(sys.argv[2])], campaign)  # warm up: imports and first-use caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    result = api.check([Path(sys.argv[1])], campaign)
    seconds = time.monotonic() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"seconds": seconds, "grown_mb": grown / 1024,
                      "findings": [[f.code, f.message] for f in result.findings],
                      "records": sum(len(fr.records) for fr in result.files)}, ensure_ascii=False))
""")


def measure(path: Path, warm: Path) -> dict:
    """Return seconds, peak-memory growth (MB), findings and records of checking ``path``."""
    run = subprocess.run([sys.executable, "-c", MEASURE, str(path), str(warm)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


# ------------------------------------------------------------ broken files

def test_empty_file(tmp_path, campaign):
    f = only(H.empty_file(tmp_path / "南京市-附件2.xlsx"), campaign)
    assert (f.code, f.message) == ("unreadable", "文件为空（0字节），请重新导出后提交")


@pytest.mark.parametrize("maker,gist", [(H.text_renamed, "文件实为纯文本"), (H.html_renamed, "文件实为网页（HTML）")])
@pytest.mark.parametrize("suffix,fix", [(".xlsx", "“另存为”.xlsx"), (".docx", "“另存为”.docx"), (".xls", "“另存为”.xlsx")])
def test_text_or_html_under_an_office_name(tmp_path, campaign, maker, gist, suffix, fix):
    f = only(maker(tmp_path / f"南京市-附件2{suffix}"), campaign)
    assert f.code == "unreadable" and gist in f.message and fix in f.message, f.message


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
@pytest.mark.parametrize("keep", [0.02, 0.5, 0.97])
def test_truncated_file(tmp_path, campaign, good, kind, keep):
    f = only(H.truncated(good[kind], tmp_path / f"南京市-附件2.{kind}", keep), campaign)
    assert f.code == "unreadable" and "损坏" in f.message, f.message


@pytest.fixture(scope="module")
def legacy(tmp_path_factory) -> dict[str, Path]:
    """LibreOffice's .xls copies of a form with one bad code, and of one with a stray far value."""
    require_soffice()
    from formkit.readers import office

    d = tmp_path_factory.mktemp("legacy")
    form = H.eval_xlsx(d / "form.xlsx", [eval_row(1), eval_row(2, name="南京乙示例科技有限公司", code=H.BAD_CODE)])
    far = H.far_cell(form, d / "far.xlsx", "IV65536")  # the last cell of a BIFF8 sheet
    done = office.convert_batch([form, far], "xls", d / "xls")
    assert all(isinstance(p, Path) for p in done.values()), done
    return {"xlsx": form, "xls": done[form], "far-xls": done[far]}


def test_xls_named_xlsx_and_xlsx_named_xls_are_read_by_content(tmp_path, campaign, legacy):
    xls_as_xlsx = shutil.copyfile(legacy["xls"], tmp_path / "南京市-附件2（实为xls）.xlsx")
    xlsx_as_xls = shutil.copyfile(legacy["xlsx"], tmp_path / "南京市-附件2（实为xlsx）.xls")
    expected = [(f.code, f.cell) for f in api.check([legacy["xlsx"]], campaign).findings]
    assert expected == [("uscc", "C6")]
    for path in (xls_as_xlsx, xlsx_as_xls):
        result = api.check([path], campaign)
        assert [(f.code, f.cell) for f in result.findings] == expected, path.name
        assert "校验码不正确" in result.findings[0].message
        assert result.files[0].family == "excel" and len(result.files[0].records) == 2


def test_stray_value_far_out_in_an_xls(legacy, good):
    # calamine would load IV65536 as 65,536 × 256 cells (over 1 GB): read through xlrd instead.
    out = measure(legacy["far-xls"], good["xlsx"])
    assert [code for code, _ in out["findings"]] == ["uscc"] and out["records"] == 2
    assert out["grown_mb"] < 300 and out["seconds"] < 30, out


@pytest.mark.parametrize("kind,suffix", [("xlsx", ".xlsx"), ("docx", ".docx"), ("xlsx", ".xls"), ("docx", ".doc")])
def test_encrypted_ooxml(tmp_path, campaign, good, kind, suffix):
    path = H.encrypted_ooxml(good[kind], tmp_path / f"南京市-附件2{suffix}")
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # an OLE2 EncryptedPackage
    f = only(path, campaign)
    assert (f.code, f.message) == ("unreadable", ENCRYPTED)


def test_file_over_50_mb(tmp_path, campaign):
    path = H.sparse_big(tmp_path / "南京市-附件2.xlsx", 51)
    f = only(path, campaign)
    assert (f.code, f.message) == ("unreadable", "文件过大（51 MB，上限50 MB），请拆分后提交")


# ------------------------------------------------------------ zip bombs

BOMBS = {
    "xlsx-300MB-part": ("xlsx", lambda src, dst: H.zip_bomb(src, dst, "xl/media/zeros.bin", 300)),
    "docx-300MB-part": ("docx", lambda src, dst: H.zip_bomb(src, dst, "word/media/zeros.bin", 300)),
    "xlsx-150MB-ratio": ("xlsx", lambda src, dst: H.zip_bomb(src, dst, "xl/media/zeros.bin", 150)),
    "xlsx-sheet-part": ("xlsx", lambda src, dst: H.zip_bomb(src, dst, "xl/worksheets/sheet2.xml", 250)),
    "xlsx-lying-size": ("sst", lambda src, dst: H.lying_zip_bomb(src, dst)),
    "xlsx-overlapping": ("xlsx", lambda src, dst: H.overlapping_zip(src, dst, 200)),
    "docx-200000-parts": ("docx", lambda src, dst: H.many_entries(src, dst, 200_000)),
}


@pytest.mark.parametrize("case", list(BOMBS))
def test_zip_bomb_refused_before_expansion(tmp_path, good, case):
    kind, make = BOMBS[case]
    path = make(good[kind], tmp_path / f"南京市-附件2.{'docx' if kind == 'docx' else 'xlsx'}")
    assert path.stat().st_size < 20 * 1024 * 1024
    out = measure(path, good["xlsx"])
    assert len(out["findings"]) == 1, out
    code, message = out["findings"][0]
    assert code == "unreadable" and BOMB in message, message
    # Refused from the directory: nothing expanded (300 MB would show), and at once.
    assert out["grown_mb"] < 40 and out["seconds"] < 15, out


# ------------------------------------------------------------ DTDs, external entities, billion laughs

def _hostile_xml(good: dict[str, Path], secret: Path, tmp: Path, where: str, attack: str, pad: int,
                 encoding: str = "utf-8") -> Path:
    dtd = H.xxe_dtd(secret) if attack == "xxe" else H.BILLION_LAUGHS
    ref = "&xxe;" if attack == "xxe" else "&j;"
    src, part, suffix = {"document": (good["docx"], H.DOCUMENT, "docx"), "sheet": (good["xlsx"], H.SHEET, "xlsx"),
                         "sharedStrings": (good["sst"], H.SST, "xlsx")}[where]
    path = tmp / f"南京市-附件2-{where}-{attack}-{pad}-{encoding}.{suffix}"
    return H.rewrite_zip(src, path, {part: lambda data: H.inject_dtd(data, dtd, ref, "南京青禾示例科技有限公司",
                                                                      pad, encoding)})


@pytest.mark.parametrize("where", ["document", "sheet", "sharedStrings"])
@pytest.mark.parametrize("attack", ["xxe", "laughs"])
@pytest.mark.parametrize("pad", [0, 200_000])
def test_dtd_entities_refused(tmp_path, campaign, good, secret, where, attack, pad):
    # pad: a 200 KB comment before the DOCTYPE, past any fixed-size look at the part's start.
    path = _hostile_xml(good, secret, tmp_path, where, attack, pad)
    f = only(path, campaign)
    assert f.code == "unreadable" and DTD in f.message, f.message
    assert SECRET not in json.dumps([vars(x) for x in api.check([path], campaign).findings], default=str,
                                    ensure_ascii=False)


@pytest.mark.parametrize("where", ["document", "sheet"])
def test_dtd_in_utf16_part_refused(tmp_path, campaign, good, secret, where):
    path = _hostile_xml(good, secret, tmp_path, where, "xxe", 0, "utf-16")
    f = only(path, campaign)
    assert f.code == "unreadable" and DTD in f.message, f.message


def test_entity_target_never_reaches_any_output(tmp_path, good, secret):
    """`formkit check --json` and a `formkit merge` folder never contain the entity's target."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for where in ("document", "sheet", "sharedStrings"):
        for attack in ("xxe", "laughs"):
            _hostile_xml(good, secret, inputs, where, attack, 0)
    shutil.copyfile(good["xlsx"], inputs / "南京市-附件2-正常.xlsx")
    check = subprocess.run([sys.executable, "-m", "formkit", "check", str(inputs), "--json"],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 1 and "Traceback" not in check.stderr, check.stderr
    listed = json.loads(check.stdout)
    assert {f["file"] for f in listed if f["code"] == "unreadable"} == {
        p.name for p in inputs.iterdir() if "正常" not in p.name}
    out = tmp_path / "out"
    merge = subprocess.run([sys.executable, "-m", "formkit", "merge", str(inputs), "-o", str(out),
                            "--as-of", "2023-07-01"], capture_output=True, text=True, timeout=120)
    assert merge.returncode == 1 and "Traceback" not in merge.stderr, merge.stderr
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in written} >= {"findings.json", "findings.xlsx", "summary.json", "records.json"}
    for text in (check.stdout, check.stderr, merge.stdout, merge.stderr):
        assert SECRET not in text
    for path in written:
        data = path.read_bytes()
        assert SECRET.encode() not in data, path.name
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    assert SECRET.encode() not in zf.read(name), (path.name, name)


# ------------------------------------------------------------ too much content

@pytest.mark.parametrize("numbered", [True, False])
def test_sheet_of_a_million_rows_is_refused_without_loading(tmp_path, good, numbered):
    path = H.million_rows(tmp_path / "南京市-附件2.xlsx", 1_000_000, numbered)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(H.SHEET).file_size > 60_000_000  # the sheet XML: within the zip limits
    out = measure(path, good["xlsx"])
    assert len(out["findings"]) == 1, out
    code, message = out["findings"][0]
    assert code == "unreadable" and message.startswith("工作表“明细”行数过多") and "20000行" in message
    assert out["grown_mb"] < 60 and out["seconds"] < 20, out


@pytest.mark.parametrize("ref", ["XFD1048576", "A1048576", "XFD1"])
def test_stray_value_far_out_is_skipped_in_bounded_memory(tmp_path, good, ref):
    # calamine alone allocates every cell up to the farthest value: 17 billion for XFD1048576
    # (the process aborts). The sheet is streamed instead; the form in it is read as usual.
    path = H.far_cell(good["xlsx"], tmp_path / "南京市-附件2.xlsx", ref)
    out = measure(path, good["xlsx"])
    assert out["findings"] == [] and out["records"] == 2, out
    assert out["grown_mb"] < 150 and out["seconds"] < 20, out


def test_streamed_sheet_reads_like_calamine(tmp_path, campaign):
    # The streamed path gives the same records: merged cells unfolded, dates and numbers typed.
    rows = [eval_row(1, 评价得分=91.5), eval_row(2, name="南京乙示例科技有限公司", code=CODES["nj2"],
                                                **{"评价机构（专家组）": "", "评价日期": "2023-04-01"})]
    sheet = standard_eval_sheet_with_dates(rows)
    plain = write_xlsx(tmp_path / "plain" / "南京市-附件2.xlsx", {"附件2": sheet}, {"附件2": ["H5:H6"]})
    far = H.far_cell(plain, tmp_path / "南京市-附件2.xlsx", "XFD1048576")

    def values(path):
        result = api.check([path], campaign)
        return [(f.code, f.cell) for f in result.findings], [
            {k: (c.raw, c.value) for k, c in r.cells.items()} for r in result.files[0].records]

    assert values(far) == values(plain)
    assert values(far)[1][1]["evaluator"][1] == "江苏示例知识产权服务中心"  # from the merged cell


def test_word_body_too_large_to_parse(tmp_path, campaign, good, monkeypatch):
    # lxml holds the whole body as a tree (~350 bytes an element): the body's size is capped.
    from formkit.readers import word

    monkeypatch.setattr(word, "MAX_DOCUMENT_XML", 20_000)
    rows = [eval_row(k, name=f"南京第{k}示例科技有限公司") for k in range(1, 30)]
    f = only(H.eval_docx(tmp_path / "南京市-附件2.docx", rows), campaign)
    assert f.code == "unreadable" and "Word文件正文过大" in f.message


def test_a_cell_of_100000_characters(tmp_path, campaign, good):
    long_name, long_code = "甲" * 100_000, "9" * 100_000
    xlsx = H.with_cell_texts(H.eval_xlsx(tmp_path / "src.xlsx", [eval_row(1, name="@@NAME@@", code="@@CODE@@")]),
                             tmp_path / "南京市-附件2.xlsx", {"@@NAME@@": long_name, "@@CODE@@": long_code})
    docx = H.eval_docx(tmp_path / "南京市-附件2.docx", [eval_row(1, name=long_name, code=long_code)])
    for path in (xlsx, docx):
        result = api.check([path], campaign)
        codes = [(f.code, f.column) for f in result.findings]
        assert codes == [("uscc", "统一社会信用代码")], (path.name, codes)
        assert "信用代码应为18位" in result.findings[0].message
        [record] = result.files[0].records
        assert len(record.cells["name"].raw) == MAX_CELL_CHARS  # capped as read, not 100,000
    out = tmp_path / "out"
    api.merge_to([xlsx, docx], out, campaign)
    for name in ("findings.xlsx", "全省2023年度贯标绩效评价合格企业汇总表.xlsx"):
        wb = openpyxl.load_workbook(out / name)
        longest = max(len(str(c.value)) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
        assert MAX_CELL_CHARS <= longest <= 32767  # Excel's limit for one cell


def test_control_and_zero_width_characters_inside_codes(tmp_path, campaign):
    code = CODES["nj1"]
    dirty = {
        "@@C1@@": code[:3] + "\x07" + code[3:9] + "\x1f" + code[9:],   # control characters (_x0007_)
        "@@C2@@": code[:5] + "\u200b" + code[5:] + "\ufeff",            # zero-width space, BOM
        "@@C3@@": "\u202e" + code[:6] + "\u200e" + code[6:] + "\u202c",  # bidi override, LRM
        "@@C4@@": code[:4] + "\u00a0" + code[4:8] + "\u2060" + code[8:] + "\ufe0f",  # NBSP, WJ, VS16
        "@@C5@@": "".join(chr(ord(c) + 0xFEE0) for c in code[:6]) + "\u3000" + code[6:],  # full-width
    }
    rows = [eval_row(i + 1, name=f"南京第{i + 1}示例科技有限公司", code=k) for i, k in enumerate(dirty)]
    path = H.with_cell_texts(H.eval_xlsx(tmp_path / "src.xlsx", rows), tmp_path / "南京市-附件2.xlsx", dirty)
    result = api.check([path], campaign)
    # The same code five times, each valid after cleaning (duplicates are a merge finding).
    assert result.findings == [], [(f.code, f.message) for f in result.findings]
    assert [r.cells["uscc"].value for r in result.files[0].records] == [code] * 5
    _, grids = read_grids(path)
    raw = [row[2].value for row in grids[0].rows[4:9]]
    assert raw == list(dirty.values())  # the typed text is kept as it was
    docx = H.eval_docx(tmp_path / "南京市-附件2.docx",
                       [eval_row(1, code=code[:5] + "\u200b\u200d" + code[5:] + "\u200f")])
    result = api.check([docx], campaign)
    assert result.findings == [] and result.files[0].records[0].cells["uscc"].value == code


@pytest.mark.parametrize("fmt,value", [("[h]:mm", 1e300), ("h:mm:ss", 1.7976931348623155e308),
                                       ("yyyy-mm-dd", 1e20), ("0.00", float("1e308"))])
def test_values_the_fast_reader_cannot_convert(tmp_path, campaign, fmt, value):
    # calamine fails (or panics) on a duration of 10^300 hours: the sheet is read again by
    # openpyxl's parser and the cell gets its finding; the other rows are read.
    path = H.eval_xlsx(tmp_path / "南京市-附件2.xlsx", [eval_row(1), eval_row(2, name="南京乙示例科技有限公司",
                                                                              code=CODES["nj2"])])
    wb = openpyxl.load_workbook(path)
    wb.active["I5"] = value
    wb.active["I5"].number_format = fmt
    wb.save(path)
    result = api.check([path], campaign)
    assert [(f.code, f.cell) for f in result.findings] == [("date", "I5")], result.findings
    assert "不是日期" in result.findings[0].message and len(result.files[0].records) == 2


def test_formula_texts_are_read_and_written_as_text(tmp_path, campaign):
    path = H.formula_texts_xlsx(tmp_path / "南京市-附件2.xlsx")
    result = api.check([path], campaign)
    [uscc] = [f for f in result.findings if f.code == "uscc"]
    assert uscc.value == H.FORMULAS["uscc"] and uscc.key == H.FORMULAS["uscc"]
    record = result.files[0].records[0]
    assert record.cells["name"].raw == H.FORMULAS["name"]
    out = tmp_path / "out"
    api.merge_to([path], out, campaign)
    texts = set(H.FORMULAS.values())
    for name in ("全省2023年度贯标绩效评价合格企业汇总表.xlsx", "findings.xlsx"):
        wb = openpyxl.load_workbook(out / name)
        found = {c.value: c.data_type for ws in wb for row in ws.iter_rows() for c in row if c.value in texts}
        expected = texts if name.startswith("全省") else {H.FORMULAS["uscc"]}
        assert set(found) >= expected, (name, found)
        assert set(found.values()) == {"s"}, (name, found)  # text cells, never formulas
        with zipfile.ZipFile(out / name) as zf:
            for part in zf.namelist():
                if part.startswith("xl/worksheets/"):
                    assert b"<f>" not in zf.read(part) and b"<f " not in zf.read(part), (name, part)


def test_image_only_pdf(tmp_path, campaign):
    f = only(H.image_only_pdf(tmp_path / "南京市-附件2-扫描件.pdf"), campaign)
    assert f.code == "unreadable" and f.message.startswith(SCAN)


def test_pdf_without_tables(tmp_path, campaign):
    f = only(H.text_only_pdf(tmp_path / "南京市-附件2.pdf"), campaign)
    assert f.code == "unknown-form" and "没有找到可识别的表格" in f.message


def test_pdf_content_bomb_refused_before_inflating(tmp_path, good):
    path = H.pdf_content_bomb(tmp_path / "南京市-附件2.pdf", 300)
    assert path.stat().st_size < 1024 * 1024
    out = measure(path, good["xlsx"])
    [[code, message]] = out["findings"]
    assert code == "unreadable" and "PDF第1页内容过多" in message
    assert out["grown_mb"] < 40 and out["seconds"] < 15, out


def test_pdf_that_takes_too_long_is_stopped(tmp_path, campaign, monkeypatch):
    # 100 KB drawing six million characters through one form XObject: the budget is enforced
    # inside the page, not only between pages.
    from formkit.readers import pdf

    monkeypatch.setattr(pdf, "MAX_SECONDS", 1.0)
    path = H.xobject_storm_pdf(tmp_path / "南京市-附件2.pdf")
    started = time.monotonic()
    f = only(path, campaign)
    assert time.monotonic() - started < 10  # generous: without the budget it runs for minutes
    assert f.code == "unreadable" and "PDF内容过于复杂" in f.message


# ------------------------------------------------------------ all of them through the real CLI

@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory, good, secret) -> Path:
    """One folder holding every kind of file above (each with at least one finding)."""
    d = tmp_path_factory.mktemp("hostile") / "报送"
    d.mkdir()
    bad_rows = [eval_row(1), eval_row(2, name="南京乙示例科技有限公司", code=H.BAD_CODE)]
    bad = H.eval_xlsx(tmp_path_factory.mktemp("src") / "bad.xlsx", bad_rows)
    H.empty_file(d / "空文件.xlsx")
    H.text_renamed(d / "文本.xlsx")
    H.html_renamed(d / "网页.docx")
    H.truncated(good["xlsx"], d / "截断.xlsx")
    H.truncated(good["docx"], d / "截断.docx")
    H.encrypted_ooxml(good["xlsx"], d / "加密.xlsx")
    H.encrypted_ooxml(good["docx"], d / "加密.docx")
    H.zip_bomb(good["xlsx"], d / "炸弹.xlsx", "xl/media/zeros.bin", 300)
    H.zip_bomb(good["docx"], d / "炸弹.docx", "word/media/zeros.bin", 300)
    H.lying_zip_bomb(good["sst"], d / "炸弹-谎报大小.xlsx")
    H.overlapping_zip(good["xlsx"], d / "炸弹-重叠.xlsx")
    for where in ("document", "sheet", "sharedStrings"):
        for attack in ("xxe", "laughs"):
            _hostile_xml(good, secret, d, where, attack, 200_000 if attack == "xxe" else 0)
    H.sparse_big(d / "超大.xlsx")
    H.million_rows(d / "百万行.xlsx")
    H.far_cell(bad, d / "远处单元格.xlsx")
    long_text = "甲" * 100_000
    H.eval_docx(d / "超长单元格.docx", [eval_row(1, name=long_text, code="9" * 100_000)])
    dirty = H.with_cell_texts(H.eval_xlsx(tmp_path_factory.mktemp("src") / "c.xlsx",
                                          [eval_row(1, code="@@C@@"), eval_row(2, code=H.BAD_CODE, name="乙")]),
                              d / "控制字符.xlsx", {"@@C@@": "\u200b" + CODES["nj1"] + "\x07"})
    assert dirty.exists()
    H.formula_texts_xlsx(d / "公式.xlsx")
    H.image_only_pdf(d / "扫描件.pdf")
    H.text_only_pdf(d / "无表格.pdf")
    H.pdf_content_bomb(d / "炸弹.pdf")
    if os.environ.get("CI", "").lower() == "true" or shutil.which("soffice") or shutil.which("libreoffice"):
        require_soffice()
        from formkit.readers import office

        done = office.convert_batch([bad], "xls", tmp_path_factory.mktemp("xls"))
        shutil.copyfile(done[bad], d / "实为xls.xlsx")
        shutil.copyfile(bad, d / "实为xlsx.xls")
    return d


def test_check_on_the_whole_folder_through_the_cli(hostile_folder):
    files = sorted(p.name for p in hostile_folder.iterdir())
    assert len(files) >= 25
    run = subprocess.run([sys.executable, "-m", "formkit", "check", str(hostile_folder), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert run.stderr == ""  # not a terminal: no progress bar, no library warnings, no panics
    listed = json.loads(run.stdout)
    by_file: dict[str, list] = {}
    for f in listed:
        by_file.setdefault(f["file"], []).append(f)
        assert f["message"] and not f["message"].isascii()
    assert sorted(by_file) == files  # one finding or more for every file
    assert all(any(f["severity"] == "error" for f in fs) for fs in by_file.values())
    assert SECRET not in run.stdout
    # The grouped text report too: every file named, no traceback.
    text = subprocess.run([sys.executable, "-m", "formkit", "check", str(hostile_folder)],
                          capture_output=True, text=True, timeout=300)
    assert text.returncode == 1 and "Traceback" not in text.stderr + text.stdout
    assert all(name in text.stdout for name in files)


def test_merge_on_the_whole_folder_through_the_cli(hostile_folder, tmp_path):
    before = {p.name: p.read_bytes() for p in hostile_folder.iterdir() if p.stat().st_size < 20_000_000}
    out = tmp_path / "汇总"
    run = subprocess.run([sys.executable, "-m", "formkit", "merge", str(hostile_folder), "-o", str(out),
                          "--as-of", "2023-07-01", "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-3000:]
    # Every file that cannot be read is named (the readable ones are 南京市 resubmissions of
    # one form: merge keeps the latest, so their own findings may be superseded).
    unreadable = {f["file"] for f in json.loads(run.stdout) if f["code"] in ("unreadable", "unknown-form")}
    assert len(unreadable) >= 20
    for path in out.iterdir():
        assert SECRET.encode() not in path.read_bytes(), path.name
    assert not [p for p in out.iterdir() if ".part" in p.name]
    # Inputs are never modified.
    assert {name: (hostile_folder / name).read_bytes() for name in before} == before
