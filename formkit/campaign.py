"""The campaign settings (SPEC §1): one TOML file per year, the default bundled."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from formkit.errors import ConfigError
from formkit.forms import get_form
from formkit.normalize import enum_key
from formkit.resources import campaigns_dir

DEFAULT_CAMPAIGN = "jiangsu-2023.toml"


@dataclass(frozen=True)
class City:
    name: str
    office: str
    code: str
    target: int | None = None
    last_year: int | None = None
    contact: str = ""

    @property
    def short(self) -> str:
        """Return the name without its 市 suffix (苏州市 → 苏州)."""
        return self.name[:-1] if self.name.endswith("市") else self.name


@dataclass(frozen=True)
class Body:
    name: str
    aliases: tuple[str, ...] = ()
    source: str = ""  # where the entry was confirmed (a list, its date, its row)


@dataclass
class Campaign:
    year: int
    province: str
    office: str
    cities: list[City]
    deadlines: dict[str, str]
    thresholds: dict[str, int]
    approved_bodies: list[Body] = field(default_factory=list)
    contact: dict[str, str] = field(default_factory=dict)
    letters: dict[str, object] = field(default_factory=dict)
    notice_title: str = ""
    notice_date: str = ""
    filing_months: list[int] = field(default_factory=list)
    source: str = ""

    def deadline(self, name: str) -> dt.date:
        """Return the deadline called ``name`` as a date in the campaign year."""
        month, day = self.deadlines[name].split("-")
        return dt.date(self.year, int(month), int(day))

    def form_deadline(self, form: str, batch: int | None = None) -> dt.date | None:
        """Return when ``form`` is due: the deadline its declaration names (forms/*.toml ``deadline``).

        A form sent in batches (``batches`` in its declaration: the evaluation form) is due per
        batch: ``batch`` 1 … batches, else None; its deadlines are named ``<deadline>_batch<n>``.
        None for a form without a deadline (the plan). The one place checks, city checks,
        letters and the portal ask.
        """
        declared = get_form(form)
        name = declared.deadline
        if declared.batches:
            if batch not in range(1, declared.batches + 1):
                return None
            name = f"{name}_batch{batch}"
        return self.deadline(name) if name else None

    def approved_body(self, text: str) -> str | None:
        """Return the approved body's full name when ``text`` is its name or an alias, else None.

        Matched by :func:`formkit.normalize.enum_key` (NFKC, no spaces or quotes, dashes unified,
        case ignored): the one rule the form values and the letters and report share.
        """
        index = self.__dict__.get("_body_index")
        if index is None:
            index = {}
            for body in self.approved_bodies:
                for name in (body.name, *body.aliases):
                    index.setdefault(enum_key(name), body.name)
            self.__dict__["_body_index"] = index
        return index.get(enum_key(text))

    def city(self, name: str) -> City | None:
        """Return the campaign city called ``name`` (with or without 市, or its office), else None."""
        index = self.__dict__.get("_city_index")
        if index is None:  # asked once per record: index the names once
            index = {}
            for city in reversed(self.cities):
                index.update({city.name: city, city.short: city, city.office: city})
            self.__dict__["_city_index"] = index
        return index.get(name)

    def city_order(self, name: str | None) -> int:
        """Return the official position of a city, unknown cities last."""
        for i, city in enumerate(self.cities):
            if city.name == name:
                return i
        return len(self.cities)

    def city_of_code(self, uscc: str) -> City | None:
        """Return the city whose administrative prefix the USCC's region code carries."""
        if len(uscc) < 6:
            return None
        for city in self.cities:
            if uscc[2:6] == city.code:
                return city
        return None


def _line_of(text: str, table: str | None, index: int | None, key: str) -> int | None:
    """Return the 1-based line where ``key`` is set (inside the index-th [[table]])."""
    lines = text.splitlines()
    start = 0
    if table is not None:
        hits = [i for i, line in enumerate(lines) if re.match(rf"\s*\[\[?\s*{re.escape(table)}\s*\]", line)]
        if index is not None and index < len(hits):
            start = hits[index]
        elif hits:
            start = hits[0]
        else:
            return None
    for i in range(start, len(lines)):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
        if i > start and table is not None and re.match(r"\s*\[", lines[i]):
            break
    return start + 1 if table is not None else None


class _Validator:
    def __init__(self, text: str, path: str):
        self.text = text
        self.path = path

    def fail(self, what: str, key: str, table: str | None = None, index: int | None = None):
        line = _line_of(self.text, table, index, key.split(".")[-1])
        where = f"第{line}行" if line else "（未找到该项）"
        full = f"{table}[{index + 1}].{key}" if table and index is not None else (
            f"{table}.{key}" if table else key)
        raise ConfigError(f"配置文件 {self.path} {where}，配置项 {full}：{what}")


def load_campaign(path: str | Path | None = None) -> Campaign:
    """Return the campaign read from ``path``, or the bundled default when None."""
    if path is None:
        path = campaigns_dir() / DEFAULT_CAMPAIGN
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc.strerror or exc}") from exc
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是UTF-8编码，请用UTF-8保存后重试") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        where = f"第{m.group(1)}行第{m.group(2)}列" if m else ""
        raise ConfigError(f"配置文件 {path} {where}有语法错误（{exc}），请按TOML格式修改") from exc
    return campaign_from_dict(data, text, str(path))


def campaign_from_dict(data: dict, text: str = "", source: str = "<dict>") -> Campaign:
    """Return a validated Campaign built from parsed TOML data."""
    v = _Validator(text, source)

    def need(mapping, key, kind, table=None, index=None, default=...):
        if key not in mapping:
            if default is not ...:
                return default
            v.fail("缺少此项", key, table, index)
        value = mapping[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            names = {int: "整数", str: "文字（加引号）", list: "列表", dict: "表"}
            v.fail(f"应为{names.get(kind, kind.__name__)}，现为 {value!r}", key, table, index)
        return value

    year = need(data, "year", int)
    if not 2000 <= year <= 2100:
        v.fail(f"年份 {year} 不合理", "year")
    province = need(data, "province", str)
    office = need(data, "office", str)

    cities_raw = need(data, "cities", list)
    if not cities_raw:
        v.fail("至少要有一个设区市", "cities")
    cities = []
    seen = set()
    for i, c in enumerate(cities_raw):
        name = need(c, "name", str, "cities", i)
        code = need(c, "code", str, "cities", i)
        if not re.fullmatch(r"\d{4}", code):
            v.fail(f"行政区划代码前4位应为4位数字，现为 {code!r}", "code", "cities", i)
        if name in seen:
            v.fail(f"设区市 {name} 重复", "name", "cities", i)
        seen.add(name)
        target = need(c, "target", int, "cities", i, default=None)
        last_year = need(c, "last_year", int, "cities", i, default=None)
        cities.append(City(
            name=name,
            office=need(c, "office", str, "cities", i, default=f"{name}知识产权局"),
            code=code, target=target, last_year=last_year,
            contact=need(c, "contact", str, "cities", i, default=""),
        ))

    deadlines = need(data, "deadlines", dict)
    filing_months = deadlines.get("filing_months", [])
    dl = {}
    for key in ("evaluation_batch1", "evaluation_batch2", "spotcheck", "anomaly", "registry_check"):
        value = need(deadlines, key, str, "deadlines")
        m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", value)
        try:
            dt.date(year, int(m.group(1)), int(m.group(2))) if m else None
        except ValueError:
            m = None
        if not m:
            v.fail(f"应写成“月-日”，如 \"06-10\"，现为 {value!r}", key, "deadlines")
        dl[key] = value

    thresholds = need(data, "thresholds", dict)
    th = {}
    for key, default in (("spotcheck_min_per_city", 30), ("stock_filing_years", 5),
                         ("grace_period_years", 1), ("new_filing_years", 3)):
        value = need(thresholds, key, int, "thresholds", default=default)
        if value < 0:
            v.fail("不能为负数", key, "thresholds")
        th[key] = value

    bodies = []
    for i, b in enumerate(need(data, "approved_bodies", list, default=[])):
        aliases = need(b, "aliases", list, "approved_bodies", i, default=[])
        bodies.append(Body(need(b, "name", str, "approved_bodies", i), tuple(map(str, aliases)),
                           need(b, "source", str, "approved_bodies", i, default="")))

    letters = need(data, "letters", dict, default={})
    if letters.get("date"):
        try:
            dt.date.fromisoformat(str(letters["date"]))
        except ValueError:
            v.fail(f"应写成 \"2023-12-20\" 的形式，现为 {letters['date']!r}", "date", "letters")

    return Campaign(
        year=year, province=province, office=office, cities=cities, deadlines=dl,
        thresholds=th, approved_bodies=bodies,
        contact=need(data, "contact", dict, default={}), letters=letters,
        notice_title=need(data, "notice_title", str, default=""),
        notice_date=str(data.get("notice_date", "")),
        filing_months=list(filing_months), source=source,
    )


def default_campaign_text() -> str:
    """Return the bundled default campaign file's text, for ``config init``."""
    return (campaigns_dir() / DEFAULT_CAMPAIGN).read_text(encoding="utf-8")


# ------------------------------------------------------------ approved bodies from a list

_NAME_HEADERS = ("机构名称", "认证机构名称", "认证机构", "单位名称", "名称", "机构")
_ALIAS_HEADERS = ("简称", "别名", "常用名")
_NUMBER_HEADERS = ("批准号", "批准书编号", "批准证书编号", "机构批准号")
_ALIAS_SPLIT = re.compile(r"[、，,；;/\n]+")


def bodies_from_list(path: str | Path) -> list[Body]:
    """Return the approved bodies named in an .xlsx/.xls/.csv list (one body a row).

    The names come from the column headed 机构名称 (or 认证机构, 名称 …), else the first
    column; a column headed 简称/别名 gives aliases, one headed 批准号 is kept in ``source``.
    Raises ConfigError with a Chinese reason when the file cannot be read or names nothing.
    """
    from formkit.normalize import clean_text, enum_key
    from formkit.readers.table_data import TableError, load_table

    path = Path(path)
    try:
        table = load_table(path)
    except TableError as exc:
        raise ConfigError(f"无法读取认证机构名单：{exc}") from exc

    def pick(candidates):
        for wanted in candidates:
            for col in table.columns:
                if col and wanted in col:
                    return col
        return None

    name_col = pick(_NAME_HEADERS) or next((c for c in table.columns if c), None)
    alias_col = pick(_ALIAS_HEADERS)
    number_col = pick(_NUMBER_HEADERS)
    if alias_col == name_col:
        alias_col = None
    bodies: list[Body] = []
    seen: set[str] = set()
    for index, row in enumerate(table.rows):
        name = clean_text(row.get(name_col)) if name_col else ""
        if not name or enum_key(name) in seen or name.isdigit():
            continue
        seen.add(enum_key(name))
        aliases = []
        if alias_col and row.get(alias_col) is not None:
            aliases = [a for a in (clean_text(x) for x in _ALIAS_SPLIT.split(str(row[alias_col]))) if a and a != name]
        number = clean_text(row.get(number_col)) if number_col else ""
        where = f"{path.name}{table.row_label(index)}"
        bodies.append(Body(name, tuple(dict.fromkeys(aliases)), f"{where}（{number}）" if number else where))
    if not bodies:
        raise ConfigError(f"认证机构名单 {path.name} 中没有找到机构名称：请在第一行写“机构名称”列名，每行一个机构")
    return bodies


def _toml_string(text: str) -> str:
    """Return ``text`` as a TOML basic string (quotes, backslashes and controls escaped)."""
    out = []
    for ch in text:
        if ch in "\\\"":
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def bodies_toml(bodies: list[Body]) -> str:
    """Return ``[[approved_bodies]]`` tables for ``bodies``."""
    parts = []
    for body in bodies:
        lines = ["[[approved_bodies]]", f"name = {_toml_string(body.name)}",
                 "aliases = [" + ", ".join(_toml_string(a) for a in body.aliases) + "]"]
        if body.source:
            lines.append(f"source = {_toml_string(body.source)}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def replace_bodies(text: str, bodies: list[Body], note: str = "") -> str:
    """Return campaign TOML ``text`` with its approved_bodies replaced by ``bodies``.

    Everything else — comments, order, other tables — is kept as written. The new tables
    take the place of the first old one (or go at the end), with ``note`` as a comment.
    """
    lines = text.splitlines()
    out: list[str] = []
    insert_at: int | None = None
    in_bodies = False
    held: list[str] = []  # comments and blank lines inside the old tables: kept if a new table follows
    for line in lines:
        stripped = line.strip()
        if re.match(r"\[\[\s*approved_bodies\s*\]\]", stripped):
            if insert_at is None:
                while out and out[-1].lstrip().startswith("#"):
                    out.pop()  # the old list's own header comment: ``note`` replaces it
                insert_at = len(out)
            in_bodies, held = True, []
            continue
        if not in_bodies and re.match(r"approved_bodies\s*=", stripped):
            if not stripped.endswith("]"):
                raise ConfigError("配置文件中的 approved_bodies 写成了多行数组，请改为 [[approved_bodies]] 表后重试")
            if insert_at is None:
                insert_at = len(out)
            continue
        if in_bodies:
            if stripped.startswith("["):
                in_bodies = False
                out.extend(held)
                out.append(line)
            elif not stripped or stripped.startswith("#"):
                held.append(line)
            else:
                held = []
            continue
        out.append(line)
    if in_bodies:
        out.extend(held)
    block = ([f"# {line}" for line in note.splitlines()] if note else []) + bodies_toml(bodies).splitlines()
    if insert_at is None or insert_at >= len(out) or out[insert_at].strip():
        block.append("")
    if insert_at is None:
        out.extend([""] + block)
    else:
        out[insert_at:insert_at] = block
    return "\n".join(out).rstrip("\n") + "\n"


def campaign_with_bodies(campaign_text: str, list_path: str | Path, today: dt.date | None = None) -> tuple[str, list[Body]]:
    """Return (new campaign TOML, bodies): the campaign with approved_bodies from a list file."""
    bodies = bodies_from_list(list_path)
    day = (today or dt.date.today()).isoformat()
    note = ("经国家认监委批准、可开展知识产权管理体系认证的认证机构（name 全称，aliases 简称）。\n"
            f"名单取自 {Path(list_path).name}，{day} 导入，共{len(bodies)}家；每条的 source 为其在名单中的位置。\n"
            "更新名单：formkit config bodies 新名单.xlsx -o 配置.toml。列表为空则不做“认证机构不在名单”检查。")
    new_text = replace_bodies(campaign_text, bodies, note)
    try:
        check = campaign_from_dict(tomllib.loads(new_text), new_text, "<新配置>")
    except (tomllib.TOMLDecodeError, ConfigError) as exc:
        raise ConfigError(f"无法生成新的配置文件（{exc}），请检查原配置文件中的 approved_bodies 写法") from exc
    if [b.name for b in check.approved_bodies] != [b.name for b in bodies]:
        raise ConfigError("无法生成新的配置文件：原配置中 approved_bodies 的写法无法替换，请改为 [[approved_bodies]] 表后重试")
    return new_text, bodies
