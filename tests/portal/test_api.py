"""The HTTP API of SPEC §9 over real HTTP, against `formkit serve` on SQLite and on PostgreSQL.

One server per database kind serves the whole module; tests that depend on earlier uploads
say so (the concurrency test fills every slot the merge test then reads).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import fcntl
import hashlib
import json
from pathlib import Path

import httpx
import openpyxl
import pytest

from formkit import api
from formkit.findings import FIELDS
from tests import hostile_files as H
from tests.portal.conftest import PASSWORD, SAMPLES, city_user, sample

NANJING_1 = sample("南京市", "2-1")
ROOT_SAMPLES_REGISTER = next((SAMPLES.parent / "register").glob("*.xlsx"))
SUBMISSION_KEYS = {"id", "city", "filename", "sha256", "received_at", "forms", "errors", "warnings", "findings"}


def upload(client: httpx.Client, path: Path, name: str | None = None, **fields) -> httpx.Response:
    with open(path, "rb") as fh:
        return client.post("/api/v1/submissions", files={"file": (name or path.name, fh)}, data=fields)


def library_findings(path: Path, city: str | None) -> list[dict]:
    """What `formkit check` says about the same file under the name the portal reads it as."""
    name = f"{city}/{path.name}" if city else path.name
    return [f.to_dict() for f in api.check_file(path, name).findings]


def test_login_answers_the_same_for_a_wrong_name_and_a_wrong_password(server):
    with server.client() as c:
        good = c.post("/api/v1/login", json={"username": "city01", "password": PASSWORD})
        assert good.status_code == 200
        assert good.json() == {"username": "city01", "role": "city", "city": "南京市"}
        cookie = good.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
    with server.client() as c:
        wrong_password = c.post("/api/v1/login", json={"username": "city02", "password": "nope-nope"})
        wrong_name = c.post("/api/v1/login", json={"username": "nobody", "password": PASSWORD})
    assert wrong_password.status_code == wrong_name.status_code == 401
    assert wrong_password.json() == wrong_name.json()


def test_upload_is_answered_with_its_findings_at_their_cells(server):
    with server.client("city01") as c:
        r = upload(c, NANJING_1)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == SUBMISSION_KEYS
    assert body["city"] == "南京市" and body["filename"] == NANJING_1.name
    assert body["sha256"] == hashlib.sha256(NANJING_1.read_bytes()).hexdigest()
    assert body["forms"] == [{"form": "evaluation", "batch": 1, "records": 7}]
    assert [(f["code"], f["cell"]) for f in body["findings"]] == [("uscc", "C7")]
    assert all(set(f) == set(FIELDS) for f in body["findings"])
    assert body["findings"] == library_findings(NANJING_1, "南京市")
    assert (body["errors"], body["warnings"]) == (1, 0)
    # stored by content hash; the name is only text
    stored = server.data / "files" / body["sha256"][:2] / body["sha256"]
    assert stored.read_bytes() == NANJING_1.read_bytes()


@pytest.fixture(scope="module")
def wuxi_doc(tmp_path_factory) -> Path:
    """无锡市's 附件2 第一批 (a seeded date error) saved by LibreOffice as a Word 97 .doc."""
    from formkit.readers import office
    from tests.builders import require_soffice

    require_soffice()
    src = sample("无锡市", "2-1")
    folder = tmp_path_factory.mktemp("doc")
    made = office.convert_batch([src], "doc", folder)[src]
    assert isinstance(made, Path), made
    return made.rename(folder / (src.stem + ".doc"))


def test_a_doc_upload_is_read_as_formkit_check_reads_it(server, wuxi_doc):
    with server.client("city02") as c:
        first = upload(c, wuxi_doc)
        second = upload(c, wuxi_doc)  # the worker's LibreOffice is warm now
    assert first.status_code == second.status_code == 201
    for r in (first, second):
        body = r.json()
        assert body["forms"] == [{"form": "evaluation", "batch": 1, "records": 7}]
        assert [(f["code"], f["sheet"], f["cell"]) for f in body["findings"]] == [("date", "表1", "第5行第9列")]
        assert body["findings"] == library_findings(wuxi_doc, "无锡市")
    with server.client("city02") as c:
        marked = c.get(f"/api/v1/submissions/{first.json()['id']}/annotated")
    assert marked.status_code == 200 and marked.content[:2] == b"PK"
    assert "%EF%BC%88%E9%97%AE%E9%A2%98%E6%A0%87%E6%B3%A8%EF%BC%89.docx" in marked.headers["content-disposition"]


def test_get_list_file_and_another_citys_ids(server):
    with server.client("city01") as c:
        sid = upload(c, NANJING_1).json()["id"]
        got = c.get(f"/api/v1/submissions/{sid}")
        assert got.status_code == 200 and got.json()["id"] == sid
        original = c.get(f"/api/v1/submissions/{sid}/file")
        assert original.content == NANJING_1.read_bytes()
        assert original.headers["content-type"] == "application/octet-stream"
        assert original.headers["x-content-type-options"] == "nosniff"
        assert original.headers["content-disposition"].startswith("attachment;")
        listed = c.get("/api/v1/submissions").json()
        assert sid in [s["id"] for s in listed] and {s["city"] for s in listed} == {"南京市"}
        assert c.get("/api/v1/submissions", params={"city": "苏州市"}).json() == []
    with server.client("city05") as other:  # 苏州市
        for tail in ("", "/file", "/annotated"):
            r = other.get(f"/api/v1/submissions/{sid}{tail}")
            assert r.status_code == 404, (tail, r.status_code)
        assert other.get(f"/api/v1/submissions/{10 ** 9}").status_code == 404
        assert all(s["city"] == "苏州市" for s in other.get("/api/v1/submissions").json())
    with server.client("sheng") as province:
        assert province.get(f"/api/v1/submissions/{sid}").status_code == 200
        assert {s["city"] for s in province.get("/api/v1/submissions", params={"city": "南京市"}).json()} == {"南京市"}


def test_the_marked_up_copy_is_the_citys_workbook_with_its_findings(server, tmp_path):
    with server.client("city01") as c:
        sid = upload(c, NANJING_1).json()["id"]
        r = c.get(f"/api/v1/submissions/{sid}/annotated")
        again = c.get(f"/api/v1/submissions/{sid}/annotated")
    assert r.status_code == 200, r.text
    assert "%EF%BC%88%E9%97%AE%E9%A2%98%E6%A0%87%E6%B3%A8%EF%BC%89.xlsx" in r.headers["content-disposition"]  # （问题标注）.xlsx
    assert again.content == r.content
    path = tmp_path / "marked.xlsx"
    path.write_bytes(r.content)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "问题清单"
    cell = wb["Sheet1"]["C7"]
    assert cell.value == "91320111493O99255C" and cell.comment is not None and "字母O" in cell.comment.text
    assert cell.fill.fill_type == "solid"
    assert wb["Sheet1"]["C6"].comment is None and wb["Sheet1"]["C6"].fill.fill_type != "solid"


def test_no_token_or_a_wrong_one_is_401(server):
    with server.client() as c:
        assert c.get("/api/v1/submissions").status_code == 401
        assert c.get("/api/v1/status").status_code == 401
        assert c.post("/api/v1/merges").status_code == 401
        r = c.get("/api/v1/status", headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401 and "令牌" in r.json()["detail"]
        assert upload(c, NANJING_1).status_code == 401


def test_a_city_calling_a_province_endpoint_is_403(server):
    with server.client("city01") as c:
        assert c.post("/api/v1/merges", json={"as_of": "2024-01-15"}).status_code == 403
        assert c.get("/api/v1/merges/1/files/summary.json").status_code == 403
        assert upload(c, NANJING_1, city="苏州市").status_code == 403


def test_an_upload_over_50_mb_is_refused_before_it_is_stored(server, tmp_path):
    big = H.sparse_big(tmp_path / "超大.xlsx")
    before = sorted(p.name for p in (server.data / "files").rglob("*") if p.is_file())
    with server.client("city01") as c:
        r = upload(c, big)
    assert r.status_code == 413 and "50 MB" in r.json()["detail"]
    assert sorted(p.name for p in (server.data / "files").rglob("*") if p.is_file()) == before
    assert not any((server.data / "tmp").iterdir())


def test_a_chunked_upload_is_cut_off_once_past_50_mb(server):
    """Without a Content-Length the body is counted while it streams, and refused past the limit."""
    boundary = "formkit-test-boundary"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\n").encode()
        chunk = b"\0" * (1 << 20)
        for _ in range(60):
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    before = sorted(p.name for p in (server.data / "files").rglob("*") if p.is_file())
    with server.client("city01") as c:
        try:
            r = c.post("/api/v1/submissions", content=body(),
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            assert r.status_code == 413
        except httpx.HTTPError:
            pass  # the server may close the connection while the client is still sending
        assert c.get("/api/v1/submissions").status_code == 200  # still up
    assert sorted(p.name for p in (server.data / "files").rglob("*") if p.is_file()) == before


def test_a_city_upload_that_reads_as_another_city_is_422(server):
    suzhou = sample("苏州市", "3")
    with server.client("city01") as c:
        r = upload(c, suzhou)
        assert r.status_code == 422
        body = r.json()
        assert body["findings"][0]["code"] == "city-ambiguous" and "苏州市" in body["findings"][0]["message"]
        status = c.get("/api/v1/status", params={"as_of": "2023-06-01"}).json()
    assert status["cities"]["南京市"]["spotcheck"]["submission"] != body["id"]
    assert set(status["cities"]) == {"南京市"}  # a city sees only itself


def test_five_failed_logins_lock_the_name_for_15_minutes(server):
    with server.client() as c:
        for _ in range(5):
            assert c.post("/api/v1/login", json={"username": "city13", "password": "wrong-one"}).status_code == 401
        r = c.post("/api/v1/login", json={"username": "city13", "password": PASSWORD})
        assert r.status_code == 429 and "锁定" in r.json()["detail"]
        # another name is not locked
        assert c.post("/api/v1/login", json={"username": "city12", "password": PASSWORD}).status_code == 200


def test_a_page_post_without_the_csrf_token_is_refused(server):
    with server.client() as c:
        page = c.get("/login")
        token = page.text.split('name="csrftoken" value="')[1].split('"')[0]
        r = c.post("/login", data={"csrftoken": token, "username": "city02", "password": PASSWORD})
        assert r.status_code == 303 and c.cookies.get("formkit_session")
        before = len(c.get("/api/v1/submissions").json())
        with open(sample("无锡市", "3"), "rb") as fh:
            refused = c.post("/upload", files={"file": (sample("无锡市", "3").name, fh)})
        assert refused.status_code == 403
        # the API with the session cookie is protected the same way
        with open(sample("无锡市", "3"), "rb") as fh:
            assert c.post("/api/v1/submissions", files={"file": ("a.docx", fh)}).status_code == 403
        assert len(c.get("/api/v1/submissions").json()) == before
        with open(sample("无锡市", "3"), "rb") as fh:
            ok = c.post("/upload", files={"file": (sample("无锡市", "3").name, fh)}, data={"csrftoken": token})
        assert ok.status_code == 303 and ok.headers["location"].startswith("/submissions/")
        assert len(c.get("/api/v1/submissions").json()) == before + 1


def test_a_resubmission_replaces_and_the_history_stays(server, tmp_path):
    fixed = tmp_path / "南京市-附件2-第一批-修改后.xlsx"
    wb = openpyxl.load_workbook(NANJING_1)
    wb["Sheet1"]["C7"] = "91320111493099255C"
    wb.save(fixed)
    with server.client("city01") as c:
        first = upload(c, NANJING_1).json()
        assert c.get("/api/v1/status", params={"as_of": "2023-06-01"}).json()["cities"]["南京市"]["evaluation-1"][
            "state"] == "errors"
        second = upload(c, fixed).json()
        assert second["findings"] == []
        slot = c.get("/api/v1/status", params={"as_of": "2023-06-01"}).json()["cities"]["南京市"]["evaluation-1"]
        ids = [s["id"] for s in c.get("/api/v1/submissions").json()]
    assert slot["submission"] == second["id"] and slot["errors"] == 0 and slot["records"] == 7
    assert slot["state"] in ("ok", "late")  # late: received after 2023-06-10 by the clock
    assert first["id"] in ids and second["id"] in ids


def all_uploads() -> list[tuple[str, Path]]:
    return [(city.name, path) for city in sorted(SAMPLES.iterdir()) if city.name != "省局"
            for path in sorted(city.iterdir())]


def test_13_cities_uploading_at_once_are_all_answered_and_none_mixed_up(server):
    jobs = all_uploads()
    assert len({c for c, _ in jobs}) == 13

    def send(job):
        city, path = job
        with server.client(city_user(city)) as c:
            return city, path, upload(c, path)

    with cf.ThreadPoolExecutor(len(jobs)) as pool:
        done = list(pool.map(send, jobs))
    by_city: dict[str, set[int]] = {}
    for city, path, r in done:
        assert r.status_code == 201, (path.name, r.status_code, r.text[:300])
        body = r.json()
        assert (body["city"], body["filename"]) == (city, path.name)
        assert body["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert body["findings"] == library_findings(path, city), path.name
        by_city.setdefault(city, set()).add(body["id"])
    for city, ids in by_city.items():
        with server.client(city_user(city)) as c:
            listed = {s["id"]: s for s in c.get("/api/v1/submissions").json()}
        assert ids <= set(listed), city
        assert all(s["city"] == city for s in listed.values())
    assert server.alive()


@pytest.fixture
def samples_uploaded(server):
    """Every city's sample files uploaded on this server (each once, whatever ran before)."""
    with server.client("sheng") as c:
        have = {(s["city"], s["filename"]) for s in c.get("/api/v1/submissions").json()}
    for city, path in all_uploads():
        if (city, path.name) not in have:
            with server.client(city_user(city)) as c:
                assert upload(c, path).status_code == 201, path.name
    return server


def test_status_gives_every_slot_of_every_city(samples_uploaded):
    server = samples_uploaded
    with server.client("sheng") as c:
        r = c.get("/api/v1/status", params={"as_of": "2024-01-15"})
    assert r.status_code == 200
    body = r.json()
    assert body["as_of"] == "2024-01-15" and len(body["cities"]) == 13
    for city, slots in body["cities"].items():
        assert set(slots) == {"evaluation-1", "evaluation-2", "spotcheck", "anomaly"}
        for s in slots.values():
            assert {"state", "submission", "records", "errors", "warnings", "deadline"} <= set(s)
    assert body["cities"]["宿迁市"]["anomaly"]["state"] == "missing"  # 宿迁市 sends no 附件4
    assert body["cities"]["徐州市"]["spotcheck"]["state"] == "errors"  # K11 required
    assert body["cities"]["南京市"]["spotcheck"]["records"] == 34


def test_merge_gives_exactly_the_summary_of_formkit_merge_over_the_same_files(samples_uploaded, tmp_path):
    server = samples_uploaded
    plan = next((SAMPLES / "省局").iterdir())
    with server.client("sheng") as c:
        assert upload(c, plan).status_code == 201
        r = c.post("/api/v1/merges", json={"as_of": "2024-01-15"})
        assert r.status_code == 201, r.text
        merged = r.json()
        # the very files the merge used, fetched back through the API, merged by the library
        status = c.get("/api/v1/status").json()
        ids = sorted({s["submission"] for slots in status["cities"].values() for s in slots.values() if s["submission"]})
        local = tmp_path / "in"
        for sid in ids + [s["id"] for s in c.get("/api/v1/submissions").json() if s["city"] is None][:1]:
            sub = c.get(f"/api/v1/submissions/{sid}").json()
            folder = local / (sub["city"] or "省局")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / sub["filename"]).write_bytes(c.get(f"/api/v1/submissions/{sid}/file").content)
        summary = c.get(f"/api/v1/merges/{merged['id']}/files/summary.json")
        assert summary.status_code == 200
        workbook = next(n for n in merged["files"] if n.endswith(".xlsx") and n.startswith("全省"))
        assert c.get(f"/api/v1/merges/{merged['id']}/files/{workbook}").content[:2] == b"PK"
        assert c.get(f"/api/v1/merges/{merged['id']}/files/..%2Fsummary.json").status_code == 404
    result, _written = api.merge_to([local], tmp_path / "out", as_of=__import__("datetime").date(2024, 1, 15))
    expected = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert merged["summary"] == expected
    assert json.loads(summary.content) == expected
    assert set(merged["files"]) >= {"summary.json", "findings.json", "findings.xlsx", "records.json"}
    assert expected["totals"]["spotcheck"]["rows"] > 300  # every city's spot checks are in


def test_every_action_is_an_audit_row(server):
    from formkit.portal import db
    from formkit.portal.accounts import audit_rows

    engine = db.open_engine(server.db_url)
    try:
        rows = audit_rows(engine)
    finally:
        engine.dispose()
    actions = {r["action"] for r in rows}
    assert {"login", "login-failed", "login-locked", "upload", "upload-refused", "upload-too-large", "download",
            "merge", "user-add", "user-token"} <= actions
    upload_row = next(r for r in rows if r["action"] == "upload")
    assert upload_row["username"] and upload_row["ip"] == "127.0.0.1" and upload_row["at"]


def page_login(c: httpx.Client, user: str) -> str:
    """Log in through the page form; return the CSRF token of the session."""
    token = c.get("/login").text.split('name="csrftoken" value="')[1].split('"')[0]
    r = c.post("/login", data={"csrftoken": token, "username": user, "password": PASSWORD})
    assert r.status_code == 303
    return token


def finished(c: httpx.Client, r: httpx.Response | str) -> str:
    """Follow a started job's page (303 to /jobs/N) until it sends to its result; return that address."""
    import time

    job = r if isinstance(r, str) else started(r)
    for _ in range(1200):
        page = c.get(job)
        if page.status_code == 303:
            return page.headers["location"]
        assert page.status_code == 200 and 'data-state="failed"' not in page.text, page.text
        assert 'http-equiv="refresh"' in page.text  # a running job's page refreshes itself
        time.sleep(0.1)
    raise AssertionError(f"{job} did not finish")


def started(r: httpx.Response) -> str:
    assert r.status_code == 303 and "/jobs/" in r.headers["location"], r.text
    return r.headers["location"]


@contextlib.contextmanager
def work_lock_held(server):
    """Hold the portal's merge lock from outside (as another web process would) while the block runs."""
    from formkit.portal.jobs import LOCK_KEY

    if server.db_url.startswith("sqlite"):
        with open(server.data / "merge.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    import sqlalchemy as sa

    from formkit.portal import db

    engine = sa.create_engine(db.engine_url(server.db_url))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({LOCK_KEY})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({LOCK_KEY})")
                conn.commit()
    finally:
        engine.dispose()


def test_merges_run_in_the_background_one_at_a_time_and_never_block_others(server):
    import time

    with server.client("city02") as c:
        assert upload(c, sample("无锡市", "3")).status_code == 201
    with server.client() as c:
        token = page_login(c, "sheng")
        with work_lock_held(server):
            first = started(c.post("/merges", data={"csrftoken": token, "as_of": "2024-01-15"}))
            second = started(c.post("/merges", data={"csrftoken": token, "as_of": "2024-01-15"}))
            for _ in range(200):  # the job says on its page what it waits for
                page = c.get(second)
                if "等待另一项汇总或公文任务完成" in page.text:
                    break
                time.sleep(0.05)
            assert page.status_code == 200 and 'http-equiv="refresh"' in page.text
            assert "等待另一项汇总或公文任务完成" in page.text
            # another user's request is answered while both merges are still unfinished
            with server.client("city03") as other:
                status = other.get("/api/v1/status", params={"as_of": "2024-01-15"})
            assert status.status_code == 200 and set(status.json()["cities"]) == {"徐州市"}
            assert c.get(first).status_code == 200 and c.get(second).status_code == 200  # not done yet
            listed = c.get("/merges").text
            assert "最近的任务" in listed and listed.count("等待另一项汇总或公文任务完成") >= 1
        one, two = finished(c, first), finished(c, second)
        assert one != two
        a = c.get(f"/api/v1/{one.lstrip('/')}").json()
        b = c.get(f"/api/v1/{two.lstrip('/')}").json()
        assert a["summary"] == b["summary"] and a["summary"]["cities"]["无锡市"]["spotcheck"]["rows"] > 0
        for rec in (a, b):
            got = c.get(f"/api/v1/merges/{rec['id']}/files/findings.xlsx")
            assert got.status_code == 200 and got.content[:2] == b"PK"


def test_the_province_pages_over_http(server):
    with server.client() as c:
        token = page_login(c, "sheng")
        overview = c.get("/overview", params={"as_of": "2024-01-15"})
        assert overview.status_code == 200 and overview.text.count("data-city=") == 13
        r = c.post("/merges", data={"csrftoken": token, "as_of": "2024-01-15"})
        merge_url = finished(c, r)
        assert "汇总结果（截至2024-01-15）" in c.get(merge_url).text
        assert c.post(f"{merge_url}/documents", data={}).status_code == 403  # no CSRF token
        pdf = server.db_url.startswith("sqlite")  # PDFs (LibreOffice) on one backend: the rest is the same
        if pdf:
            from tests.builders import require_soffice

            require_soffice()
        r = c.post(f"{merge_url}/documents", data={"csrftoken": token, **({"pdf": "yes"} if pdf else {})})
        assert finished(c, r) == f"{merge_url}#docs"
        report = c.get(f"{merge_url}/docs/2023年度贯标工作情况报告.docx")
        assert report.status_code == 200 and report.content[:2] == b"PK"
        if pdf:
            page = c.get(merge_url).text
            assert "2023年度贯标工作情况报告.pdf" in page and "催报函/全部-催报函.pdf" in page
            assert c.get(f"{merge_url}/docs/2023年度贯标工作情况报告.pdf").content[:5] == b"%PDF-"
            assert "催报函/001-南京市知识产权局-催报函.pdf" not in page  # single letters stay .docx
        assert c.get(f"{merge_url}/docs/../out/summary.json").status_code == 404

        r = c.post("/users", data={"csrftoken": token, "op": "add", "username": "taizhou-b", "role": "city",
                                   "city": "泰州市", "password": "long-enough-1"})
        assert r.status_code == 200 and "已添加用户 taizhou-b" in r.text
        r = c.post("/users", data={"csrftoken": token, "op": "token", "username": "taizhou-b"})
        issued = r.text.split('<code id="token">')[1].split("</code>")[0]
        r = c.post("/users", data={"csrftoken": token, "op": "add", "username": "bad", "role": "city",
                                   "city": "上海市", "password": "long-enough-1"})
        assert r.status_code == 400 and "不是本次活动的设区市" in r.text
    with server.client() as c:
        ok = c.get("/api/v1/submissions", headers={"Authorization": f"Bearer {issued}"})
        assert ok.status_code == 200
    with server.client() as c:
        token = page_login(c, "sheng")
        assert c.post("/users", data={"csrftoken": token, "op": "disable", "username": "taizhou-b"}).status_code == 200
        assert c.get("/api/v1/submissions", headers={"Authorization": f"Bearer {issued}"}).status_code == 401
        audit = c.get("/audit", params={"action": "user-disable"})
        assert "taizhou-b" in audit.text


def test_the_register_pages_import_preview_confirm_undo_and_export(server):
    register = ROOT_SAMPLES_REGISTER
    for city, path in all_uploads():  # every city's 附件4 (anomaly review) is in: the merge has changes
        if "附件4" in path.name:
            with server.client(city_user(city)) as c:
                assert upload(c, path).status_code == 201
    with server.client() as c:
        token = page_login(c, "sheng")
        with open(register, "rb") as fh:
            assert c.post("/registry/import", files={"file": (register.name, fh)}).status_code == 403  # no token
        with open(register, "rb") as fh:
            r = c.post("/registry/import", files={"file": (register.name, fh)}, data={"csrftoken": token})
        assert r.status_code == 303
        page = c.get("/registry").text
        assert "已导入 " + register.name in page
        assert page.count("data-changeset=") == 1
        merge_id = finished(c, c.post("/merges", data={"csrftoken": token, "as_of": "2024-01-15"})).rsplit("/", 1)[1]

        preview = c.post("/registry/apply", data={"csrftoken": token, "merge": merge_id})
        assert preview.status_code == 200 and "确认写入" in preview.text
        assert c.get("/registry").text.count("data-changeset=") == 1  # a preview writes nothing
        done = c.post("/registry/apply", data={"csrftoken": token, "merge": merge_id, "confirm": "yes"})
        assert done.status_code == 303
        assert c.get("/registry").text.count("data-changeset=") == 2

        latest = max(int(x.split('"')[0]) for x in c.get("/registry").text.split('data-changeset="')[1:])
        preview = c.post("/registry/undo", data={"csrftoken": token, "changeset": latest})
        assert preview.status_code == 200 and "确认撤销" in preview.text
        assert c.post("/registry/undo", data={"csrftoken": token, "changeset": latest, "confirm": "yes"}).status_code == 303

        exported = c.get("/registry/export")
        assert exported.status_code == 200 and exported.content[:2] == b"PK"
    with server.client() as c:
        page_login(c, "city01")
        assert c.get("/registry").status_code == 403
