"""The campaign settings (SPEC §1): one TOML file per year, the default bundled."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from formkit.errors import ConfigError
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
        bodies.append(Body(need(b, "name", str, "approved_bodies", i), tuple(map(str, aliases))))

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
