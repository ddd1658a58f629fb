"""Park list and park page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from haihe.core.settings import get_settings
from haihe.registry import service
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/parks", response_class=HTMLResponse)
def park_list(request: Request, session: Annotated[Session, Depends(db, scope="function")]):  # noqa: ANN201
    return render(request, "registry/parks.html", parks=service.list_parks(session))


@router.get("/parks/{park_id}", response_class=HTMLResponse)
def park_page(
    park_id: Id,
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    summary = service.get_park(session, park_id)
    result = service.search_organisations(
        session,
        service.OrganisationFilter(park_id=park_id),
        page=page,
        page_size=get_settings().page_size,
    )
    return render(request, "registry/park.html", summary=summary, result=result)
