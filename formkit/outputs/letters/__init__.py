"""The six kinds of letters (SPEC §5), written from what ``formkit merge`` produced.

``formkit letters KIND MERGED_DIR -o DIR`` reads ``MERGED_DIR``'s ``summary.json``,
``records.json`` and ``findings.json`` (:func:`load_merged`), picks the recipients the notice
names (:func:`build_letters`) and renders one ``.docx`` per recipient from one compiled template
(:func:`write_letters`; ``--combined`` adds one document holding every letter). The rooms:

* :mod:`.data` — the merge output (:class:`Merged`) and its values as a letter prints them;
* :mod:`.context` — the kinds (:data:`KINDS`), 成文日期, document numbers, offices, the
  variables every letter shares (:func:`common_context`);
* :mod:`.recipients` — 提醒函, 约谈通知书, 书面提醒函 and 限期整改通知书: who gets one, and what it says;
* :mod:`.urge` — 催报函 and the wording of what a city is urged about (:func:`urge_items`);
* :mod:`.feedback` — 数据问题反馈函: each city's problems, per file;
* :mod:`.writing` — every kind numbered (:func:`build_letters`), the templates, the file names
  and the writing (:func:`write_letters`).

Every letter gets a document number (the campaign's ``[letters] doc_number_prefix`` and a running
number from ``doc_number_start``, in output order), the signatory, 成文日期 (``[letters] date``,
else today) in Arabic numerals and the campaign contact. The variables of each template, with
examples, are listed in docs/templates.md.
"""

from formkit.outputs.letters.context import (KINDS, MEASURES, Letter, canonical_body, city_office,
                                             common_context, letter_date)
from formkit.outputs.letters.data import Merged, load_merged
from formkit.outputs.letters.recipients import reminders_from_registry
from formkit.outputs.letters.urge import URGE_CODES, urge_items
from formkit.outputs.letters.writing import LettersResult, build_letters, load_template, write_letters

__all__ = [
    "KINDS", "MEASURES", "URGE_CODES", "Letter", "LettersResult", "Merged", "build_letters", "canonical_body",
    "city_office", "common_context", "letter_date", "load_merged", "load_template", "reminders_from_registry",
    "urge_items", "write_letters",
]
