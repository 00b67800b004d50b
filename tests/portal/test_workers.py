"""`formkit serve --workers 2` on PostgreSQL: the lock, uploads and merges are right across processes."""

from __future__ import annotations

import concurrent.futures as cf

import pytest
import sqlalchemy as sa

from formkit.portal import db
from tests.portal.conftest import PASSWORD, city_user, running
from tests.portal.test_api import all_uploads, upload


@pytest.fixture(scope="module")
def pg_server(pg_url, tmp_path_factory):
    engine = sa.create_engine(db.engine_url(pg_url))
    db.metadata.drop_all(engine)
    engine.dispose()
    base = tmp_path_factory.mktemp("portal-workers")
    with running(pg_url, base / "data", workers=2) as srv:
        yield srv


def test_the_login_lock_holds_across_workers(pg_server):
    for _ in range(5):  # a new connection each time: the requests land on either worker
        with pg_server.client() as c:
            assert c.post("/api/v1/login", json={"username": "city07", "password": "wrong-one"}).status_code == 401
    for _ in range(4):
        with pg_server.client() as c:
            assert c.post("/api/v1/login", json={"username": "city07", "password": PASSWORD}).status_code == 429


def test_uploads_and_two_merges_at_once_across_workers(pg_server):
    def send(job):
        city, path = job
        with pg_server.client(city_user(city)) as c:
            return city, upload(c, path)

    with cf.ThreadPoolExecutor(16) as pool:
        done = list(pool.map(send, all_uploads()))
    assert all(r.status_code == 201 and r.json()["city"] == city for city, r in done)
    ids = [r.json()["id"] for _c, r in done]
    assert len(set(ids)) == len(ids)

    def merge(_):
        with pg_server.client("sheng") as c:
            return c.post("/api/v1/merges", json={"as_of": "2024-01-15"})

    with cf.ThreadPoolExecutor(2) as pool:
        first, second = pool.map(merge, range(2))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["summary"] == second.json()["summary"]
    assert first.json()["summary"]["totals"]["spotcheck"]["rows"] > 300
