"""The app factory: pages in Chinese with an English switch, the JSON API, /healthz."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from haihe import __version__
from haihe.core.db import get_engine
from haihe.core.errors import InvalidInput, NotFound
from haihe.core.i18n import LANGUAGES
from haihe.core.settings import get_settings
from haihe.web.auth import AuthRequired, Forbidden, login_redirect

LANG_COOKIE = "haihe_lang"
# Scripts only from this site (no inline script anywhere); ECharts' SVG needs inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


def create_app(engine: Engine | None = None) -> FastAPI:
    from haihe.models import load_all

    load_all()  # every table, and the list of audited ones
    app = FastAPI(
        title="Haihe API",
        version=__version__,
        description="Haihe: industrial chains, partners, fairs and cooperation "
        "projects of a cross-city manufacturing cluster.",
        docs_url=None,  # served below from vendored files, under the site's CSP
        openapi_url="/api/openapi.json",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.engine = engine or get_engine()
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )

    @app.middleware("http")
    async def language(request: Request, call_next):  # noqa: ANN001, ANN202
        chosen = request.query_params.get("lang")
        lang = chosen if chosen in LANGUAGES else request.cookies.get(LANG_COOKIE)
        if lang not in LANGUAGES:
            accept = request.headers.get("accept-language", "")
            lang = "en" if accept.lower().startswith("en") else get_settings().default_language
        request.state.lang = lang
        response = await call_next(request)
        if chosen in LANGUAGES:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax")
        return response

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(AuthRequired)
    async def auth_required(request: Request, exc: AuthRequired):  # noqa: ANN202
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": "sign in or send an API token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return login_redirect(request)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):  # noqa: ANN202
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.reason}, status_code=403)
        from haihe.web.templating import render

        key = "auth.csrf" if exc.reason == "csrf" else "auth.forbidden"
        from haihe.core.i18n import t

        return render(
            request,
            "error.html",
            status_code=403,
            message=t(key, getattr(request.state, "lang", "zh")),
        )

    from haihe.accounts.scopes import NotAllowed

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed):  # noqa: ANN202
        return await forbidden(request, Forbidden(str(exc)))

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request):  # noqa: ANN202
        from haihe.web.templating import TEMPLATES

        return TEMPLATES.TemplateResponse(request, "api_docs.html", {})

    @app.exception_handler(InvalidInput)
    async def invalid(request: Request, exc: InvalidInput):  # noqa: ANN202
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": [{"loc": ["query", exc.field], "msg": exc.message, "type": "invalid"}]},
                status_code=422,
            )
        from haihe.web.templating import render

        return render(request, "error.html", status_code=400, message=str(exc))

    from haihe.chains.definitions import DefinitionError
    from haihe.chains.service import ChainVersionConflict

    @app.exception_handler(DefinitionError)
    async def bad_definition(request: Request, exc: DefinitionError):  # noqa: ANN202
        lang = getattr(request.state, "lang", "zh")
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {
                    "detail": [
                        {"loc": ["body", "file"], "msg": m, "type": "invalid_chain"}
                        for m in exc.messages(lang)
                    ]
                },
                status_code=422,
            )
        from haihe.web.templating import render

        return render(request, "error.html", status_code=400, message="；".join(exc.messages(lang)))

    @app.exception_handler(ChainVersionConflict)
    async def chain_conflict(request: Request, exc: ChainVersionConflict):  # noqa: ANN202
        lang = getattr(request.state, "lang", "zh")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.message(lang)}, status_code=409)
        from haihe.web.templating import render

        return render(request, "error.html", status_code=409, message=exc.message(lang))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):  # noqa: ANN202
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        from haihe.web.templating import render

        return render(request, "error.html", status_code=404, message=str(exc))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        from sqlalchemy import text

        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    from haihe.web.api import chains as chains_api
    from haihe.web.api import codes as codes_api
    from haihe.web.api import projects as projects_api
    from haihe.web.api import registry as registry_api
    from haihe.web.pages import accounts, dashboard, imports, organisations, parks, projects
    from haihe.web.pages import chains as chain_pages

    app.include_router(registry_api.router)
    app.include_router(projects_api.router)
    app.include_router(codes_api.router)
    app.include_router(chains_api.router)
    app.include_router(dashboard.router)
    app.include_router(projects.router)
    app.include_router(accounts.router)
    from haihe.web.api import audit as audit_api

    app.include_router(audit_api.router)
    app.include_router(organisations.router)
    app.include_router(chain_pages.router)
    app.include_router(parks.router)
    app.include_router(imports.router)
    return app
