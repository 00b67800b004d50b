"""Justified lines of the letters in print: none stretched by a code that moved to the next line.

A 统一社会信用代码 or a 证书编号 is one unbreakable Latin word. Inline in a justified paragraph it
moves to the next line when it does not fit, and the line before is stretched with wide gaps
("经 核 实 ， 你 单 位 （ …"). The built-in letters put every code on a line of its own after a
fixed label (make_templates._identifiers); this prints letters for enterprises whose names, offices
and certification bodies differ in length (which moved the codes along the line in the old
wording) and every sample letter of the other kinds through LibreOffice, then measures, with
pdfplumber, the gaps between the characters of each full body line.
"""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import pytest

from formkit import api
from formkit.outputs import official
from formkit.outputs.letters import KINDS, build_letters, load_merged, load_template
from formkit.outputs.make_templates import CERT_SAMPLES, USCC_SAMPLES
from formkit.outputs.pdf import to_pdf
from formkit.resources import samples_dir
from tests.builders import require_soffice

AS_OF = dt.date(2024, 1, 15)
_PT_PER_MM = 72 / 25.4
#: The right edge of the text block (28 mm left margin + 156 mm), where a justified line ends.
RIGHT_EDGE = (official.PORTRAIT_MARGINS_MM["left"] + official.TEXT_BLOCK_MM[0]) * _PT_PER_MM
#: Name lengths from a short 6 to a long 44 characters (the addressee wraps from 28 on).
NAME_LENGTHS = (6, 9, 12, 15, 18, 21, 25, 29, 34, 44)
_FILLER = "卓越天成永安正源新元汇智思创方圆锦程星河文澜启明泰和云帆聚能易达恒信翔宇领航立信宏达若水博远景泰"


def _name(length: int) -> str:
    """Return an enterprise name of ``length`` characters (南京…有限公司)."""
    return "南京" + (_FILLER * 2)[:length - 6] + "有限公司"


@pytest.fixture(scope="module")
def printed(campaign, tmp_path_factory):
    """Every letter printed: [(pdf path, codes it holds)], one LibreOffice call for all."""
    require_soffice()
    out = tmp_path_factory.mktemp("lines")
    api.merge_to([samples_dir()], out / "merged", as_of=AS_OF)
    merged = load_merged(out / "merged", campaign)
    contexts: list[tuple[str, dict]] = []
    for kind in ("reminder", "rectification"):
        letters = build_letters(kind, merged, campaign)
        bodies = sorted({letter.context.get("认证机构", "") for letter in letters}, key=len)
        for k, length in enumerate(NAME_LENGTHS):
            base = letters[(k * 7) % len(letters)].context  # other cities: offices of 8 and 9 characters
            name = _name(length)
            context = {**base, "主送": name, "企业名称": name, "统一社会信用代码": USCC_SAMPLES[k % len(USCC_SAMPLES)]}
            if kind == "rectification":
                context.update({"认证机构": bodies[k % len(bodies)], "证书编号": CERT_SAMPLES[k % len(CERT_SAMPLES)]})
            contexts.append((kind, context))
    for kind in KINDS:
        if kind not in ("reminder", "rectification"):
            contexts.extend((kind, letter.context) for letter in build_letters(kind, merged, campaign))
    engines = {kind: load_template(None, kind) for kind in {kind for kind, _ in contexts}}
    paths = []
    for n, (kind, context) in enumerate(contexts):
        path = out / f"{n:03d}-{kind}.docx"
        path.write_bytes(engines[kind].render(context))
        paths.append(path)
    pdfs = to_pdf(paths)
    assert len(pdfs) == len(contexts)
    return [(pdf, [context[key] for key in ("统一社会信用代码", "证书编号") if context.get(key)])
            for pdf, (_, context) in zip(pdfs, contexts)]


def _body_lines(pdf_path: Path):
    """Yield (page number, characters left to right) of each line of 3号 text (body, not tables)."""
    import pdfplumber

    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            rows = collections.defaultdict(list)
            for char in page.chars:
                if char["text"].strip() and round(char["size"]) == official.BODY_SIZE:
                    rows[round(char["top"])].append(char)
            for top in sorted(rows):
                yield number, sorted(rows[top], key=lambda c: c["x0"])


def test_no_justified_line_is_stretched(printed):
    """On every line that reaches the right edge (a justified line that is not its paragraph's last),
    no two characters are further apart than half a character: the spacing of CJK and Latin text
    (about a quarter) and of ordinary justification, never the gaps of a stretched line."""
    full = 0
    for pdf_path, _ in printed:
        for page, chars in _body_lines(pdf_path):
            if chars[-1]["x1"] < RIGHT_EDGE - official.BODY_SIZE / 2:
                continue  # a paragraph's last line, a signature, a date: not justified
            full += 1
            gaps = [(b["x0"] - a["x1"], a["text"] + b["text"]) for a, b in zip(chars, chars[1:])]
            widest = max(gaps)
            text = "".join(c["text"] for c in chars)
            assert widest[0] < official.BODY_SIZE / 2, (pdf_path.name, page, text, widest)
    assert full > 5 * len(printed)


def test_codes_stay_whole_on_one_line(printed):
    import pdfplumber

    checked = 0
    for pdf_path, codes in printed:
        with pdfplumber.open(pdf_path) as pdf:
            lines = [line.replace(" ", "") for page in pdf.pages for line in (page.extract_text() or "").splitlines()]
        for code in codes:
            assert any(code in line for line in lines), (pdf_path.name, code)
            checked += 1
    assert checked >= 3 * len(NAME_LENGTHS)
