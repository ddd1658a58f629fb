"""GET /api/v1/organisations, /api/v1/organisations/{id}, /api/v1/parks, /api/v1/parks/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from haihe.core.settings import get_settings
from haihe.registry import queries
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
    result = queries.search_organisations(
        session,
        queries.OrganisationFilter(q=q, region=region, park_id=park, industry=industry, kind=kind),
        page=page,
        page_size=page_size or get_settings().page_size,
    )
    return OrganisationList.model_validate(result)


@router.get("/organisations/{org_id}", response_model=OrganisationPublic)
def get_organisation(
    org_id: Id, session: Annotated[Session, Depends(db, scope="function")]
) -> OrganisationPublic:
    return OrganisationPublic.model_validate(queries.get_organisation(session, org_id))


@router.get("/parks", response_model=ParkList)
def list_parks(session: Annotated[Session, Depends(db, scope="function")]) -> ParkList:
    parks = queries.list_parks(session)
    return ParkList.model_validate({"items": parks, "total": len(parks)})


@router.get("/parks/{park_id}", response_model=ParkPublic)
def get_park(park_id: Id, session: Annotated[Session, Depends(db, scope="function")]) -> ParkPublic:
    return ParkPublic.model_validate(queries.get_park(session, park_id))
