"""Organisation and park pages: the organisation list (search, filters, paging), an
organisation's page (with the panels contexts above add, see registry/panels.py), the park
list and a park's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from haihe.core.settings import get_settings
from haihe.registry import panels, queries
from haihe.web.auth import Reader
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) <= 2_147_483_647 else None


@router.get("/organisations", response_class=HTMLResponse)
def organisation_list(
    request: Request,
    session: DB,
    q: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    park: Annotated[str | None, Query(max_length=12)] = None,
    industry: Annotated[str | None, Query(max_length=4)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    f = queries.OrganisationFilter(
        q=q or None, region=region or None, park_id=_int_or_none(park), industry=industry or None
    )
    result = queries.search_organisations(session, f, page=page, page_size=get_settings().page_size)
    return render(
        request,
        "registry/organisations.html",
        result=result,
        f=f,
        parks=queries.list_parks(session),
    )


@router.get("/organisations/{org_id}", response_class=HTMLResponse)
def organisation_page(org_id: Id, request: Request, session: DB, principal: Reader):  # noqa: ANN201
    org = queries.get_organisation(session, org_id)
    return render(
        request,
        "registry/organisation.html",
        org=org,
        history=queries.organisation_history(session, principal, org),
        panels=panels.panels_for(session, principal, org, request.state.lang),
    )


@router.get("/parks", response_class=HTMLResponse)
def park_list(request: Request, session: DB):  # noqa: ANN201
    return render(request, "registry/parks.html", parks=queries.list_parks(session))


@router.get("/parks/{park_id}", response_class=HTMLResponse)
def park_page(
    park_id: Id,
    request: Request,
    session: DB,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    summary = queries.get_park(session, park_id)
    result = queries.search_organisations(
        session,
        queries.OrganisationFilter(park_id=park_id),
        page=page,
        page_size=get_settings().page_size,
    )
    return render(request, "registry/park.html", summary=summary, result=result)
