"""The Chinese pages: 登录, a city's 我的报送 and a submission's findings (server-rendered).

Plain HTML forms work without JavaScript; a few lines of it add drag and drop to the upload
area. Every unsafe method carries the CSRF token (asgi-csrf checks it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from formkit.findings import CODE_NAMES, SEVERITY_NAMES, Finding
from formkit.forms import get_form, slot_of
from formkit.portal import accounts
from formkit.portal.access import allowed
from formkit.portal.app import Unauthorized, client_ip, current_user
from formkit.portal.service import CHINA, SLOTS
from formkit.portal.views.common import UploadRefused, path_id, take_upload

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))

STATE_NAMES = {"missing": "未报送", "not-due": "未报送", "errors": "有错误", "ok": "已报送", "late": "逾期"}


def local_time(iso: str | None) -> str:
    """Return a stored UTC time as China time for a person: 2023-06-08 14:05."""
    if not iso:
        return ""
    t = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc).astimezone(CHINA)
    return t.strftime("%Y-%m-%d %H:%M")


def finding_rows(findings: list[dict]) -> list[dict]:
    """Return findings for the 位置 · 问题 · 原值 table, errors first, worded as the CLI does."""
    out = []
    for d in sorted(findings, key=lambda f: f["severity"] != "error"):
        f = Finding(**d)
        out.append({"severity": f.severity, "where": f.where or "（整个文件）",
                    "problem": f"[{SEVERITY_NAMES[f.severity]}] {CODE_NAMES[f.code]}：{f.message}",
                    "value": f.value or "", "code": f.code, "cell": f.cell or ""})
    return out


def describe_forms(forms: list[dict]) -> str:
    parts = []
    for f in forms:
        slot, form = slot_of(f["form"], f.get("batch")), get_form(f["form"])
        label = slot.name if slot else f"附件{form.attachment}"
        if form.batches and not slot:
            label += " 批次不明（请在表头“批次”填写第一批或第二批后重新上传）"
        parts.append(f"{label}（{f['records']}条）")
    return "；".join(parts) or "未识别出表格"


templates.env.globals.update(local_time=local_time, describe_forms=describe_forms, STATE_NAMES=STATE_NAMES,
                             SLOT_NAMES={k: s.name for k, s in SLOTS.items()},
                             SLOT_TITLES={k: s.title for k, s in SLOTS.items()})


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    csrf = request.scope.get("csrftoken")
    context.setdefault("user", None)
    return templates.TemplateResponse(request, name, {"csrftoken": csrf() if csrf else "", **context},
                                      status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, message=message, code=status)


async def not_found(request: Request, exc=None):
    if request.url.path.startswith("/api/"):
        from starlette.responses import JSONResponse

        return JSONResponse({"detail": "没有这个地址"}, status_code=404)
    return error_page(request, 404, "没有这个页面，或您无权查看")


async def not_allowed(request: Request, exc=None):
    from starlette.responses import JSONResponse

    return JSONResponse({"detail": "不支持该请求方法"}, status_code=405)


def page(handler):
    """Run ``handler(request, user)`` for a logged-in user; send others to 登录."""
    async def endpoint(request: Request):
        try:
            user = await run_in_threadpool(current_user, request)
        except Unauthorized:
            user = None
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return await handler(request, user)
    endpoint.__name__ = handler.__name__
    return endpoint


async def login_page(request: Request):
    if request.method == "GET":
        return render(request, "login.html")
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    portal = request.app.state.portal
    try:
        user = await run_in_threadpool(accounts.login, portal.engine, username, password, client_ip(request))
    except accounts.Locked:
        return render(request, "login.html", status=429, username=username,
                      error=f"该用户名{accounts.LOCK_MINUTES}分钟内登录失败已达{accounts.LOCK_FAILURES}次，"
                            f"已锁定{accounts.LOCK_MINUTES}分钟，请稍后再试")
    if user is None:
        return render(request, "login.html", status=401, username=username, error="用户名或密码错误")
    request.session.clear()
    request.session["uid"] = user.id
    return RedirectResponse("/", status_code=303)


async def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@page
async def home(request: Request, user):
    if user.role == "province":
        return RedirectResponse("/overview", status_code=303)
    return RedirectResponse("/my", status_code=303)


def days_note(deadline: dt.date, today: dt.date) -> str:
    delta = (deadline - today).days
    if delta > 0:
        return f"还有{delta}天"
    if delta == 0:
        return "今天截止"
    return f"已过{-delta}天"


def city_context(portal, city: str) -> dict:
    """Return what 我的报送 shows for one city: the slots with their state, and every submission."""
    today = portal.today()
    status = portal.status(today, city)["cities"][city]
    slots = []
    for slot in SLOTS:
        s = status[slot]
        deadline = dt.date.fromisoformat(s["deadline"])
        slots.append({"slot": slot, **s, "deadline_text": f"{deadline.month}月{deadline.day}日",
                      "days": days_note(deadline, today) if s["state"] in ("missing", "not-due") else ""})
    subs = portal.submissions(city, findings=True)
    current = {s["submission"] for s in status.values() if s["submission"]}
    for sub in subs:
        sub["rows"] = finding_rows(sub["findings"])
        sub["current"] = sub["id"] in current
    return {"slots": slots, "submissions": subs, "city": city}


@page
async def my_page(request: Request, user):
    portal = request.app.state.portal
    city = user.city
    if user.role == "province":
        city = request.query_params.get("city") or None
        if portal.campaign.city(city or "") is None:
            return RedirectResponse("/overview", status_code=303)
    context = await run_in_threadpool(city_context, portal, city)
    return render(request, "my.html", user=user, **context)


@page
async def upload_page(request: Request, user):
    portal = request.app.state.portal
    try:
        stored, filename, fields = await take_upload(request, portal, user)
    except UploadRefused as exc:
        return error_page(request, exc.status, exc.message)
    city = user.city
    if user.role == "province" and fields.get("city"):
        known = portal.campaign.city(fields["city"])
        city = known.name if known else None
    if city is not None and not allowed(user, "upload", city):
        return error_page(request, 403, "无权为该设区市上传")
    status, body = await portal.submit(user, stored, filename, city, client_ip(request))
    return RedirectResponse(f"/submissions/{body['id']}", status_code=303)


@page
async def submission_page(request: Request, user):
    portal = request.app.state.portal
    sid = path_id(request)
    sub = await run_in_threadpool(portal.submission, sid) if sid is not None else None
    if sub is None or not allowed(user, "view-city", sub["city"]):
        return error_page(request, 404, "没有这份报送材料")
    sub["rows"] = finding_rows(sub["findings"])
    return render(request, "submission.html", user=user, sub=sub)


@page
async def blanks_page(request: Request, user):
    """空白表格: the attachments to fill in (附件1 only for the province), .xlsx and .docx."""
    paths = await run_in_threadpool(request.app.state.portal.blanks)
    rows: dict[str, dict] = {}
    for p in paths:
        number = p.name.split("-", 1)[0]
        if number == "附件1" and user.role != "province":
            continue
        rows.setdefault(number, {"number": number, "title": p.stem.split("-", 1)[1], "files": []})["files"].append(p.name)
    return render(request, "blanks.html", user=user, rows=list(rows.values()))


@page
async def blank_file(request: Request, user):
    from formkit.portal.views.common import send_file

    portal = request.app.state.portal
    name = request.path_params["name"]
    path = await run_in_threadpool(portal.blank_file, name)
    if path is None or (name.startswith("附件1") and user.role != "province"):
        return error_page(request, 404, "没有这份空白表格")
    return await send_file(request, portal, user, path, path.name, {"blank": name})


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/my", my_page),
        Route("/upload", upload_page, methods=["POST"]),
        Route("/submissions/{id}", submission_page),
        Route("/blanks", blanks_page),
        Route("/blanks/{name}", blank_file),
    ]
