"""Reading and checking: files and folders → one FileResult per file, every finding in order.

A file is read into grids (:mod:`formkit.readers`), its forms found (:mod:`formkit.layout`) and
every submission checked (:mod:`formkit.checks`). The front door for callers is
:mod:`formkit.api`; merging all cities' results is :mod:`formkit.merge`, one floor up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from formkit.campaign import Campaign, load_campaign
from formkit.checks import check_submission
from formkit.errors import FormkitError
from formkit.findings import Finding, Tallied, sort_key
from formkit.forms import load_forms
from formkit.layout import closest_form, grids_to_submissions, resolve_context
from formkit.readers import SUPPORTED, Unreadable, read_grids
from formkit.table import Source, Submission

#: Suffixes picked up when a folder is scanned (office files a city might send).
SCANNED = SUPPORTED + (".xlsb", ".ods", ".odt", ".csv", ".rtf")


@dataclass
class FileResult:
    """One input file: what it was read as, the forms found in it, and its own findings."""

    path: Path
    name: str
    family: str | None = None
    submissions: list[Submission] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Seconds spent reading (file → records) and checking, and grid cells read: for bench/.
    read_seconds: float = 0.0
    check_seconds: float = 0.0
    cells: int = 0

    @property
    def records(self):
        return [r for s in self.submissions for r in s.records]


@dataclass
class CheckResult(Tallied):
    """Every file read and every finding, in a stable order."""

    files: list[FileResult]
    findings: list[Finding]
    ignored: list[Path] = field(default_factory=list)


def collect_inputs(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, str]], list[Path]]:
    """Return ([(path, display name)], ignored) for files and folders (recursive)."""
    found: list[tuple[Path, str]] = []
    ignored: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if not child.is_file() or any(p.startswith(".") for p in child.relative_to(path).parts):
                    continue
                if child.name.startswith("~$"):
                    continue  # Office lock files left beside an open document
                if child.suffix.lower() in SCANNED:
                    found.append((child, child.relative_to(path).as_posix()))
                else:
                    ignored.append(child)
        elif path.is_file():
            found.append((path, path.name))
        elif not path.exists():
            raise FormkitError(f"找不到文件或文件夹：{path}")
        else:
            raise FormkitError(f"不是普通文件：{path}")
    # The same file named twice (a folder and a file in it) is read once.
    seen, unique = set(), []
    for path, name in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, name))
    return unique, ignored


def read_file(path: Path, campaign: Campaign, name: str | None = None, forms: list | None = None,
              unknown_message: str | None = None) -> FileResult:
    """Return the forms found in one file and the findings of reading and checking it.

    ``forms`` limits the forms looked for (default: the four attachments); ``unknown_message``
    replaces the unknown-form message (the register has its own).
    """
    name = name or path.name
    result = FileResult(path=path, name=name)
    started = time.perf_counter()
    try:
        family, grids = read_grids(path, name)
    except Unreadable as exc:
        result.findings.append(Finding.make("unreadable", str(exc), file=name))
        return result
    result.cells = sum(len(row) for grid in grids for row in grid.rows)
    result.family = family
    forms = forms or list(load_forms().values())
    try:
        subs = grids_to_submissions(grids, forms, path, campaign)
    except RecursionError:
        result.findings.append(Finding.make("unreadable", "文件结构嵌套过深，无法读取", file=name))
        return result
    except Exception as exc:  # noqa: BLE001 — a file must end as a finding, never a traceback
        result.findings.append(Finding.make(
            "unreadable", f"文件内容无法解析（内部错误 {type(exc).__name__}），请用Office或WPS另存后重新提交；"
            "如仍出现，请把文件发给技术支持", file=name))
        return result
    if not subs:
        try:
            closest = None if unknown_message else closest_form(grids, forms)
        except Exception:  # noqa: BLE001 — only a hint in the message: never a traceback
            closest = None
        result.findings.append(Finding.make(
            "unknown-form", unknown_message or unknown_form_message(forms, campaign, closest),
            source=Source(name, None, kind=family), file=name))
        return result
    for sub in subs:
        resolve_context(sub, campaign, Path(name))
        result.submissions.append(sub)
    checked = time.perf_counter()
    result.read_seconds = checked - started
    for sub in subs:
        result.findings.extend(check_submission(sub, campaign))
    result.findings.sort(key=sort_key)
    result.check_seconds = time.perf_counter() - checked
    return result


def unknown_form_message(forms: list, campaign: Campaign, closest=None) -> str:
    """Return the unknown-form message: which forms were looked for, what makes a table one,
    and (``closest``: a form and the required columns found) how near the file came."""
    titles = "、".join(f"附件{f.attachment}“{f.title_for(campaign.year)}”" for f in forms)
    near = ""
    if closest is not None:
        form, hit = closest
        names = "".join(f"“{c.header}”" for c in hit)
        near = (f"文件中的表头只含附件{form.attachment}的{len(hit)}个必填列（{names}），"
                f"该表共有{len(form.required_columns)}个必填列，不足一半，且标题未写明表名，故不作为附件{form.attachment}读取。")
    return (f"文件中没有找到可识别的表格。本次查找的是：{titles}。{near}表格须在标题中写明表名，"
            "或表头包含该表一半以上的必填列（如“企业名称”“统一社会信用代码”）；只有几个列名相同的"
            "其他表格（如人员名单、统计表）不予识别。请使用 formkit blank 生成的空白表填写")


def check(paths: Iterable[str | Path], campaign: Campaign | None = None,
          progress: Callable[[Iterable], Iterable] | None = None,
          read: Callable[[Path, Campaign, str], FileResult] | None = None) -> CheckResult:
    """Return every file's forms and findings for files and folders.

    ``read`` reads one file (default :func:`read_file`, the four attachments; the register
    passes its own).
    """
    campaign = campaign or load_campaign()
    inputs, ignored = collect_inputs(paths)
    files = []
    iterator = progress(inputs) if progress else inputs
    from formkit.readers.legacy import converted_copies

    # Legacy Word/WPS files are converted by LibreOffice in one call for the whole run.
    with converted_copies([path for path, _ in inputs]):
        for path, name in iterator:
            files.append((read or read_file)(path, campaign, name))
    findings = [f for fr in files for f in fr.findings]
    return CheckResult(files=files, findings=findings, ignored=ignored)
