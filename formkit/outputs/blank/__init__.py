"""The blank attachments sent to the cities (``formkit blank``), derived from the form declarations.

Each form becomes an Excel workbook (dropdowns for the enumerated columns, text format for the
credit code, print setup) and a Word document in the official layout (GB/T 9704-2012, landscape
A4, header row repeated on each page). The bundled copies in ``templates/xlsx`` and
``templates/docx`` are regenerated with ``python -m formkit.outputs.blank`` (:mod:`.__main__`); a
test checks that they have not drifted from what this package writes (:mod:`.fingerprint`).

The package: :mod:`.layout` (what both formats share), :mod:`.workbook` (the Excel blank),
:mod:`.document` (the Word blank); here the writing, blank or filled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from formkit.campaign import Campaign
from formkit.errors import FormkitError
from formkit.forms import FORM_ORDER, Form, get_form, load_forms
from formkit.fsutil import atomic_path
from formkit.outputs.blank.document import build_document
from formkit.outputs.blank.layout import BLANK_NAME, FORMATS, Filled, blank_filename, check_format
from formkit.outputs.blank.workbook import build_workbook, save_workbook

__all__ = ["BLANK_NAME", "FORMATS", "Filled", "blank_filename", "write_blank_docx", "write_blank_xlsx",
           "write_blanks", "write_filled"]


def write_blank_xlsx(form: Form, campaign: Campaign, path: str | Path) -> Path:
    """Return ``path`` after writing the blank Excel attachment of ``form`` there."""
    return _write(form, campaign, path, "xlsx")


def write_blank_docx(form: Form, campaign: Campaign, path: str | Path) -> Path:
    """Return ``path`` after writing the blank Word attachment of ``form`` there."""
    return _write(form, campaign, path, "docx")


def write_filled(form: Form, campaign: Campaign, filled: Filled, path: str | Path, fmt: str) -> Path:
    """Return ``path`` after writing a filled form in the blank attachment's layout (xlsx or docx)."""
    check_format(fmt)
    return _write(form, campaign, path, fmt, filled)


def _write(form: Form, campaign: Campaign, path: str | Path, fmt: str, filled: Filled | None = None) -> Path:
    """Return ``path`` after writing ``form`` there as ``fmt`` (to a temporary name, then renamed)."""
    path = Path(path)
    if fmt == "xlsx":
        made, save = build_workbook(form, campaign, filled), save_workbook
    else:
        from formkit.outputs.official import save_document

        made, save = build_document(form, campaign, filled), save_document
    with atomic_path(path) as tmp:
        save(made, tmp)
    return path


def write_blanks(campaign: Campaign, out_dir: str | Path, forms: Iterable[str | Form] | None = None,
                 formats: Sequence[str] = FORMATS) -> list[Path]:
    """Return the paths of the blank attachments written into ``out_dir``.

    ``forms`` are form keys (or Form objects), all four when None; ``formats`` any of
    ``xlsx`` and ``docx``. Each file is written to a temporary name and renamed.
    """
    for fmt in formats:
        check_format(fmt)
    out_dir = Path(out_dir)
    written = []
    for form in _resolve_forms(forms):
        for fmt in formats:
            written.append(_write(form, campaign, out_dir / blank_filename(form, campaign, fmt), fmt))
    return written


def _resolve_forms(forms: Iterable[str | Form] | None) -> list[Form]:
    if forms is None:
        return list(load_forms().values())
    resolved = []
    for item in forms:
        if isinstance(item, Form):
            resolved.append(item)
            continue
        if item not in FORM_ORDER:
            raise FormkitError(f"未知的表格“{item}”，可选：{'、'.join(FORM_ORDER)}")
        resolved.append(get_form(item))
    return resolved
