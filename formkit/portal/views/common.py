"""What the API and the pages share: reading an upload within the size limit, the as-of date."""

from __future__ import annotations

import datetime as dt
import os
import secrets

from starlette.datastructures import UploadFile
from starlette.requests import Request

from formkit.portal.app import client_ip
from formkit.portal.service import MAX_UPLOAD, Portal, Stored, TooLarge

#: Room for the multipart envelope and the small fields around a 50 MB file.
BODY_SLACK = 1024 * 1024

CSRF_REFUSED = "请求缺少有效的安全令牌（CSRF），请刷新页面后重试"
TOO_LARGE = "文件超过50 MB上限，未予接收；请拆分后分别上传，或删除表格中无关的内容（如图片）后重试"


class BadUpload(Exception):
    """The request carries no file field."""


class CsrfRefused(Exception):
    """A cookie-authenticated upload without the page's CSRF token."""


def check_csrf(request: Request, fields: dict) -> None:
    """Raise CsrfRefused unless the request may skip CSRF or carries the token of its csrftoken cookie.

    Requests without cookies and Bearer-token requests cannot be forged by another site; a
    request with cookies must send the token as the ``csrftoken`` field or the
    ``x-csrftoken`` header (asgi-csrf's rules, applied here to multipart bodies).
    """
    if not request.headers.get("cookie"):
        return
    if request.headers.get("authorization", "").startswith("Bearer "):
        return
    get = request.scope.get("csrftoken")
    expected = get() if get else ""
    sent = request.headers.get("x-csrftoken") or fields.get("csrftoken") or ""
    if not expected or not secrets.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
        raise CsrfRefused()


def limited(request: Request, limit: int = MAX_UPLOAD + BODY_SLACK) -> Request:
    """Return the request with a body that raises TooLarge once more than ``limit`` bytes arrive."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise TooLarge()
    seen = 0
    receive = request.receive

    async def counting():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge()
        return message

    return Request(request.scope, counting)


async def receive_upload(request: Request, portal: Portal) -> tuple[Stored, str, dict]:
    """Return (the stored file, its name, the other form fields); raise TooLarge or BadUpload.

    The body is parsed by Starlette (python-multipart) while it streams; a file over the limit
    is refused before anything is put in the store.
    """
    req = limited(request)
    async with req.form(max_files=1, max_fields=20) as form:
        upload = form.get("file")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        check_csrf(request, fields)
        if not isinstance(upload, UploadFile):
            raise BadUpload()
        tmp = portal.temp_file()
        size = 0
        try:
            with tmp:
                while chunk := await upload.read(1 << 20):
                    size += len(chunk)
                    if size > MAX_UPLOAD:
                        raise TooLarge()
                    tmp.write(chunk)
            stored = portal.store(tmp.name)
        except BaseException:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)
            raise
        return stored, upload.filename or "", fields


class UploadRefused(Exception):
    """An upload refused before it is read: (HTTP status, Chinese message)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


async def take_upload(request: Request, portal: Portal, user) -> tuple[Stored, str, dict]:
    """Return (stored file, name, fields) of an upload; raise UploadRefused (413, 403, 400).

    A refusal for size is an audit row.
    """
    from starlette.concurrency import run_in_threadpool

    try:
        return await receive_upload(request, portal)
    except TooLarge:
        await run_in_threadpool(portal.audit, "upload-too-large", {"limit_mb": 50}, user, client_ip(request))
        raise UploadRefused(413, TOO_LARGE) from None
    except CsrfRefused:
        raise UploadRefused(403, CSRF_REFUSED) from None
    except BadUpload:
        raise UploadRefused(400, "请选择要上传的文件（multipart/form-data 的 file 字段）") from None


def path_id(request: Request, key: str = "id") -> int | None:
    """Return an integer path parameter, or None when it is not one."""
    try:
        return int(request.path_params[key])
    except (KeyError, ValueError):
        return None


async def send_file(request: Request, portal: Portal, user, path, filename: str, detail: dict):
    """Return the file as a download, after writing its audit row."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import FileResponse

    await run_in_threadpool(portal.audit, "download", detail, user, client_ip(request))
    return FileResponse(path, filename=filename, media_type="application/octet-stream")


def parse_as_of(text: str | None) -> dt.date | None:
    """Return the date of an as_of parameter (None when absent); raise ValueError when not a date."""
    if not text:
        return None
    from formkit.normalize import parse_date

    day, _problem = parse_date(text)
    if not isinstance(day, dt.date):
        raise ValueError(text)
    return day
