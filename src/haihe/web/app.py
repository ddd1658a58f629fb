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

LANG_COOKIE = "haihe_lang"


def create_app(engine: Engine | None = None) -> FastAPI:
    app = FastAPI(
        title="Haihe API",
        version=__version__,
        description="Haihe: industrial chains, partners, fairs and cooperation "
        "projects of a cross-city manufacturing cluster.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
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

    @app.exception_handler(InvalidInput)
    async def invalid(request: Request, exc: InvalidInput):  # noqa: ANN202
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": [{"loc": ["query", exc.field], "msg": exc.message, "type": "invalid"}]},
                status_code=422,
            )
        from haihe.web.templating import render

        return render(request, "error.html", status_code=400, message=str(exc))

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

    from haihe.web.api import codes as codes_api
    from haihe.web.api import projects as projects_api
    from haihe.web.api import registry as registry_api
    from haihe.web.pages import dashboard, imports, organisations, parks, projects

    app.include_router(registry_api.router)
    app.include_router(projects_api.router)
    app.include_router(codes_api.router)
    app.include_router(dashboard.router)
    app.include_router(projects.router)
    app.include_router(organisations.router)
    app.include_router(parks.router)
    app.include_router(imports.router)
    return app
