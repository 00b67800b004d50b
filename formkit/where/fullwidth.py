"""Typing conveniences of ``--where``: full-width operators and curly quotes read as ASCII,
``=`` as ``==`` and ``<>`` as ``!=`` — outside strings only."""

from __future__ import annotations

_FULLWIDTH_OPS = {"＝": "=", "＞": ">", "＜": "<", "！": "!", "（": "(", "）": ")", "，": ",", "［": "[",
                  "］": "]", "＋": "+", "－": "-", "＊": "*", "／": "/", "％": "%", "．": ".", "　": " ",
                  "：": ":"}
_OPEN_QUOTES = {"“": "”", "‘": "’", '"': '"', "'": "'", "「": "」"}


def normalize(expr: str) -> str:
    """Return ``expr`` with full-width operators, curly quotes, ``=`` and ``<>`` made Python."""
    out: list[str] = []
    i = 0
    n = len(expr)
    while i < n:
        ch = expr[i]
        if ch in _OPEN_QUOTES:
            close = _OPEN_QUOTES[ch]
            j = i + 1
            buf = []
            while j < n and expr[j] != close:
                if expr[j] == "\\" and ch in "\"'" and j + 1 < n:
                    buf.append(expr[j:j + 2])
                    j += 2
                    continue
                buf.append(expr[j])
                j += 1
            body = "".join(buf)
            if ch in "\"'":
                out.append(ch + body + (close if j < n else ""))
            else:  # a curly-quoted string: written out as a Python literal
                out.append(repr(body))
            i = j + 1
            continue
        ch = _FULLWIDTH_OPS.get(ch, ch)
        if ch == "=":
            prev = out[-1] if out else ""
            nxt = _FULLWIDTH_OPS.get(expr[i + 1], expr[i + 1]) if i + 1 < n else ""
            if prev not in ("=", "!", "<", ">") and nxt != "=":
                out.append("==")
                i += 1
                continue
        if ch == ">" and out and out[-1] == "<":
            out[-1] = "!"
            out.append("=")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)
