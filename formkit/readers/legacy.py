"""Legacy binary files (OLE2): .xls through the Excel engine; .doc/.wps/.et need LibreOffice."""

from __future__ import annotations

from pathlib import Path

from formkit.readers import Unreadable


def ole_kind(path: Path) -> str:
    """Return 'xls', 'doc' or 'unknown' from the OLE2 directory's stream names."""
    with open(path, "rb") as fh:
        data = fh.read(1 << 20)
    lowered = data.lower()
    if any(name.lower().encode("utf-16-le") in lowered for name in ("Workbook", "Book")):
        return "xls"
    if "worddocument".encode("utf-16-le") in lowered:
        return "doc"
    return "unknown"


def read_ole(path: Path, name: str):
    """Return (family, grids) for an OLE2 file, or raise Unreadable."""
    kind = ole_kind(path)
    if kind == "xls":
        from formkit.readers import excel

        return "excel", excel.read_xlsx(path, name)
    if kind == "doc":
        raise Unreadable("暂不能直接读取旧版Word文件（.doc/.wps），请用Word或WPS另存为.docx后提交")
    raise Unreadable("无法识别的旧版Office文件，请另存为.xlsx或.docx后提交")
