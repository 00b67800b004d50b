"""The filing register (备案名单): a database of the filed enterprises, kept up to date by review.

Part 三 of the notice: every year the cities verify the register — deregistered enterprises
are removed, abnormal ones marked and followed, renamed ones renamed, enterprises filed over
5 years without certification or evaluation reminded and given one year's grace (removed when
they give up or still fail), new filings 3 years without either removed.

The rooms of this package, each one job:

- :mod:`.values` — the fields (from ``forms/register.toml``), statuses, values as stored and shown;
- :mod:`.db` — the schema (derived from the same declaration), the connection, the write lock;
- :mod:`.changes` — change sets: written with provenance, listed, undone exactly;
- :mod:`.importing` — register files read like the forms, then added (`registry import`);
- :mod:`.apply` — a merge's records.json applied (`registry apply`);
- :mod:`.due` — who is due for a reminder or removal (`registry due`, `letters reminder --registry`);
- :mod:`.findings` — the register as one more source of findings for `merge --db`.

The export workbook is an output (:mod:`formkit.outputs.register`); the sample register is
made by :mod:`formkit.samplegen`. The names below are the package's public face.
"""

from formkit.registry.apply import ENV_TEST_SLEEP, ApplyResult, Skipped, apply_merged, load_records, plan_apply
from formkit.registry.changes import (
    ACTION_NAMES, Change, UndoResult, change_rows, changeset_rows, enterprise, undo, write_changeset,
)
from formkit.registry.db import (
    DEFAULT_DB, DEFAULT_WAIT, ENV_DB, TABLES, Registry, display_name, dump, load_state, open_registry, opened,
    resolve_url,
)
from formkit.registry.due import RULE_ACTIONS, RULE_NAMES, due_enterprises, due_rows
from formkit.registry.findings import FILED_FORMS, findings_source, registry_findings
from formkit.registry.importing import ImportResult, import_files, plan_import, read_register
from formkit.registry.values import (
    ACTIVE, DATE_FIELDS, FIELDS, GRACE, MARKED, REMOVED, STATUSES, field_name, history_text, shown, value_of,
    value_text,
)

__all__ = [
    "ACTION_NAMES", "ACTIVE", "ApplyResult", "Change", "DATE_FIELDS", "DEFAULT_DB", "DEFAULT_WAIT", "ENV_DB",
    "ENV_TEST_SLEEP", "FIELDS", "FILED_FORMS", "GRACE", "ImportResult", "MARKED", "REMOVED", "RULE_ACTIONS",
    "RULE_NAMES", "Registry", "STATUSES", "Skipped", "TABLES", "UndoResult", "apply_merged", "change_rows",
    "changeset_rows", "display_name", "due_enterprises", "due_rows", "dump", "enterprise", "field_name",
    "findings_source", "history_text", "import_files", "load_records", "load_state", "open_registry", "opened",
    "plan_apply", "plan_import", "read_register", "registry_findings", "resolve_url", "shown", "undo",
    "value_of", "value_text", "write_changeset",
]
