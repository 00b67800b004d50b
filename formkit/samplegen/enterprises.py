"""Made-up enterprises for the samples: names, credit codes, people, telephone numbers, dates.

Every choice comes from one ``random.Random(SEED)`` in a fixed order (:class:`Gen`), so two
runs give the same enterprises; the credit codes pass GB 32100 and name real counties.
"""

from __future__ import annotations

import datetime as dt
import random

SEED = 2023

AREA_CODES = {"南京市": "025", "无锡市": "0510", "徐州市": "0516", "常州市": "0519",
              "苏州市": "0512", "南通市": "0513", "连云港市": "0518", "淮安市": "0517",
              "盐城市": "0515", "扬州市": "0514", "镇江市": "0511", "泰州市": "0523",
              "宿迁市": "0527"}

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


def org_check(body: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def counties() -> dict[str, list[tuple[str, str]]]:
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


class Gen:
    """All random choices, drawn from one ``random.Random(2023)`` in a fixed order."""

    def __init__(self, campaign):
        from stdnum.cn import uscc as uscc_mod

        self.uscc_mod = uscc_mod
        self.rng = random.Random(SEED)
        self.campaign = campaign
        self.year = campaign.year
        self.counties = counties()
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
            first17 = "91" + county_code + body + org_check(body)
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
