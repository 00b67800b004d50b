"""Template lint: find what breaks a docxtpl-style Word template, and repair what can be repaired.

:func:`lint` reads the raw WordprocessingML of the body, headers, footers and notes — not the
text Word shows — and reports, each with its place (``正文第3段``, ``表格1第2行第1列``,
``页脚（footer1.xml）第1段``):

* ``split-tag`` — a tag Word split across runs (``{{ 企业`` in one ``w:r``, ``名称 }}`` in the
  next, after spell-check or an edit): the value takes the first piece's formatting only, and
  other tools do not see the tag at all;
* ``curly-quote`` — “ ” ‘ ’ inside a tag (Word's AutoFormat turns ``"南京市"`` into ``“南京市”``);
* ``fullwidth`` — full-width punctuation inside a tag outside its quoted text (``（ ） ＝ ，``),
  or a tag written with full-width braces ``｛｛ 名称 ｝｝`` (which is no tag at all);
* ``unclosed-tag`` — a ``{{``/``{%`` not closed in its paragraph;
* ``unbalanced`` — ``{% if %}`` without ``{% endif %}``, an ``{% endfor %}`` closing an ``if``,
  a block opened with ``{%tr %}`` and closed with ``{%p %}``, or opened in a paragraph and
  closed in a table cell (the output would not be a valid document);
* ``tr-misuse`` / ``tc-misuse`` / ``p-misuse`` — ``{%tr %}`` outside a table row, ``{%tc %}``
  outside a cell, ``{% tr … %}`` with a space (not a row tag), or a ``{%p %}``/``{%tr %}``/
  ``{%tc %}`` sharing its paragraph/row/cell with other text, which would be lost;
* ``syntax`` — anything else the Jinja compiler refuses (the engine's message);
* with DATA: ``missing-variable`` — a variable no column provides that the template prints,
  iterates or reads from (an error: those rows cannot be rendered); ``optional-variable`` — a
  variable no column provides that the template only tests (``{% if 联系人 %}``, ``|default``;
  a note, not a problem: the test is false, as in docxtpl); and ``unused-column`` — a column
  the template never uses (a note).

:func:`fix` writes a copy with quotes straightened, full-width tag punctuation made ASCII and
split tags joined into the run where each starts (atomically); :func:`require_clean` raises
:class:`~formkit.errors.FormkitError` listing the problems, for commands that take a user's
template (``letters --template``, ``report --template``).
"""


from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


from formkit.errors import FormkitError
from formkit.outputs.docx.package import parse_part, read_members, read_package
from formkit.outputs.lint.checks import analyse_part
from formkit.outputs.lint.fix import FixResult, fixed_package, fix, fix_bytes  # noqa: F401  (public)
from formkit.outputs.lint.model import LintReport, Problem, RENDER_NAMES

__all__ = ["Problem", "Tag", "LintReport", "lint", "lint_bytes", "fix", "fix_bytes", "require_clean",
           "RENDER_NAMES"]


# --- public functions ---------------------------------------------------------------------------------

def lint(path: str | Path, columns: Iterable[str] | None = None, aliases: dict[str, str] | None = None) -> LintReport:
    """Return the :class:`LintReport` of the template at ``path``.

    ``columns`` (with ``aliases``: identifier → column, as :class:`formkit.readers.table_data.Table` has)
    are the DATA's columns: variables they lack are errors, columns never used are notes.
    Raises :class:`FormkitError` when the file is not a readable .docx.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormkitError(f"无法读取模板 {path.name}：{exc.strerror or exc}") from None
    return lint_bytes(data, path.name, columns, aliases)


def lint_bytes(data: bytes, name: str = "模板.docx", columns: Iterable[str] | None = None,
               aliases: dict[str, str] | None = None) -> LintReport:
    """Return the :class:`LintReport` of a template held in ``data`` (see :func:`lint`)."""
    from formkit.outputs.docx import DocxTemplate, TemplateError

    members = read_members(data, name)
    report = LintReport(template=name)
    for member, label in read_package(name, members).parts:
        analyse_part(report, parse_part(name, member, members[member]), member, label)
    fixable = any(p.fixable for p in report.problems)
    compiled = (fixed_package(name, members)[0] if fixable else b"") or data
    try:
        template = DocxTemplate.from_bytes(compiled, name)
    except TemplateError as exc:
        if not any(p.code in ("unbalanced", "unclosed-tag", "tr-misuse", "tc-misuse", "p-misuse")
                   for p in report.problems):
            report.problems.append(Problem("syntax", "", str(exc)))
    else:
        report.variables = sorted(template.variables())
        report.tested_only = sorted(template.tested_only())
    if columns is not None:
        _compare_data(report, list(columns), aliases or {})
    return report


def _compare_data(report: LintReport, columns: list[str], aliases: dict[str, str]) -> None:
    report.columns = columns
    provided = set(columns) | set(aliases) | set(RENDER_NAMES)
    optional = set(report.tested_only)
    for variable in report.variables:
        if variable in provided:
            continue
        close = difflib.get_close_matches(variable, columns, n=1, cutoff=0.5)
        hint = f"（是不是“{close[0]}”？）" if close else ""
        if variable in optional:
            report.problems.append(Problem(
                "optional-variable", "", f"变量“{variable}”在数据中没有对应的列，模板只在条件中用到它，"
                f"按“不成立”处理{hint}", severity="note"))
        else:
            report.problems.append(Problem("missing-variable", "",
                                           f"模板输出的变量“{variable}”在数据中没有对应的列{hint}"))
    used = set(report.variables)
    by_column = {c: {c} for c in columns}
    for alias, column in aliases.items():
        by_column.setdefault(column, set()).add(alias)
    for column in columns:
        if not by_column[column] & used:
            report.problems.append(Problem("unused-column", "", f"数据中的列“{column}”模板没有用到", severity="note"))


def require_clean(path: str | Path, *, allow_fixable: bool = False) -> None:
    """Raise :class:`FormkitError` listing the problems when the template at ``path`` has any.

    For commands that take a user's template (``letters --template``, ``report --template``):
    call before rendering. ``allow_fixable=True`` lets pass the problems the engine repairs by
    itself when it loads a template (split tags, curly quotes in tags).
    """
    report = lint(path)
    errors = report.errors
    if allow_fixable:
        errors = [p for p in errors if p.code not in ("split-tag", "curly-quote")]
    if errors:
        report.problems = errors
        raise FormkitError(report.message())


