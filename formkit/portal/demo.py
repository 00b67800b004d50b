"""The portal part of `formkit demo`: the bundled samples loaded as the cities' uploads.

``seed_demo`` makes a fresh portal (SQLite database and data folder) with demo accounts — one
province account and one per city, with fictional passwords — and submits every sample file
as an upload of its city (the plan as the province's) through ``Portal.store`` and
``Portal.submit``, the calls an upload over HTTP makes. The files are read in this process
(``Portal(inline=True)``: the same reader functions as the portal's worker processes, without
their start-up), so states, findings and marked-up copies are those of real uploads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from formkit.campaign import Campaign
from formkit.portal import accounts
from formkit.portal.service import CHINA, Portal

#: Fictional demo passwords (printed by the demo; never use them on a real server).
PROVINCE_USER = ("sheng", "demo-sheng-2023")
CITY_PASSWORD = "demo-city-2023"


@dataclass
class DemoPortal:
    """What the demo made: where, the accounts {username: (password, city)}, and the uploads."""

    db_url: str
    data: Path
    as_of: dt.date
    accounts: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    uploads: list[dict] = field(default_factory=list)

    def command(self) -> str:
        return f"formkit serve --db {self.db_url} --data {self.data} --as-of {self.as_of.isoformat()}"


def city_username(n: int) -> str:
    return f"city{n:02d}"


def received_on(campaign: Campaign, forms: list[dict], as_of: dt.date) -> str:
    """Return the UTC time a sample upload is dated: 9:00 (China time) on its slot's deadline.

    The samples describe a past campaign; dated now, every upload would count as late. A file
    whose own 填报日期 is after the deadline still carries its ``late`` finding.
    """
    days = [d for d in (campaign.form_deadline(f["form"], f["batch"]) for f in forms) if d]
    day = min(days) if days else as_of
    at = dt.datetime.combine(day, dt.time(9, 0), CHINA).astimezone(dt.timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seed_demo(folder: Path, samples: Path, campaign: Campaign, as_of: dt.date) -> DemoPortal:
    """Make ``folder/formkit.sqlite`` and ``folder/data`` afresh with demo accounts and the samples."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in ("formkit.sqlite", "formkit.sqlite-wal", "formkit.sqlite-shm"):
        (folder / old).unlink(missing_ok=True)
    shutil.rmtree(folder / "data", ignore_errors=True)
    out = DemoPortal(f"sqlite:///{(folder / 'formkit.sqlite').resolve()}", (folder / "data").resolve(), as_of)
    portal = Portal(out.db_url, out.data, campaign=campaign, inline=True, as_of=as_of)
    try:
        users = {PROVINCE_USER[0]: accounts.add_user(portal.engine, PROVINCE_USER[0], "province", None,
                                                     PROVINCE_USER[1], campaign, "formkit demo")}
        out.accounts[PROVINCE_USER[0]] = (PROVINCE_USER[1], None)
        for n, city in enumerate(campaign.cities, 1):
            name = city_username(n)
            users[city.name] = accounts.add_user(portal.engine, name, "city", city.name, CITY_PASSWORD, campaign,
                                                 "formkit demo")
            out.accounts[name] = (CITY_PASSWORD, city.name)
        for path in sorted(p for p in Path(samples).rglob("*") if p.is_file() and not p.name.startswith(".")
                           and p.suffix.lower() != ".md"):
            city = campaign.city(path.parent.name)
            user = users[city.name] if city else users[PROVINCE_USER[0]]
            out.uploads.append(asyncio.run(_upload(portal, user, path, city.name if city else None, as_of)))
    finally:
        portal.close()
    return out


async def _upload(portal: Portal, user, path: Path, city: str | None, as_of: dt.date) -> dict:
    with portal.temp_file() as tmp:
        tmp.write(path.read_bytes())
    stored = portal.store(Path(tmp.name))
    status, body = await portal.submit(user, stored, path.name, city,
                                       received_at=lambda forms: received_on(portal.campaign, forms, as_of))
    body["status"] = status
    return body


def demo_lines(made: DemoPortal) -> list[str]:
    """Return what `formkit demo` prints about the portal."""
    lines = [f"已把示例材料作为各市的上传载入报送平台（{len(made.uploads)}份，数据库 {made.db_url}）。",
             "在浏览器中查看：运行下面的命令，再打开 http://127.0.0.1:8000/",
             f"  {made.command()}",
             "演示账号（密码均为虚构，仅供演示，切勿用于正式服务器）："]
    name, (password, _city) = PROVINCE_USER[0], made.accounts[PROVINCE_USER[0]]
    lines.append(f"  省局：{name} / {password}")
    cities = [(n, c) for n, (_p, c) in made.accounts.items() if c]
    lines.append(f"  设区市：{cities[0][0]}（{cities[0][1]}）… {cities[-1][0]}（{cities[-1][1]}），密码均为 {CITY_PASSWORD}")
    lines.append("  " + "，".join(f"{n} {c}" for n, c in cities))
    return lines

