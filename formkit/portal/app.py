"""The ASGI application: routes, sessions, CSRF and who is asking.

Starlette (not FastAPI): the API is small and fixed by SPEC §9, so plain routes with explicit
JSON are clearer than a schema layer, and Starlette is already what uvicorn, asgi-csrf and
SessionMiddleware are built around.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from formkit.portal import accounts, db
from formkit.portal.service import Portal

HERE = Path(__file__).parent
SESSION_HOURS = 12


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


class Unauthorized(Exception):
    """A bad or missing token or session (401)."""


def current_user(request: Request) -> accounts.User | None:
    """Return the user of a request (Bearer token, else the session); raise Unauthorized for a bad token."""
    portal: Portal = request.app.state.portal
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized()
        with portal.engine.connect() as conn:
            user = accounts.user_for_token(conn, token.strip())
        if user is None:
            raise Unauthorized()
        return user
    uid = request.session.get("uid") if "session" in request.scope else None
    if uid is None:
        return None
    with portal.engine.connect() as conn:
        user = accounts.user_by_id(conn, int(uid))
    if user is None:
        request.session.clear()
    return user


def create_app(portal: Portal, secure_cookies: bool = False) -> Starlette:
    """Return the ASGI app of the portal over ``portal`` (the CLI's `serve` hands it to uvicorn)."""
    from asgi_csrf import asgi_csrf

    from formkit.portal.views import api, pages, province, register

    secret = db.secret(portal.engine)
    routes = [
        *api.routes(),
        *pages.routes(),
        *province.routes(),
        *register.routes(),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]

    async def on_error(request: Request, exc: Exception):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "服务器内部错误，请稍后重试；如反复出现请联系技术支持"}, status_code=500)
        return pages.error_page(request, 500, "服务器内部错误，请稍后重试；如反复出现请联系技术支持")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        portal.close()

    app = Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(SessionMiddleware, secret_key=secret, session_cookie="formkit_session",
                   max_age=SESSION_HOURS * 3600, same_site="lax", https_only=secure_cookies),
    ], exception_handlers={500: on_error, 404: pages.not_found, 405: pages.not_allowed})
    app.state.portal = portal


    async def send_csrf_failed(scope, send, message_id):
        body = json.dumps({"detail": "请求缺少有效的安全令牌（CSRF），请刷新页面后重试"}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json; charset=utf-8")]})
        await send({"type": "http.response.body", "body": body})

    # asgi-csrf 0.11 cannot read a token inside a multipart body with python-multipart >= 0.0.13
    # (FormParser lost its FileClass argument); the upload views check that token themselves
    # (views.common.check_csrf) after Starlette has parsed the form.
    return asgi_csrf(safe_headers(app), signing_secret=secret, send_csrf_failed=send_csrf_failed, cookie_secure=secure_cookies,
                     skip_if_scope=lambda scope: scope["path"] in MULTIPART_PATHS and scope["method"] == "POST")


#: Routes that take multipart uploads and check the CSRF token in the view.
MULTIPART_PATHS = {"/upload", "/api/v1/submissions", "/registry/import"}


SAFE_HEADERS = [
    # Downloads are never rendered by the browser; pages are never framed by another site.
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


def safe_headers(app):
    """Return ``app`` with the headers of SAFE_HEADERS added to every HTTP response."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                have = {k.lower() for k, _v in event.get("headers", [])}
                event = {**event, "headers": [*event.get("headers", []),
                                              *[(k, v) for k, v in SAFE_HEADERS if k not in have]]}
            await send(event)

        await app(scope, receive, send_with_headers)
    return wrapped


def app_from_env():
    """Return the app configured by FORMKIT_* environment variables (uvicorn --workers, --factory)."""
    import os

    portal = Portal(os.environ.get("FORMKIT_DB"), os.environ.get("FORMKIT_DATA", "formkit-data"),
                    config=os.environ.get("FORMKIT_CONFIG") or None,
                    workers=int(os.environ.get("FORMKIT_READERS", "2")),
                    timeout=float(os.environ["FORMKIT_READ_TIMEOUT"]) if os.environ.get("FORMKIT_READ_TIMEOUT") else None,
                    memory=int(os.environ["FORMKIT_READ_MEMORY_MB"]) * 1024 * 1024
                    if os.environ.get("FORMKIT_READ_MEMORY_MB") else None,
                    as_of=dt.date.fromisoformat(os.environ["FORMKIT_AS_OF"]) if os.environ.get("FORMKIT_AS_OF") else None)
    return create_app(portal, secure_cookies=os.environ.get("FORMKIT_SECURE_COOKIES") == "1")
