"""Benchmark: letters per second, formkit's engine against the naive docxtpl loop and the floor.

Run:  .venv/bin/python bench/letters.py [--records 300] [--repeat 3] [--combined 500,1000,2000]

In ONE run, on the same templates and the same records:

1. naive   — docxtpl as its README shows it: open the template, render(autoescape=True), save,
             once per letter;
2. floor   — the least work that can make the letter: docxtpl's pre-processing and plain
             jinja2 compiled once, then per letter render document.xml and write a zip
             with zipfile, deflating document.xml only (every other member stored as is);
3. formkit — ``DocxTemplate.render_to`` per letter (sandbox, strict undefined, escaping,
             atomic write, every member compressed);
4. formkit ``render_combined`` of 500, 1,000 and 2,000 letters into one document.

Two templates, the same letter: "slim" (the GB/T 9704 layout, package trimmed to the parts
and styles it uses) and "default" (python-docx's default template, all its styles). Prints
ms a letter, the ratios formkit/floor and naive/formkit, and the combined figures.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docx import Document  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from lxml import etree  # noqa: E402

from formkit.outputs import official  # noqa: E402
from formkit.outputs.docx import DocxTemplate  # noqa: E402

# --- the letter -----------------------------------------------------------------------------

BODY = [
    "经核查，你单位于{{ 备案日期 }}在我省企业知识产权管理标准化（贯标）工作中完成备案，"
    "统一社会信用代码为{{ 信用代码 }}，截至{{ 核查日期 }}备案已超过5年，尚未通过认证或绩效评价。",
    "根据《关于开展{{ 年度 }}年度企业知识产权管理标准化工作的通知》要求，对备案超过5年未开展认证或"
    "评价的企业，予以提醒并给予1年宽限期。",
    "请你单位于{{ 宽限期至 }}前，按照GB/T 29490标准完成贯标认证或绩效评价，并将有关材料报送"
    "{{ 设区市 }}知识产权局。逾期未完成的，将从备案名单中删除。",
    "你单位备案以来的有关情况如下：",
]
AFTER = [
    "如对核查结果有异议，请于收到本函之日起15个工作日内向{{ 设区市 }}知识产权局书面反映，并提供相关证明材料。",
    "联系人：{{ 联系人 }}，联系电话：{{ 联系电话 }}。",
]


def build_letter(doc, official_layout: bool) -> None:
    """Fill ``doc`` with the one-page reminder letter (~15 paragraphs, a table, a footer)."""
    add_body = official.add_body if official_layout else (lambda d, t: d.add_paragraph(t))
    p = doc.add_paragraph("苏知办函〔{{ 年度 }}〕{{ 文号 }}号")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if official_layout:
        official.add_title(doc, "关于企业贯标备案超期的提醒函")
    else:
        doc.add_heading("关于企业贯标备案超期的提醒函", level=1)
    doc.add_paragraph("{{ 企业名称 }}：")
    for text in BODY:
        add_body(doc, text)
    header = ["序号", "事项", "日期"]
    rows = [["{%tr for r in 记录 %}", "", ""], ["{{ loop.index }}", "{{ r.事项 }}", "{{ r.日期 }}"],
            ["{%tr endfor %}", "", ""]]
    if official_layout:
        official.add_table(doc, header, rows, widths=[1, 4, 2])
    else:
        table = doc.add_table(rows=4, cols=3)
        table.style = "Table Grid"
        for r, values in enumerate([header, *rows]):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
    doc.add_paragraph("{%p if 备注 %}")
    add_body(doc, "备注：{{ 备注 }}")
    doc.add_paragraph("{%p endif %}")
    for text in AFTER:
        add_body(doc, text)
    doc.add_paragraph("")
    for text in ("{{ 设区市 }}知识产权局", "{{ 成文日期 }}"):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if official_layout:
        official.add_page_number_footer(doc.sections[0])
    else:
        footer = doc.sections[0].footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("— ")
        official.add_field(footer, "PAGE", "1")
        footer.add_run(" —")


def slim_package(data: bytes) -> bytes:
    """Return the .docx ``data`` without the parts and styles the letter does not use."""
    drop = {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/item1.xml",
            "customXml/_rels/item1.xml.rels", "customXml/itemProps1.xml", "word/numbering.xml"}
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    used = set()
    for name in names:
        if name.startswith("word/") and name.endswith(".xml") and "styles" not in name:
            used |= set(re.findall(r'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', src.read(name).decode()))
    w = qn("w:style").split("}")[0] + "}"
    styles = etree.fromstring(src.read("word/styles.xml"))
    by_id = {s.get(w + "styleId"): s for s in styles.iter(w + "style")}
    keep = set()
    todo = list(used) + [i for i, s in by_id.items() if s.get(w + "default") in ("1", "true")]
    while todo:
        sid = todo.pop()
        if sid in keep or sid not in by_id:
            continue
        keep.add(sid)
        for ref in ("basedOn", "link", "next"):
            el = by_id[sid].find(w + ref)
            if el is not None:
                todo.append(el.get(w + "val"))
    for sid, style in by_id.items():
        if sid not in keep:
            styles.remove(style)
    latent = styles.find(w + "latentStyles")
    if latent is not None:
        styles.remove(latent)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            if name in drop:
                continue
            content = src.read(name)
            if name == "word/styles.xml":
                content = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif name.endswith(".rels") or name == "[Content_Types].xml":
                text = content.decode()
                for gone in drop:
                    base = gone.split("/")[-1]
                    text = re.sub(r'<(?:Relationship|Override)[^>]*(?:Target|PartName)="[^"]*%s"[^>]*/>' % re.escape(base),
                                  "", text)
                content = text.encode()
            dst.writestr(name, content)
    return out.getvalue()


def make_templates(folder: Path) -> dict[str, Path]:
    """Return the two template files written into ``folder``."""
    doc = official.new_official_document()
    build_letter(doc, official_layout=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    slim = folder / "slim.docx"
    slim.write_bytes(slim_package(buffer.getvalue()))
    doc = Document()
    build_letter(doc, official_layout=False)
    default = folder / "default.docx"
    doc.save(default)
    return {"slim": slim, "default": default}


# --- the records ----------------------------------------------------------------------------

CITIES = ["南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市",
          "镇江市", "泰州市", "宿迁市"]
WORDS = ["青禾", "远帆", "恒瑞", "锦程", "启明", "华泰", "明德", "润泽", "东方", "新源", "嘉禾", "博远", "天衡", "沐阳"]
TRADES = ["科技", "智能装备", "新材料", "生物医药", "电子", "精密机械", "信息技术", "环保工程"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭林何高罗"
GIVEN = ["一", "伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"]


def make_records(n: int, seed: int = 2023) -> list[dict]:
    """Return ``n`` fictional letter contexts (one is named ``A&B<科技>``)."""
    rnd = random.Random(seed)
    records = []
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        name = f"{city[:-1]}{rnd.choice(WORDS)}{rnd.choice(TRADES)}有限公司"
        if i == 7:
            name = "A&B<科技>有限公司"
        year = rnd.randint(2013, 2017)
        records.append({
            "年度": 2023, "文号": i + 1, "企业名称": name, "信用代码": f"91320{rnd.randint(10**12, 10**13 - 1)}",
            "设区市": city, "备案日期": f"{year}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日",
            "核查日期": "2023年7月31日", "宽限期至": "2024年7月31日", "成文日期": "2023年8月15日",
            "联系人": rnd.choice(SURNAMES) + rnd.choice(GIVEN), "联系电话": f"025-8{rnd.randint(1000000, 9999999)}",
            "备注": "企业已申请延期\n补充材料见附件" if i % 5 == 0 else "",
            "记录": [{"事项": e, "日期": f"{year + k}年{k + 3}月1日"}
                   for k, e in enumerate(["贯标备案", "年度核查", "信息变更", "提醒"][: rnd.randint(2, 4)])],
        })
    return records


# --- the three loops ------------------------------------------------------------------------

def naive(template: Path, records: list[dict], out: Path) -> None:
    from docxtpl import DocxTemplate as Docxtpl

    for i, record in enumerate(records):
        tpl = Docxtpl(template)
        tpl.render(record, autoescape=True)
        tpl.save(out / f"{i:04d}.docx")


class Floor:
    """The floor: jinja2 compiled once, document.xml rendered and deflated, the rest stored."""

    def __init__(self, template: Path):
        import jinja2
        from docxtpl import DocxTemplate as Docxtpl

        with zipfile.ZipFile(template) as z:
            self.members = [(i.filename, z.read(i)) for i in z.infolist()]
        xml = dict(self.members)["word/document.xml"].decode("utf-8")
        self.template = jinja2.Environment(autoescape=True).from_string(Docxtpl.patch_xml(None, xml))

    def run(self, records: list[dict], out: Path) -> None:
        for i, record in enumerate(records):
            with open(out / f"{i:04d}.docx", "wb") as f:
                self.write(record, f)

    def write(self, record: dict, f) -> None:
        xml = self.template.render(record).encode("utf-8")
        with zipfile.ZipFile(f, "w") as z:
            for name, data in self.members:
                if name == "word/document.xml":
                    z.writestr(name, xml, zipfile.ZIP_DEFLATED)
                else:
                    z.writestr(name, data, zipfile.ZIP_STORED)


def in_memory(fn, records: list[dict], repeat: int) -> float:
    """Return the median ms a letter of ``fn(record)`` over ``repeat`` passes, nothing on disk."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for record in records:
            fn(record)
        times.append((time.perf_counter() - start) * 1000 / len(records))
    return statistics.median(times)


def rezip_everything(engine: DocxTemplate, record: dict) -> bytes:
    """The engine's rendering, zipped the plain way: zipfile deflating every member each time."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in engine._members.items():
            part = engine._parts.get(name)
            z.writestr(name, engine._render_xml(part, record).encode("utf-8") if part else data)
    return out.getvalue()


def formkit_loop(template: DocxTemplate, records: list[dict], out: Path) -> None:
    for i, record in enumerate(records):
        template.render_to(out / f"{i:04d}.docx", record)


def deflate_levels(engine: DocxTemplate, record: dict) -> list[tuple[int, float, float]]:
    """Return (level, ms, KB) of deflating one rendered document.xml at levels 1 and 6."""
    import zlib

    xml = engine._render_xml(engine._parts["word/document.xml"], record).encode("utf-8")
    rows = []
    for level in (1, 6):
        start = time.perf_counter()
        for _ in range(200):
            c = zlib.compressobj(level, zlib.DEFLATED, -15)
            data = c.compress(xml) + c.flush()
        rows.append((level, (time.perf_counter() - start) * 1000 / 200, len(data) / 1024))
    return rows


def timed(fn, out: Path, n: int) -> tuple[float, float]:
    """Return (ms a letter of one run of ``fn`` writing into ``out``, mean KB a file)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.perf_counter()
    fn(out)
    ms = (time.perf_counter() - start) * 1000 / n
    files = list(out.iterdir())
    return ms, sum(f.stat().st_size for f in files) / len(files) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--combined", default="500,1000,2000")
    parser.add_argument("--profile", action="store_true", help="profile formkit's loop with cProfile")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="formkit-bench-"))
    try:
        templates = make_templates(work)
        records = make_records(args.records)
        n = len(records)
        print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
              f"{n} letters, median of {args.repeat} runs\n")
        print(f"{'template':<9} {'naive':>8} {'floor':>8} {'formkit':>8} {'load':>7}  "
              f"{'formkit/floor':>13} {'naive/formkit':>13}   KB: naive/floor/formkit")
        memory = {}
        for label, path in templates.items():
            (work / "warm").mkdir(exist_ok=True)
            naive(path, records[:3], work / "warm")  # imports and caches outside the timing
            floor = Floor(path)
            start = time.perf_counter()
            engine = DocxTemplate.load(path)
            t_load = (time.perf_counter() - start) * 1000
            # The three loops take turns, round after round, so that the disk's moods fall on
            # all of them alike; each figure is the median over the rounds.
            runs = {"naive": lambda o: naive(path, records, o), "floor": lambda o: floor.run(records, o),
                    "formkit": lambda o: formkit_loop(engine, records, o)}
            times = {key: [] for key in runs}
            sizes = {}
            for _ in range(args.repeat):
                for key, fn in runs.items():
                    ms, sizes[key] = timed(fn, work / key, n)
                    times[key].append(ms)
            t_naive, t_floor, t_ours = (statistics.median(times[k]) for k in runs)
            s_naive, s_floor, s_ours = (sizes[k] for k in runs)
            print(f"{label:<9} {t_naive:8.2f} {t_floor:8.2f} {t_ours:8.2f} {t_load:7.1f}  "
                  f"{t_ours / t_floor:13.2f} {t_naive / t_ours:13.1f}   {s_naive:.0f}/{s_floor:.0f}/{s_ours:.0f}")
            checked = DocxTemplate.load(path)  # as before the load-time proof: parse every letter
            for part in checked._parts.values():
                part.proven = False
            memory[label] = (
                in_memory(lambda r: floor.write(r, io.BytesIO()), records, args.repeat),
                in_memory(engine.render, records, args.repeat),
                in_memory(checked.render, records, args.repeat),
                in_memory(lambda r: rezip_everything(engine, r), records, args.repeat),
                deflate_levels(engine, records[0]),
            )
            if args.profile:
                import cProfile
                import pstats

                profile = cProfile.Profile()
                (work / "profile").mkdir(exist_ok=True)
                profile.runcall(formkit_loop, engine, records, work / "profile")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(20)

        print("\nin memory (no file written): the engine alone")
        print(f"{'template':<9} {'floor':>8} {'formkit':>8} {'ratio':>6}   {'parse every letter':>18} "
              f"{'zipfile, all deflated':>22}")
        for label, (m_floor, m_ours, m_checked, m_rezip, _) in memory.items():
            print(f"{label:<9} {m_floor:8.3f} {m_ours:8.3f} {m_ours / m_floor:6.2f}   {m_checked:18.3f} "
                  f"{m_rezip:22.3f}")
        print("\ndeflate level for the rendered document.xml (one letter)")
        for label, (*_, levels) in memory.items():
            print(f"{label:<9} " + "   ".join(f"level {lvl}: {ms:.3f} ms, {kb:.1f} KB" for lvl, ms, kb in levels))

        print("\ncombined (render_combined, one document)")
        print(f"{'template':<9} {'letters':>8} {'total s':>8} {'ms/letter':>10} {'MB':>6}")
        for label, path in templates.items():
            engine = DocxTemplate.load(path)
            for count in (int(c) for c in args.combined.split(",") if c):
                contexts = [records[i % n] for i in range(count)]
                target = work / f"combined-{label}-{count}.docx"
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    engine.render_combined(contexts, target)
                    times.append(time.perf_counter() - start)
                total = statistics.median(times)
                print(f"{label:<9} {count:8d} {total:8.2f} {total * 1000 / count:10.3f} "
                      f"{target.stat().st_size / 1e6:6.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
