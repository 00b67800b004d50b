"""`formkit demo`'s portal: the samples loaded as the cities' uploads, then looked at through `formkit serve`."""

from __future__ import annotations

import datetime as dt
import time

from formkit import api
from formkit.campaign import load_campaign
from formkit.portal.demo import CITY_PASSWORD, PROVINCE_USER, demo_lines, seed_demo
from formkit.forms import slot_of
from tests.portal.conftest import SAMPLES, running
from tests.portal.test_api import upload

AS_OF = dt.date(2024, 1, 15)


def expected_states(campaign) -> dict[tuple[str, str], str]:
    """What each (city, slot) should show, from `formkit check` over the sample files themselves."""
    states = {(c.name, s): "missing" for c in campaign.cities
              for s in ("evaluation-1", "evaluation-2", "spotcheck", "anomaly")}
    for folder in SAMPLES.iterdir():
        city = campaign.city(folder.name)
        if city is None:
            continue
        for path in folder.iterdir():
            fr = api.check_file(path, f"{city.name}/{path.name}", campaign)
            for sub in fr.submissions:
                mine = [f for f in fr.findings if f.form in (sub.form, None)]
                late = any(f.code == "late" and f.form == sub.form for f in fr.findings)
                state = "errors" if any(f.severity == "error" for f in mine) else "late" if late else "ok"
                states[(city.name, getattr(slot_of(sub.form, sub.batch), "key", None))] = state
    return states


def test_the_demo_portal_shows_the_samples_to_the_province(tmp_path):
    campaign = load_campaign()
    started = time.monotonic()
    made = seed_demo(tmp_path / "报送平台", SAMPLES, campaign, AS_OF)
    seconds = time.monotonic() - started
    assert seconds < 60, f"seeding the demo portal took {seconds:.1f} s"
    assert made.accounts[PROVINCE_USER[0]] == (PROVINCE_USER[1], None)
    assert sorted(c for _p, c in made.accounts.values() if c) == sorted(c.name for c in campaign.cities)
    assert len(made.uploads) == sum(1 for p in SAMPLES.rglob("*") if p.is_file())
    assert {u["status"] for u in made.uploads} == {201}
    printed = "\n".join(demo_lines(made))
    assert f"formkit serve --db {made.db_url} --data {made.data} --as-of 2024-01-15" in printed
    assert f"{PROVINCE_USER[0]} / {PROVINCE_USER[1]}" in printed and CITY_PASSWORD in printed

    with running(made.db_url, made.data, users={"city01": ("city", "南京市")}, args=("--as-of", AS_OF.isoformat())) as server:
        with server.client() as c:
            login = c.post("/api/v1/login", json={"username": PROVINCE_USER[0], "password": PROVINCE_USER[1]})
            assert login.status_code == 200 and login.json()["role"] == "province"
            status = c.get("/api/v1/status")
            assert status.status_code == 200
            body = status.json()
            assert body["as_of"] == AS_OF.isoformat()
            got = {(city, slot): cell["state"] for city, row in body["cities"].items() for slot, cell in row.items()}
            assert len(body["cities"]) == 13 and len(got) == 13 * 4
            want = expected_states(campaign)
            assert got == want
            # the seeded problems of samples/README.md, as a province user notices them
            assert got[("宿迁市", "anomaly")] == "missing"
            assert got[("南京市", "evaluation-1")] == "errors"
            assert got[("南京市", "evaluation-2")] == "ok"
            page = c.get("/overview")
            assert page.status_code == 200 and "有错误" in page.text and "未报送" in page.text
        # a city logs in with the printed password and sees its own uploads
        with server.client() as c:
            assert c.post("/api/v1/login", json={"username": "city13", "password": CITY_PASSWORD}).status_code == 200
            mine = c.get("/api/v1/submissions").json()
            assert {s["city"] for s in mine} == {"宿迁市"} and len(mine) == 3

        # the same file uploaded over HTTP (read by a worker process) is answered exactly as seeded
        path = SAMPLES / "南京市" / "南京市-附件2-2023年度贯标绩效评价合格企业汇总表（第一批）.xlsx"
        seeded = next(u for u in made.uploads if u["filename"] == path.name)
        with server.client("city01") as c:  # the demo's account, with an API token issued for the test
            r = upload(c, path)
        assert r.status_code == 201, r.text
        fresh = r.json()
        for key in ("city", "filename", "sha256", "forms", "errors", "warnings", "findings"):
            assert fresh[key] == seeded[key], key
        assert fresh["errors"] >= 1
