"""PDF files with a text layer → Grids through pdfplumber; a scan has no text and is refused.

Each ruled table on a page becomes one Grid named ``第{page}页表{n}`` (kind ``pdf``), its rows
and columns counted within that table. pdfplumber never joins a table across pages: the layout
module continues a form from one grid to the next when the header is repeated, or when a
headerless table has the same width. The page text outside the tables goes to the grids around
it, as Word paragraphs do: lines before a table → ``Grid.before`` (title, 填报单位, 填报日期),
lines after it → ``Grid.after`` (填表人, notes); text between two tables belongs to both.

pdfplumber gives ``None`` for positions a spanned cell covers; the covering cell's text is
copied there, so a merged cell gives its value to every position, as in Excel and Word.
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from formkit.normalize import clean_text
from formkit.readers.base import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, Unreadable
from formkit.table import Grid, RawCell

MAX_PAGES = 200
MAX_PAGE_CHARS = 40000        # characters on one page (a normal A4 form page holds < 5,000)
MAX_PAGE_GRAPHICS = 20000     # lines + rects + curves on one page (table rulings)
MAX_TABLE_CELLS = 20000       # cells of one table
MAX_SECONDS = 60.0            # reading budget for one file, checked between pages
MAX_PAGE_CONTENT = 2 * 1024 * 1024  # decoded content-stream bytes of one page (real form pages: < 200 KB)

SCAN_CHARS_PER_PAGE = 30      # fewer characters than this a page, on pictures, and no table: a scan
MARGIN_BAND = 0.08            # top and bottom share of a page where running headers/footers sit
COL_TOLERANCE = 2.0           # points: column rulings of a table continued on the next page
SEQ_HEADER = re.compile(r"^(序号|编号|序)$")

TOO_SLOW = "PDF内容过于复杂，{seconds}秒内未能读完，请提交可编辑的Excel或Word文件"
SCAN = "扫描件无文字层，请提交可编辑的文件"
CID = ("PDF使用了无法解码的字体（文字提取为“(cid:…)”），无法可靠读取，"
       "请提交可编辑的Excel或Word文件")
EMPTY = RawCell("")


def read_pdf(path: Path, name: str) -> list[Grid]:
    """Return one Grid per table on the pages, with the page text before and after each."""
    import pdfplumber

    # pdfminer logs font quirks as warnings; a finding says what matters, stderr stays quiet.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:
        msg = _describe(exc).lower()
        if "password" in msg or "encrypt" in msg:
            raise Unreadable("文件已加密，请取消密码后重新提交") from exc
        raise Unreadable("PDF文件已损坏，无法读取，请提交可编辑的Excel或Word文件") from exc
    started = time.monotonic()
    try:
        with pdf, _time_limit(MAX_SECONDS + min(5.0, 1.0 + MAX_SECONDS / 10)):
            try:
                pages = pdf.pages
            except Exception as exc:
                raise Unreadable("PDF文件已损坏（页面结构无法解析），请提交可编辑的Excel或Word文件") from exc
            if len(pages) > MAX_PAGES:
                raise Unreadable(f"PDF页数过多（{len(pages)}页，上限{MAX_PAGES}页），请拆分后提交或提交Excel/Word文件")
            grids: list[Grid] = []
            placed: list[_Placed] = []
            margin_seen: set[str] = set()
            pending: list[str] = []
            chars_seen = 0
            image_pages = 0
            for page_no, page in enumerate(pages, start=1):
                if time.monotonic() - started > MAX_SECONDS:
                    raise Unreadable(TOO_SLOW.format(seconds=int(MAX_SECONDS)))
                try:
                    chars_seen += page_to_grids(page, page_no, name, grids, pending, placed, margin_seen)
                    image_pages += bool(page.images)
                finally:
                    page.close()  # drop the page's cached objects: memory stays flat over many pages
    except _Overtime as exc:
        raise Unreadable(TOO_SLOW.format(seconds=int(MAX_SECONDS))) from exc
    if chars_seen == 0:
        raise Unreadable(SCAN)
    if not grids and image_pages * 2 >= len(pages) and chars_seen < SCAN_CHARS_PER_PAGE * len(pages):
        # Pictures of pages with a stray line of text (a page number, a stamp added later):
        # still a scan — no table text to read.
        raise Unreadable(SCAN)
    join_split_rows(placed)
    carry_spans(placed)
    if grids:
        grids[-1].after = list(pending)
    elif pending:
        # Text but no ruled table: keep the lines so the caller can tell what the file holds.
        grids.append(Grid(file=name, sheet="正文", kind="pdf", rows=[], before=list(pending), index=0))
    if any("(cid:" in text for text in _all_text(grids)):
        raise Unreadable(CID)
    return grids


class _Overtime(BaseException):
    """Raised by the alarm when a file overruns its budget (a BaseException: pdfminer's own
    ``except Exception`` blocks must not swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float):
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
        raise _Overtime()

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


@dataclass
class _Placed:
    """Where a grid's table sat: page, order on the page, column rulings."""

    grid: Grid
    page: int
    first_on_page: bool
    last_on_page: bool
    xs: list[float]
    #: ids of the cells that cover more than one row (merged down), taken before rows are joined
    spans: set[int] = field(default_factory=set)


def page_to_grids(page, page_no: int, name: str, grids: list[Grid], pending: list[str],
                  placed: list[_Placed] | None = None, margin_seen: set[str] | None = None) -> int:
    """Append the page's tables to ``grids`` and its free text to them or ``pending``; return its char count.

    A line in the top or bottom margin that an earlier page had there too is a running
    header or footer (a title repeated on every page): it is dropped, or each page would
    look like a new form instead of the table continued.
    """
    size = content_size(page, MAX_PAGE_CONTENT)
    if size > MAX_PAGE_CONTENT:
        # Checked before pdfminer interprets the page: a few KB can inflate to hundreds of MB
        # of drawing operators, and interpreting them would take minutes.
        raise Unreadable(f"PDF第{page_no}页内容过多（超过{MAX_PAGE_CONTENT // (1024 * 1024)} MB的绘制指令），"
                         "无法读取，请提交Excel或Word文件")
    chars = page.chars
    if len(chars) > MAX_PAGE_CHARS:
        raise Unreadable(f"PDF第{page_no}页内容过多（{len(chars)}个字符），无法读取，请提交Excel或Word文件")
    if len(page.lines) + len(page.rects) + len(page.curves) > MAX_PAGE_GRAPHICS:
        raise Unreadable(f"PDF第{page_no}页图形过于复杂，无法识别表格，请提交Excel或Word文件")
    visible = sum(1 for c in chars if c.get("text", "").strip())
    if not visible:
        return 0
    tables = sorted(page.find_tables(), key=lambda t: (t.bbox[1], t.bbox[0]))
    lines = page.extract_text_lines(return_chars=False) if chars else []
    boxes = [t.bbox for t in tables]
    free = [ln for ln in lines if not any(_inside(ln, box) for box in boxes)]
    if margin_seen is not None:
        free = _drop_running(free, float(page.height), margin_seen)
    for t_index, table in enumerate(tables):
        top = table.bbox[1]
        above = [ln for ln in free if ln["bottom"] <= top + 1]
        free = [ln for ln in free if ln["bottom"] > top + 1]
        pending.extend(_texts(above))
        if grids:
            grids[-1].after = list(pending)
        grid = Grid(file=name, sheet=f"第{page_no}页表{t_index + 1}", kind="pdf",
                    rows=table_to_rows(table, page_no), before=list(pending), index=len(grids))
        grids.append(grid)
        if placed is not None:
            xs = sorted({round(c[0], 1) for c in table.cells} | {round(c[2], 1) for c in table.cells})
            placed.append(_Placed(grid, page_no, t_index == 0, t_index == len(tables) - 1, xs,
                                  _spanning_cells(grid.rows)))
        pending.clear()
    pending.extend(_texts(free))
    return visible


def join_split_rows(placed: list[_Placed]) -> None:
    """Glue back a row that a page break cut in two (Word lets a row break across pages).

    The tail of such a row is the first data row of the table on the next page: same column
    rulings, 序号 empty where the row above has one, and text only in some of the cells that
    had text.
    Its text is appended to the row above, and the tail row dropped (row numbers kept).
    """
    for prev, cur, seq_col, i in _continued_tables(placed):
        if seq_col is None or i >= len(cur.grid.rows):
            continue
        head, tail = prev.grid.rows[-1], cur.grid.rows[i]
        if len(head) != len(tail) or seq_col >= len(tail):
            continue
        if tail[seq_col].text or not head[seq_col].text or _is_header_row(head, seq_col):
            continue
        filled = [j for j, c in enumerate(tail) if c.text]
        head_filled = sum(1 for c in head if c.text)
        # A tail holds only the cells that wrapped (short values — dates, scores — never do);
        # a real row that merely lacks its 序号 has all its other cells.
        if not filled or any(not head[j].text for j in filled) or len(filled) > head_filled - 2:
            continue
        joined: dict[int, RawCell] = {}
        new_row = []
        for j, (a, b) in enumerate(zip(head, tail)):
            if not b.text:
                new_row.append(a)
                continue
            key = (id(a), id(b))
            if key not in joined:  # a spanned cell is one object at several positions
                text = a.text + b.text
                joined[key] = RawCell(text, text)
            new_row.append(joined[key])
        prev.grid.rows[-1] = new_row
        # A merged cell cut by the break goes on below the tail: its rows get the whole text.
        # So do the rows above the break that the same cell covers.
        rows, above = cur.grid.rows, prev.grid.rows
        for j, (a, b) in enumerate(zip(head, tail)):
            if not b.text:
                continue
            r = i + 1
            while r < len(rows) and j < len(rows[r]) and rows[r][j] is b:
                rows[r][j] = new_row[j]
                r += 1
            r = len(above) - 2
            while r >= 0 and j < len(above[r]) and above[r][j] is a:
                above[r][j] = new_row[j]
                r -= 1
        del rows[i]
        del cur.grid.row_numbers[i]


def carry_spans(placed: list[_Placed]) -> None:
    """Give a vertically merged cell that a page break cut its value on the next page too.

    Word and LibreOffice print a merged cell's text in its first part only: on the next page
    the rest of the span is an empty box. When a table continues on the next page (same
    column rulings, last table of one page and first of the next), a column whose first data
    cell there is empty, while the cell that closed the previous page has text, and one of
    the two is a span over several rows, is that span continued: every position of the empty
    box gets the text. An entirely empty first row there (the empty rest of a row the break
    cut, every cell blank) is dropped first.

    A span whose parts are one row on each page looks exactly like a filled cell over an
    empty one: it is taken for a span only when the column has cells merged down elsewhere
    on those two pages (the city merges that column); otherwise the empty cell stays empty.
    """
    for prev, cur, seq_col, i in _continued_tables(placed):
        rows = cur.grid.rows
        if i < len(rows) and i + 1 < len(rows) and not any(c.text for c in rows[i]):
            del rows[i]
            del cur.grid.row_numbers[i]
        if i >= len(rows):
            continue
        above = prev.grid.rows
        last = above[-1]
        if seq_col is not None and _is_header_row(last, seq_col):
            continue
        for j, top in enumerate(rows[i]):
            if j >= len(last):
                break
            bottom = last[j]
            if top.text or not bottom.text:
                continue
            if (id(top) not in cur.spans and id(bottom) not in prev.spans
                    and not _merges_down(rows, j, cur.spans) and not _merges_down(above, j, prev.spans)):
                continue
            r = i
            while r < len(rows) and j < len(rows[r]) and rows[r][j] is top:
                rows[r][j] = bottom
                r += 1


def _continued_tables(placed: list[_Placed]):
    """Yield (previous, current, 序号 column or None, index of current's first data row) for
    each table that continues the one closing the previous page (same column rulings)."""
    seq_col: int | None = None
    for k, cur in enumerate(placed):
        found = _seq_column(cur.grid)
        if found is not None:
            seq_col = found
        if k == 0:
            continue
        prev = placed[k - 1]
        if not (prev.last_on_page and cur.first_on_page and cur.page == prev.page + 1):
            continue
        if not _same_columns(prev.xs, cur.xs) or not prev.grid.rows or not cur.grid.rows:
            continue
        i = 0
        while i < len(cur.grid.rows) and seq_col is not None and _is_header_row(cur.grid.rows[i], seq_col):
            i += 1
        yield prev, cur, seq_col, i


def _merges_down(rows: list[list[RawCell]], j: int, spans: set[int]) -> bool:
    """Return True when column ``j`` of these rows holds a cell merged down over several rows."""
    return any(j < len(row) and id(row[j]) in spans for row in rows)


def _spanning_cells(rows: list[list[RawCell]]) -> set[int]:
    """Return the ids of the cells found at the same column in two consecutive rows."""
    out: set[int] = set()
    for upper, lower in zip(rows, rows[1:]):
        for a, b in zip(upper, lower):
            if a is b and a is not EMPTY:
                out.add(id(a))
    return out


def _seq_column(grid: Grid) -> int | None:
    for row in grid.rows[:6]:
        for j, cell in enumerate(row[:4]):
            if SEQ_HEADER.match(cell.text.replace(" ", "")):
                return j
    return None


def _is_header_row(row: list[RawCell], seq_col: int) -> bool:
    return seq_col < len(row) and bool(SEQ_HEADER.match(row[seq_col].text.replace(" ", "")))


def _same_columns(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= COL_TOLERANCE for x, y in zip(a, b))


def table_to_rows(table, page_no: int) -> list[list[RawCell]]:
    """Return a pdfplumber table's rows, each spanned position filled from its covering cell."""
    cells = table.cells
    if len(cells) > MAX_TABLE_CELLS:
        raise Unreadable(f"PDF第{page_no}页的表格过大（{len(cells)}个单元格），请提交Excel或Word文件")
    prows = table.rows
    texts = table.extract()
    by_box: dict[tuple, RawCell] = {}
    xs: dict[int, float] = {}
    grid: list[list[RawCell | None]] = []
    for r, (prow, trow) in enumerate(zip(prows[:MAX_ROWS], texts)):
        out: list[RawCell | None] = []
        for c, (box, text) in enumerate(zip(prow.cells[:MAX_COLS], trow)):
            if box is None:
                out.append(None)
                continue
            xs.setdefault(c, box[0])
            # One object per box, empty ones too: a span is then the same object at every
            # position it covers, which is how a span continued on the next page is told.
            cell = _raw(text) if text else RawCell("")
            by_box[box] = cell
            out.append(cell)
        grid.append(out)
    rows: list[list[RawCell]] = []
    for r, out in enumerate(grid):
        top = prows[r].bbox[1]
        rows.append([cell if cell is not None else _covering(by_box, xs.get(c), top) for c, cell in enumerate(out)])
    width = max((len(r) for r in rows), default=0)
    return [r + [EMPTY] * (width - len(r)) for r in rows]


def _covering(by_box: dict[tuple, RawCell], x: float | None, top: float) -> RawCell:
    """Return the cell whose box covers the grid position starting at (x, top), else empty."""
    if x is None:
        return EMPTY
    px, py = x + 0.5, top + 0.5
    for (x0, t0, x1, b0), cell in by_box.items():
        if x0 <= px < x1 and t0 <= py < b0:
            return cell
    return EMPTY


def _raw(text: str | None) -> RawCell:
    """Return the RawCell of a cell's text, its wrapped lines joined (a PDF wraps by width)."""
    if not text:
        return EMPTY
    text = text[:MAX_CELL_CHARS]
    # A narrow column wraps words, codes and dates anywhere: the line breaks are not the user's.
    joined = "".join(part.strip() for part in text.split("\n"))
    joined = clean_text(joined)
    return RawCell(joined, joined) if joined else EMPTY


def _describe(exc: BaseException) -> str:
    """Return the names and messages along an exception's chain (pdfplumber wraps pdfminer's)."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen and len(parts) < 5:
        seen.add(id(exc))
        parts.append(f"{type(exc).__name__} {exc!r}")
        exc = exc.__cause__ or exc.__context__
    return " ".join(parts)


def _inside(line: dict, box: tuple) -> bool:
    """Return True when a text line's middle lies within a table's box."""
    x0, top, x1, bottom = box
    ym = (line["top"] + line["bottom"]) / 2
    return top - 1 <= ym <= bottom + 1 and line["x1"] > x0 and line["x0"] < x1


def _drop_running(lines: list[dict], height: float, seen: set[str]) -> list[dict]:
    """Return the lines less running headers/footers already seen in an earlier page's margin."""
    band = height * MARGIN_BAND
    kept, here = [], set()
    for ln in lines:
        in_margin = ln["bottom"] <= band or ln["top"] >= height - band
        key = clean_text(ln.get("text", "")).replace(" ", "")
        if in_margin and key:
            if key in seen:
                continue
            here.add(key)
        kept.append(ln)
    seen |= here
    return kept


def _texts(lines: list[dict]) -> list[str]:
    out = []
    for ln in lines:
        text = clean_text(ln.get("text", ""))
        if text:
            out.append(text)
    return out


def _all_text(grids: list[Grid]):
    for g in grids:
        yield from g.before
        yield from g.after
        for row in g.rows:
            for cell in row:
                yield cell.text
