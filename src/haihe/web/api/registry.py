"""GET /api/v1/organisations, /api/v1/organisations/{id}, /api/v1/parks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from haihe.core.settings import get_settings
from haihe.registry import service
from haihe.registry.schemas import OrganisationList, OrganisationPublic, ParkList, ParkPublic
from haihe.web.deps import Id, db

router = APIRouter(prefix="/api/v1", tags=["registry"])


@router.get("/organisations", response_model=OrganisationList)
def list_organisations(
    session: Annotated[Session, Depends(db, scope="function")],
    q: Annotated[
        str | None, Query(description="name, normalised name or USCC (prefix)", max_length=100)
    ] = None,
    region: Annotated[
        str | None, Query(description="region code or name; includes districts", max_length=40)
    ] = None,
    park: Annotated[int | None, Query(description="park id", ge=1, le=2_147_483_647)] = None,
    industry: Annotated[
        str | None, Query(description="GB/T 4754 code at any level", max_length=4)
    ] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> OrganisationList:
    size = page_size or get_settings().page_size
    result = service.search_organisations(
        session,
        service.OrganisationFilter(q=q, region=region, park_id=park, industry=industry, kind=kind),
        page=page,
        page_size=size,
    )
    return OrganisationList(
        items=[OrganisationPublic.of(o) for o in result.items],
        total=result.total,
        page=page,
        page_size=size,
    )


@router.get("/organisations/{org_id}", response_model=OrganisationPublic)
def get_organisation(
    org_id: Id, session: Annotated[Session, Depends(db, scope="function")]
) -> OrganisationPublic:
    return OrganisationPublic.of(service.get_organisation(session, org_id))


@router.get("/parks", response_model=ParkList)
def list_parks(session: Annotated[Session, Depends(db, scope="function")]) -> ParkList:
    parks = service.list_parks(session)
    return ParkList(
        items=[ParkPublic.of(p.park, p.organisation_count) for p in parks], total=len(parks)
    )


@router.get("/parks/{park_id}", response_model=ParkPublic)
def get_park(park_id: Id, session: Annotated[Session, Depends(db, scope="function")]) -> ParkPublic:
    p = service.get_park(session, park_id)
    return ParkPublic.of(p.park, p.organisation_count)
