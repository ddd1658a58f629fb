"""The fairs' pages: the list of fairs and a fair's page (with the sections contexts above
add to it, such as the figures of the projects signed there)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from haihe.fairs import panels, queries
from haihe.web.auth import Reader
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
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
    return render(
        request,
        "fairs/fair.html",
        fair=fair,
        mine=mine,
        panels=panels.panels_for(session, principal, fair, request.state.lang),
    )
