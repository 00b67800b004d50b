"""Parity with docxtpl on docxtpl's own test templates (tests/data/docxtpl/, see its README).

Every template whose context is plain data is rendered by formkit's engine and by docxtpl
itself (``autoescape=True``, as PITFALLS.md requires); the text of every paragraph — body,
tables, headers, footers, footnotes, comments, document properties — must be the same, and so
must the tables' shape (grid columns, horizontal and vertical merges). The contexts are in
``contexts.json``: docxtpl's own data, plus a second context with markup characters and empty
lists where the template takes them.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from markupsafe import escape

from formkit.outputs.docx import DocxTemplate, TemplateError

DATA = Path(__file__).parent / "data" / "docxtpl"
CONTEXTS = json.loads((DATA / "contexts.json").read_text(encoding="utf-8"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Parts whose paragraphs a reader sees (foot/endnotes and comments too).
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")


def template_path(name: str) -> Path:
    path = DATA / f"{name}_tpl.docx"
    return path if path.exists() else DATA / f"{name}.docx"


CASES = [(name, k) for name, contexts in CONTEXTS.items() for k in range(len(contexts))]


def paragraph_text(p) -> str:
    out = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        if el.tag == f"{W}t":
            out.append(el.text or "")
        elif el.tag == f"{W}tab":
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


def document_texts(data: bytes) -> dict[str, list]:
    """Return, per part, each paragraph's text and each table's shape; the core properties' text."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    out: dict[str, list] = {}
    for name in sorted(archive.namelist()):
        if _TEXT_PARTS.fullmatch(name):
            root = etree.fromstring(archive.read(name))
            out[name] = [paragraph_text(p) for p in root.iter(f"{W}p")]
            out[name + " tables"] = [
                [len(tbl.findall(f"{W}tblGrid/{W}gridCol")),
                 [[(tc.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val") if tc.find(f"{W}tcPr/{W}gridSpan") is not None
                    else "1",
                    tc.find(f"{W}tcPr/{W}vMerge").get(f"{W}val", "continue")
                    if tc.find(f"{W}tcPr/{W}vMerge") is not None else "")
                   for tc in tr.findall(f"{W}tc")] for tr in tbl.findall(f"{W}tr")]]
                for tbl in root.iter(f"{W}tbl")]
        elif name == "docProps/core.xml":
            root = etree.fromstring(archive.read(name))
            out[name] = [(el.tag, el.text) for el in root.iter() if el.text and el.text.strip()]
    return out


def docxtpl_render(path: Path, context: dict) -> bytes:
    from docxtpl import DocxTemplate as Docxtpl

    theirs = Docxtpl(path)
    theirs.render(context, autoescape=True)
    buffer = io.BytesIO()
    theirs.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name,k", CASES, ids=[f"{n}-{k + 1}" for n, k in CASES])
def test_same_text_as_docxtpl(name, k):
    context = CONTEXTS[name][k]
    path = template_path(name)
    ours = document_texts(DocxTemplate.load(path).render(context))
    theirs = document_texts(docxtpl_render(path, context))
    assert ours.keys() == theirs.keys()
    for part in theirs:
        if part == "docProps/core.xml" and ours[part] != theirs[part]:
            # docxtpl escapes document properties twice with autoescape=True (it writes the
            # title "A&amp;B &lt;属性&gt;"); formkit writes the value once, as given.
            assert theirs[part] == [(tag, str(escape(text))) for tag, text in ours[part]], part
            continue
        assert ours[part] == theirs[part], part


def test_templates_render_what_docxtpl_documents():
    """Spot checks that the parity above compares real output, not two empty documents."""
    order = document_texts(DocxTemplate.load(template_path("order")).render(CONTEXTS["order"][0]))
    body = "\n".join(order["word/document.xml"])
    assert "Eric" in body and "Django projects" in body and "5403" in body and "The World Wide company" in body
    escaped = document_texts(DocxTemplate.load(template_path("order")).render(CONTEXTS["order"][1]))
    assert "A&B <Ltd>" in "\n".join(escaped["word/document.xml"])
    notes = document_texts(DocxTemplate.load(template_path("footnotes")).render(CONTEXTS["footnotes"][1]))
    assert any("脚注 <&>" in p for p in notes["word/footnotes.xml"])
    props = document_texts(DocxTemplate.load(template_path("doc_properties")).render(CONTEXTS["doc_properties"][1]))
    assert any(text == "A&B <属性>" for _tag, text in props["docProps/core.xml"])
    header = document_texts(DocxTemplate.load(template_path("header_footer_entities")).render({"title": "t"}))
    assert "Testé" in "".join(header["word/header1.xml"])  # |default on a variable without data


def test_multi_rendering_one_compiled_template_many_documents():
    template = DocxTemplate.load(template_path("multi_rendering"))
    bodies = ["\n".join(document_texts(template.render(c))["word/document.xml"]) for c in CONTEXTS["multi_rendering"]]
    assert [("Title ONE" in b, "Title TWO" in b, "Title THREE" in b) for b in bodies] == [
        (True, False, False), (False, True, False), (False, False, True)]


def test_variables_match_docxtpls_undeclared_variables():
    from docxtpl import DocxTemplate as Docxtpl

    path = template_path("get_undeclared_variables")
    assert DocxTemplate.load(path).variables() == Docxtpl(path).get_undeclared_template_variables()


def test_incomplete_context_tested_variables_are_false_printed_ones_named():
    """docxtpl's own 'incomplete render' context: what it only tests is false; what it prints is an error."""
    path = template_path("get_undeclared_variables")
    template = DocxTemplate.load(path)
    context = {"name": "John Doe", "age": 25, "email": "john@example.com", "is_student": True,
               "skills": ["Python", "Django"], "company_name": "Test Corp", "author": "Test Author"}
    assert template.tested_only() == {"is_student", "has_degree", "projects"}
    with pytest.raises(TemplateError, match="变量“page_number”没有数据|变量“generation_date”没有数据"):
        template.render(context)
    full = dict(context, page_number=1, generation_date="2024-01-15")  # has_degree, projects left out
    ours = document_texts(template.render(full))
    assert ours == document_texts(docxtpl_render(path, full))
    assert "2024-01-15" in "".join(ours["word/footer1.xml"])  # text kept as given


def test_template_error_is_refused_like_docxtpl():
    from docxtpl import DocxTemplate as Docxtpl
    from jinja2 import TemplateSyntaxError

    path = template_path("template_error")
    with pytest.raises(TemplateSyntaxError):
        Docxtpl(path).render({"test_variable": "x"}, autoescape=True)
    with pytest.raises(TemplateError, match="template_error_tpl.docx.*语法错误"):
        DocxTemplate.load(path)
