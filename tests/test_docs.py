"""Every command and every finding code is documented in the README; every form has notes."""

from pathlib import Path

from formkit.cli import main
from formkit.findings import CODE_NAMES, CODES
from formkit.forms import load_forms

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_in_readme():
    for name in main.commands:
        assert f"formkit {name}" in README, name


def test_every_code_in_readme_and_named():
    for code in CODES:
        assert f"`{code}`" in README, code
        assert CODE_NAMES[code] and not CODE_NAMES[code].isascii(), code


def test_every_form_declared_with_notes():
    for form in load_forms().values():
        assert form.notes, form.key
        assert all(col.header and not col.header.isascii() for col in form.columns), form.key
