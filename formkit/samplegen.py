"""A deterministic generator of realistic sample submissions (the bundled samples).

``generate(out_dir)`` writes what the 13 设区市 of the Jiangsu 2023 campaign send back —
附件2 (two batches), 附件3 and 附件4 per city, in Excel or Word — plus the province's 附件1.
Every row is clean except the documented seeded defects:

- ``SEEDED_DEFECTS``: one problem in one cell of one file (file relative to ``out_dir`` with
  POSIX separators; ``sheet``/``cell`` as the checks report them: ``Sheet1``/``C7`` for Excel,
  ``表1``/``第7行第3列`` for Word, both None for a value in a Word header paragraph).
- ``CROSS_FILE_DEFECTS``: problems only visible across files or cities (duplicates, conflicts,
  quotas, targets, a missing submission). They produce no per-file finding.

Only ``random.Random(2023)`` drives the choices and every timestamp is fixed, so two runs give
byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path

from formkit.forms import get_form
from formkit.fsutil import write_bytes
from formkit.normalize import chinese_date

YEAR = 2023
SEED = 2023

CITY_NAMES = ("南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市",
              "淮安市", "盐城市", "扬州市", "镇江市", "泰州市", "宿迁市")
AREA_CODES = {"南京市": "025", "无锡市": "0510", "徐州市": "0516", "常州市": "0519",
              "苏州市": "0512", "南通市": "0513", "连云港市": "0518", "淮安市": "0517",
              "盐城市": "0515", "扬州市": "0514", "镇江市": "0511", "泰州市": "0523",
              "宿迁市": "0527"}
# Cities at official index 0, 2, 4 … send Excel; the others Word.
XLSX_CITIES = frozenset(CITY_NAMES[0::2])
# Date styles: Excel date cells in most xlsx cities, text "2023年5月6日" in two of them;
# Word cities write "2023-05-06", two of them "2023年5月6日".
TEXT_DATE_XLSX = frozenset({"徐州市", "连云港市"})
CN_DATE_DOCX = frozenset({"常州市", "泰州市"})

# Rows per file. Evaluation: (batch 1, batch 2) chosen so that the valid records (rows without
# an error) reach the plan target, except 连云港市 and 淮安市 (plan-shortfall, below-last-year).
EVALUATION_ROWS = {"南京市": (7, 7), "无锡市": (7, 6), "徐州市": (4, 4), "常州市": (5, 6),
                   "苏州市": (8, 9), "南通市": (5, 5), "连云港市": (2, 2), "淮安市": (3, 2),
                   "盐城市": (4, 4), "扬州市": (4, 4), "镇江市": (3, 3), "泰州市": (4, 4),
                   "宿迁市": (3, 3)}
# Cities whose spot-check file carries a seeded error have at least 31 rows (30 stay valid).
SPOTCHECK_ROWS = {"南京市": 34, "无锡市": 32, "徐州市": 33, "常州市": 31, "苏州市": 36,
                  "南通市": 30, "连云港市": 31, "淮安市": 32, "盐城市": 30, "扬州市": 33,
                  "镇江市": 31, "泰州市": 32, "宿迁市": 28}
# 宿迁市 sends no 附件4 at all (missing-submission).
ANOMALY_ROWS = {"南京市": 8, "无锡市": 6, "徐州市": 5, "常州市": 6, "苏州市": 7, "南通市": 5,
                "连云港市": 6, "淮安市": 5, "盐城市": 4, "扬州市": 6, "镇江市": 5, "泰州市": 7,
                "宿迁市": 0}
SHORTFALL_CITIES = ("连云港市", "淮安市")

ROW_COUNTS = {c: {"evaluation_1": EVALUATION_ROWS[c][0], "evaluation_2": EVALUATION_ROWS[c][1],
                  "spotcheck": SPOTCHECK_ROWS[c], "anomaly": ANOMALY_ROWS[c]} for c in CITY_NAMES}

_HEADER_ROW = 4          # xlsx: row 1 附件N, row 2 title, row 3 header block, row 4 headers
_PLAN_HEADER_ROW = 3     # the plan has no header block
_FIXED_ZIP_TIME = (YEAR, 4, 19, 9, 0, 0)


# ---------------------------------------------------------------- file names

def _ext(city: str) -> str:
    return "xlsx" if city in XLSX_CITIES else "docx"


def file_name(city: str, form: str, batch: int | None = None, year: int = YEAR) -> str:
    """Return the relative POSIX path of a city's file (or the province's plan)."""
    f = get_form(form)
    title = f.title_for(year)
    if form == "plan":
        return f"省局/附件{f.attachment}-{title}.xlsx"
    suffix = {1: "（第一批）", 2: "（第二批）"}.get(batch, "")
    return f"{city}/{city}-附件{f.attachment}-{title}{suffix}.{_ext(city)}"


def _col_index(form: str, key: str) -> int:
    """Return the 1-based position of a column in the declared order."""
    return [c.key for c in get_form(form).columns].index(key) + 1


def _cell_ref(city: str, form: str, data_row: int, key: str) -> tuple[str, str]:
    """Return (sheet, cell) of a data cell as the checks report it."""
    col = _col_index(form, key)
    if _ext(city) == "xlsx":
        from openpyxl.utils import get_column_letter
        return "Sheet1", f"{get_column_letter(col)}{_HEADER_ROW + data_row}"
    return "表1", f"第{data_row + 1}行第{col}列"


# ---------------------------------------------------------------- the seeded defects

# (city, form, batch, 1-based data row, column key, code, what). Positions are fixed here so
# the lists below are known without generating anything.
_DEFECT_SPECS = [
    ("南京市", "evaluation", 1, 3, "uscc", "uscc",
     "统一社会信用代码中的数字0误录为字母O（校验失败）"),
    ("无锡市", "evaluation", 1, 4, "eval_date", "date", "评价日期为不存在的日期“2023-02-30”"),
    ("徐州市", "spotcheck", None, 7, "problems", "required", "抽查结论为“未达标”，但未填写主要问题"),
    ("常州市", "spotcheck", None, 12, "standard", "enum",
     "认证依据标准填为“GB/T 29490-2016”，不是允许的标准版本"),
    ("苏州市", "evaluation", 2, 5, "score", "number", "评价得分为105，超出0–100的范围"),
    ("南通市", "evaluation", 1, 2, "phone", "phone", "联系电话“1381234”位数不足，不像有效号码（警告）"),
    ("连云港市", "anomaly", None, 2, "action", "action-mismatch",
     "异常类型为“已注销”，处理意见却填“标记跟踪”（按通知应为“删除”）"),
    ("淮安市", "anomaly", None, 3, "filing_date", "filing-age",
     "异常类型为“备案超5年未认证或评价”，但备案时间为2020年10月15日，至复核截止日不满5年"),
    ("盐城市", "evaluation", 2, 3, "conclusion", "not-qualified",
     "评价结论为“不合格”，本表只应填报评价合格的企业"),
    ("扬州市", "spotcheck", None, 9, "body", "uncertified-body",
     "认证机构“华东示例认证服务有限公司”不在批准的认证机构名单中（警告）"),
    ("镇江市", "evaluation", 1, 2, "uscc", "city-mismatch",
     "统一社会信用代码有效，但登记管理机关行政区划码属南京市（3201），不属镇江市（警告）"),
    ("泰州市", "evaluation", 2, None, "date", "late",
     "表头填报日期为2023年12月15日，晚于第二批报送截止日期12月10日（警告）"),
    ("宿迁市", "spotcheck", None, 15, "uscc", "uscc",
     "统一社会信用代码存为数字单元格，被Excel截断为15位有效数字、末三位变成000"),
    ("省局", "plan", None, None, "qualified", "total-mismatch",
     "“合计”行的绩效评价合格企业数比各市之和多3（警告）"),
    ("苏州市", "anomaly", None, 4, "new_name", "required", "异常类型为“已更名”，但未填写现企业名称"),
]


def _seeded_defects() -> list[dict]:
    out = []
    for city, form, batch, row, key, code, what in _DEFECT_SPECS:
        path = file_name(city, form, batch)
        if form == "plan":
            from openpyxl.utils import get_column_letter
            sheet = "Sheet1"
            cell = f"{get_column_letter(_col_index('plan', key))}{_PLAN_HEADER_ROW + len(CITY_NAMES) + 1}"
        elif row is None:       # a header-block value
            sheet, cell = (("Sheet1", "F3") if _ext(city) == "xlsx" else (None, None))
        else:
            sheet, cell = _cell_ref(city, form, row, key)
        out.append({"file": path, "sheet": sheet, "cell": cell, "code": code, "what": what})
    return out


SEEDED_DEFECTS: list[dict] = _seeded_defects()

# Cross-file positions (1-based data rows).
_DUP_ROWS = (5, 6)            # 南京市 第一批 row 5 = 第二批 row 6
_CONFLICT_ROWS = (1, 4)       # 常州市 附件4 row 1 (已注销/删除) = 附件2 第二批 row 4
_NAME_MISMATCH_ROWS = (2, 5)  # 无锡市 附件2 第一批 row 2, 附件3 row 5

CROSS_FILE_DEFECTS: list[dict] = [
    {"code": "duplicate", "city": "南京市",
     "files": [file_name("南京市", "evaluation", 1), file_name("南京市", "evaluation", 2)],
     "what": f"同一企业（名称、统一社会信用代码均相同）在第一批第{_DUP_ROWS[0]}条、第二批第{_DUP_ROWS[1]}条重复填报；"
             "第二批的一条为重复"},
    {"code": "conflict", "city": "常州市",
     "files": [file_name("常州市", "anomaly"), file_name("常州市", "evaluation", 2)],
     "what": f"附件4第{_CONFLICT_ROWS[0]}条企业“已注销”并“删除”，同一统一社会信用代码又在附件2第二批第"
             f"{_CONFLICT_ROWS[1]}条作为评价合格企业填报（两处均报冲突）"},
    {"code": "name-mismatch", "city": "无锡市",
     "files": [file_name("无锡市", "evaluation", 1), file_name("无锡市", "spotcheck")],
     "what": f"附件3第{_NAME_MISMATCH_ROWS[1]}条与附件2第一批第{_NAME_MISMATCH_ROWS[0]}条统一社会信用代码相同，"
             "企业名称不同（“有限公司”写成“股份有限公司”）（警告）"},
    {"code": "spotcheck-quota", "city": "宿迁市", "files": [file_name("宿迁市", "spotcheck")],
     "what": "只抽查28家（其中1条信用代码有误，有效27家），低于每市不少于30家的要求"},
    {"code": "missing-submission", "city": "宿迁市", "files": [],
     "what": "未报送附件4企业贯标备案信息异常情况汇总表（截止日期7月31日后检查时提示）（警告）"},
] + [
    {"code": code, "city": city,
     "files": [file_name(city, "evaluation", 1), file_name(city, "evaluation", 2)]
     + ([file_name("省局", "plan")] if code == "plan-shortfall" else []),
     "what": (f"两批合计评价合格企业{sum(EVALUATION_ROWS[city])}家，低于"
              + ("附件1下达的年度指导性计划目标" if code == "plan-shortfall" else "2022年度合格企业数")
              + "（警告）")}
    for code in ("plan-shortfall", "below-last-year") for city in SHORTFALL_CITIES
]


# ---------------------------------------------------------------- value generators

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WORDS = ("青禾", "云帆", "星河", "远航", "恒信", "瑞丰", "明德", "嘉禾", "博远", "华睿", "晨光", "翔宇",
          "鼎盛", "宏达", "景泰", "安澜", "锦程", "卓越", "汇智", "启明", "泰和", "正源", "天衡", "新元",
          "润泽", "永安", "聚能", "德瑞", "方圆", "领航", "思创", "易达", "合众", "知行", "广源", "天成",
          "若水", "立信", "文澜", "和光")
_INDUSTRIES = ("科技", "电子", "机械", "新材料", "生物医药", "智能装备", "化工", "纺织", "软件",
               "环保", "光电", "汽车零部件", "食品", "精密制造", "信息技术")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗钱沈顾陆蒋"
_GIVEN = ("志强", "秀英", "海燕", "建华", "丽娟", "文杰", "晓东", "雪梅", "俊峰", "红霞", "国平", "静怡",
          "子涵", "浩然", "宇航", "佳琪", "明辉", "玉兰", "春生", "立新", "思远", "婷婷", "振宇", "慧敏")
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                    "152", "153", "155", "156", "158", "159", "177", "180", "182", "185", "186",
                    "187", "188", "189", "199")
_CATEGORIES = ("高新技术企业", "专精特新中小企业", "上市及拟上市企业", "“同线同标同质”企业",
               "知识产权计划项目承担企业", "其他")
_PROBLEMS = ("知识产权管理手册未按标准要求更新，内审记录不完整",
             "未开展管理评审，知识产权目标未分解到部门",
             "专利检索分析流于形式，研发立项未见知识产权风险评估",
             "知识产权培训记录缺失，岗位职责未明确知识产权要求",
             "合同管理中未审查知识产权条款，采购环节无知识产权风险控制",
             "体系文件与实际运行脱节，部分记录事后补写")
_BODY_PREFIX = ("165", "148", "022", "001", "151")
#: The approved bodies the sample spot checks name (each in the default approved_bodies):
#: fixed here so that a longer approved list in the campaign leaves the samples unchanged.
_SAMPLE_BODIES = ("中知（北京）认证有限公司", "中规（北京）认证有限公司", "华夏认证中心有限公司",
                  "中国质量认证中心", "中联认证中心（北京）有限公司")


def _org_check(body: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def _counties() -> dict[str, list[tuple[str, str]]]:
    """Return per city prefix (e.g. "3201") its current counties as (6-digit code, name)."""
    from stdnum import numdb

    out: dict[str, list[tuple[str, str]]] = {}
    for _length, low, _high, _props, children in numdb.get("cn/loc").prefixes:
        if low != "32":
            continue
        for _l2, code, _h2, props, _c2 in children:
            if code.endswith("00") or code.endswith("01"):
                continue        # the city itself and its 市辖区
            current = None
            for part in props.get("county", "").split(","):
                if part.startswith("["):
                    span, _, name = part[1:].partition("]")
                    if span.endswith("-"):
                        current = name
                elif part:
                    current = part
            if current:
                out.setdefault("32" + code[:2], []).append(("32" + code, current))
    return out


class _Gen:
    """All random choices, drawn from one ``random.Random(2023)`` in a fixed order."""

    def __init__(self, campaign):
        from stdnum.cn import uscc as uscc_mod

        self.uscc_mod = uscc_mod
        self.rng = random.Random(SEED)
        self.campaign = campaign
        self.year = campaign.year
        self.counties = _counties()
        self.used_uscc: set[str] = set()
        self.used_names: set[str] = set()
        self.used_certs: set[str] = set()

    # -- basic
    def date(self, start: dt.date, end: dt.date, months=None) -> dt.date:
        while True:
            d = start + dt.timedelta(days=self.rng.randint(0, (end - start).days))
            if not months or d.month in months:
                return d

    def filing_date(self, start: dt.date, end: dt.date) -> dt.date:
        return self.date(start, end, self.campaign.filing_months or None)

    def county(self, city) -> tuple[str, str]:
        return self.rng.choice(self.counties[city.code])

    def uscc(self, county_code: str, digits_only: bool = False) -> str:
        while True:
            if digits_only or self.rng.random() < 0.4:
                body = "".join(self.rng.choice("0123456789") for _ in range(8))
            else:
                body = "MA" + "".join(self.rng.choice(_ORG_ALPHABET) for _ in range(6))
            first17 = "91" + county_code + body + _org_check(body)
            code = first17 + self.uscc_mod.calc_check_digit(first17)
            if digits_only and not code.isdigit():
                continue
            if code in self.used_uscc:
                continue
            assert self.uscc_mod.is_valid(code), code
            self.used_uscc.add(code)
            return code

    def name(self, city) -> str:
        while True:
            name = f"{city.short}{self.rng.choice(_WORDS)}示例{self.rng.choice(_INDUSTRIES)}有限公司"
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def person(self) -> str:
        return self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN)

    def phone(self, city) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randint(0, 99999999):08d}"
        return f"{AREA_CODES[city.name]}-8{self.rng.randint(0, 9999999):07d}"

    def enterprise(self, city) -> dict:
        code, county = self.county(city)
        return {"name": self.name(city), "uscc": self.uscc(code), "county": county}

    # -- rows
    def evaluation_row(self, city, batch: int) -> dict:
        y = self.year
        row = self.enterprise(city)
        cats = self.rng.sample(_CATEGORIES[:5], self.rng.choice((1, 1, 2))) if self.rng.random() < 0.9 else ["其他"]
        method = self.rng.choice(("委托机构", "组织专家"))
        if method == "委托机构":
            evaluator = self.rng.choice(("江苏示例知识产权服务中心", f"{city.short}示例知识产权评价中心",
                                         "苏知示例管理咨询有限公司"))
        else:
            evaluator = f"{city.name}贯标评价专家组"
        if batch == 1:
            eval_date = self.date(dt.date(y, 1, 10), dt.date(y, 5, 31))
        else:
            eval_date = self.date(dt.date(y, 6, 15), dt.date(y, 11, 30))
        row.update(
            category="、".join(cats),
            filing_date=self.filing_date(dt.date(y - 4, 1, 1), dt.date(y - 1, 12, 31)),
            method=method, evaluator=evaluator, eval_date=eval_date,
            score=self.rng.randint(70, 98), conclusion="合格",
            contact=self.person(), phone=self.phone(city), remark=None,
        )
        return row

    def spotcheck_row(self, city, failed: bool, measure: str | None = None) -> dict:
        y = self.year
        row = self.enterprise(city)
        bodies = _SAMPLE_BODIES
        i = self.rng.randrange(len(bodies))
        cert_date = self.date(dt.date(y - 3, 1, 1), dt.date(y - 1, 12, 31))
        while True:
            cert = (f"{_BODY_PREFIX[i % len(_BODY_PREFIX)]}IP{cert_date.year % 100:02d}"
                    f"{self.rng.randint(1, 9999):04d}R0{self.rng.choice('MSL')}")
            if cert not in self.used_certs:
                self.used_certs.add(cert)
                break
        check_date = self.date(dt.date(y, 7, 1), dt.date(y, 11, 15))
        row.update(body=bodies[i], cert_no=cert, cert_date=cert_date,
                   standard="GB/T 29490-2013", check_date=check_date, remark=None)
        if failed:
            row.update(conclusion="未达标", problems=self.rng.choice(_PROBLEMS),
                       deadline=check_date + dt.timedelta(days=self.rng.randint(30, 90)),
                       measure=measure or self.rng.choice(("书面提醒", "约谈")))
        else:
            row.update(conclusion="达标", problems=None, deadline=None, measure="无")
        return row

    def anomaly_row(self, city, kind: str) -> dict:
        y = self.year
        row = self.enterprise(city)
        row.pop("county")
        row.update(new_name=None, willingness=None, grace_until=None, remark=None)
        if kind == "备案超5年未认证或评价":
            row["filing_date"] = self.filing_date(dt.date(y - 8, 1, 1), dt.date(y - 5, 6, 30))
            if self.rng.random() < 0.7:
                row.update(willingness="愿意开展认证或评价", action="提醒并给予1年宽限期",
                           grace_until=dt.date(y + 1, 7, 31),
                           verification="已电话提醒，企业表示愿意于宽限期内开展绩效评价")
            else:
                row.update(willingness="放弃贯标", action="删除", verification="企业书面确认放弃贯标")
        elif kind == "备案满3年未认证或评价":
            row["filing_date"] = self.filing_date(dt.date(y - 4, 1, 1), dt.date(y - 3, 6, 30))
            row.update(action="删除", verification="备案满3年，未取得认证证书，也未通过绩效评价")
        else:
            row["filing_date"] = self.filing_date(dt.date(y - 7, 1, 1), dt.date(y - 1, 12, 31))
            if kind == "已注销":
                row.update(action="删除", verification="经国家企业信用信息公示系统核实，企业已注销")
            elif kind == "经营异常":
                row.update(action="标记跟踪", verification="因未按期公示年度报告被列入经营异常名录")
            else:
                row.update(new_name=self.name(city), action="更新名称",
                           verification="经市场监管部门登记信息核实，企业已办理名称变更")
        row["type"] = kind
        return row


# ---------------------------------------------------------------- writers

def _normalise_zip(data: bytes) -> bytes:
    """Return the same package with fixed entry timestamps (byte-identical runs)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def _text_date(value: dt.date, style: str) -> str:
    return chinese_date(value) if style == "cn" else value.isoformat()


def _header_parts(city, filled: dt.date, batch: int | None) -> list[str]:
    parts = [f"填报单位（盖章）：{city.office}", f"填报日期：{chinese_date(filled)}"]
    if batch:
        parts.append(f"批次：{'第一批' if batch == 1 else '第二批'}")
    return parts


def _footer(gen: _Gen, city) -> str:
    return (f"填表人：{gen.person()}　　审核人：{gen.person()}　　"
            f"联系电话：{AREA_CODES[city.name]}-8{gen.rng.randint(0, 9999999):07d}")


def _write_xlsx(path: Path, form_key: str, title: str, header: list[str] | None,
                rows: list[dict], footer: str | None, date_style: str, stamp: dt.datetime) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    form = get_form(form_key)
    cols = form.columns
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ncol = len(cols)
    ws.cell(1, 1, f"附件{form.attachment}")
    ws.cell(2, 1, title).font = Font(bold=True, size=16)
    ws.cell(2, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    hrow = _HEADER_ROW
    if header is None:
        hrow = _PLAN_HEADER_ROW
    else:
        for text, col in zip(header, (1, 6, 10)):
            ws.cell(3, col, text)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for j, col in enumerate(cols, 1):
        c = ws.cell(hrow, j, col.header)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
        ws.column_dimensions[get_column_letter(j)].width = col.width
    r = hrow
    for i, row in enumerate(rows, 1):
        r = hrow + i
        for j, col in enumerate(cols, 1):
            value = row.get(col.key) if col.key != "seq" else row.get("seq", i)
            cell = ws.cell(r, j)
            if isinstance(value, dt.date):
                if date_style == "cell":
                    cell.value = value
                    cell.number_format = "yyyy-mm-dd"
                else:
                    cell.value = _text_date(value, date_style)
            else:
                cell.value = value
                if col.type == "uscc" and isinstance(value, str):
                    cell.number_format = "@"
                elif col.type == "uscc":
                    cell.number_format = "0"
            cell.border = border
    if footer:
        ws.cell(r + 2, 1, footer)
    wb.properties.creator = "formkit samplegen"
    wb.properties.last_modified_by = "formkit samplegen"
    wb.properties.title = title
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()   # save_workbook() would stamp "now" as modified
    write_bytes(path, _normalise_zip(buf.getvalue()))


def _write_docx(path: Path, form_key: str, title: str, header: list[str], rows: list[dict],
                footer: str, date_style: str, stamp: dt.datetime) -> None:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    form = get_form(form_key)
    cols = form.columns
    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_paragraph(f"附件{form.attachment}")
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(title)
    run.bold = True
    run.font.size = Pt(16)
    doc.add_paragraph("　　　　".join(header))
    table = doc.add_table(rows=1 + len(rows), cols=len(cols))
    table.style = "Table Grid"
    for j, col in enumerate(cols):
        table.rows[0].cells[j].text = col.header
    for i, row in enumerate(rows, 1):
        cells = table.rows[i].cells
        for j, col in enumerate(cols):
            value = row.get(col.key) if col.key != "seq" else row.get("seq", i)
            if value is None:
                continue
            cells[j].text = _text_date(value, date_style) if isinstance(value, dt.date) else str(value)
    doc.add_paragraph(footer)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = "formkit samplegen"
    cp.title = title
    cp.created = cp.modified = cp.last_printed = stamp
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    write_bytes(path, _normalise_zip(buf.getvalue()))


# ---------------------------------------------------------------- generation

def _defect(city: str, form: str, batch: int | None = None) -> dict[int, tuple]:
    """Return {data row: (column key, code)} of the seeded defects of one file."""
    return {row: (key, code) for c, f, b, row, key, code, _ in _DEFECT_SPECS
            if c == city and f == form and b == batch and row is not None}


def _check_campaign(campaign) -> None:
    names = tuple(c.name for c in campaign.cities)
    if names != CITY_NAMES or campaign.year != YEAR:
        raise ValueError("样例生成器按江苏省2023年度活动（13个设区市）设计，所给活动配置的年度或设区市不同")


def generate(out_dir: Path, campaign=None) -> list[Path]:
    """Write the sample submissions under ``out_dir`` and return the written files."""
    from formkit.campaign import load_campaign

    campaign = campaign or load_campaign()
    _check_campaign(campaign)
    out_dir = Path(out_dir)
    gen = _Gen(campaign)
    rng = gen.rng
    y = campaign.year
    written: list[Path] = []
    cities = {c.name: c for c in campaign.cities}

    def style(city_name: str) -> str:
        if city_name in XLSX_CITIES:
            return "cn" if city_name in TEXT_DATE_XLSX else "cell"
        return "cn" if city_name in CN_DATE_DOCX else "iso"

    def write(city, form, batch, rows, filled):
        rel = file_name(city.name, form, batch, y)
        path = out_dir / rel
        title = get_form(form).title_for(y)
        header = _header_parts(city, filled, batch)
        footer = _footer(gen, city)
        stamp = dt.datetime.combine(filled, dt.time(9, 0))
        if _ext(city.name) == "xlsx":
            _write_xlsx(path, form, title, header, rows, footer, style(city.name), stamp)
        else:
            _write_docx(path, form, title, header, rows, footer, style(city.name), stamp)
        written.append(path)

    evaluation_rows: dict[tuple[str, int], list[dict]] = {}
    for city in campaign.cities:
        name = city.name
        # ---- 附件2, two batches
        for batch in (1, 2):
            n = EVALUATION_ROWS[name][batch - 1]
            rows = [gen.evaluation_row(city, batch) for _ in range(n)]
            for row_no, (key, code) in _defect(name, "evaluation", batch).items():
                row = rows[row_no - 1]
                if code == "uscc":          # a 0 read as the letter O, in the organisation code
                    u = row["uscc"]
                    while "0" not in u[8:17]:
                        u = gen.uscc(u[2:8])
                    pos = u.rindex("0", 8, 17)
                    row["uscc"] = u[:pos] + "O" + u[pos + 1:]
                elif code == "date":
                    row["eval_date"] = f"{y}-02-30"
                elif code == "number":
                    row["score"] = 105
                elif code == "phone":
                    row["phone"] = "1381234"
                elif code == "not-qualified":
                    row.update(conclusion="不合格", score=62)
                elif code == "city-mismatch":
                    other = cities[CITY_NAMES[0]]
                    row["uscc"] = gen.uscc(gen.county(other)[0])
            if name == "南京市" and batch == 2:
                first = evaluation_rows[(name, 1)][_DUP_ROWS[0] - 1]
                dup = rows[_DUP_ROWS[1] - 1]
                dup.update(name=first["name"], uscc=first["uscc"], county=first["county"],
                           filing_date=first["filing_date"], category=first["category"])
            evaluation_rows[(name, batch)] = rows
            if batch == 1:
                filled = gen.date(dt.date(y, 6, 1), dt.date(y, 6, 9))
            else:
                filled = gen.date(dt.date(y, 12, 1), dt.date(y, 12, 9))
            if name == "泰州市" and batch == 2:     # seeded: late
                filled = dt.date(y, 12, 15)
            write(city, "evaluation", batch, rows, filled)

        # ---- 附件3
        n = SPOTCHECK_ROWS[name]
        defects = _defect(name, "spotcheck")
        clean_rows = [i for i in range(1, n + 1) if i not in defects
                      and not (name == "无锡市" and i == _NAME_MISMATCH_ROWS[1])]
        failed = set(rng.sample(clean_rows, max(1, round(n * 0.1))))
        failed |= {r for r, (k, c) in defects.items() if c == "required"}
        failed_order = sorted(failed)
        rows = []
        for i in range(1, n + 1):
            measure = "移交执法" if name == "苏州市" and failed_order and i == failed_order[0] else None
            rows.append(gen.spotcheck_row(city, i in failed, measure))
        for row_no, (key, code) in defects.items():
            row = rows[row_no - 1]
            if code == "required":
                row["problems"] = None
            elif code == "enum":
                row["standard"] = "GB/T 29490-2016"
            elif code == "uncertified-body":
                row["body"] = "华东示例认证服务有限公司"
            elif code == "uscc":          # a number cell truncated by Excel to 15 digits
                gen.used_uscc.discard(row["uscc"])
                while True:
                    full = gen.uscc(row["uscc"][2:8], digits_only=True)
                    truncated = full[:15] + "000"
                    if not gen.uscc_mod.is_valid(truncated):
                        break
                row["uscc"] = int(truncated)
        if name == "无锡市":
            source = evaluation_rows[(name, 1)][_NAME_MISMATCH_ROWS[0] - 1]
            row = rows[_NAME_MISMATCH_ROWS[1] - 1]
            row.update(uscc=source["uscc"], county=source["county"],
                       name=source["name"].replace("有限公司", "股份有限公司"))
        write(city, "spotcheck", None, rows, gen.date(dt.date(y, 11, 20), dt.date(y, 11, 28)))

        # ---- 附件4
        n = ANOMALY_ROWS[name]
        if not n:
            continue
        kinds = list(get_form("anomaly").column("type").values)
        kinds += [rng.choice(kinds) for _ in range(max(0, n - len(kinds)))]
        rng.shuffle(kinds)
        kinds = kinds[:n]
        defects = _defect(name, "anomaly")
        forced = {r: {"action-mismatch": "已注销", "filing-age": "备案超5年未认证或评价",
                      "required": "已更名"}[c] for r, (k, c) in defects.items()}
        if name == "常州市":
            forced[_CONFLICT_ROWS[0]] = "已注销"
        for r, kind in forced.items():
            kinds[r - 1] = kind
        rows = [gen.anomaly_row(city, kind) for kind in kinds]
        for row_no, (key, code) in defects.items():
            row = rows[row_no - 1]
            if code == "action-mismatch":
                row["action"] = "标记跟踪"
            elif code == "filing-age":
                row.update(filing_date=dt.date(y - 3, 10, 15), willingness="放弃贯标", action="删除",
                           grace_until=None, verification="企业书面确认放弃贯标")
            elif code == "required":
                row["new_name"] = None
        if name == "常州市":
            target = evaluation_rows[(name, 2)][_CONFLICT_ROWS[1] - 1]
            row = rows[_CONFLICT_ROWS[0] - 1]
            row.update(name=target["name"], uscc=target["uscc"], filing_date=target["filing_date"])
        write(city, "anomaly", None, rows, gen.date(dt.date(y, 7, 20), dt.date(y, 7, 28)))

    # ---- 附件1, issued by the province
    plan_rows = []
    for i, city in enumerate(campaign.cities, 1):
        target = city.target or 0
        plan_rows.append({"seq": i, "city": city.name, "filed": target * 8 + rng.randint(10, 60),
                          "qualified": target, "certified": rng.randint(20, 120),
                          "spotchecks": campaign.thresholds.get("spotcheck_min_per_city", 30),
                          "remark": None})
    total = {"seq": None, "city": "合计", "remark": None}
    for key in ("filed", "qualified", "certified", "spotchecks"):
        total[key] = sum(r[key] for r in plan_rows)
    total["qualified"] += 3
    plan_rows.append(total)
    plan_form = get_form("plan")
    path = out_dir / file_name("省局", "plan", None, y)
    _write_xlsx(path, "plan", plan_form.title_for(y), None, plan_rows, None, "cell",
                dt.datetime(y, 4, 19, 9, 0))
    written.append(path)
    return written
