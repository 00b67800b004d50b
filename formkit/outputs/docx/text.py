"""Values → WordprocessingML text: line breaks, dates written the Chinese way, the finalize hooks."""

from __future__ import annotations

import datetime as dt

import re
from typing import Any

from markupsafe import Markup, escape

from formkit.normalize import chinese_date



# ---------------------------------------------------------------------------------------------
# Values → WordprocessingML text

BR_TAG = '</w:t><w:br/><w:t xml:space="preserve">'
TAB_TAG = '</w:t><w:tab/><w:t xml:space="preserve">'
_PAGE = '</w:t><w:br w:type="page"/><w:t xml:space="preserve">'
# Characters XML 1.0 forbids (a value carrying one would make Word refuse the file), and the
# characters that need more than escaping; one search decides the fast path.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPECIAL = re.compile("[\x00-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\x0b")


def _text_to_runs(text: str) -> Markup:
    """Return escaped ``text`` with line breaks and tabs as Word break/tab elements."""
    text = _INVALID_XML.sub(lambda m: "\n" if m.group() == "\x0b" else "", text)
    lines = _LINE_BREAKS.split(text)
    return Markup(BR_TAG).join(Markup(TAB_TAG).join(escape(part) for part in line.split("\t")) for line in lines)


def _markup_breaks(xml: str) -> Markup:
    """Return docxtpl RichText/Listing XML with its raw control characters made Word elements."""
    xml = xml.replace("\r\n", "\n").replace("\n", BR_TAG).replace("\a", BR_TAG).replace("\t", TAB_TAG)
    xml = xml.replace("\f", _PAGE)
    return Markup(_INVALID_XML.sub("", xml))


_DATE_TEXT = re.compile(r"\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*"
                        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*")


def date_filter(value: Any) -> Any:
    """Return ``2023年5月6日`` for a date or a text written as one; anything else unchanged.

    The template filter ``中文日期`` (alias ``date_cn``): ``{{ 备案日期|中文日期 }}``. It reads
    ``2023-05-06``, ``2023/5/6``, ``2023.05.06``, ``2023年5月6日`` (a time after the day is
    dropped); a text that is not a real day (``2023-02-30``, ``待定``) and ``None`` (as ``""``)
    are left as they are, so the filter never loses what the data says.
    """
    if isinstance(value, dt.datetime):
        return chinese_date(value.date())
    if isinstance(value, dt.date):
        return chinese_date(value)
    if value is None:
        return ""
    if isinstance(value, str):
        m = _DATE_TEXT.fullmatch(value)
        if m:
            try:
                return chinese_date(dt.date(*map(int, m.groups())))
            except ValueError:
                return value
    return value


def finalize_word(value: Any) -> Any:
    """Return ``value`` ready for a ``<w:t>``: the hook behind every ``{{ … }}`` in Word parts."""
    if isinstance(value, str):
        if hasattr(value, "__html__"):
            return _markup_breaks(str(value)) if _SPECIAL.search(value) else value
        return _text_to_runs(value) if _SPECIAL.search(value) else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dt.date):  # datetime too: a letter shows the day
        return chinese_date(value)
    if hasattr(value, "__html__"):  # docxtpl RichText, Listing
        return _markup_breaks(value.__html__())
    return value


def finalize_plain(value: Any) -> Any:
    """Return ``value`` for XML outside ``<w:t>`` (document properties): no Word elements."""
    if isinstance(value, str):
        return _INVALID_XML.sub("", value) if _SPECIAL.search(value) else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dt.date):
        return chinese_date(value)
    return value




def record_context(record: Any, raw: bool = False) -> dict[str, Any]:
    """Return a plain dict of a :class:`formkit.table.Record`'s values by column key.

    ``raw=True`` gives the text as the city wrote it instead of the normalised value.
    """
    cells = getattr(record, "cells", None)
    if cells is None:
        return dict(record)
    if raw:
        return {key: cell.raw for key, cell in cells.items()}
    return {key: cell.value for key, cell in cells.items()}


