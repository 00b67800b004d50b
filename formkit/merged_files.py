"""The JSON files ``formkit merge`` writes into its output folder, read back (letters, report, register).

:func:`read_merged` returns the files asked for from a merge output folder, each checked to
have the shape merge writes; every problem is a :class:`~formkit.errors.FormkitError` in
Chinese that says which file and how to make it again. The letters and the report read all
three files (:func:`formkit.outputs.letters.load_merged`), ``registry apply`` only the records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from formkit.errors import FormkitError

MERGED_FILES = ("summary.json", "records.json", "findings.json")


def read_json(path: Path) -> Any:
    """Return the JSON of ``path``, a file of a merge output; a FormkitError when unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FormkitError(f"无法读取 {path}：{exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormkitError(f"{path} 已损坏，不是 formkit merge 写出的 JSON（{exc}）：请重新运行 formkit merge") from exc


def checked(name: str, data: Any, path: Path) -> Any:
    """Return ``data`` read from ``path`` (merge's file ``name``); a FormkitError when merge did not write it."""
    if name == "summary.json" and not (isinstance(data, dict) and isinstance(data.get("cities"), dict)
                                       and isinstance(data.get("totals"), dict)):
        raise FormkitError(f"{path} 的内容不是 formkit merge 的统计（缺少 cities/totals）：请重新运行 formkit merge")
    if name == "records.json" and not (isinstance(data, dict) and isinstance(data.get("forms"), dict)
                                       and all(isinstance(v, list) for v in data["forms"].values())):
        raise FormkitError(f"{path} 的内容不是 formkit merge 的记录（缺少 forms）：请重新运行 formkit merge")
    if name == "findings.json" and not (isinstance(data, list) and all(isinstance(f, dict) for f in data)):
        raise FormkitError(f"{path} 的内容不是问题列表：请重新运行 formkit merge")
    return data


def read_merged(path: str | Path, names: tuple[str, ...] = MERGED_FILES, *, then: str = "生成公文") -> dict[str, Any]:
    """Return file name → content of ``names`` in the merge output folder ``path``, each checked.

    ``then`` ends the hint of a folder that is not a merge output (请先运行 formkit merge …，再用该文件夹<then>).
    """
    path = Path(path)
    hint = f"请先运行 formkit merge 报送材料 -o {path}，再用该文件夹{then}"
    if not path.is_dir():
        raise FormkitError(f"{path} 不是文件夹，也不是 formkit merge 的输出：{hint}")
    missing = [name for name in names if not (path / name).is_file()]
    if missing:
        raise FormkitError(f"{path} 不是 formkit merge 的输出文件夹（缺少 {'、'.join(missing)}）：{hint}")
    data = {name: read_json(path / name) for name in names}
    return {name: checked(name, data[name], path / name) for name in names}
