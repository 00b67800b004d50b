"""Unified social credit codes (GB 32100-2015): validation with a likely cause for each error.

The GB 32100 check digit comes from python-stdnum (``stdnum.cn.uscc``); stdnum does not
check the region (chars 3–8) or the organisation code's own GB 11714 check digit
(chars 9–17), so those two are checked here against stdnum's division table.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from stdnum.cn import uscc as std_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_FULLWIDTH = re.compile(r"[\uff01-\uff5e\u3000]")
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u206f\u202a-\u202e\ufe00-\ufe0f\u061c\u00ad\u180e"
                        r"\ufeff\u00a0\u3000\x00-\x1f\x7f-]")


def compact(raw: str) -> str:
    """Return the code as it should be written: half-width, upper-case, no spaces or dashes."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw)).upper()


def org_check_char(body8: str) -> str | None:
    """Return the GB 11714 check character for the 8-character organisation-code body."""
    total = 0
    for ch, weight in zip(body8, _ORG_WEIGHTS):
        if ch.isdigit():
            value = int(ch)
        elif "A" <= ch <= "Z":
            value = ord(ch) - 55
        else:
            return None
        total += value * weight
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@functools.cache
def _locations():
    from stdnum import numdb

    return numdb.get("cn/loc")


@functools.lru_cache(maxsize=8192)
def region_exists(code6: str) -> bool:
    """Return True when a 6-digit division code exists (now or in the past) in GB/T 2260."""
    if not code6.isdigit() or len(code6) != 6:
        return False
    info = _locations().info(code6)
    return len(info) == 2 and bool(info[1][1]) and bool(info[0][1])


def gb32100_check_char(first17: str) -> str:
    """Return the GB 32100 check character (delegated to python-stdnum)."""
    return std_uscc.calc_check_digit(first17)


def validate(raw: str, from_number: bool = False) -> tuple[str | None, str | None]:
    """Return (normalised code, None) when valid, else (None, a Chinese reason with a likely cause)."""
    if from_number:
        digits = re.sub(r"\D", "", raw)
        return None, (f"信用代码被存成了数字（{digits}），Excel只保留15位有效数字，末尾几位已变成0或丢失。"
                      "请把该列设置为“文本”格式，再重新填入完整的18位代码")
    code = compact(raw)
    had_fullwidth = bool(_FULLWIDTH.search(raw))
    hint = "（原值含全角字符，已按半角处理）" if had_fullwidth else ""
    if not code:
        return None, None
    if len(code) != 18:
        extra = "，可能漏填或多填了字符" if abs(len(code) - 18) <= 2 else ""
        return None, f"信用代码应为18位，现为{len(code)}位{extra}{hint}，请对照营业执照核对"
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        swapped = code.replace("O", "0").replace("I", "1").replace("Z", "2").replace("S", "5").replace("V", "U")
        guesses = []
        if "O" in bad:
            guesses.append("字母O应为数字0")
        if "I" in bad:
            guesses.append("字母I应为数字1")
        others = sorted({ch for ch in bad if ch not in "OI"})
        if others:
            guesses.append("含有不允许的字符" + "、".join(f"“{c}”" for c in others)
                           + "（信用代码只用数字和除I、O、Z、S、V以外的大写字母）")
        suggestion = ""
        if all(ch in ALPHABET for ch in swapped) and validate(swapped)[0]:
            suggestion = f"，改为 {swapped} 可通过校验"
        return None, "信用代码" + "；".join(guesses) + suggestion + hint
    if not code[:2].isdigit() and not code[0] in ALPHABET:
        return None, "信用代码前两位（登记管理部门和机构类别）不正确"
    if not region_exists(code[2:8]):
        return None, f"信用代码第3至8位行政区划代码“{code[2:8]}”不存在，请核对是否抄错"
    org_expected = org_check_char(code[8:16])
    if org_expected is None or code[16] != org_expected:
        return None, (f"信用代码第9至17位（组织机构代码）的校验位不正确（第17位应为“{org_expected}”而非“{code[16]}”），"
                      "请对照营业执照核对第9至17位")
    expected = gb32100_check_char(code[:17])
    if code[17] != expected:
        return None, (f"信用代码第18位校验码不正确（按前17位计算应为“{expected}”），"
                      f"请对照营业执照逐位核对{hint}")
    return code, None
