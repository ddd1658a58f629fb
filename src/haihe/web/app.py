"""The app factory: pages in Chinese with an English switch, the JSON API, /healthz."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from haihe import __version__
from haihe.core.db import get_engine
from haihe.core.i18n import LANGUAGES
from haihe.core.settings import get_settings
from haihe.web import errors
from haihe.web.kept import registry_counts

# Each context's JSON routes (`api`) and pages (`pages`), mounted in this order.
ROUTERS = (
    "haihe.registry.api",
    "haihe.projects.api",
    "haihe.fairs.api",
    "haihe.fairs.desk_api",
    "haihe.codes.api",
    "haihe.chains.api",
    "haihe.projects.forms",
    "haihe.projects.pages",
    "haihe.accounts.pages",
    "haihe.audit.api",
    "haihe.audit.pages",
    "haihe.registry.forms",
    "haihe.registry.pages",
    "haihe.chains.pages",
    "haihe.matching.api",
    "haihe.matching.pages",
    "haihe.leads.api",
    "haihe.leads.pages",
    "haihe.fairs.pages",
    "haihe.fairs.import_pages",
    "haihe.fairs.inbox_pages",
    "haihe.fairs.grid_pages",
)
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
    app.state.registry_counts = registry_counts()  # the dashboard's, see web/kept.py
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

    errors.install(app)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request):  # noqa: ANN202
        from haihe.web.templating import TEMPLATES

        return TEMPLATES.TemplateResponse(request, "api_docs.html", {})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Ok when the database answers and takes writes (503 in words otherwise)."""
        from sqlalchemy import text

        from haihe.core.db import writable
        from haihe.core.errors import Unavailable

        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if not writable(app.state.engine):
            raise Unavailable("db.read_only")
        return {"status": "ok", "version": __version__}

    for module in ROUTERS:
        app.include_router(import_module(module).router)
    return app
