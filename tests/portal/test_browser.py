"""A city's pages in real headless Chromium (Playwright): log in, upload, see the findings at
their cells, download the marked-up copy, and be refused another city's data.

Set FORMKIT_SCREENSHOTS=DIR to keep screenshots of the pages (docs/ has the README's).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.portal.conftest import CI, PASSWORD, running, sample

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SHOTS = os.environ.get("FORMKIT_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if CI:
            pytest.fail("chromium missing (apt-get install chromium)")
        pytest.skip("chromium missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                              args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    base = tmp_path_factory.mktemp("portal-browser")
    with running(f"sqlite:///{base / 'formkit.sqlite'}", base / "data") as srv:
        yield srv


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def province_portal(request, portal, tmp_path_factory):
    """The SQLite portal of this module, then a PostgreSQL one (the province's pages on both)."""
    if request.param == "sqlite":
        yield portal
        return
    import sqlalchemy as sa

    from formkit.portal import db

    pg_url = request.getfixturevalue("pg_url")
    engine = sa.create_engine(db.engine_url(pg_url))
    db.metadata.drop_all(engine)
    engine.dispose()
    base = tmp_path_factory.mktemp("portal-browser-pg")
    with running(pg_url, base / "data") as srv:
        yield srv


def login(browser, portal, user: str, viewport=(1366, 768)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True,
                                  locale="zh-CN")
    page = context.new_page()
    page.goto(f"{portal.url}/my")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/(my|overview)$"))
    return context, page


def shot(page, name: str, full: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=full)


def test_a_city_uploads_sees_its_findings_and_downloads_the_marked_up_copy(browser, portal, tmp_path):
    context, page = login(browser, portal, "city01")
    assert page.locator("h1").inner_text() == "南京市 · 我的报送"
    rows = page.locator("table.slots tbody tr")
    assert rows.count() == 4
    assert [rows.nth(i).locator(".state").inner_text() for i in range(4)] == ["未报送"] * 4

    # the plain file button
    with page.expect_navigation(url=f"{portal.url}/submissions/*"):
        page.set_input_files("#file", str(sample("南京市", "2-1")))
    row = page.locator("table.findings tbody tr")
    assert row.count() == 1
    assert row.first.locator("td").nth(0).inner_text() == "Sheet1!C7"
    assert row.first.locator("td").nth(1).inner_text().startswith("[错误] 信用代码有误：信用代码字母O应为数字0")
    assert row.first.locator("td").nth(2).inner_text() == "91320111493O99255C"
    nanjing_id = page.url.rsplit("/", 1)[1]

    with page.expect_download() as info:
        page.click("text=下载问题标注件")
    marked = tmp_path / info.value.suggested_filename
    info.value.save_as(marked)
    assert marked.name.endswith("（问题标注）.xlsx")
    wb = openpyxl.load_workbook(marked)
    assert wb["Sheet1"]["C7"].comment is not None and "字母O" in wb["Sheet1"]["C7"].comment.text

    # drag and drop onto the upload area (a File built in the page from the sample's bytes)
    page.goto(f"{portal.url}/my")
    path = sample("南京市", "3")
    data = base64.b64encode(path.read_bytes()).decode()
    with page.expect_navigation(url=f"{portal.url}/submissions/*"):
        page.evaluate("""([name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name));
            document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));
        }""", [path.name, data])
    assert "附件3（34条）" in page.locator(".subhead .meta").inner_text()
    page.goto(f"{portal.url}/my")
    states = {page.locator("table.slots tbody tr").nth(i).get_attribute("data-slot"):
              page.locator("table.slots tbody tr").nth(i).locator(".state").inner_text() for i in range(4)}
    assert states["evaluation-1"] == "有错误"
    assert states["spotcheck"] in ("已报送", "逾期")
    assert states["anomaly"] == "未报送"
    # the latest upload's findings are on the home page, the history lists both
    assert page.locator("article.submission").count() == 2
    # both are current (one slot each): both tables are open, the 附件2 one with its C7 error
    assert page.locator("td.where", has_text="Sheet1!C7").count() == 1
    shot(page, "portal-city.png", full=True)

    # the same page on a phone: nothing wider than the screen
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
    p2 = phone.new_page()
    p2.goto(f"{portal.url}/submissions/{nanjing_id}")
    assert p2.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p2, "portal-city-phone.png")
    phone.close()
    context.close()

    # another city sees none of it
    other, page = login(browser, portal, "city05")
    assert page.locator("article.submission").count() == 0
    response = page.goto(f"{portal.url}/submissions/{nanjing_id}")
    assert response.status == 404 and "没有这份报送材料" in page.content()
    for tail in ("/file", "/annotated", ""):
        assert page.request.get(f"{portal.url}/api/v1/submissions/{nanjing_id}{tail}").status == 404
    assert page.request.get(f"{portal.url}/api/v1/submissions").json() == []
    other.close()


def test_a_failed_login_stays_on_the_page_with_a_message(browser, portal):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{portal.url}/login")
    page.fill("input[name=username]", "city02")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator(".alert").inner_text() == "用户名或密码错误"
    context.close()


def test_the_province_sees_the_matrix_change_runs_a_merge_and_manages_users(browser, province_portal, tmp_path):
    portal = province_portal
    keep = portal.db_url.startswith("sqlite")  # screenshots from one backend
    from tests.portal.test_api import upload

    context, page = login(browser, portal, "sheng")
    assert page.url.endswith("/overview")
    page.goto(f"{portal.url}/overview?as_of=2023-08-01")
    assert page.locator("table.matrix tbody tr").count() == 13
    cell = page.locator("tr[data-city='徐州市'] td[data-slot='spotcheck']")
    assert cell.get_attribute("data-state") == "not-due" and "未到期" in cell.inner_text()
    assert page.locator("tr[data-city='宿迁市'] td[data-slot='anomaly'] .state").inner_text() == "未报送"

    with portal.client("city03") as c:  # 徐州市: its 附件3 has a seeded required error at K11
        assert upload(c, sample("徐州市", "3")).status_code == 201
    page.reload()
    cell = page.locator("tr[data-city='徐州市'] td[data-slot='spotcheck']")
    assert cell.get_attribute("data-state") == "errors" and "有错误" in cell.inner_text()
    assert "33条" in cell.inner_text()
    if keep:
        shot(page, "portal-overview.png")

    # a city's detail: its submissions with their findings
    page.click("tr[data-city='徐州市'] th a")
    assert page.locator("h1").inner_text() == "徐州市 · 报送详情"
    assert page.locator("td.where", has_text="Sheet1!K11").count() == 1

    # a merge from the page; its files downloadable
    page.goto(f"{portal.url}/merges")
    page.fill("input[name=as_of]", "2024-01-15")
    with page.expect_navigation(url=re.compile(r"/merges/\d+$"), timeout=120_000):  # via the job's page
        page.click("text=用各市最新报送汇总")
    assert "汇总结果（截至2024-01-15）" in page.locator("h1").inner_text()
    with page.expect_download() as info:
        page.click("text=summary.json")
    saved = tmp_path / "summary.json"
    info.value.save_as(saved)
    import json

    summary = json.loads(saved.read_text(encoding="utf-8"))
    assert summary["cities"]["徐州市"]["spotcheck"]["rows"] == 32  # 33 rows, one with an error
    # the report and every letter from that merge, singly and as one zip
    with page.expect_navigation(url=re.compile(r"/merges/\d+#docs$"), timeout=120_000):
        page.click("text=生成汇总报告和全部函件")
    import docx
    import zipfile

    with page.expect_download() as info:
        page.click("text=2023年度贯标工作情况报告.docx")
    report = tmp_path / "report.docx"
    info.value.save_as(report)
    assert any("徐州市" in cell.text for t in docx.Document(report).tables for row in t.rows for cell in row.cells)
    page.click("text=逐份函件")
    assert page.locator("details ul.files a", has_text="催报函/001-南京市知识产权局-催报函.docx").count() == 1
    combined = page.locator("ul.files a", has_text="催报函/全部-催报函.docx")
    with page.expect_download() as info:
        combined.click()
    letters = tmp_path / "urge.docx"
    info.value.save_as(letters)
    text = "\n".join(p.text for p in docx.Document(letters).paragraphs)
    assert "南京市知识产权局" in text  # 南京 sent nothing here: urged
    with page.expect_download() as info:
        page.click("text=全部公文.zip")
    bundle = tmp_path / "all.zip"
    info.value.save_as(bundle)
    assert "2023年度贯标工作情况报告.docx" in zipfile.ZipFile(bundle).namelist()
    if keep:
        shot(page, "portal-merge.png")

    # 用户: add a city account from the page, issue it a token, then see it in 日志
    page.goto(f"{portal.url}/users")
    page.fill("form.grid-form input[name=username]", "yangzhou2")
    page.select_option("form.grid-form select[name=city]", "扬州市")
    page.fill("form.grid-form input[name=password]", "a-good-password")
    page.click("form.grid-form button[type=submit]")
    assert "已添加用户 yangzhou2" in page.content()
    page.locator("tr[data-user='yangzhou2'] button", has_text="签发令牌").click()
    token = page.locator("#token").inner_text()
    with portal.client() as c:
        r = c.get("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json() == []
    page.goto(f"{portal.url}/audit?action=user-add")
    assert page.locator("table.audit tbody tr", has_text="yangzhou2").count() == 1
    context.close()


def test_a_city_gets_403_on_every_province_page(portal):
    with portal.client() as c:
        token = c.get("/login").text.split('name="csrftoken" value="')[1].split('"')[0]
        c.post("/login", data={"csrftoken": token, "username": "city04", "password": PASSWORD})
        for path in ("/overview", "/merges", "/merges/1", "/jobs/1", "/users", "/audit"):
            assert c.get(path).status_code == 403, path
        assert c.post("/merges", data={"csrftoken": token, "as_of": "2024-01-15"}).status_code == 403
        assert c.get("/blanks").status_code == 200  # the blank forms are for every account
        assert c.get("/blanks/附件1-2023年度企业贯标指导性计划分解表.xlsx").status_code == 404  # 附件1 is the province's
        assert c.post("/users", data={"csrftoken": token, "op": "add", "username": "x", "role": "province",
                                      "password": "12345678"}).status_code == 403
        assert c.post("/users", data={"op": "add", "username": "x", "role": "province",
                                      "password": "12345678"}).status_code == 403  # no CSRF token either


def test_the_whole_campaign_in_the_browser_from_blank_forms_to_the_register(browser, tmp_path):
    """Blank forms → the cities' uploads → 总览 → merge → report and every letter → the register, confirmed."""
    import zipfile

    import docx

    from formkit.campaign import load_campaign
    from formkit.outputs.blank import write_blanks
    from formkit.outputs.blank.fingerprint import fingerprint_xlsx
    from formkit.outputs.letters import KINDS
    from formkit.samplegen.register import sample_register_path
    from tests.portal.conftest import SAMPLES, city_user
    from tests.portal.test_api import all_uploads, upload

    base = tmp_path / "campaign"
    base.mkdir()
    with running(f"sqlite:///{base / 'formkit.sqlite'}", base / "data") as srv:
        # a city downloads its blank 附件3 (the same as `formkit blank` writes); 附件1 is the province's
        context, page = login(browser, srv, "city03")
        page.click("nav >> text=空白表格")
        assert page.locator("table.blanks tbody tr").count() == 3
        assert page.locator("tr[data-blank='附件1']").count() == 0
        with page.expect_download() as info:
            page.locator("tr[data-blank='附件3'] a", has_text="Excel").click()
        got = tmp_path / "blank.xlsx"
        info.value.save_as(got)
        [mine] = write_blanks(load_campaign(), tmp_path / "lib", forms=["spotcheck"], formats=("xlsx",))
        assert fingerprint_xlsx(got) == fingerprint_xlsx(mine)
        # ... fills it (the sample is 徐州市's filled 附件3, with a seeded error) and uploads it on its page
        page.click("nav >> text=我的报送")
        with page.expect_navigation(url=f"{srv.url}/submissions/*"):
            page.set_input_files("#file", str(sample("徐州市", "3")))
        assert page.locator("td.where", has_text="Sheet1!K11").count() == 1
        context.close()
        for city, path in all_uploads():  # the other files of every city, through the API
            if not (city == "徐州市" and "附件3" in path.name):
                with srv.client(city_user(city)) as c:
                    assert upload(c, path).status_code == 201
        with srv.client("sheng") as c:
            assert upload(c, next((SAMPLES / "省局").iterdir())).status_code == 201  # 附件1, the plan

        context, page = login(browser, srv, "sheng")
        page.goto(f"{srv.url}/blanks")
        assert page.locator("table.blanks tbody tr").count() == 4
        page.goto(f"{srv.url}/overview?as_of=2024-01-15")
        assert page.locator("tr[data-city='徐州市'] td[data-slot='spotcheck']").get_attribute("data-state") == "errors"
        assert page.locator("tr[data-city='宿迁市'] td[data-slot='anomaly'] .state").inner_text() == "未报送"
        assert page.locator("tr[data-city='南京市'] td[data-slot='evaluation-2']").get_attribute("data-state") in (
            "ok", "late")

        page.click("nav >> text=汇总与公文")
        page.fill("input[name=as_of]", "2024-01-15")
        with page.expect_navigation(url=re.compile(r"/merges/\d+$"), timeout=120_000):
            page.click("text=用各市最新报送汇总")
        with page.expect_navigation(url=re.compile(r"/merges/\d+#docs$"), timeout=120_000):
            page.click("text=生成汇总报告和全部函件")
        with page.expect_download() as info:
            page.click("text=全部公文.zip")
        bundle = tmp_path / "all.zip"
        info.value.save_as(bundle)
        names = zipfile.ZipFile(bundle).namelist()
        assert "2023年度贯标工作情况报告.docx" in names
        kinds = {n.split("/", 1)[0] for n in names if "/" in n}
        assert {KINDS["feedback"], KINDS["urge"]} <= kinds <= set(KINDS.values())
        with zipfile.ZipFile(bundle) as zf:
            zf.extract(f"{KINDS['feedback']}/全部-{KINDS['feedback']}.docx", tmp_path / "x")
        feedback = docx.Document(tmp_path / "x" / KINDS["feedback"] / f"全部-{KINDS['feedback']}.docx")
        text = "\n".join(p.text for p in feedback.paragraphs) + "".join(
            cell.text for t in feedback.tables for row in t.rows for cell in row.cells)
        assert "徐州市" in text and "K11" in text  # the seeded error, sent back to its city

        page.click("nav >> text=备案名单")
        page.set_input_files("input[name=file]", str(sample_register_path()))
        with page.expect_navigation():
            page.click("#import")
        assert page.locator("[data-changeset]").count() == 1
        with page.expect_navigation():
            page.click("text=预览变更")
        confirm = page.locator("button", has_text="确认写入")
        assert confirm.count() == 1
        page.goto(f"{srv.url}/registry")
        assert page.locator("[data-changeset]").count() == 1  # the preview wrote nothing
        with page.expect_navigation():
            page.click("text=预览变更")
        with page.expect_navigation():
            page.locator("button", has_text="确认写入").click()
        assert page.locator("[data-changeset]").count() == 2
        context.close()
