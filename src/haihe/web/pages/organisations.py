"""Organisation list (search, filters, paging) and organisation page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.audit import service as audit
from haihe.core.settings import get_settings
from haihe.registry import service
from haihe.web.auth import Reader
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) <= 2_147_483_647 else None


@router.get("/organisations", response_class=HTMLResponse)
def organisation_list(
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    q: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    park: Annotated[str | None, Query(max_length=12)] = None,
    industry: Annotated[str | None, Query(max_length=4)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    f = service.OrganisationFilter(
        q=q or None, region=region or None, park_id=_int_or_none(park), industry=industry or None
    )
    result = service.search_organisations(session, f, page=page, page_size=get_settings().page_size)
    return render(
        request,
        "registry/organisations.html",
        result=result,
        f=f,
        parks=service.list_parks(session),
    )


@router.get("/organisations/{org_id}", response_class=HTMLResponse)
def organisation_page(
    org_id: Id,
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Reader,
):  # noqa: ANN201
    org = service.get_organisation(session, org_id)
    history: list = []
    if (
        principal.is_admin
        or principal.role == "regional_officer"
        or (scopes.can_edit_organisation(principal, org.region_code, org.park_id, org.id))
    ):
        history, _ = audit.list_entries(
            session, object_type="organisation", object_id=str(org.id), page_size=100
        )
    from haihe.chains import queries as chains

    return render(
        request,
        "registry/organisation.html",
        org=org,
        history=history,
        placements=chains.placements_of(session, org.id, request.state.lang),
        can_place=scopes.can_place_organisation(principal, org.region_code, org.park_id, org.id),
        chains=chains.all_chains(session),
    )
