"""The Jinja sandbox the templates run in: strict-but-testable undefined, immutable environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from formkit.outputs.docx.text import finalize_plain, finalize_word, date_filter


class _Message(str):
    """An undefined-variable message that also carries the variable's name."""

    variable: str | None = None


class _Undefined(StrictUndefined):
    """A variable without data: false in a test, an error (naming it) when printed or iterated.

    As docxtpl's default Undefined, ``{% if x %}``, ``{% if not x %}``, ``x == "a"``,
    ``"a" in x`` and ``x is defined`` read it as absent; unlike it, ``{{ x }}``,
    ``{% for r in x %}``, ``x|length`` and ``x.名称`` raise instead of writing a blank.
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self))

    def __contains__(self, item: object) -> bool:
        return False

    @property
    def _undefined_message(self) -> str:  # type: ignore[override]
        message = _Message(super()._undefined_message)
        message.variable = self._undefined_name
        return message




class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with dict keys found before dict methods (``r.items`` is the key).

    The immutable sandbox also refuses ``list.append``/``dict.update`` and the like: a template
    cannot change the data it is given (the same records feed several letters and the report).
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict or isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


def _environment(finalize) -> _Environment:
    env = _Environment(autoescape=True, undefined=_Undefined, finalize=finalize, keep_trailing_newline=True)
    env.filters["中文日期"] = env.filters["date_cn"] = date_filter
    env.globals.pop("lipsum", None)  # no use in a letter; builds arbitrarily long text
    return env


WORD_ENV = _environment(finalize_word)
PLAIN_ENV = _environment(finalize_plain)


