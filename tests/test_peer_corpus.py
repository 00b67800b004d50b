"""150 real office files from other projects: each gets `unknown-form` or `unreadable`, never a crash."""

import os
import time
from pathlib import Path

import pytest

from formkit import api

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "peer"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md") if CORPUS.is_dir() else []


def test_corpus_present():
    if not FILES:
        if os.environ.get("CI") == "true":
            pytest.fail(f"peer corpus missing at {CORPUS}")
        pytest.skip("peer corpus not beside this checkout")
    assert len(FILES) == 150


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(CORPUS).as_posix() for p in FILES])
def test_every_peer_file_gets_a_finding(path, campaign):
    start = time.monotonic()
    result = api.check([path], campaign)
    elapsed = time.monotonic() - start
    codes = {f.code for f in result.findings}
    assert codes & {"unknown-form", "unreadable"}, codes
    assert all(f.file == path.name for f in result.findings)
    assert all(f.message and not f.message.isascii() for f in result.findings)  # Chinese messages
    assert elapsed < 30, f"{path.name} took {elapsed:.1f}s"


def test_encrypted_files_say_so(campaign):
    encrypted = [CORPUS / "calamine" / "pass_protected.xlsx", CORPUS / "python-calamine" / "password.xls"]
    for path in encrypted:
        if path.exists():
            [finding] = api.check([path], campaign).findings
            assert finding.code == "unreadable" and "文件已加密" in finding.message, path
