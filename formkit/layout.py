"""Grids → Submissions: find the form, its title, header rows, header block, data and footer.

Works the same on Excel sheets, Word tables and PDF tables: a reader has already unfolded
merged cells, so a two-row header with a merged parent shows the parent over each child.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from formkit import normalize as n
from formkit.forms import Column, Form
from formkit.table import Cell, Grid, HeaderBlock, RawCell, Record, Source, Submission
from formkit.values import parse_cell

HEADER_SCAN_ROWS = 40
MIN_HEADER_MATCH = 3

UNIT_LABEL = r"填报单位|报送单位|填表单位|上报单位"
DATE_LABEL = r"填报日期|填报时间|报送日期|报送时间|填表日期|填表时间|上报日期"
BATCH_LABEL = r"批次|填报批次"
FOOTER_LABEL = r"填表人|审核人|制表人|负责人|经办人|联系电话|联系人"
_LABEL = re.compile(rf"({UNIT_LABEL}|{DATE_LABEL}|{BATCH_LABEL}|{FOOTER_LABEL})\s*(?:[（(][^）)]*[）)])?\s*[:：]?")
_NOTE = re.compile(r"^(填表说明|填报说明|说明|注|备注|附注)\s*[:：1１一]")
_TOTAL = {"合计", "总计", "小计", "全省合计", "全省"}
_EMPTY = RawCell("")


@dataclass
class HeaderMatch:
    """Where a form's header was found in a grid and which grid column is which form column."""

    form: Form
    start: int
    nrows: int
    colmap: dict[int, Column]
    extra: list[str] = field(default_factory=list)
    score: float = 0.0
    header_texts: frozenset = frozenset()


def row_texts(row: list[RawCell]) -> list[str]:
    return [c.text for c in row]


def _map_row(form: Form, texts: list[str], parents: list[str] | None = None) -> tuple[dict, list, int]:
    """Return (grid column → form column, unknown header texts, columns named by the parent row)."""
    colmap: dict[int, Column] = {}
    used: set[str] = set()
    extra: list[str] = []
    from_parent = 0
    for j, text in enumerate(texts):
        col = None
        if parents is not None:
            parent = parents[j]
            if text and text != parent:
                col = form.match_header(text)
                if col is None:
                    col = form.match_header(parent + text)
                    from_parent += col is not None
            if col is None and parent:
                col = form.match_header(parent)
                from_parent += col is not None
            shown = text if text and text != parent else parent
        else:
            col = form.match_header(text) if text else None
            shown = text
        if col is not None and col.key not in used:
            colmap[j] = col
            used.add(col.key)
        elif shown and shown not in extra and col is None:
            extra.append(shown)
    return colmap, extra, from_parent


def is_form_header(form: Form, colmap: dict[int, Column], titled: bool) -> bool:
    """Return True when a header row makes the table this form (SPEC §3).

    A table is the form when its title names the form (then at least one required column is
    enough: the columns it lacks are `missing-column`), or when its header holds more than
    half of the form's required columns. A roster or a statistics table that shares a few
    headers (序号, 发证日期, 备注 …) with a form is not that form.
    """
    required = form.required_columns
    hit = sum(1 for c in colmap.values() if c.required)
    if not required:
        return True
    if titled:
        return hit > 0
    return hit * 2 > len(required)


def find_header(grid: Grid, forms: list[Form], title_text: str = "") -> HeaderMatch | None:
    """Return the best header match of any form in the first rows of ``grid``, or None."""
    best: HeaderMatch | None = None
    limit = min(len(grid.rows), HEADER_SCAN_ROWS)
    for i in range(limit):
        texts = row_texts(grid.rows[i])
        if sum(1 for t in texts if t) < 2:
            continue
        for form in forms:
            bonus = 0.5 if any(k in title_text for k in form.title_keywords) else 0.0
            colmap, extra, _ = _map_row(form, texts)
            candidates = [(colmap, extra, 1)]
            if i + 1 < len(grid.rows):
                cm2, ex2, from_parent = _map_row(form, row_texts(grid.rows[i + 1]), parents=texts)
                # Two header rows only when the upper row names columns the lower cannot.
                if len(cm2) > len(colmap) and from_parent and any(
                        form.match_header(t) for t in texts if t):
                    candidates.append((cm2, ex2, 2))
            for cm, ex, nrows in candidates:
                if len(cm) < MIN_HEADER_MATCH:
                    continue
                required = [c for c in form.required_columns]
                req_hit = sum(1 for c in cm.values() if c.required)
                if not is_form_header(form, cm, bool(bonus)):
                    continue
                score = len(cm) + req_hit / max(1, len(required)) + bonus
                if best is None or score > best.score + 1e-9:
                    known = {t for r in grid.rows[i:i + nrows] for t in row_texts(r) if t}
                    known.update(h for c in form.columns for h in (c.header, *c.aliases))
                    best = HeaderMatch(form, i, nrows, cm, ex, score, frozenset(known))
        if best is not None and best.start < i - 1:
            break  # the header is the first good match; later rows are data
    return best


def closest_form(grids: list[Grid], forms: list[Form]) -> tuple[Form, list[Column]] | None:
    """Return the form whose required columns a header row of these grids names most, with them.

    For the `unknown-form` message: which form a table came nearest to, and why it is not it.
    """
    best: tuple[int, int, Form, list[Column]] | None = None
    for grid in grids:
        for i in range(min(len(grid.rows), HEADER_SCAN_ROWS)):
            texts = row_texts(grid.rows[i])
            if sum(1 for t in texts if t) < 2:
                continue
            for rank, form in enumerate(forms):
                colmap, _, _ = _map_row(form, texts)
                hit = [c for c in colmap.values() if c.required]
                if hit and (best is None or (len(hit), -rank) > (best[0], best[1])):
                    best = (len(hit), -rank, form, hit)
    return (best[2], best[3]) if best else None


def is_repeated_header(row: list[RawCell], match: HeaderMatch) -> bool:
    """Return True when a data row repeats the header (a table continued on a new page)."""
    texts = match.header_texts
    hits = 0
    need = max(2, len(match.colmap) // 2)
    for j in match.colmap:
        # A repeated header has the same texts as the header (or the declared names): an
        # exact look-up, cheap on every row of a large table, and data never looks like it.
        if j < len(row) and row[j].text in texts:
            hits += 1
            if hits >= need:
                return True
    return False


def _is_total_row(row: list[RawCell]) -> bool:
    for cell in row[:4]:
        if n.compact(cell.text) in _TOTAL:
            return True
    return False


def _distinct_texts(row: list[RawCell], limit: int = 0) -> list[str]:
    """Return the row's distinct non-empty texts in order (stop past ``limit`` when given)."""
    out: list[str] = []
    for cell in row:
        if cell.text and cell.text not in out:
            out.append(cell.text)
            if limit and len(out) > limit:
                break
    return out


def _is_note_row(row: list[RawCell]) -> bool:
    texts = _distinct_texts(row, 1)
    return len(texts) == 1 and bool(_NOTE.match(n.compact(texts[0])))


def _is_footer_row(row: list[RawCell]) -> bool:
    texts = _distinct_texts(row, 4)
    if not texts or len(texts) > 4:
        return False
    joined = " ".join(texts)
    return bool(re.search(r"(填表人|审核人|制表人|经办人)\s*[:：]", joined))


def labelled_values(text: str) -> list[tuple[str, str]]:
    """Return (label, value) pairs from a line such as ``填报单位（盖章）：X  填报日期：Y``."""
    out = []
    matches = list(_LABEL.finditer(text))
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        value = text[m.end():end].strip(" \t\u3000:：")
        out.append((m.group(1), value))
    return out


def _label_kind(label: str) -> str | None:
    if re.fullmatch(UNIT_LABEL, label):
        return "unit"
    if re.fullmatch(DATE_LABEL, label):
        return "date"
    if re.fullmatch(BATCH_LABEL, label):
        return "batch"
    return "footer"


def _meaningful(kind: str, value: str) -> bool:
    if kind == "date":
        return bool(re.search(r"\d", value))
    if kind == "batch":
        return bool(re.search(r"[一二12１２上下]", value))
    return bool(value.strip(" _　"))


def scan_block(block: HeaderBlock, lines: list[tuple[str, Source, list[tuple[str, Source]] | None]]) -> None:
    """Fill ``block`` from text lines (each with its source and, for a sheet row, its cells)."""
    for text, source, cells in lines:
        if cells is not None:
            # A sheet row: look cell by cell so each value keeps its own cell reference.
            for idx, (ctext, csrc) in enumerate(cells):
                pairs = labelled_values(ctext)
                for label, value in pairs:
                    vsrc = csrc
                    if not value and len(pairs) == 1:
                        for ntext, nsrc in cells[idx + 1:]:
                            if ntext and not _LABEL.match(ntext):
                                value, vsrc = ntext, nsrc
                                break
                            if ntext:
                                break
                    _put(block, label, value, vsrc)
        else:
            for label, value in labelled_values(text):
                _put(block, label, value, source)


def _put(block: HeaderBlock, label: str, value: str, source: Source) -> None:
    kind = _label_kind(label)
    if kind == "footer":
        if value and label not in block.footer:
            block.footer[label] = value
        return
    if not _meaningful(kind, value):
        return
    if getattr(block, kind) is None:
        setattr(block, kind, Cell(raw=value, value=None, source=source))


def _grid_lines(grid: Grid, rows: range) -> list:
    out = []
    for i in rows:
        row = grid.rows[i]
        cells = []
        seen_ids = set()
        for j, cell in enumerate(row):
            if cell.text and id(cell) not in seen_ids:
                seen_ids.add(id(cell))
                cells.append((cell.text, grid.source(i, j)))
        if cells:
            out.append((" ".join(t for t, _ in cells), grid.source(i), cells))
    return out


def _para_lines(grid: Grid, lines: list[str]) -> list:
    src = Source(grid.file, None, None, None, grid.kind)
    return [(line, src, None) for line in lines]


def _title_from(texts: list[str], form: Form) -> str:
    for text in texts:
        if any(k in n.compact(text) for k in form.title_keywords):
            return text
    return ""


def rows_to_records(grid: Grid, match: HeaderMatch, sub: Submission, first_row: int, campaign) -> int:
    """Append the grid's data rows to ``sub``; return the index after the last row read."""
    i = first_row
    while i < len(grid.rows):
        row = grid.rows[i]
        if _is_footer_row(row) or _is_note_row(row):
            return i
        if is_repeated_header(row, match):
            i += 1
            continue
        # 序号 and a prefilled 设区市 (the plan lists the cities in advance) are not data.
        data_cells = [(j, col) for j, col in match.colmap.items() if col.type not in ("seq", "city")]
        is_total = _is_total_row(row)
        if not is_total and all(j >= len(row) or not row[j].text for j, _ in data_cells):
            i += 1
            continue
        cells = {}
        file, sheet, kind, row_no = grid.file, grid.sheet, grid.kind, grid.row_numbers[i]
        for j, col in match.colmap.items():
            raw = row[j] if j < len(row) else _EMPTY
            cells[col.key] = parse_cell(col, raw, Source(file, sheet, row_no, j + 1, kind), campaign)
        record = Record(form=match.form.key, cells=cells, source=grid.source(i), submission=sub)
        if is_total:
            sub.totals.append(record)
        else:
            sub.records.append(record)
        i += 1
    return i


def grids_to_submissions(grids: list[Grid], forms: list[Form], path: Path, campaign) -> list[Submission]:
    """Return the submissions found in one file's grids (empty when no form matched)."""
    subs: list[Submission] = []
    current: Submission | None = None
    current_match: HeaderMatch | None = None
    current_width = 0
    for grid in grids:
        title_lines = grid.before + [" ".join(row_texts(r)) for r in grid.rows[:6]]
        title_text = n.compact(" ".join(title_lines))
        match = find_header(grid, forms, title_text)
        if match is None:
            width = max((len(r) for r in grid.rows), default=0)
            if (current is not None and grid.kind != "excel" and grid.rows
                    and width == current_width):
                # A Word table split without repeating its header: continue the last form.
                end = rows_to_records(grid, current_match, current, 0, campaign)
                scan_block(current.block, _grid_lines(grid, range(end, len(grid.rows))))
                scan_block(current.block, _para_lines(grid, grid.after))
            continue
        header_end = match.start + match.nrows
        if (current is not None and grid.kind != "excel" and current.form == match.form.key
                and not _has_block(grid, match)):
            sub = current  # the same form continued in another table, header repeated
        else:
            sub = Submission(file=grid.file, path=str(path), form=match.form.key, sheet=grid.sheet,
                             kind=grid.kind, header_row=grid.row_numbers[match.start])
            sub.columns = {col.key: grid.source(match.start + match.nrows - 1, j)
                           for j, col in match.colmap.items()}
            sub.missing = [c.key for c in match.form.required_columns if c.key not in sub.columns]
            sub.extra_columns = list(match.extra)
            sub.title = _title_from(grid.before + [" ".join(_distinct_texts(r)) for r in grid.rows[:match.start]],
                                    match.form)
            subs.append(sub)
        above = _para_lines(grid, grid.before) + _grid_lines(grid, range(0, match.start))
        scan_block(sub.block, above)
        end = rows_to_records(grid, match, sub, header_end, campaign)
        scan_block(sub.block, _grid_lines(grid, range(end, len(grid.rows))))
        scan_block(sub.block, _para_lines(grid, grid.after))
        current, current_match = sub, match
        current_width = max((len(r) for r in grid.rows), default=0)
        if grid.kind == "excel":
            current = None
    return subs


def _has_block(grid: Grid, match: HeaderMatch) -> bool:
    """Return True when a table has its own title or 填报单位 (a new submission, not a continuation)."""
    texts = grid.before + [" ".join(row_texts(r)) for r in grid.rows[:match.start]]
    return any(re.search(UNIT_LABEL, t) or any(k in n.compact(t) for k in match.form.title_keywords)
               for t in texts)


# ------------------------------------------------------------ city, batch, date

def city_in_text(text: str, campaign) -> str | None:
    """Return the one campaign city named in ``text`` (full or short name), else None."""
    if not text:
        return None
    compacted = n.compact(text)
    hits = [c.name for c in campaign.cities if c.name in compacted or c.short in compacted]
    hits = list(dict.fromkeys(hits))
    return hits[0] if len(hits) == 1 else None


def parse_batch(text: str) -> int | None:
    """Return 1 or 2 from 第一批/上半年/1 or 第二批/下半年/2."""
    t = n.compact(text)
    if re.search(r"第?[一1]批|上半年", t) or t in {"1", "一"}:
        return 1
    if re.search(r"第?[二2]批|下半年", t) or t in {"2", "二"}:
        return 2
    return None


def resolve_context(sub: Submission, campaign, rel_path: Path | None = None) -> None:
    """Set the submission's city, 填报日期 and batch from the header block, name and folder."""
    block = sub.block
    if block.date is not None:
        value, problem = n.parse_date(block.date.raw)
        block.date.value = value
        if problem:
            block.date.problem = ("date", f"填报日期“{block.date.raw}”{problem}，请按“2023年6月8日”的格式填写")
    sub.fill_date = block.date.value if block.date is not None else None

    parts = Path(rel_path or sub.path)
    from_unit = city_in_text(block.unit.raw, campaign) if block.unit is not None else None
    from_name = city_in_text(parts.stem, campaign)
    from_folder = None
    for folder in reversed(parts.parent.parts):
        from_folder = city_in_text(folder, campaign)
        if from_folder:
            break
    sub.city_sources = {k: v for k, v in (("填报单位", from_unit), ("文件名", from_name),
                                          ("文件夹", from_folder)) if v}
    sub.city = from_unit or from_name or from_folder

    if sub.form == "evaluation":
        batch = None
        if block.batch is not None:
            batch = parse_batch(block.batch.raw)
            block.batch.value = batch
            sub.batch_source = "批次"
        if batch is None:
            batch = parse_batch(parts.stem)
            sub.batch_source = "文件名" if batch else None
        if batch is None and isinstance(sub.fill_date, dt.date):
            batch = 1 if sub.fill_date.month <= 9 else 2
            sub.batch_source = "填报日期"
        sub.batch = batch
