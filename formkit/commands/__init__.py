"""More `formkit` commands, one module each, registered on import.

A module here decorates its commands with ``@main.command()`` (``from
formkit.commands.group import main``) and imports heavy libraries inside the command functions, so `formkit --help`
stays fast. Every module of this package is imported by :func:`register_all`.
"""

from __future__ import annotations

import importlib
import pkgutil


def register_all() -> None:
    """Import every command module of this package (each registers itself on ``main``)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}")
