"""Paths of the data that ships with formkit: templates, campaigns, samples.

In a checkout the templates and samples sit at the top of the repository; in an installed
wheel they are package data under ``formkit/``. Both layouts are looked up here, once.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for path in candidates:
        if path.exists():
            return path
    return candidates[0]


def templates_dir() -> Path:
    """Return the folder holding ``docx/`` and ``xlsx/`` templates."""
    return _first_existing(PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates")


def samples_dir() -> Path:
    """Return the folder of bundled sample submissions."""
    return _first_existing(
        PACKAGE_DIR / "samples" / "submissions", PACKAGE_DIR.parent / "samples" / "submissions"
    )


def campaigns_dir() -> Path:
    """Return the folder of bundled campaign files."""
    return PACKAGE_DIR / "campaigns"


def forms_dir() -> Path:
    """Return the folder of the form declarations."""
    return PACKAGE_DIR / "forms"
