"""The fairs' pages: the list of fairs and a fair's page (with the sections contexts above
add to it, such as the figures of the projects signed there), and the fairs an
organisation took part in, on the organisation's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.core.i18n import t
from haihe.fairs import figures, panels, queries
from haihe.registry import panels as organisation_panels
from haihe.web.auth import Reader
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
REQUEST_STATES = ("pending", "accepted", "declined", "vetoed", "expired", "cancelled")
DB = Annotated[Session, Depends(db, scope="function")]


@router.get("/fairs", response_class=HTMLResponse)
def fair_list(request: Request, session: DB, principal: Reader):  # noqa: ANN201
    return render(request, "fairs/list.html", fairs=queries.list_fairs(session))


@router.get("/fairs/{fair_id}", response_class=HTMLResponse)
def fair_page(fair_id: Id, request: Request, session: DB, principal: Reader):  # noqa: ANN201
    fair = queries.get_fair(session, fair_id)
    mine = None
    if principal.role == "enterprise" and principal.organisation_id is not None:
        mine = queries.participant_for(session, fair_id, principal.organisation_id)
    lang = request.state.lang
    shown = figures.fair_figures(session, fair_id, lang)  # published, like the dashboard's
    return render(
        request,
        "fairs/fair.html",
        fair=fair,
        mine=mine,
        figures=shown if shown.participants else None,
        request_labels={s: t(f"fairs.request_{s}", lang) for s in REQUEST_STATES},
        panels=panels.panels_for(session, principal, fair, lang),
    )


@organisation_panels.register
def organisation_panel(
    session: Session,
    principal: Principal,
    org,
    lang: str,  # noqa: ANN001
) -> organisation_panels.Panel | None:
    """The fairs the organisation took part in, with its meetings there: for those who
    may read them (see scopes.can_read_fair_participation); nothing otherwise, and
    nothing when it took part in none."""
    seen = [
        x
        for x in queries.organisation_fairs(session, org.id)
        if scopes.can_read_fair_participation(
            principal, x.fair.id, org.region_code, org.park_id, org.id
        )
    ]
    if not seen:
        return None
    return organisation_panels.Panel("fairs/organisation_panel.html", {"org_fairs": seen})
