"""The province's pages: 总览 (13 cities × 4 slots), 汇总 (merge and its files), 用户 and 日志.

Only users with the ``manage`` (and ``merge``) permission see them; a city user gets 403.
"""

from __future__ import annotations

import datetime as dt
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from formkit.errors import FormkitError
from formkit.portal import accounts
from formkit.portal.access import allowed
from formkit.portal.app import client_ip
from formkit.portal.service import SLOTS
from formkit.portal.views.common import parse_as_of, path_id, send_file
from formkit.portal.views.pages import days_note, error_page, local_time, page, render

#: The audit actions and the keys of their details, as the 日志 page shows them.
ACTION_NAMES = {"login": "登录", "login-failed": "登录失败", "login-locked": "登录锁定", "upload": "上传",
                "upload-refused": "拒收", "upload-too-large": "超过大小", "download": "下载", "merge": "汇总",
                "documents": "生成公文", "registry-import": "导入备案名单", "registry-apply": "更新备案名单",
                "registry-undo": "撤销名单变更", "user-add": "添加用户", "user-passwd": "改密码",
                "user-disable": "停用用户", "user-token": "签发令牌"}
DETAIL_NAMES = {"user": "用户", "role": "角色", "city": "设区市", "submission": "报送编号", "filename": "文件名",
                "sha256": "SHA-256", "errors": "错误", "warnings": "警告", "merge": "汇总编号", "as_of": "截至",
                "submissions": "报送", "files": "文件数", "file": "文件", "document": "公文", "changeset": "变更集",
                "changes": "变更项", "added": "新增", "updated": "更新", "rejected": "未导入", "limit_mb": "上限MB",
                "registry": "备案名单", "pdf": "PDF", "blank": "空白表格"}
DETAIL_VALUES = {"annotated": "问题标注件", "export": "导出", "province": "省局", "city": "设区市", True: "是", False: "否"}


def audit_detail(detail: str) -> str:
    """Return an audit row's detail in words: 汇总编号=3；截至=2024-01-15；报送=52份."""
    try:
        items = json.loads(detail).items()
    except (ValueError, AttributeError):
        return detail
    shown = []
    for key, value in items:
        if isinstance(value, list):
            value = f"{len(value)}份"
        elif value is None:
            value = "—"
        elif isinstance(value, (str, bool)):
            value = DETAIL_VALUES.get(value, value)
        shown.append(f"{DETAIL_NAMES.get(key, key)}={value}")
    return "；".join(shown)


#: What the merge's machine-readable files are, next to their (SPEC) names.
FILE_NOTES = {"findings.xlsx": "问题清单（按设区市、文件列出每个问题的位置和原值）",
              "findings.json": "问题清单（JSON，供程序读取）", "records.json": "全部有效记录（JSON，供程序读取）",
              "summary.json": "汇总摘要：各市记录数、对照计划（JSON，供程序读取）"}

OVERVIEW_STATES = {"missing": "未报送", "not-due": "未到期", "errors": "有错误", "ok": "已报送", "late": "逾期"}


def province(action: str = "manage"):
    """Wrap a page for province users; others get 403."""
    def wrap(handler):
        @page
        async def endpoint(request: Request, user):
            if not allowed(user, action):
                return error_page(request, 403, "此页面仅限省局账号使用")
            return await handler(request, user)
        endpoint.__name__ = handler.__name__
        return endpoint
    return wrap


def overview_context(portal, as_of: dt.date) -> dict:
    """Return the matrix: per city and slot its state and counts, and the totals per slot against the plan."""
    status = portal.status(as_of)["cities"]
    campaign = portal.campaign
    minimum = campaign.thresholds.get("spotcheck_min_per_city", 30)
    rows = []
    totals = {slot: {"records": 0, "errors": 0, "warnings": 0, "sent": 0} for slot in SLOTS}
    spot_ok = 0
    for city in campaign.cities:
        cells = []
        for slot in SLOTS:
            s = status[city.name][slot]
            deadline = dt.date.fromisoformat(s["deadline"])
            cells.append({"slot": slot, **s, "label": OVERVIEW_STATES[s["state"]],
                          "days": days_note(deadline, as_of) if s["state"] in ("missing", "not-due") else "",
                          "received": local_time(s.get("received_at"))})
            t = totals[slot]
            t["records"] += s["records"]
            t["errors"] += s["errors"]
            t["warnings"] += s["warnings"]
            t["sent"] += s["submission"] is not None
        spot_ok += status[city.name]["spotcheck"]["records"] >= minimum
        evaluation = status[city.name]["evaluation-1"]["records"] + status[city.name]["evaluation-2"]["records"]
        rows.append({"city": city.name, "cells": cells, "evaluation": evaluation, "target": city.target,
                     "last_year": city.last_year})
    plan = {"target": sum(c.target or 0 for c in campaign.cities),
            "last_year": sum(c.last_year or 0 for c in campaign.cities),
            "evaluation": totals["evaluation-1"]["records"] + totals["evaluation-2"]["records"],
            "spot_ok": spot_ok, "minimum": minimum, "cities": len(campaign.cities)}
    deadlines = {slot: portal.deadline(slot) for slot in SLOTS}
    return {"rows": rows, "totals": totals, "plan": plan, "deadlines": deadlines, "as_of": as_of}


@province()
async def overview(request: Request, user):
    portal = request.app.state.portal
    try:
        as_of = parse_as_of(request.query_params.get("as_of")) or request.app.state.portal.today()
    except ValueError:
        return error_page(request, 400, "日期应写成 2023-12-31 的形式")
    context = await run_in_threadpool(overview_context, portal, as_of)
    return render(request, "overview.html", user=user, **context)


@province("merge")
async def merges_page(request: Request, user):
    portal = request.app.state.portal
    if request.method == "POST":
        form = await request.form()
        try:
            as_of = parse_as_of(str(form.get("as_of") or "")) or request.app.state.portal.today()
        except ValueError:
            return error_page(request, 400, "汇总日期应写成 2023-12-31 的形式")
        jid = portal.jobs.start("merge", user, client_ip(request), as_of=as_of.isoformat())
        return RedirectResponse(f"/jobs/{jid}", status_code=303)
    listed = await run_in_threadpool(portal.merge_list)
    jobs = await run_in_threadpool(portal.jobs.recent)
    return render(request, "merges.html", user=user, merges=listed, jobs=jobs,
                  today=request.app.state.portal.today().isoformat())


async def finished_merge(request: Request) -> dict | None:
    """Return the finished merge named in the path, or None."""
    mid = path_id(request)
    rec = await run_in_threadpool(request.app.state.portal.merge_record, mid) if mid is not None else None
    return rec if rec is not None and rec["files"] else None


@province("merge")
async def merge_page(request: Request, user):
    portal = request.app.state.portal
    rec = await finished_merge(request)
    if rec is None:
        return error_page(request, 404, "没有这次汇总")
    docs = await run_in_threadpool(portal.document_names, rec["id"])
    return render(request, "merge.html", user=user, merge=rec, file_notes=FILE_NOTES, cities=rec["summary"].get("cities", {}), docs=docs,
                  singles=[n for n in docs if "/" in n and "/全部-" not in n])


@province("merge")
async def documents_page(request: Request, user):
    portal = request.app.state.portal
    rec = await finished_merge(request)
    if rec is None:
        return error_page(request, 404, "没有这次汇总")
    form = await request.form()
    jid = portal.jobs.start("documents", user, client_ip(request), merge=rec["id"], pdf=form.get("pdf") == "yes")
    return RedirectResponse(f"/jobs/{jid}", status_code=303)


@province("merge")
async def job_page(request: Request, user):
    """A background job: its progress while it runs (the page refreshes itself), then its result."""
    portal = request.app.state.portal
    jid = path_id(request)
    job = await run_in_threadpool(portal.jobs.get, jid) if jid is not None else None
    if job is None:
        return error_page(request, 404, "没有这项任务")
    if job["state"] == "done":
        return RedirectResponse(f"/merges/{job['result_id']}" + ("#docs" if job["kind"] == "documents" else ""),
                                status_code=303)
    return render(request, "job.html", user=user, job=job, running=job["state"] in ("queued", "running"))


@province("merge")
async def document_file(request: Request, user):
    portal = request.app.state.portal
    mid, name = path_id(request), request.path_params["name"]
    path = await run_in_threadpool(portal.document_file, mid, name) if mid is not None else None
    if path is None:
        return error_page(request, 404, "没有这份公文")
    return await send_file(request, portal, user, path, path.name, {"merge": mid, "document": name})


@province()
async def users_page(request: Request, user):
    portal = request.app.state.portal
    message, token = None, None
    if request.method == "POST":
        form = await request.form()
        op, name = str(form.get("op", "")), str(form.get("username", "")).strip()
        try:
            if op == "add":
                await run_in_threadpool(accounts.add_user, portal.engine, name, str(form.get("role", "")),
                                        str(form.get("city", "")) or None, str(form.get("password", "")),
                                        portal.campaign, user.username)
                message = f"已添加用户 {name}"
            elif op == "passwd":
                await run_in_threadpool(accounts.set_password, portal.engine, name, str(form.get("password", "")),
                                        user.username)
                message = f"已重设 {name} 的密码"
            elif op == "disable":
                if name == user.username:
                    raise FormkitError("不能停用自己正在使用的账号")
                await run_in_threadpool(accounts.disable_user, portal.engine, name, user.username)
                message = f"已停用 {name}"
            elif op == "token":
                token = await run_in_threadpool(accounts.issue_token, portal.engine, name, user.username)
                message = f"已为 {name} 签发新令牌（只显示这一次，旧令牌已作废）"
            else:
                raise FormkitError("未知的操作")
        except FormkitError as exc:
            users = await run_in_threadpool(accounts.list_users, portal.engine)
            return render(request, "users.html", status=400, user=user, users=users, error=str(exc),
                          cities=[c.name for c in portal.campaign.cities])
    users = await run_in_threadpool(accounts.list_users, portal.engine)
    return render(request, "users.html", user=user, users=users, message=message, token=token,
                  cities=[c.name for c in portal.campaign.cities])


@province()
async def audit_page(request: Request, user):
    portal = request.app.state.portal
    q = request.query_params
    try:
        since = parse_as_of(q.get("since"))
    except ValueError:
        return error_page(request, 400, "日期应写成 2023-12-31 的形式")
    rows = await run_in_threadpool(lambda: accounts.audit_rows(portal.engine, since, username=q.get("user") or None,
                                                               action=q.get("action") or None))
    city = q.get("city") or ""
    if city:
        rows = [r for r in rows if city in r["detail"]]
    rows = list(reversed(rows))[:500]
    for r in rows:
        r["shown"] = audit_detail(r["detail"])
        r["action_name"] = ACTION_NAMES.get(r["action"], r["action"])
    return render(request, "audit.html", user=user, rows=rows, q=dict(q), actions=ACTION_NAMES,
                  cities=[c.name for c in portal.campaign.cities])


def routes() -> list[Route]:
    return [
        Route("/overview", overview),
        Route("/merges", merges_page, methods=["GET", "POST"]),
        Route("/merges/{id}", merge_page),
        Route("/merges/{id}/documents", documents_page, methods=["POST"]),
        Route("/merges/{id}/docs/{name:path}", document_file),
        Route("/jobs/{id}", job_page),
        Route("/users", users_page, methods=["GET", "POST"]),
        Route("/audit", audit_page),
    ]
