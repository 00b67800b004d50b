"""The HTTP API of SPEC §9 under /api/v1/: JSON in, JSON out, status codes as the contract says."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from formkit.portal import accounts
from formkit.portal.access import allowed
from formkit.portal.app import Unauthorized, client_ip, current_user
from formkit.portal.views.common import UploadRefused, parse_as_of, path_id, send_file, take_upload

NEED_LOGIN = "请先登录，或在请求头中提供有效的 Authorization: Bearer 令牌"
NOT_FOUND = "没有这份报送材料"


def problem(status: int, detail: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def guarded(handler):
    """Run ``handler(request, user)`` for a logged-in user; 401 otherwise."""
    async def endpoint(request: Request):
        try:
            user = await run_in_threadpool(current_user, request)
        except Unauthorized:
            return problem(401, "令牌无效或已停用，请重新签发（formkit users token 用户名）")
        if user is None:
            return problem(401, NEED_LOGIN)
        return await handler(request, user)
    endpoint.__name__ = handler.__name__
    return endpoint


async def login(request: Request):
    try:
        body = await request.json()
        username, password = str(body["username"]), str(body["password"])
    except (ValueError, KeyError, TypeError):
        return problem(400, "请求应为JSON：{\"username\": 用户名, \"password\": 密码}")
    portal = request.app.state.portal
    try:
        user = await run_in_threadpool(accounts.login, portal.engine, username, password, client_ip(request))
    except accounts.Locked:
        return problem(429, f"该用户名{accounts.LOCK_MINUTES}分钟内登录失败已达{accounts.LOCK_FAILURES}次，"
                            f"已锁定{accounts.LOCK_MINUTES}分钟，请稍后再试")
    if user is None:
        return problem(401, "用户名或密码错误")
    request.session.clear()
    request.session["uid"] = user.id
    return JSONResponse(user.public())


@guarded
async def upload(request: Request, user):
    portal = request.app.state.portal
    try:
        stored, filename, fields = await take_upload(request, portal, user)
    except UploadRefused as exc:
        return problem(exc.status, exc.message)
    city = user.city
    if fields.get("city"):
        if not allowed(user, "upload-for-any"):
            return problem(403, "设区市账号只能为本市上传，不能指定 city")
        known = portal.campaign.city(fields["city"])
        if known is None:
            return problem(400, f"“{fields['city']}”不是本次活动的设区市")
        city = known.name
    if city is not None and not allowed(user, "upload", city):
        return problem(403, "无权为该设区市上传")
    status, body = await portal.submit(user, stored, filename, city, client_ip(request))
    if status == 422:
        body = {"detail": body["findings"][0]["message"], **body}
    return JSONResponse(body, status_code=status)


@guarded
async def list_submissions(request: Request, user):
    portal = request.app.state.portal
    city = request.query_params.get("city") or None
    if user.role == "city":
        if city and city != user.city:
            return JSONResponse([])  # a city sees nothing of another city, not even that it exists
        city = user.city
    rows = await run_in_threadpool(portal.submissions, city, True)
    return JSONResponse(rows)


async def _own_submission(request: Request, user):
    portal = request.app.state.portal
    sid = path_id(request)
    sub = await run_in_threadpool(portal.submission, sid) if sid is not None else None
    if sub is None:
        return None
    if not allowed(user, "view-city", sub["city"]):
        return None  # 404, never 403: another city's id must not be told apart from a missing one
    return sub


@guarded
async def get_submission(request: Request, user):
    sub = await _own_submission(request, user)
    if sub is None:
        return problem(404, NOT_FOUND)
    return JSONResponse(sub)


@guarded
async def submission_file(request: Request, user):
    portal = request.app.state.portal
    sub = await _own_submission(request, user)
    if sub is None:
        return problem(404, NOT_FOUND)
    return await send_file(request, portal, user, portal.file_path(sub["sha256"]), sub["filename"],
                           {"submission": sub["id"], "file": "original"})


@guarded
async def submission_annotated(request: Request, user):
    portal = request.app.state.portal
    sub = await _own_submission(request, user)
    if sub is None:
        return problem(404, NOT_FOUND)
    path = await portal.annotated(sub)
    if path is None:
        return problem(404, "这份材料无法读取，没有可标注的副本；请根据问题清单处理后重新上传")
    return await send_file(request, portal, user, path, path.name, {"submission": sub["id"], "file": "annotated"})


@guarded
async def status(request: Request, user):
    portal = request.app.state.portal
    try:
        as_of = parse_as_of(request.query_params.get("as_of"))
    except ValueError:
        return problem(400, "as_of 应为日期，如 2023-12-31")
    city = None if user.role == "province" else user.city
    return JSONResponse(await run_in_threadpool(portal.status, as_of, city))


@guarded
async def create_merge(request: Request, user):
    if not allowed(user, "merge"):
        return problem(403, "只有省局账号可以汇总")
    portal = request.app.state.portal
    as_of = None
    raw = await request.body()
    if raw.strip():
        try:
            import json

            body = json.loads(raw)
            as_of = parse_as_of(body.get("as_of") if isinstance(body, dict) else None)
        except ValueError:
            return problem(400, "请求应为JSON：{\"as_of\": \"2023-12-31\"}（可省略）")
    # The merge runs as a background job (the same as the page's); this request waits for it.
    jid = portal.jobs.start("merge", user, client_ip(request), as_of=as_of.isoformat() if as_of else None)
    job = await portal.jobs.wait(jid)
    if job is None or job["state"] != "done":
        return problem(500, (job or {}).get("error") or "汇总未能完成，请稍后重试")
    rec = await run_in_threadpool(portal.merge_record, job["result_id"])
    return JSONResponse({"id": rec["id"], "summary": rec["summary"], "files": rec["files"]}, status_code=201)


@guarded
async def merge_file(request: Request, user):
    if not allowed(user, "merge"):
        return problem(403, "只有省局账号可以下载汇总文件")
    portal = request.app.state.portal
    mid, name = path_id(request), request.path_params["name"]
    path = await run_in_threadpool(portal.merge_file, mid, name) if mid is not None else None
    if path is None:
        return problem(404, "没有这个汇总文件")
    return await send_file(request, portal, user, path, name, {"merge": mid, "file": name})


@guarded
async def get_merge(request: Request, user):
    if not allowed(user, "merge"):
        return problem(403, "只有省局账号可以查看汇总")
    portal = request.app.state.portal
    mid = path_id(request)
    rec = await run_in_threadpool(portal.merge_record, mid) if mid is not None else None
    if rec is None:
        return problem(404, "没有这次汇总")
    return JSONResponse(rec)


def routes() -> list[Route]:
    return [
        Route("/api/v1/login", login, methods=["POST"]),
        Route("/api/v1/submissions", upload, methods=["POST"]),
        Route("/api/v1/submissions", list_submissions, methods=["GET"]),
        Route("/api/v1/submissions/{id}", get_submission, methods=["GET"]),
        Route("/api/v1/submissions/{id}/file", submission_file, methods=["GET"]),
        Route("/api/v1/submissions/{id}/annotated", submission_annotated, methods=["GET"]),
        Route("/api/v1/status", status, methods=["GET"]),
        Route("/api/v1/merges", create_merge, methods=["POST"]),
        Route("/api/v1/merges/{id}", get_merge, methods=["GET"]),
        Route("/api/v1/merges/{id}/files/{name}", merge_file, methods=["GET"]),
    ]
