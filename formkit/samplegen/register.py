"""A deterministic sample register (备案名单) consistent with the bundled sample submissions.

``register_rows()`` builds it: every enterprise of the samples' 附件2, 附件3 and 附件4 whose
credit code is valid, with the 备案时间 its form gives (so ``merge --db`` finds no `not-filed`
or `filing-date-mismatch` on a clean row), plus designed extra enterprises per city so that
``registry due`` has a known answer. ``write_register()`` writes it to
``samples/register/江苏省贯标备案名单.xlsx`` (byte-identical on every run)::

    python -m formkit.samplegen.register

Roles (``row["role"]``, not written to the file) say why each row is there and whether it is
due on ``DUE_AS_OF`` (the anomaly review deadline, 2023-07-31):
- ``evaluation`` (filed 2019–2022, evaluated this year — the register does not know it yet),
  ``certified`` (附件3: certificate number and date), ``review-*`` (附件4, by 异常类型) —
  ``review-stock`` (备案超5年未认证或评价) is due, ``review-stock-too-recent`` (淮安市's seeded
  `filing-age` row, filed 2020) is not; the other review rows filed over 5 years ago carry
  an earlier evaluation date, so they are not due;
- extras: ``extra-stock-due`` and ``extra-marked-due`` (filed 2016, never certified or
  evaluated: due), ``extra-grace-expired`` (grace period ended 2023-05-31: due),
  ``extra-stock-certified``, ``extra-stock-evaluated``, ``extra-recent`` (filed 2019–2021),
  ``extra-new`` (filed in 2023: the 3-year rule, due from 2026), ``extra-grace-active``
  (grace until 2024-07-31), ``extra-removed`` (已删除 in 2022): not due.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from formkit.resources import PACKAGE_DIR, samples_dir

REGISTER_NAME = "江苏省贯标备案名单.xlsx"
YEAR = 2023
DUE_AS_OF = dt.date(2023, 7, 31)
#: The roles that are due on DUE_AS_OF.
DUE_ROLES = frozenset({"review-stock", "extra-stock-due", "extra-marked-due", "extra-grace-expired"})
_HEADER_ROW = 3

#: Extras per city, by official city index: (role, name word, industry).
_EXTRAS = ("extra-stock-due", "extra-stock-certified", "extra-stock-evaluated", "extra-recent", "extra-new")
#: Further extras for some cities (official index → roles).
_MORE = {0: ("extra-removed", "extra-grace-expired"), 2: ("extra-marked-due",),
         4: ("extra-grace-active", "extra-removed"), 7: ("extra-grace-expired",),
         10: ("extra-marked-due", "extra-grace-active")}
_WORDS = ("长青", "海岳", "东篱", "北辰", "南风", "西岭", "金石", "玉衡", "松涛", "竹韵", "梅岭", "兰亭",
          "清源", "远山", "云台", "霞光", "雨润", "春晖", "秋实", "冬青")
_INDUSTRIES = ("仪器", "材料", "装备", "电器", "医疗器械", "包装", "建材", "传感", "照明", "模具")


def sample_register_path() -> Path:
    """Return the bundled sample register (checkout: samples/register; wheel: formkit/samples/register)."""
    for path in (PACKAGE_DIR / "samples" / "register" / REGISTER_NAME,
                 PACKAGE_DIR.parent / "samples" / "register" / REGISTER_NAME):
        if path.exists():
            return path
    return PACKAGE_DIR.parent / "samples" / "register" / REGISTER_NAME


def _filing_date(rng: random.Random, start: dt.date, end: dt.date, months=(4, 6, 8, 10)) -> dt.date:
    while True:
        d = start + dt.timedelta(days=rng.randint(0, (end - start).days))
        if d.month in months:
            return d


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def register_rows(campaign=None, submissions: Path | None = None) -> list[dict]:
    """Return the sample register's rows (dicts of register fields plus ``uscc`` and ``role``)."""
    from formkit import checking
    from formkit.campaign import load_campaign
    from formkit.samplegen.enterprises import counties, org_check  # the same code rules as the samples

    campaign = campaign or load_campaign()
    submissions = submissions or samples_dir()
    checked = checking.check([submissions], campaign)
    rows: dict[str, dict] = {}
    review_types = {"已注销": "review-removed", "经营异常": "review-marked", "已更名": "review-renamed",
                    "备案超5年未认证或评价": "review-stock", "备案满3年未认证或评价": "review-new"}
    stock_limit = _years_before(DUE_AS_OF, campaign.thresholds["stock_filing_years"])
    subs = sorted((s for fr in checked.files for s in fr.submissions),
                  key=lambda s: ({"evaluation": 0, "anomaly": 1, "spotcheck": 2}.get(s.form, 3),
                                 campaign.city_order(s.city), s.file))
    for sub in subs:
        if sub.form not in ("evaluation", "anomaly", "spotcheck"):
            continue
        for record in sub.records:
            code = record.value("uscc")
            if not code or code in rows:
                continue
            city = campaign.city_of_code(code) or campaign.city(sub.city or "")
            row = {"uscc": code, "city": city.name, "name": record.value("name"), "filing_date": None,
                   "cert_no": None, "cert_date": None, "eval_date": None, "status": "正常",
                   "status_date": None, "status_reason": None, "grace_until": None, "remark": None}
            rng = random.Random(f"register-{code}")
            if sub.form == "evaluation":
                row.update(filing_date=record.value("filing_date"), role="evaluation")
            elif sub.form == "anomaly":
                kind = record.value("type")
                row.update(filing_date=record.value("filing_date"), role=review_types.get(kind, "review"))
                if row["role"] == "review-stock" and row["filing_date"] > stock_limit:
                    row["role"] = "review-stock-too-recent"
                elif row["role"] in ("review-removed", "review-marked", "review-renamed") \
                        and row["filing_date"] <= stock_limit:
                    # An old filing reported for another reason was evaluated once, years ago.
                    row["eval_date"] = row["filing_date"] + dt.timedelta(days=rng.randint(300, 700))
            else:
                cert_date = record.value("cert_date")
                row.update(cert_no=record.value("cert_no"), cert_date=cert_date, role="certified",
                           filing_date=_filing_date(rng, cert_date - dt.timedelta(days=900),
                                                    cert_date - dt.timedelta(days=200)))
            rows[code] = row

    # Designed extras, one random stream in a fixed order.
    from stdnum.cn import uscc as uscc_mod

    rng = random.Random(2023_0731)
    counties = counties()
    names = {r["name"] for r in rows.values()}
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

    def new_code(city) -> str:
        while True:
            county = rng.choice(counties[city.code])[0]
            body = "".join(rng.choice(alphabet) for _ in range(8))
            first17 = "91" + county + body + org_check(body)
            code = first17 + uscc_mod.calc_check_digit(first17)
            if code not in rows and uscc_mod.is_valid(code):
                return code

    def new_name(city) -> str:
        while True:
            name = f"{city.short}{rng.choice(_WORDS)}备案示例{rng.choice(_INDUSTRIES)}有限公司"
            if name not in names:
                names.add(name)
                return name

    y = campaign.year
    for index, city in enumerate(campaign.cities):
        for role in _EXTRAS + _MORE.get(index, ()):
            code = new_code(city)
            row = {"uscc": code, "city": city.name, "name": new_name(city), "filing_date": None,
                   "cert_no": None, "cert_date": None, "eval_date": None, "status": "正常",
                   "status_date": None, "status_reason": None, "grace_until": None, "remark": None,
                   "role": role}
            old = _filing_date(rng, dt.date(y - 8, 1, 1), dt.date(y - 6, 12, 31))
            if role in ("extra-stock-due", "extra-removed"):
                row["filing_date"] = old
            elif role == "extra-marked-due":
                row.update(filing_date=old, status="经营异常", status_date=dt.date(y - 1, 7, 31),
                           status_reason="因未按期公示年度报告被列入经营异常名录")
            elif role == "extra-stock-certified":
                cert = old + dt.timedelta(days=rng.randint(300, 700))
                row.update(filing_date=old, cert_date=cert,
                           cert_no=f"165IP{cert.year % 100:02d}{rng.randint(1, 9999):04d}R0M")
            elif role == "extra-stock-evaluated":
                row.update(filing_date=old, eval_date=old + dt.timedelta(days=rng.randint(300, 700)))
            elif role == "extra-recent":
                row["filing_date"] = _filing_date(rng, dt.date(y - 4, 1, 1), dt.date(y - 2, 12, 31))
            elif role == "extra-new":
                row["filing_date"] = _filing_date(rng, dt.date(y, 4, 1), dt.date(y, 6, 30))
            elif role == "extra-grace-expired":
                row.update(filing_date=old, status="宽限期", status_date=dt.date(y - 1, 5, 31),
                           status_reason="备案超5年未认证或评价，企业愿意开展评价，给予宽限期",
                           grace_until=dt.date(y, 5, 31))
            elif role == "extra-grace-active":
                row.update(filing_date=old, status="宽限期", status_date=dt.date(y, 7, 31),
                           status_reason="备案超5年未认证或评价，企业愿意开展评价，给予1年宽限期",
                           grace_until=dt.date(y + 1, 7, 31))
            if role == "extra-removed":
                row.update(status="已删除", status_date=dt.date(y - 1, 7, 31),
                           status_reason="已注销：经国家企业信用信息公示系统核实，企业已注销")
            rows[code] = row
    ordered = sorted(rows.values(), key=lambda r: (campaign.city_order(r["city"]), r["filing_date"], r["uscc"]))
    return ordered


def expected_due(rows: list[dict]) -> list[str]:
    """Return the USCCs due on DUE_AS_OF, by design (roles), in the order `registry due` lists them."""
    return [r["uscc"] for r in rows if r["role"] in DUE_ROLES]


def write_register(path: Path | None = None, campaign=None) -> Path:
    """Write the sample register as an .xlsx (byte-identical runs) and return its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from formkit.campaign import load_campaign
    from formkit.forms import load_register_form
    from formkit.samplegen.files import header_row, save_xlsx

    campaign = campaign or load_campaign()
    path = Path(path) if path else sample_register_path()
    rows = register_rows(campaign)
    form = load_register_form()
    cols = form.columns
    wb = Workbook()
    ws = wb.active
    ws.title = "备案名单"
    ws.cell(1, 1, f"{campaign.province}{form.title}").font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    ws.cell(2, 1, f"截至{YEAR}年4月30日，共{len(rows)}家")
    border = header_row(ws, _HEADER_ROW, cols)
    for i, row in enumerate(rows, 1):
        for j, col in enumerate(cols, 1):
            value = i if col.key == "seq" else row.get(col.key)
            cell = ws.cell(_HEADER_ROW + i, j, value)
            cell.border = border
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif col.type == "uscc":
                cell.number_format = "@"
    ws.freeze_panes = f"A{_HEADER_ROW + 1}"
    # (The creator keeps the generator's former name: the committed file's bytes carry it.)
    save_xlsx(wb, path, creator="formkit registry_samples", title=form.title, stamp=dt.datetime(YEAR, 4, 30, 9, 0))
    return path


if __name__ == "__main__":  # pragma: no cover
    print(write_register())
