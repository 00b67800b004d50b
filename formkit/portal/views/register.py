"""备案名单 in the portal: import, apply a merge after its preview and an explicit confirmation,
history and undo (also confirmed), the due list, export. Province users only.

Thin over :mod:`formkit.registry` (the same calls as `formkit registry …`), in the portal's
own database; every change is an audit row.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from formkit.errors import FormkitError
from formkit.portal.app import client_ip
from formkit.portal.service import CHINA, clean_name
from formkit.portal.views.common import check_csrf, limited, send_file
from formkit.portal.views.pages import error_page, render
from formkit.portal.views.province import province


def _registry():
    from formkit import registry

    return registry


def _exists(portal) -> bool:
    reg = _registry()
    try:
        reg.changeset_rows(portal.db_url)
        return True
    except FormkitError:
        return False


def register_context(portal) -> dict:
    reg = _registry()
    today = portal.today()
    if not _exists(portal):
        return {"exists": False, "changesets": [], "due": [], "merges": portal.merge_list(), "today": today}
    changesets = list(reversed(reg.changeset_rows(portal.db_url)))
    due = reg.due_enterprises(portal.db_url, today, portal.campaign)
    return {"exists": True, "changesets": changesets, "due": due, "merges": portal.merge_list(), "today": today}


@province()
async def register_page(request: Request, user):
    portal = request.app.state.portal
    context = await run_in_threadpool(register_context, portal)
    return render(request, "register.html", user=user, notice=request.session.pop("notice", None), **context)


def done(request: Request, notice: str) -> RedirectResponse:
    """Return to 备案名单 with a notice shown once (kept in the session, not in the address)."""
    request.session["notice"] = notice
    return RedirectResponse("/registry", status_code=303)


@province()
async def register_import(request: Request, user):
    portal = request.app.state.portal
    req = limited(request)
    async with req.form(max_files=1, max_fields=5) as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            check_csrf(request, fields)
        except Exception:  # noqa: BLE001 — CsrfRefused
            return error_page(request, 403, "请求缺少有效的安全令牌（CSRF），请刷新页面后重试")
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return error_page(request, 400, "请选择备案名单文件")
        work = Path(tempfile.mkdtemp(dir=portal.data / "tmp", prefix="register-"))
        path = work / clean_name(upload.filename or "备案名单.xlsx")
        with open(path, "wb") as fh:
            while chunk := await upload.read(1 << 20):
                fh.write(chunk)
    try:
        result = await run_in_threadpool(
            lambda: _registry().import_files(portal.db_url, [path], portal.campaign,
                                             command=f"报送平台 {user.username} 导入"))
    except FormkitError as exc:
        return error_page(request, 400, str(exc))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    await run_in_threadpool(portal.audit, "registry-import",
                            {"file": path.name, "added": result.added, "updated": result.updated,
                             "rejected": result.rejected, "changeset": result.changeset}, user, client_ip(request))
    notice = (f"已导入 {path.name}：新增{result.added}家，更新{result.updated}项"
              + (f"，{result.rejected}行有错误未导入（请用 formkit check 查看）" if result.rejected else ""))
    return done(request, notice)


@province()
async def register_apply(request: Request, user):
    portal = request.app.state.portal
    form = await request.form()
    try:
        mid = int(str(form.get("merge", "")))
    except ValueError:
        return error_page(request, 400, "请选择一次汇总")
    rec = await run_in_threadpool(portal.merge_record, mid)
    if rec is None or not rec["files"]:
        return error_page(request, 404, "没有这次汇总")
    merged = portal.data / "merges" / str(mid) / "out"
    confirm = form.get("confirm") == "yes"
    if not await run_in_threadpool(_exists, portal):
        return error_page(request, 400, "尚未导入备案名单：请先在本页“导入备案名单”中上传省局的备案名单文件")
    try:
        result = await run_in_threadpool(
            lambda: _registry().apply_merged(portal.db_url, merged, yes=confirm,
                                             command=f"报送平台 {user.username} 按汇总{mid}更新"))
    except FormkitError as exc:
        return error_page(request, 400, str(exc))
    if not confirm:
        return render(request, "register_preview.html", user=user, kind="apply", merge=rec, result=result,
                      action_names=_registry().ACTION_NAMES, field_name=_registry().field_name)
    await run_in_threadpool(portal.audit, "registry-apply",
                            {"merge": mid, "changeset": result.changeset, "changes": len(result.changes)},
                            user, client_ip(request))
    notice = f"已按汇总 {mid} 更新备案名单（变更集 {result.changeset}，{len(result.changes)}项）" if result.applied \
        else "这次汇总没有需要写入备案名单的变更"
    return done(request, notice)


@province()
async def register_undo(request: Request, user):
    portal = request.app.state.portal
    form = await request.form()
    try:
        cs = int(str(form.get("changeset", "")))
    except ValueError:
        return error_page(request, 400, "请选择一个变更集")
    confirm = form.get("confirm") == "yes"
    try:
        result = await run_in_threadpool(lambda: _registry().undo(portal.db_url, cs, yes=confirm))
    except FormkitError as exc:
        return error_page(request, 400, str(exc))
    if not confirm:
        return render(request, "register_preview.html", user=user, kind="undo", undo=result,
                      action_names=_registry().ACTION_NAMES, field_name=_registry().field_name)
    await run_in_threadpool(portal.audit, "registry-undo", {"changeset": cs, "changes": len(result.changes)},
                            user, client_ip(request))
    return done(request, f"已撤销变更集 {cs}（{len(result.changes)}项）")


@province()
async def register_export(request: Request, user):
    from formkit import api

    portal = request.app.state.portal
    out = portal.data / "tmp" / f"备案名单-{dt.datetime.now(CHINA):%Y%m%d%H%M%S}.xlsx"
    try:
        path = await run_in_threadpool(api.export_register, portal.db_url, out, portal.campaign)
    except FormkitError as exc:
        return error_page(request, 400, str(exc))
    return await send_file(request, portal, user, path, path.name, {"registry": "export"})


def routes() -> list[Route]:
    return [
        Route("/registry", register_page),
        Route("/registry/import", register_import, methods=["POST"]),
        Route("/registry/apply", register_apply, methods=["POST"]),
        Route("/registry/undo", register_undo, methods=["POST"]),
        Route("/registry/export", register_export),
    ]
