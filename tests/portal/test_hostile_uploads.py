"""Hostile and broken uploads: each answered 201 with its findings while the server stays up.

A worker that runs past the time limit is killed and its upload gets `unreadable`; uploads
sent at the same time are answered normally and the next one is read by a rebuilt pool.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
from pathlib import Path

import pytest

from tests import hostile_files as H
from tests.builders import CODES, eval_row
from tests.portal.conftest import running, sample
from tests.portal.test_api import upload

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "peer"
PEER = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md") if CORPUS.is_dir() else []


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("portal-hostile")
    with running(f"sqlite:///{base / 'formkit.sqlite'}", base / "data") as srv:
        yield srv


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> list[tuple[Path, str]]:
    """(file, a phrase its finding says) for the kinds of SPEC §7."""
    d = tmp_path_factory.mktemp("hostile")
    rows = [eval_row(1), eval_row(2, name="南京乙示例科技有限公司", code=CODES["nj2"])]
    xlsx = H.eval_xlsx(d / "good.xlsx", rows)
    docx = H.eval_docx(d / "good.docx", rows)
    secret = d / "secret.txt"
    secret.write_text("FORMKIT-SECRET", encoding="utf-8")
    xxe = H.rewrite_zip(docx, d / "南京市-附件2-xxe.docx", {H.DOCUMENT: lambda data: H.inject_dtd(
        data, H.xxe_dtd(secret), "&xxe;", "南京青禾示例科技有限公司", 0, "utf-8")})
    return [
        (H.empty_file(d / "空文件.xlsx"), "空"),
        (H.text_renamed(d / "文本.xls"), ""),
        (H.truncated(xlsx, d / "截断.xlsx"), ""),
        (H.encrypted_ooxml(xlsx, d / "加密.xlsx"), "文件已加密"),
        (H.zip_bomb(xlsx, d / "炸弹.xlsx", "xl/media/zeros.bin", 300), "压缩炸弹"),
        (H.lying_zip_bomb(H.to_shared_strings(H.eval_xlsx(d / "sst.xlsx", rows)), d / "炸弹-谎报.xlsx"), ""),
        (xxe, "DTD"),
        (H.image_only_pdf(d / "扫描件.pdf"), "扫描件无文字层"),
        (H.pdf_content_bomb(d / "炸弹.pdf"), ""),
        (H.million_rows(d / "百万行.xlsx"), ""),
    ]


def test_hostile_files_are_answered_with_findings(sqlite_server, hostile):
    with sqlite_server.client("city01") as c:
        for path, phrase in hostile:
            r = upload(c, path)
            assert r.status_code == 201, (path.name, r.status_code, r.text[:200])
            body = r.json()
            codes = {f["code"] for f in body["findings"]}
            assert codes & {"unreadable", "unknown-form"}, (path.name, codes)
            assert phrase in " ".join(f["message"] for f in body["findings"]), (path.name, body["findings"])
            assert "FORMKIT-SECRET" not in r.text
        assert sqlite_server.alive()
        assert upload(c, sample("南京市", "3")).status_code == 201


def test_the_peer_corpus_is_answered_while_the_server_stays_up(sqlite_server):
    if not PEER:
        if os.environ.get("CI") == "true":
            pytest.fail(f"peer corpus missing at {CORPUS}")
        pytest.skip("peer corpus not beside this checkout")

    def send(path):
        with sqlite_server.client("sheng") as c:
            return path, upload(c, path)

    with cf.ThreadPoolExecutor(4) as pool:
        for path, r in pool.map(send, PEER):
            assert r.status_code == 201, (path, r.status_code)
            assert {f["code"] for f in r.json()["findings"]} & {"unreadable", "unknown-form"}, path
    assert sqlite_server.alive()


def test_a_worker_past_its_time_limit_is_killed_and_the_server_stays_up(tmp_path):
    slow = H.xobject_storm_pdf(tmp_path / "南京市-附件2-绘制风暴.pdf")  # about a minute in one process
    with running(f"sqlite:///{tmp_path / 'formkit.sqlite'}", tmp_path / "data",
                 env={"FORMKIT_READ_TIMEOUT": "4"}) as srv:
        def send(path):
            with srv.client("city01") as c:
                return upload(c, path)

        with cf.ThreadPoolExecutor(2) as pool:
            stuck = pool.submit(send, slow)
            import time

            time.sleep(1)
            innocent = pool.submit(send, sample("南京市", "2-1"))
            r, ok = stuck.result(), innocent.result()
        assert r.status_code == 201
        [finding] = r.json()["findings"]
        assert finding["code"] == "unreadable" and "读取超时" in finding["message"]
        assert ok.status_code == 201 and [f["code"] for f in ok.json()["findings"]] == ["uscc"]
        assert srv.alive()
        after = send(sample("南京市", "3"))
        assert after.status_code == 201 and after.json()["forms"][0]["records"] == 34
