"""Build real .xlsx and .docx files for tests, in the layouts cities really send."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
from docx import Document
from docx.oxml.ns import qn

EVAL_HEADERS = ["序号", "企业名称", "统一社会信用代码", "所在县（市、区）", "企业类别", "贯标备案时间",
                "评价方式", "评价机构（专家组）", "评价日期", "评价得分", "评价结论", "联系人", "联系电话", "备注"]

# Valid codes of fictional enterprises (GB 32100 and GB 11714 check digits, real county codes).
CODES = {
    "nj1": "9132010229141777XY",
    "nj2": "91320104631706691B",
    "nj3": "913201068377835373",
    "sz1": "9132050507439150X4",
    "wx1": "91320211008063604C",
}


def eval_row(seq, name="南京青禾示例科技有限公司", code=None, **over):
    row = {
        "序号": seq, "企业名称": name, "统一社会信用代码": code or CODES["nj1"], "所在县（市、区）": "玄武区",
        "企业类别": "高新技术企业", "贯标备案时间": "2021-04-06", "评价方式": "委托机构",
        "评价机构（专家组）": "江苏示例知识产权服务中心", "评价日期": "2023-03-01", "评价得分": 88,
        "评价结论": "合格", "联系人": "王一", "联系电话": "13812345678", "备注": "",
    }
    row.update(over)
    return row


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    """Write a workbook of sheets given as lists of rows; merges per sheet as A1 ranges."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None and value != "":
                    cell = ws.cell(r, c, value)
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"  # typed as text ('=1+1), not a formula
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def standard_eval_sheet(rows: list[dict], unit="南京市知识产权局", date="2023年6月8日", batch="第一批",
                        headers=EVAL_HEADERS) -> list[list]:
    out = [["附件2"], ["2023年度贯标绩效评价合格企业汇总表"],
           [f"填报单位（盖章）：{unit}", "", "", "", "", f"填报日期：{date}", "", "", "", f"批次：{batch}"],
           list(headers)]
    for row in rows:
        out.append([row.get(h, "") for h in headers])
    return out


def write_docx(path: Path, before: list[str], tables: list[list[list[str]]], after: list[str] = (),
               between: list[list[str]] | None = None) -> Path:
    """Write a document: paragraphs, then each table (rows of texts) with paragraphs between."""
    doc = Document()
    for text in before:
        doc.add_paragraph(text)
    for k, rows in enumerate(tables):
        if k and between:
            for text in between[k - 1]:
                doc.add_paragraph(text)
        width = max(len(r) for r in rows)
        table = doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                table.cell(i, j).text = "" if value is None else str(value)
    for text in after:
        doc.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def wrap_cells_in_sdt(path: Path, table_index: int, cells: list[tuple[int, int]]) -> None:
    """Wrap the given (row, col) cells of a table in content controls, as Word forms do."""
    doc = Document(path)
    tbl = doc.tables[table_index]
    for r, c in cells:
        tc = tbl.rows[r]._tr.tc_lst[c]
        sdt = tc.makeelement(qn("w:sdt"), {})
        sdt.append(sdt.makeelement(qn("w:sdtPr"), {}))
        content = sdt.makeelement(qn("w:sdtContent"), {})
        sdt.append(content)
        tc.addprevious(sdt)
        content.append(tc)
    doc.save(path)


def add_cached_formula(path: Path, sheet_xml: str, cell: str, formula: str, cached: str) -> None:
    """Rewrite one cell of a saved xlsx as a formula with a cached value (as Excel saves it)."""
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == sheet_xml:
                text = data.decode("utf-8")
                pattern = re.compile(rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)', re.S)
                repl = f'<c r="{cell}"><f>{formula}</f><v>{cached}</v></c>'
                text, n = pattern.subn(repl, text)
                assert n == 1, f"cell {cell} not found"
                data = text.encode("utf-8")
            zout.writestr(item, data)
    shutil.move(tmp, path)


def require_soffice() -> str:
    """Return the soffice path; skip when missing, but fail under CI=true (CI installs it)."""
    import pytest

    from formkit.readers import office

    found = office.find_soffice()
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is not installed: .ci/run must install it")
        pytest.skip("LibreOffice (soffice) is not installed")
    return str(found)


# Fonts a PDF must never use for Chinese text: Japanese or Korean variants (SPEC §6).
_JP_KR_FONT = re.compile(r"jp|kr|JP|KR|Japan|Korea|Gothic|Mincho|Batang|Gulim|Dotum")


def pdf_fonts(path: Path) -> dict[str, str]:
    """Return each font a PDF uses for Chinese characters, with a sample of the text set in it."""
    import pdfplumber

    used: dict[str, str] = {}
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for char in page.chars:
                if "\u3400" <= char["text"] <= "\u9fff":
                    name = char["fontname"].split("+", 1)[-1]
                    if len(used.get(name, "")) < 12:
                        used[name] = used.get(name, "") + char["text"]
    return used


def assert_chinese_fonts(path: Path, serif: bool = True) -> dict[str, str]:
    """Assert a PDF sets its Chinese text in Simplified Chinese faces only (serif faces among them)."""
    used = pdf_fonts(path)
    assert used, f"{path.name}: no Chinese text"
    bad = {name: sample for name, sample in used.items() if _JP_KR_FONT.search(name)}
    assert not bad, f"{path.name}: Japanese/Korean fonts {bad}"
    if serif:
        assert any("Serif" in name and "sc" in name for name in used), f"{path.name}: no SC serif face in {used}"
    return used


def merge_down(table, col: int, first: int, last: int) -> None:
    """Merge a Word table's column ``col`` vertically over rows ``first``..``last`` (one text kept)."""
    text = table.cell(first, col).text
    merged = table.cell(first, col).merge(table.cell(last, col))
    merged.text = text


def merge_equal_runs(path: Path, out: Path, headers: tuple[str, ...]) -> int:
    """Write ``out``: the .docx ``path`` with runs of equal values merged down in the named columns.

    Only data rows (a number in the first column) are merged, as a city merges 评价方式 or
    认证机构 shared by consecutive enterprises. Returns the number of merged spans.
    """
    doc = Document(path)
    spans = 0
    for table in doc.tables:
        rows = table.rows
        texts = [[c.text for c in r.cells] for r in rows]
        header_row = next((i for i, r in enumerate(texts) if r and r[0].strip() == "序号"), None)
        if header_row is None:
            continue
        cols = [j for j, h in enumerate(texts[header_row]) if any(h.replace("\n", "").startswith(x) for x in headers)]
        data = [i for i in range(header_row + 1, len(rows)) if texts[i] and texts[i][0].strip().isdigit()]
        for j in cols:
            k = 0
            while k < len(data):
                end = k
                while (end + 1 < len(data) and data[end + 1] == data[end] + 1
                       and texts[data[end + 1]][j] == texts[data[k]][j] and texts[data[k]][j]):
                    end += 1
                if end > k:
                    merge_down(table, j, data[k], data[end])
                    spans += 1
                k = end + 1
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    return spans


# ------------------------------------------------------------ forms sharing column names

SPOT_HEADERS = ["序号", "企业名称", "统一社会信用代码", "所在县（市、区）", "认证机构", "认证证书编号", "发证日期",
                "认证依据标准", "抽查日期", "抽查结论", "主要问题", "整改期限", "认证机构处理措施", "备注"]


def fictional_uscc(k: int, region: str = "320102") -> str:
    """Return the k-th valid credit code of a fictional enterprise in ``region``."""
    from formkit import uscc

    body = f"{61000000 + k * 7919:08d}"
    first17 = "91" + region + body + uscc.org_check_char(body)
    return first17 + uscc.gb32100_check_char(first17)


def synonym_spotcheck_rows(city_prefix: str = "南京", region: str = "320102") -> list[list]:
    """Return 附件3 rows whose 抽查结论 is written 合格/不合格 (the form's synonyms for 达标/未达标).

    Four rows are 不合格 (未达标); the first of them has 认证机构处理措施 “无”, which the notice
    forbids (`action-mismatch`), so three failed spot checks are valid. The others are complete.
    """
    measures = {4: "无", 9: "书面提醒", 15: "约谈", 17: "移交执法"}
    rows = []
    for k in range(1, 19):
        failed = k in measures
        rows.append([k, f"{city_prefix}第{k}号同名列示例科技有限公司", fictional_uscc(k, region), "玄武区",
                     "方圆标志认证集团有限公司" if k % 2 else "中国质量认证中心", f"00222IP{k:04d}R0M", "2022-03-01",
                     "GB/T 29490-2013", "2023-09-01", "不合格" if failed else "合格",
                     "知识产权目标未分解到部门" if failed else "", "2023-12-01" if failed else "",
                     measures.get(k, "无"), ""])
    return rows


def synonym_evaluation_rows(city_prefix: str = "南京", region: str = "320102") -> list[list]:
    """Return 附件2 rows whose 评价结论 is 合格, 达标 (附件2's synonym for 合格) and one 不合格."""
    conclusions = ["合格", "达标", "合格", "不合格", "通过"]
    return [[k, f"{city_prefix}第{k}号评价示例科技有限公司", fictional_uscc(100 + k, region), "玄武区", "高新技术企业",
             "2021-04-06", "委托机构", "江苏示例知识产权服务中心", "2023-03-01", 88, c, "王一", "13812345678", ""]
            for k, c in enumerate(conclusions, start=1)]


def write_synonym_pair(folder: Path, city: str = "南京市", region: str = "320102") -> tuple[Path, Path]:
    """Write a city's 附件2 (read first: its name sorts first) and 附件3 whose columns share names.

    附件2 and 附件3 both have a column ``conclusion``: 不合格 is 不合格 in the one and 未达标 in
    the other, 达标 is 合格 in the one and 达标 in the other.
    """
    prefix = city[:-1]
    unit = f"填报单位（盖章）：{city}知识产权局"
    eval_sheet = [["附件2"], ["2023年度贯标绩效评价合格企业汇总表"], [unit, "", "", "", "", "填报日期：2023年6月8日", "", "", "", "批次：第一批"],
                  EVAL_HEADERS] + synonym_evaluation_rows(prefix, region)
    spot_sheet = [["附件3"], ["2023年度企业贯标质量抽查情况汇总表"], [unit, "", "", "", "", "填报日期：2023年11月20日"],
                  SPOT_HEADERS] + synonym_spotcheck_rows(prefix, region)
    first = write_xlsx(folder / f"{city}-附件2-同名列（第一批）.xlsx", {"Sheet1": eval_sheet})
    second = write_xlsx(folder / f"{city}-附件3-同名列.xlsx", {"Sheet1": spot_sheet})
    return first, second
