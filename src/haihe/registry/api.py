"""GET /api/v1/organisations, /api/v1/organisations/{id}, /api/v1/parks, /api/v1/parks/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from haihe.codes import regions
from haihe.core.errors import InvalidInput
from haihe.core.settings import get_settings
from haihe.registry import queries, service
from haihe.registry.schemas import (
    ClaimNew,
    OrganisationCreate,
    OrganisationList,
    OrganisationNew,
    OrganisationPublic,
    OrganisationUpdate,
    ParkList,
    ParkPublic,
)
from haihe.web.auth import Writer
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
    attribute: Annotated[
        str | None, Query(description=", ".join(queries.ATTRIBUTES), max_length=16)
    ] = None,
    sort: Annotated[str | None, Query(description=", ".join(queries.SORTS), max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> OrganisationList:
    result = queries.search_organisations(
        session,
        queries.OrganisationFilter(
            q=q,
            region=region,
            park_id=park,
            industry=industry,
            kind=kind,
            attribute=attribute,
            sort=sort,
        ),
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


def _region_code(value: str | None) -> str | None:
    if not value:
        return None
    found = regions.lookup(value)
    if found is None:
        raise InvalidInput("registry.region_unknown", field="region", value=value)
    return found.code


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create_organisation(
    body: OrganisationNew,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
) -> OrganisationPublic:
    """Add an organisation where you may (administrators anywhere, regional officers in
    their regions, park managers in their park). `registered_capital` as people write it
    (500万, 1.2亿, 5,000,000, 50万美元); 422 naming the field otherwise."""
    data = body.model_dump(exclude={"region"})
    org = service.do_create_organisation(
        session,
        principal,
        OrganisationCreate(**data, region_code=_region_code(body.region)),
    )
    return OrganisationPublic.model_validate(org)


@router.patch("/organisations/{org_id}", response_model=OrganisationPublic)
def update_organisation(
    org_id: Id,
    body: OrganisationUpdate,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
) -> OrganisationPublic:
    """Correct the fields given (the others stay). An enterprise user changes its own
    organisation's profile only: English name, website, address, business scope,
    employees, founding date, industry codes."""
    changes = body.model_dump(exclude_unset=True)
    if "region" in changes:
        changes["region_code"] = _region_code(changes.pop("region"))
    if "industry_codes" in changes:
        changes["industry_codes"] = tuple(changes["industry_codes"] or ())
    org = service.do_update_organisation(session, principal, org_id, changes)
    return OrganisationPublic.model_validate(org)


@router.post("/organisations/{org_id}/claim", status_code=201)
def claim_organisation(
    org_id: Id,
    body: ClaimNew,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
) -> dict[str, object]:
    """An enterprise user asks to manage this organisation's profile; an officer decides."""
    claim = service.do_claim_organisation(session, principal, org_id, body.message)
    return {"id": claim.id, "organisation_id": claim.organisation_id, "status": claim.status}
