"""Take the README's screenshots of the province's pages over the demo's portal (1366×768).

    PYTHONPATH=. python -m tests.portal.screenshots docs/

Loads the samples as `formkit demo` does (seed_demo), starts `formkit serve --as-of 2024-01-15`
on it, then in headless Chromium: 总览, a city's detail, a merge with its documents, the
备案名单 change-set preview, 用户 and 日志. Not a test: run it by hand when the pages change.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import re
import sys
import tempfile
from pathlib import Path

from formkit.campaign import load_campaign
from formkit.portal.demo import PROVINCE_USER, seed_demo
from formkit.samplegen.register import sample_register_path
from tests.portal.conftest import SAMPLES, running
from tests.portal.test_browser import ARGS, CHROMIUM

AS_OF = dt.date(2024, 1, 15)


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="formkit-shots-"))
    made = seed_demo(work / "报送平台", SAMPLES, load_campaign(), AS_OF)
    with running(made.db_url, made.data, users={}, args=("--as-of", AS_OF.isoformat())) as server, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, "--lang=zh-CN"])  # date fields as yyyy/mm/dd
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", PROVINCE_USER[0])
        page.fill("input[name=password]", PROVINCE_USER[1])
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/overview$"))
        page.screenshot(path=str(out / "portal-overview.png"))

        page.click("tr[data-city='徐州市'] th a")
        page.wait_for_load_state()
        page.screenshot(path=str(out / "portal-city-detail.png"))

        page.goto(f"{server.url}/blanks")
        page.screenshot(path=str(out / "portal-blanks.png"))

        page.goto(f"{server.url}/merges")
        with open(made.data / "merge.lock", "a+b") as lock:  # another merge "running": the job waits
            fcntl.flock(lock, fcntl.LOCK_EX)
            page.click("text=用各市最新报送汇总")
            page.wait_for_selector("text=等待另一项汇总或公文任务完成")
            page.screenshot(path=str(out / "portal-job.png"))
            fcntl.flock(lock, fcntl.LOCK_UN)
        page.wait_for_url(re.compile(r"/merges/\d+$"), timeout=300_000)
        with page.expect_navigation(url=re.compile(r"/merges/\d+#docs$"), timeout=300_000):
            page.click("text=生成汇总报告和全部函件")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out / "portal-merge.png"))
        page.goto(f"{server.url}/merges")
        page.screenshot(path=str(out / "portal-merges.png"))

        page.goto(f"{server.url}/registry")
        page.set_input_files("input[name=file]", str(sample_register_path()))
        with page.expect_navigation():
            page.click("#import")
        with page.expect_navigation():
            page.click("text=预览变更")
        page.screenshot(path=str(out / "portal-register-preview.png"))

        page.goto(f"{server.url}/users")
        page.screenshot(path=str(out / "portal-users.png"))
        page.goto(f"{server.url}/audit")
        page.screenshot(path=str(out / "portal-audit.png"))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
