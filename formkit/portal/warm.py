"""A LibreOffice kept running inside a reader worker, so a .doc/.wps upload skips its start-up.

`formkit check` starts a fresh ``soffice --headless`` per run (each with its own profile):
~3–4 s of start-up that a city would wait for on every legacy upload. A reader worker
instead keeps one soffice listening on a private pipe and converts through UNO (python3-uno,
the bindings Debian ships for LibreOffice). The copy is then read exactly as the CLI reads its
converted copy (the Word reader under the original's name). soffice is started with
PR_SET_PDEATHSIG, so it dies with its worker (a worker killed for running too long takes its
soffice along); any failure here falls back to the CLI's own path.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNO_PLACES = ("/usr/lib/python3/dist-packages", "/usr/lib/libreoffice/program")
START_SECONDS = 60
#: soffice.bin's exit status asking its launcher for a restart (after creating a new profile).
RESTART = 81

_office = None


def _uno():
    """Return the uno module (python3-uno), or None when it is not installed."""
    if "uno" in sys.modules:
        return sys.modules["uno"]
    for place in UNO_PLACES:
        spec_path = Path(place) / "uno.py"
        if spec_path.is_file():
            try:
                spec = importlib.util.spec_from_file_location("uno", spec_path)
                module = importlib.util.module_from_spec(spec)
                sys.modules["uno"] = module
                spec.loader.exec_module(module)
                return module
            except Exception:  # noqa: BLE001 — bindings of another Python: go without
                sys.modules.pop("uno", None)
                return None
    return None


def _die_with_parent():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Office:
    """One soffice.bin of this process, reached over a UNO pipe."""

    def __init__(self, uno):
        from formkit.readers.office import find_soffice

        self.uno = uno
        found = find_soffice()
        if found is None:
            raise RuntimeError("no soffice")
        real = Path(os.path.realpath(found))
        binary = real.with_name("soffice.bin") if real.with_name("soffice.bin").exists() else real
        self.profile = Path(tempfile.mkdtemp(prefix="formkit-warm-lo-"))
        pipe = f"formkit{os.getpid()}{secrets.token_hex(4)}"
        self.cmd = [str(binary), f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--invisible",
                    "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                    f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        self.proc = self._spawn()
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # noqa: BLE001 — NoConnectException until soffice listens
                if self.proc.poll() == RESTART:
                    self.proc = self._spawn()  # a new profile's first start asks to be restarted
                elif self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError("soffice did not start") from None
                time.sleep(0.1)
        self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent, cwd=self.profile)

    def _props(self, **values):
        out = []
        for name, value in values.items():
            p = self.uno.createUnoStruct("com.sun.star.beans.PropertyValue")
            p.Name, p.Value = name, value
            out.append(p)
        return tuple(out)

    def to_docx(self, src: Path, dest: Path) -> Path:
        """Return ``dest`` after converting the Word file ``src`` to .docx."""
        doc = self.desktop.loadComponentFromURL(self.uno.systemPathToFileUrl(str(src)), "_blank", 0,
                                                self._props(Hidden=True, ReadOnly=True))
        if doc is None:
            raise RuntimeError("not loaded")
        try:
            doc.storeToURL(self.uno.systemPathToFileUrl(str(dest)), self._props(FilterName="MS Word 2007 XML"))
        finally:
            doc.close(True)
        return dest

    def close(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.profile, ignore_errors=True)


def convert_doc(src: Path, work: Path) -> Path | None:
    """Return a .docx copy of the .doc/.wps ``src`` made by this worker's kept LibreOffice, or None.

    None (no python3-uno, no LibreOffice, or the conversion failed) sends the caller to the
    CLI's path; a failure also drops the kept soffice, to be started afresh next time.
    """
    global _office
    uno = _uno()
    if uno is None:
        return None
    try:
        if _office is None or _office.proc.poll() is not None:
            _office = Office(uno)
        staged = work / "upload.doc"  # LibreOffice picks its import filter by the suffix too
        os.link(src, staged)
        out = _office.to_docx(staged, work / "upload.docx")
        return out if out.is_file() and out.stat().st_size > 0 else None
    except Exception:  # noqa: BLE001 — anything odd: fall back to the one-shot converter
        if _office is not None:
            _office.close()
            _office = None
        return None
