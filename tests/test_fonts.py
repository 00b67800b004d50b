"""formkit's fontconfig file for LibreOffice: every Chinese font name the documents use → an SC face."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

import pytest

from formkit import fonts

NAMES = {
    "仿宋_GB2312": "Noto Serif CJK SC", "仿宋": "Noto Serif CJK SC", "FangSong": "Noto Serif CJK SC",
    "方正仿宋_GBK": "Noto Serif CJK SC", "宋体": "Noto Serif CJK SC", "SimSun": "Noto Serif CJK SC",
    "方正小标宋简体": "Noto Serif CJK SC", "黑体": "Noto Sans CJK SC", "SimHei": "Noto Sans CJK SC",
    "楷体_GB2312": "AR PL UKai CN", "楷体": "AR PL UKai CN", "KaiTi": "AR PL UKai CN",
    "Noto Sans CJK JP": "Noto Sans CJK SC", "Noto Serif CJK KR": "Noto Serif CJK SC",
}


def require_fonts():
    if shutil.which("fc-match") is None or not fonts._noto_collections():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("fontconfig or fonts-noto-cjk is not installed: .ci/run must install them")
        pytest.skip("fontconfig or fonts-noto-cjk is not installed")


@pytest.mark.parametrize("name,family", list(NAMES.items()))
def test_each_chinese_font_name_resolves_to_an_sc_face(name, family):
    require_fonts()
    env = fonts.soffice_env()
    assert env["FONTCONFIG_FILE"].endswith("fonts.conf")
    found = subprocess.run(["fc-match", "-f", "%{family[0]}|%{file}", name], env=env, capture_output=True,
                           text=True, check=True).stdout
    got, path = found.split("|")
    assert got == family, (name, found)
    if got.startswith("Noto"):  # the SC-named copy, not the original collection
        assert path.startswith(str(fonts.prepared_conf().parent)), path


def test_shipped_conf_includes_the_system_configuration():
    text = fonts.CONF.read_text(encoding="utf-8")
    assert "<include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>" in text
    assert text.index("仿宋_GB2312") < text.index("/etc/fonts/fonts.conf")  # formkit's rules first: they win


def _cff_tables(data: bytes) -> set[tuple[int, int]]:
    count = struct.unpack(">I", data[8:12])[0]
    tables = set()
    for offset in struct.unpack(f">{count}I", data[12:12 + 4 * count]):
        for k in range(struct.unpack(">H", data[offset + 4:offset + 6])[0]):
            tag, _c, start, length = struct.unpack(">4sIII", data[offset + 12 + 16 * k:offset + 28 + 16 * k])
            if tag == b"CFF ":
                tables.add((start, length))
    return tables


def test_sc_named_copies_change_only_the_cff_names():
    require_fonts()
    [original] = [p for p in fonts._noto_collections() if p.name == "NotoSansCJK-Regular.ttc"]
    data = original.read_bytes()
    copy = fonts.sc_named(data)
    assert len(copy) == len(data)
    [(start, length)] = _cff_tables(data)
    assert b"NotoSansCJKjp-Regular" in data[start:start + length]
    assert b"CJKjp" not in copy[start:start + length] and b"NotoSansCJKsc-Regular" in copy[start:start + length]
    assert copy[:start] == data[:start] and copy[start + length:] == data[start + length:]
    assert fonts.sc_named(b"OTTO not a collection") == b"OTTO not a collection"
