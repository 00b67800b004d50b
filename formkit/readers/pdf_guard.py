"""The guards of the PDF reader against hostile files: a time budget that stops pdfminer inside
a page, and the decoded size of a page's content streams measured before pdfminer inflates them."""

from __future__ import annotations

import contextlib
import signal
import threading
import zlib


class Overtime(BaseException):
    """Raised by the alarm when a file overruns its budget (a BaseException: pdfminer's own
    ``except Exception`` blocks must not swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds`` (SIGALRM, main thread only, when no one else uses it).

    The page loop checks the budget between pages; one crafted page (a form XObject drawn a
    million times) can take minutes by itself: the alarm stops it inside pdfminer.
    """
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None))
    if not usable:
        yield
        return

    def overtime(signum, frame):
        raise Overtime()

    previous = signal.signal(signal.SIGALRM, overtime)
    # Repeat every quarter second until cleared: an exception raised while Python runs a
    # destructor or a GC callback is printed and dropped, and a one-shot alarm would then
    # never stop the page (seen under load: a 2 s budget that ran for 111 s).
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def content_size(page, limit: int) -> int:
    """Return the decoded size of a page's content streams, or a number over ``limit``.

    Flate streams (nearly all) are inflated here with a cap, before pdfminer inflates them
    whole; streams with other filter chains are measured by pdfminer's own decoding.
    """
    from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFStream, resolve1

    total = 0
    try:
        contents = page.page_obj.contents or []
    except Exception:  # noqa: BLE001 — a broken page: pdfplumber reports it when it parses
        return 0
    for ref in contents:
        try:
            stream = resolve1(ref)
        except Exception:  # noqa: BLE001
            continue
        if not isinstance(stream, PDFStream):
            continue
        room = limit - total
        if stream.data is not None:
            total += len(stream.data)
        else:
            raw = stream.rawdata or b""
            filters = [f for f, _ in stream.get_filters()]
            if not filters:
                total += len(raw)
            elif stream.decipher is None and all(f in LITERALS_FLATE_DECODE for f in filters):
                total += _inflated_size(raw, len(filters), room + 1)
            else:
                try:
                    total += len(stream.get_data())
                except Exception:  # noqa: BLE001 — pdfminer says what is wrong when it parses
                    pass
        if total > limit:
            break
    return total


def _inflated_size(data: bytes, times: int, cap: int) -> int:
    """Return the size of ``data`` inflated ``times`` times, stopping past ``cap`` bytes."""
    for _ in range(times):
        try:
            out = zlib.decompressobj().decompress(data, cap)
        except zlib.error:
            return len(data)  # pdfminer recovers what it can of a corrupt stream
        if len(out) >= cap:
            return len(out)
        data = out
    return len(data)
