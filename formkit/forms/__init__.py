"""The four forms (and the filing register), declared once as data in ``forms/*.toml``, loaded into objects.

Readers, checks, blank templates and merged outputs all derive from these objects: a new
column or a renamed header is a change to one TOML file.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field

from formkit.normalize import enum_key, header_key
from formkit.resources import forms_dir

FORM_ORDER = ("plan", "evaluation", "spotcheck", "anomaly")

TYPES = {"seq", "text", "uscc", "date", "enum", "multienum", "int", "number", "phone", "city", "body"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    required_when: dict = field(default_factory=dict)
    values: tuple[str, ...] = ()
    synonyms: dict = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    width: int = 12
    in_year: bool = False  # a date that must fall in the campaign year
    not_after: tuple[str, ...] = ()  # column keys (or "fill_date") this date may not pass
    not_before: tuple[str, ...] = ()

    @functools.cached_property
    def header_keys(self) -> frozenset[str]:
        """Return the matching keys of the header and all its aliases."""
        return frozenset(header_key(h) for h in (self.header, *self.aliases))

    @functools.cached_property
    def enum_map(self) -> dict[str, str]:
        """Return matching key → canonical value for the allowed values and synonyms."""
        mapping = {enum_key(v): v for v in self.values}
        mapping.update({enum_key(k): v for k, v in self.synonyms.items()})
        return mapping

    def __hash__(self):
        return hash(self.key)


@dataclass(frozen=True)
class Rule:
    """A handling rule of the notice: when these values, expect (or forbid) those."""

    when: dict
    expect: dict = field(default_factory=dict)
    forbid: dict = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class Form:
    key: str
    attachment: int
    title: str
    title_keywords: tuple[str, ...]
    columns: tuple[Column, ...]
    header_block: tuple[str, ...] = ()
    deadline: str = ""
    notes: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    has_total_row: bool = False
    issued_by_province: bool = False
    terms: dict[str, str] = field(default_factory=dict)  # meaning → a declared value (``[terms]``)
    batches: int = 0  # sent in this many batches, each due on its own day (附件2: 2)

    def title_for(self, year: int) -> str:
        """Return the form's title for a campaign year."""
        return self.title.format(year=year)

    @property
    def plain_title(self) -> str:
        """Return the title without its year: 企业贯标质量抽查情况汇总表."""
        return self.title.replace("{year}年度", "")

    @property
    def label(self) -> str:
        """Return how a message names the form: 附件3企业贯标质量抽查情况汇总表."""
        return f"附件{self.attachment}{self.plain_title}"

    def column(self, key: str) -> Column:
        """Return the column with this key."""
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """Return the columns that carry data (all but 序号)."""
        return tuple(c for c in self.columns if c.type != "seq")

    @functools.cached_property
    def checked_for_presence(self) -> tuple[Column, ...]:
        """Return the columns that are required, always or under a condition."""
        return tuple(c for c in self.columns if c.required or c.required_when)

    @functools.cached_property
    def ruled_dates(self) -> tuple[Column, ...]:
        """Return the date columns with a rule on their range (campaign year, order)."""
        return tuple(c for c in self.columns if c.type == "date" and (c.in_year or c.not_after or c.not_before))

    @property
    def required_columns(self) -> tuple[Column, ...]:
        """Return the columns a file must have."""
        return tuple(c for c in self.columns if c.required)

    def match_header(self, text: str) -> Column | None:
        """Return the column a header text names, or None."""
        key = header_key(text)
        if not key:
            return None
        for col in self.columns:
            if key in col.header_keys:
                return col
        # A header with an added word ("认证证书编号及有效期") still names its column when
        # exactly one column's key is contained in it; the longest such key wins.
        hits = [(len(k), col) for col in self.columns for k in col.header_keys if len(k) >= 3 and k in key]
        if hits:
            hits.sort(key=lambda h: -h[0])
            if len(hits) == 1 or hits[0][0] > hits[1][0] or hits[0][1] is hits[1][1]:
                return hits[0][1]
        return None


def _column(raw: dict, form_key: str) -> Column:
    if raw.get("type", "text") not in TYPES:
        raise ValueError(f"form {form_key}: column {raw.get('key')} has unknown type {raw.get('type')}")
    return Column(
        key=raw["key"], header=raw["header"], type=raw.get("type", "text"),
        aliases=tuple(raw.get("aliases", ())), required=bool(raw.get("required", False)),
        required_when=dict(raw.get("required_when", {})), values=tuple(raw.get("values", ())),
        synonyms=dict(raw.get("synonyms", {})), min=raw.get("min"), max=raw.get("max"),
        width=int(raw.get("width", 12)), in_year=bool(raw.get("in_year", False)),
        not_after=tuple(raw.get("not_after", ())), not_before=tuple(raw.get("not_before", ())),
    )


def _load_form(key: str) -> Form:
    raw = tomllib.loads((forms_dir() / f"{key}.toml").read_text(encoding="utf-8"))
    return Form(
        key=raw["key"], attachment=raw["attachment"], title=raw["title"],
        title_keywords=tuple(raw.get("title_keywords", ())),
        columns=tuple(_column(c, key) for c in raw["columns"]),
        header_block=tuple(raw.get("header_block", ())), deadline=raw.get("deadline", ""),
        notes=tuple(raw.get("notes", ())),
        rules=tuple(Rule(r["when"], r.get("expect", {}), r.get("forbid", {}), r.get("message", ""))
                    for r in raw.get("rules", ())),
        has_total_row=bool(raw.get("has_total_row", False)),
        issued_by_province=bool(raw.get("issued_by_province", False)),
        terms=_terms(raw, key), batches=int(raw.get("batches", 0)),
    )


def _terms(raw: dict, key: str) -> dict[str, str]:
    """Return a form's ``[terms]``, each checked to be one of its columns' declared values."""
    terms = dict(raw.get("terms", {}))
    declared = {v for c in raw["columns"] for v in c.get("values", ())}
    for meaning, value in terms.items():
        if value not in declared:
            raise ValueError(f"forms/{key}.toml: term {meaning} = {value!r} is not a declared value")
    return terms


@functools.cache
def load_forms() -> dict[str, Form]:
    """Return every declared form by key, in the order of the attachments."""
    return {key: _load_form(key) for key in FORM_ORDER}


#: Forms declared the same way but not campaign attachments: not in blank, check or merge.
#: ``register`` is the province's 备案名单, read by `formkit registry import`.
EXTRA_FORMS = ("register",)


@functools.cache
def load_register_form() -> Form:
    """Return the 备案名单 (filing register) form, declared in ``forms/register.toml``."""
    return _load_form("register")


BATCH_NAMES = {1: "第一批", 2: "第二批"}


@dataclass(frozen=True)
class Slot:
    """One submission a city owes each year: a form, or one batch of a form sent in batches."""

    form: str
    batch: int | None = None

    @property
    def key(self) -> str:
        """Return the slot's name in the portal's API and database: ``evaluation-1``, ``spotcheck``."""
        return f"{self.form}-{self.batch}" if self.batch else self.form

    @property
    def name(self) -> str:
        """Return the short name a person reads: 附件2 第一批, 附件3."""
        attachment = f"附件{get_form(self.form).attachment}"
        return f"{attachment} {BATCH_NAMES[self.batch]}" if self.batch else attachment

    @property
    def title(self) -> str:
        """Return the form's title without the year, with its batch: 贯标绩效评价合格企业汇总表（第一批）."""
        title = get_form(self.form).plain_title
        return f"{title}（{BATCH_NAMES[self.batch]}）" if self.batch else title

    @property
    def label(self) -> str:
        """Return how a message names the slot: 附件2贯标绩效评价合格企业汇总表（第一批）."""
        return f"附件{get_form(self.form).attachment}{self.title}"


@functools.cache
def submission_slots() -> tuple[Slot, ...]:
    """Return what a city sends each year: every attachment with a deadline, each batch apart."""
    slots = []
    for form in load_forms().values():
        if not form.deadline:
            continue
        batches = range(1, form.batches + 1) if form.batches else (None,)
        slots.extend(Slot(form.key, b) for b in batches)
    return tuple(slots)


def slot_of(form: str, batch: int | None) -> Slot | None:
    """Return the slot a form read from a file fills (None for the plan, or a batch not known)."""
    return next((s for s in submission_slots() if s.form == form and s.batch == batch), None)


def get_form(key: str) -> Form:
    """Return the form with this key (one of the four attachments, or ``register``)."""
    forms = load_forms()
    if key in forms or key not in EXTRA_FORMS:
        return forms[key]
    return load_register_form()
