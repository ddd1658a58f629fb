"""Error mapping: every `HaiheError` answered as JSON under /api/, as a page elsewhere.

Statuses come from core.errors (the one table of kinds → statuses and exit codes); the
message is in the visitor's language. A visitor who is not signed in is sent to /login.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haihe.core import uploads
from haihe.core.db import storage_problem
from haihe.core.errors import AuthRequired, HaiheError, InvalidInput, Unavailable, http_status


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)


def answer(request: Request, exc: HaiheError) -> Response:
    lang = getattr(request.state, "lang", "zh")
    retry = exc.params.get("retry_after") if isinstance(exc, Unavailable) else None
    if not _is_api(request):
        if isinstance(exc, AuthRequired):
            return login_redirect(request)
        from haihe.web.auth import PasswordChangeRequired

        if isinstance(exc, PasswordChangeRequired):
            return RedirectResponse("/account", status_code=303)
        from haihe.web.templating import render

        page = render(
            request,
            "error.html",
            status_code=http_status(exc, page=True),
            message=exc.message(lang),
        )
        if retry:
            page.headers["Retry-After"] = str(retry)
        return page
    status = http_status(exc)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthRequired) else None
    if retry:
        headers = {"Retry-After": str(retry)}
    if isinstance(exc, InvalidInput):
        where = ["body" if exc.field == "file" else "query", exc.field or ""]
        detail: object = [{"loc": where, "msg": m, "type": exc.key} for m in exc.details(lang)]
    else:
        detail = exc.message(lang)
    return JSONResponse({"detail": detail, "key": exc.key}, status_code=status, headers=headers)


class _BodyTooLarge(Exception):
    """Raised to the app reading a body that grew beyond the limit (its answer is dropped)."""


class BodyLimit:
    """Every request body is bounded by HAIHE_MAX_UPLOAD_MB: one declaring a length beyond
    it is refused before a byte of it is read, one sent without a length as soon as it
    grows beyond it; either way the answer is core.uploads.too_large (413), in words."""

    SLACK = 64 * 1024  # the form's other fields and the multipart framing

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = uploads.max_upload_bytes() + self.SLACK
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        over = False

        async def bounded() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                over = True
                raise _BodyTooLarge
            return message

        async def unless_over(message: Message) -> None:
            if not over:
                await send(message)

        try:
            await self.app(scope, bounded, unless_over)
        except Exception:
            if not over:
                raise
        if over:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        chosen = request.query_params.get("lang") or request.cookies.get("haihe_lang")
        accept = request.headers.get("accept-language", "").lower()
        request.state.lang = (
            chosen if chosen in ("zh", "en") else ("en" if accept.startswith("en") else "zh")
        )
        response = answer(request, uploads.too_large())
        response.status_code = 413
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(BodyLimit)

    @app.exception_handler(HaiheError)
    async def _haihe_error(request: Request, exc: HaiheError) -> Response:
        return answer(request, exc)

    @app.exception_handler(DBAPIError)
    async def _storage_error(request: Request, exc: DBAPIError) -> Response:
        """A busy or read-only database is told in words (503), never a bare 500."""
        problem = storage_problem(exc)
        if problem is None:
            raise exc
        return answer(request, problem)
