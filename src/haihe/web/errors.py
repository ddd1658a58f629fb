"""Error mapping: every `HaiheError` answered as JSON under /api/, as a page elsewhere.

Statuses come from core.errors (the one table of kinds → statuses and exit codes); the
message is in the visitor's language. A visitor who is not signed in is sent to /login.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from haihe.core.errors import AuthRequired, HaiheError, InvalidInput, http_status


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)


def answer(request: Request, exc: HaiheError) -> Response:
    lang = getattr(request.state, "lang", "zh")
    if not _is_api(request):
        if isinstance(exc, AuthRequired):
            return login_redirect(request)
        from haihe.web.auth import PasswordChangeRequired

        if isinstance(exc, PasswordChangeRequired):
            return RedirectResponse("/account", status_code=303)
        from haihe.web.templating import render

        return render(
            request,
            "error.html",
            status_code=http_status(exc, page=True),
            message=exc.message(lang),
        )
    status = http_status(exc)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthRequired) else None
    if isinstance(exc, InvalidInput):
        where = ["body" if exc.field == "file" else "query", exc.field or ""]
        detail: object = [{"loc": where, "msg": m, "type": exc.key} for m in exc.details(lang)]
    else:
        detail = exc.message(lang)
    return JSONResponse({"detail": detail, "key": exc.key}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(HaiheError)
    async def _haihe_error(request: Request, exc: HaiheError) -> Response:
        return answer(request, exc)
