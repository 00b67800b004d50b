"""The letters of a kind, numbered and written: one ``.docx`` per recipient from one compiled template.

:func:`build_letters` is the one place that knows every kind: it asks the kind's module for
the recipients (:mod:`.recipients`, :mod:`.urge`, :mod:`.feedback`) and gives each letter its
document number (the campaign's ``[letters] doc_number_prefix`` and a running number from
``doc_number_start``, in output order). :func:`write_letters` renders them all before writing
any (``--combined`` adds one document holding every letter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.outputs.letters.context import (KINDS, MEASURES, Letter, common_context, doc_number,
                                             doc_number_start)
from formkit.outputs.letters.data import Merged
from formkit.outputs.letters.feedback import feedback_letters
from formkit.outputs.letters.recipients import (body_letters, rectifications, reminders,
                                                reminders_from_registry)
from formkit.outputs.letters.urge import urges


def build_letters(kind: str, merged: Merged, campaign: Campaign, today: dt.date | None = None,
                  start: int | None = None, due: list[dict] | None = None) -> list[Letter]:
    """Return the letters of ``kind`` in output order, each with its document number.

    ``due`` (reminders only): the register's due enterprises, used instead of the merged
    anomaly form (``formkit letters reminder --registry``).
    """
    if kind not in KINDS:
        raise FormkitError(f"没有这种函件：{kind}（可选：{'、'.join(f'{k} {v}' for k, v in KINDS.items())}）")
    base = common_context(campaign, today)
    if kind == "reminder" and due is not None:
        letters = reminders_from_registry(due, campaign, base)
    elif kind == "reminder":
        letters = reminders(merged, campaign, base)
    elif kind in MEASURES:
        letters = body_letters(kind, merged, campaign, base)
    elif kind == "rectification":
        letters = rectifications(merged, campaign, base)
    elif kind == "feedback":
        letters = feedback_letters(merged, campaign, base)
    else:
        letters = urges(merged, campaign, base)
    number = doc_number_start(campaign) if start is None else start
    for k, letter in enumerate(letters):
        letter.number = number + k
        letter.context["发文字号"] = doc_number(campaign, letter.number)
        letter.context["序号"] = k + 1
    return letters


def letter_filename(n: int, recipient: str, kind: str, width: int = 3) -> str:
    """Return ``NNN-<recipient>-<kind in Chinese>.docx`` with only characters safe on every system."""
    from formkit.fsutil import safe_filename

    name = safe_filename(recipient, max_len=60) if recipient else "收件单位"
    return safe_filename(f"{n:0{width}d}-{name}-{KINDS[kind]}.docx", max_len=120)


def combined_filename(kind: str, count: int) -> str:
    """Return the name of the document holding every letter of ``kind`` (全部-提醒函.docx)."""
    return f"全部-{KINDS[kind]}.docx"


def default_template(kind: str) -> Path:
    """Return the bundled template of ``kind`` (templates/docx/reminder.docx …)."""
    from formkit.outputs.make_templates import TEMPLATE_FILES
    from formkit.resources import templates_dir

    return templates_dir() / "docx" / TEMPLATE_FILES[kind]


def load_template(path: str | Path | None, kind: str, context_keys: set[str] | None = None):
    """Return the compiled template (the bundled one when ``path`` is None), checked against the data.

    A top-level variable the template prints or iterates but the data lacks is refused before
    anything is written, with the engine's message naming the template and the variable; one it
    only tests (``{% if 备注 %}``) is false.
    """
    from formkit.outputs.docx import DocxTemplate, TemplateError

    if path is not None:
        # A user's template is linted first: a broken one is refused with the lint's message.
        # Split tags and curly quotes pass: the engine repairs those when it loads.
        from formkit.outputs.lint import require_clean

        require_clean(path, allow_fixable=True)
    template = DocxTemplate.load(path or default_template(kind))
    if context_keys is not None:
        # a variable only tested ({% if 备注 %}) may be missing: it is false, as in docxtpl
        unknown = sorted(template.variables() - template.tested_only() - context_keys)
        if unknown:
            raise TemplateError(f"模板 {template.name} 中的变量“{unknown[0]}”没有数据"
                                + (f"（另有 {'、'.join(unknown[1:])}）" if unknown[1:] else "")
                                + f"：{KINDS.get(kind, '报告')}可用的变量见 docs/templates.md",
                                template=template.name, variable=unknown[0])
    return template


@dataclass
class LettersResult:
    """What :func:`write_letters` wrote: one path per letter, and the combined document if asked."""

    kind: str
    letters: list[Letter]
    paths: list[Path]
    combined: Path | None = None
    pdfs: list[Path] = field(default_factory=list)  # filled by api.feedback_letters(pdf=True)

    @property
    def outputs(self) -> list[Path]:
        return self.paths + ([self.combined] if self.combined else [])


def write_letters(kind: str, merged: Merged, out_dir: str | Path, campaign: Campaign, *,
                  template: str | Path | None = None, combined: bool = False, today: dt.date | None = None,
                  start: int | None = None, progress: Callable | None = None,
                  due: list[dict] | None = None) -> LettersResult:
    """Return what was written into ``out_dir``: one letter per recipient (and all of them in one).

    The template is read and compiled once. Every letter is rendered before any file is
    written, so a template error leaves no partial set behind; each file is written to a
    temporary name and renamed.
    """
    from formkit.fsutil import write_bytes

    letters = build_letters(kind, merged, campaign, today=today, start=start, due=due)
    out_dir = Path(out_dir)
    result = LettersResult(kind, letters, [])
    if not letters:
        return result
    keys = set().union(*(letter.context for letter in letters))
    engine = load_template(template, kind, keys)
    width = max(3, len(str(len(letters))))
    names: list[str] = []
    seen: set[str] = set()
    for k, letter in enumerate(letters, start=1):
        name = letter_filename(k, letter.recipient, kind, width)
        while name.lower() in seen:  # cannot happen with the running number; kept for safety
            name = name[:-5] + "_.docx"
        seen.add(name.lower())
        names.append(name)
    items = list(zip(letters, names))
    rendered: list[tuple[Path, bytes]] = []
    for letter, name in (progress(items) if progress else items):
        rendered.append((out_dir / name, engine.render(letter.context)))
    combined_bytes = engine.render_combined_bytes([letter.context for letter in letters]) if combined else None
    for path, data in rendered:
        result.paths.append(write_bytes(path, data))
    if combined_bytes is not None:
        result.combined = write_bytes(out_dir / combined_filename(kind, len(letters)), combined_bytes)
    return result
