"""The home page: the cluster dashboard officials report from, its XLSX and its briefing."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.orm import Session

from haihe.accounts.scopes import ANONYMOUS
from haihe.codes import regions
from haihe.core.i18n import t
from haihe.fairs import service as fairs
from haihe.projects import figures
from haihe.projects import service as projects_service
from haihe.registry import queries as registry
from haihe.web.api.projects import Filters, thresholds
from haihe.web.auth import Reader
from haihe.web.deps import db
from haihe.web.filters import figure_filter
from haihe.web.kept import Kept
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)


def _pair_label(key: str, lang: str) -> str:
    a, _, b = key.partition("→")
    name = lambda c: regions.get(c).name(lang) if c and regions.get(c) else "—"  # noqa: E731
    return f"{name(a)} → {name(b)}"


def _dashboard(session: Session, params: dict, lang: str, principal=ANONYMOUS) -> dict:  # noqa: ANN001
    """Published figures for everyone; the stalled projects themselves only for readers
    of projects, within their scope."""
    f = figure_filter(**params)
    th = thresholds()
    board = figures.dashboard(session, f, thresholds=th)
    fig, chains, pairs, months = board.figures, board.chains, board.pairs, board.months
    stalled_total = fig.stalled
    stalled = []
    if principal.authenticated:
        scope = projects_service.read_scope(principal)
        stalled = figures.longest_stalled(session, f, 20, thresholds=th, scope=scope)
        if scope is not None:  # the total a restricted reader sees is their own
            stalled_total = figures.list_projects(
                session, f, "stalled", thresholds=th, page_size=1, scope=scope
            )[1]
    funnel = figures.funnel(session, f, fig)
    charts = {
        "funnel": [{"name": t(f"figures.{k}", lang), "value": v} for k, v in funnel],
        "chains": {
            "labels": [t(f"chain.{b.key}", lang) if b.key else "—" for b in chains],
            "intended": [float(b.intended / 10**8) for b in chains],
            "in_place": [float(b.in_place / 10**8) for b in chains],
        },
        "pairs": {
            "labels": [_pair_label(b.key, lang) for b in pairs],
            "intended": [float(b.intended / 10**8) for b in pairs],
            "in_place": [float(b.in_place / 10**8) for b in pairs],
        },
        "months": {
            "labels": [b.key for b in months],
            "signed": [b.signed for b in months],
            "intended": [float(b.intended / 10**8) for b in months],
        },
        "labels": {
            "intended": t("figures.intended_investment", lang) + t("unit.yi", lang),
            "in_place": t("figures.invested_in_place", lang) + t("unit.yi", lang),
            "signed": t("figures.signed", lang),
        },
    }
    return {
        "fig": fig,
        "stalled": stalled,
        "stalled_total": stalled_total,
        "chains": chains,
        "pairs": pairs,
        "months": months,
        "funnel": funnel,
        "charts_json": json.dumps(charts, ensure_ascii=False),
        "params": params,
        "fairs": fairs.list_fairs(session),
        "chain_keys": [b.key for b in chains if b.key],
        "pair_label": lambda k: _pair_label(k, lang),
        "today": date.today().isoformat(),
    }


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    params: Filters,
    principal: Reader,
):  # noqa: ANN201
    lang = request.state.lang
    return render(
        request,
        "projects/dashboard.html",
        **_dashboard(session, params, lang, principal),
        overview=_overview(request),
    )


OVERVIEW_SECONDS = 30.0


def _overview(request: Request) -> registry.RegistryOverview:
    """The registry's counts on the dashboard, at most 30 seconds old and recounted in the
    background (see web/kept.py): over a million organisations they cost more than the
    rest of the page."""
    return overview_of(request.app).get(request.app.state.engine)


def overview_of(app) -> Kept[registry.RegistryOverview]:  # noqa: ANN001 - a FastAPI app
    kept = getattr(app.state, "registry_counts", None)
    if kept is None:
        kept = app.state.registry_counts = Kept(
            lambda s: registry.registry_overview(s, with_named=False), OVERVIEW_SECONDS
        )
    return kept


@router.get("/briefing", response_class=HTMLResponse)
def briefing(
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    params: Filters,
    principal: Reader,
):  # noqa: ANN201
    """A printable one-page briefing (Chinese by default, like the reports officials file)."""
    return render(
        request,
        "projects/briefing.html",
        **_dashboard(session, params, request.state.lang, principal),
    )


@router.get("/dashboard.xlsx")
def dashboard_xlsx(
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    params: Filters,
    principal: Reader,
) -> StreamingResponse:
    from openpyxl import Workbook

    lang = request.state.lang
    d = _dashboard(session, params, lang, principal)
    fig = d["fig"]
    wb = Workbook()
    ws = wb.active
    ws.title = t("figures.sheet", lang)[:31]
    ws.append([t("figures.figure", lang), t("figures.value", lang), t("figures.how", lang)])
    for key, value in (
        ("signed", fig.signed),
        ("intended_investment", str(fig.intended_investment_yuan)),
        ("contracted_investment", str(fig.contracted_investment_yuan)),
        ("invested_in_place", str(fig.invested_in_place_yuan)),
        ("construction_started", fig.construction_started),
        ("in_operation", fig.in_operation),
        ("paying_tax", fig.paying_tax),
        ("stalled", fig.stalled),
        ("cancelled", fig.cancelled),
    ):
        ws.append(
            [
                t(f"figures.{key}", lang),
                value,
                t(f"figures.rule.{key}", lang) if f"figures.rule.{key}" else "",
            ]
        )
    for title, rows in (
        (t("dashboard.by_chain", lang), d["chains"]),
        (t("dashboard.by_pair", lang), d["pairs"]),
        (t("dashboard.by_month", lang), d["months"]),
    ):
        sheet = wb.create_sheet(title[:31])
        sheet.append(
            [
                "",
                t("figures.signed", lang),
                t("figures.intended_investment", lang),
                t("figures.invested_in_place", lang),
            ]
        )
        for b in rows:
            label = d["pair_label"](b.key) if "→" in b.key else b.key
            sheet.append([label, b.signed, str(b.intended), str(b.in_place)])
    items: list = []
    if principal.authenticated:
        items, _ = figures.list_projects(
            session,
            figure_filter(**params),
            "signed",
            thresholds=thresholds(),
            page_size=100000,
            scope=projects_service.read_scope(principal),
        )
    sheet = wb.create_sheet(t("dashboard.projects", lang)[:31])
    sheet.append(
        [
            "code",
            t("project.title", lang),
            t("project.stage", lang),
            t("figures.signed_on", lang),
            t("figures.intended_investment", lang),
            t("figures.invested_in_place", lang),
            t("project.officer", lang),
        ]
    )
    for p in items:
        sheet.append(
            [
                p.code,
                p.title,
                t(f"stage.{p.stage}", lang),
                p.signed_on,
                str(p.intended_investment),
                str(p.invested_in_place) if p.invested_in_place is not None else None,
                p.officer,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return StreamingResponse(
        buf,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="haihe-dashboard.xlsx"'},
    )
