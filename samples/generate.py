"""Regenerate the bundled sample submissions and their README.

    python samples/generate.py

Deletes the files under ``samples/submissions/``, writes the sample set again with
``formkit.samplegen.generate`` (deterministic: same bytes every run) and rewrites
``samples/README.md`` from ``SEEDED_DEFECTS`` and ``CROSS_FILE_DEFECTS``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from formkit import samplegen  # noqa: E402
from formkit.fsutil import write_text  # noqa: E402

OUT = HERE / "submissions"


def _cell(text: object) -> str:
    return "—" if text in (None, "") else str(text).replace("|", "\\|")


def readme() -> str:
    """Return the README text built from the defect lists."""
    counts = samplegen.ROW_COUNTS
    lines = [
        "# 样例报送材料（samples/submissions）",
        "",
        "本目录是按江苏省《关于做好2023年度企业知识产权管理标准化工作的通知》虚构的一整套报送材料："
        "13个设区市各自报送的附件2（第一批、第二批）、附件3、附件4，以及省局下达的附件1。"
        "企业名称均带“示例”二字，纯属虚构；统一社会信用代码按国家标准编制（真实的县级行政区划码、"
        "GB 11714 组织机构代码校验位、GB 32100 校验位），不对应任何真实企业。",
        "",
        "- 南京、徐州、苏州、连云港、盐城、镇江、宿迁报送 Excel（.xlsx），其余六市报送 Word（.docx）；"
        "徐州、连云港的 Excel 日期写成文字“2023年5月6日”，常州、泰州的 Word 日期写成“2023年5月6日”，"
        "其余 Word 写成“2023-05-06”，其余 Excel 为日期单元格。",
        "- 除下表列出的预置问题外，每一行数据都是干净的：`formkit check` 不应报出其他任何问题。",
        "- `formkit demo` 与测试都使用本目录。",
        "",
        "## 重新生成",
        "",
        "```",
        "python samples/generate.py",
        "```",
        "",
        "脚本先删除 `samples/submissions/` 下的旧文件，再调用 `formkit.samplegen.generate` 重新写出"
        "（只用 `random.Random(2023)`，时间戳固定，每次生成的文件逐字节相同），并据"
        "`formkit/samplegen/submissions.py` 中的 `SEEDED_DEFECTS`、`CROSS_FILE_DEFECTS` 重写本说明。"
        "要改预置问题，请改 `formkit/samplegen/submissions.py`，不要手改本文件。",
        "",
        "## 各市报送行数",
        "",
        "| 设区市 | 格式 | 附件2第一批 | 附件2第二批 | 附件3 | 附件4 |",
        "|---|---|---|---|---|---|",
    ]
    for city in samplegen.CITY_NAMES:
        c = counts[city]
        lines.append(f"| {city} | {'xlsx' if city in samplegen.XLSX_CITIES else 'docx'} | "
                     f"{c['evaluation_1']} | {c['evaluation_2']} | {c['spotcheck']} | "
                     f"{c['anomaly'] or '未报送'} |")
    lines += [
        "",
        "附件1（`省局/`）列出13个设区市的年度指导性计划，绩效评价合格企业数与活动配置中的 target 相同。",
        "",
        "## 预置的单文件问题",
        "",
        "单元格：Excel 为工作表中的单元格地址；Word 为“表1”中的“第R行第C列”（行号含表头行）；"
        "写在 Word 表格上方段落中的表头信息无单元格，记为“—”。",
        "",
        "| 文件 | 工作表/表格 | 单元格 | 预期问题代码 | 说明 |",
        "|---|---|---|---|---|",
    ]
    for d in samplegen.SEEDED_DEFECTS:
        lines.append(f"| {_cell(d['file'])} | {_cell(d['sheet'])} | {_cell(d['cell'])} | "
                     f"`{d['code']}` | {_cell(d['what'])} |")
    lines += [
        "",
        "## 预置的跨文件问题",
        "",
        "这些问题只在汇总（`formkit merge`）时出现，相关各行本身没有任何单文件问题。",
        "",
        "| 预期问题代码 | 设区市 | 文件 | 说明 |",
        "|---|---|---|---|",
    ]
    for d in samplegen.CROSS_FILE_DEFECTS:
        files = "<br>".join(d["files"]) or "—"
        lines.append(f"| `{d['code']}` | {d['city']} | {files} | {_cell(d['what'])} |")
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    written = samplegen.generate(OUT)
    write_text(HERE / "README.md", readme())
    for path in written:
        print(path.relative_to(HERE).as_posix())
    print(f"共 {len(written)} 个文件；说明已写入 {(HERE / 'README.md').relative_to(HERE.parent).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
