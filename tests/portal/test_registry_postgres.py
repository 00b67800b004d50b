"""The filing register on the machine's PostgreSQL, named as the office writes it (``postgresql://``).

The portal and the register share one database and one URL rule: a plain ``postgresql://``
address runs on psycopg 3 (formkit's dependency) for both, not on SQLAlchemy's psycopg2 default.
"""

from __future__ import annotations

import json
import secrets

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from formkit.cli import main
from formkit.portal.db import engine_url
from formkit.registry.db import resolve_url
from formkit.resources import PACKAGE_DIR

REGISTER = PACKAGE_DIR.parent / "samples" / "register"


def test_plain_postgresql_urls_use_psycopg3_for_the_register_as_for_the_portal():
    for given in ("postgresql://u:p@db/formkit", "postgres://u:p@db/formkit"):
        assert resolve_url(given) == engine_url(given) == "postgresql+psycopg://u:p@db/formkit"


@pytest.fixture()
def own_schema_url(pg_url):
    """Yield a plain ``postgresql://`` URL on a schema of this test's own (the session's is shared)."""
    admin = pg_url.split("?", 1)[0]
    schema = f"formkit_register_{secrets.token_hex(4)}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{admin}?options=-csearch_path%3D{schema}".replace("postgresql+psycopg://", "postgresql://", 1)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


def test_registry_import_and_due_on_postgresql(own_schema_url):
    plain = own_schema_url
    runner = CliRunner()
    first = runner.invoke(main, ["registry", "import", str(REGISTER), "--db", plain])
    assert first.exit_code == 0, first.output
    assert "已新增669家企业" in first.output
    again = runner.invoke(main, ["registry", "import", str(REGISTER), "--db", plain])
    assert again.exit_code == 0, again.output
    assert "没有需要导入的变更" in again.output
    due = runner.invoke(main, ["registry", "due", "--db", plain, "--as-of", "2023-07-31", "--json"])
    assert due.exit_code == 0, due.output
    assert len(json.loads(due.output)) == 31  # the 31 enterprises the sample register makes due
