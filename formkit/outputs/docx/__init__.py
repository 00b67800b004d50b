"""The Word layer: a .docx package read and written (:mod:`.package`), Word text (:mod:`.text`),
the sandbox (:mod:`.sandbox`), well-formedness (:mod:`.prepare`), the template (:mod:`.template`)
and combined documents (:mod:`.combine`).

Document assembly: a Word template compiled once, rendered many times (letters, report, render).

A template is an ordinary ``.docx`` with Jinja tags, written the docxtpl way: ``{{ 企业名称 }}``
in the text, ``{% if %}``/``{% for %}`` blocks, and docxtpl's element prefixes ``{%p … %}``
(the whole paragraph), ``{%tr … %}`` (table row), ``{%tc … %}`` (table cell) and ``{%r … %}``
(run), with ``{%- … -%}`` merging neighbouring paragraphs. Tags that Word split across runs are
joined, and curly quotes inside tags straightened, by docxtpl's own ``patch_xml`` (called, not
copied), so a template renders here as docxtpl renders it with ``autoescape=True`` (the same
paragraph and cell texts: tests/test_engine.py compares them on templates built here, and
tests/test_docxtpl_templates.py on docxtpl's own test templates), apart from what follows.

What differs from docxtpl, and why:

* **Compiled once.** :meth:`DocxTemplate.load` reads the package once, keeps every zip member,
  pre-processes and compiles the Jinja of the parts that carry tags (the body, headers, footers,
  foot/endnotes, ``docProps/core.xml``). A render only runs the compiled templates; members
  without tags are written from bytes compressed once at load time (see :func:`formkit.outputs.ooxml.zip_members`).
* **Safe.** Templates run in a :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with
  ``autoescape=True`` and a strict undefined: ``A&B<科技>`` comes out as text, a template cannot
  reach Python internals (``''.__class__``, ``cycler.__init__.__globals__``). A variable
  without data is false in a test — ``{% if 联系人 %}…{% endif %}`` is skipped, as docxtpl
  does, and ``== "…"``, ``in``, ``is defined`` and ``|default("…")`` work on it — but printing
  it, iterating it or reading its attributes is an error naming the template and the
  variable, never a blank (:class:`_Undefined`; :meth:`DocxTemplate.variable_uses` tells
  which variables a template only tests).
  XML-invalid control characters in values are dropped instead of corrupting the file.
* **Well-formed or an error.** docxtpl re-parses its output with lxml's ``recover=True``,
  which silently drops what does not fit. Here a rendering that is not well-formed XML (a
  plain ``{% if %}`` opening in a paragraph and closing in a table cell) is a
  :class:`TemplateError`; templates whose every rendering is provably well-formed — all the
  usual docxtpl-style ones — skip the check (see :func:`.prepare.well_formed_by_construction`).
* **Values become Word text.** The environment's ``finalize`` hook (applied to every
  ``{{ … }}`` before escaping) turns a line break in a value (``\\n``, ``\\r\\n``) into
  ``<w:br/>`` and a tab into ``<w:tab/>``, ``None`` into an empty string, a whole float
  (``12.0``, as spreadsheets give) into ``12`` and a date value (a :class:`datetime.date`:
  an Excel date cell, a merged record's date) into ``2023年5月6日`` (GB/T 9704 writes dates in
  Arabic numerals). Text is never rewritten: ``"2024-01-15"`` stays ``2024-01-15``; the
  filter ``{{ 日期|中文日期 }}`` (also ``date_cn``) writes a date or a date-looking text the
  Chinese way on request and leaves any other text as it is. docxtpl ``RichText``/``Listing`` values pass through as
  their run XML, with their line breaks converted the same way.
* **Combined documents in one pass.** :meth:`DocxTemplate.render_combined` renders the body
  once per context and joins them, each letter its own section (new page, page numbers from
  1, the template's headers and footers) — no docxcompose, linear in the number of letters.

Contexts are plain dicts (any mapping) of names to values. Attribute syntax on a dict looks
up the key first: with ``{"r": {"items": "…"}}``, ``{{ r.items }}`` is the value, not the
``dict.items`` method (plain Jinja gets this wrong). Still, prefer names that are not dict
methods — ``明细``/``rows`` rather than ``items``, ``keys``, ``values``, ``get``, ``update`` —
so that templates also work in plain docxtpl. Chinese names are fine: ``{{ 企业名称 }}``.
A :class:`formkit.table.Record` is not a mapping: pass ``record_context(record)``.

Not supported (docxtpl features that need a live python-docx document): ``InlineImage``,
``Subdoc``, ``replace_pic``/``replace_media``, and docxtpl's ``\\a``/``\\f`` paragraph and page
breaks inside values (a ``\\f`` becomes a page break inside the run, ``\\a`` a line break).
"""


from formkit.outputs.docx.package import TemplateError
from formkit.outputs.docx.template import DocxTemplate
from formkit.outputs.docx.text import date_filter, record_context

__all__ = ["DocxTemplate", "TemplateError", "date_filter", "record_context"]
