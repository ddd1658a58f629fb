"""Projects API: /api/v1/projects and /api/v1/projects/figures.

Refusals are HaiheErrors answered by the web shell (web/errors.py): a stale version is a
409 (Conflict), a milestone the lifecycle refuses a 422 (InvalidInput)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.codes import regions
from haihe.core.errors import InvalidInput
from haihe.projects import figures, lifecycle, queries, service
from haihe.projects.schemas import (
    FigureQuery,
    FiguresPublic,
    MilestoneCreate,
    ProjectCreate,
    ProjectDetail,
    ProjectList,
    ProjectPublic,
    ProjectUpdate,
)
from haihe.web.auth import Reader, SignedIn, Writer
from haihe.web.deps import Id, db

router = APIRouter(prefix="/api/v1", tags=["projects"])


Filters = Annotated[FigureQuery, Query()]
DB = Annotated[Session, Depends(db, scope="function")]


@router.get("/projects/figures", response_model=FiguresPublic)
def project_figures(
    request: Request, session: DB, params: Filters, principal: Reader
) -> FiguresPublic:
    """The cluster figures for the filter; `how_counted` says how each is counted."""
    f = figures.compute(
        session,
        params.parsed(),
        thresholds=figures.stall_thresholds(),
        private_scope=queries.read_scope(principal),  # small private sums are withheld
    )
    return FiguresPublic.model_validate(f, context={"lang": getattr(request.state, "lang", "zh")})


@router.get("/projects", response_model=ProjectList)
def list_projects(
    session: DB,
    params: Filters,
    principal: SignedIn,
    figure: Annotated[str | None, Query(description=", ".join(figures.FIGURES))] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ProjectList:
    items, total = queries.list_projects(
        session, principal, params.parsed(), figure, page=page, page_size=page_size
    )
    return ProjectList(
        items=[
            ProjectPublic.model_validate(p, context={"private": queries.sees_private(principal, p)})
            for p in items
        ],
        total=total,
        page=page,
        page_size=page_size,
    )


def _detail(session: Session, principal: Principal, project_id: int) -> ProjectDetail:
    view = queries.project_view(session, principal, project_id)
    public = ProjectPublic.model_validate(view.project, context={"private": view.private})
    return ProjectDetail.model_validate(
        {**public.model_dump(), "milestones": view.project.milestones, "history": view.history}
    )


@router.get("/projects/{project_id}", response_model=ProjectDetail)
def get_project(project_id: Id, session: DB, principal: SignedIn) -> ProjectDetail:
    return _detail(session, principal, project_id)


@router.post(
    "/projects/{project_id}/milestones",
    response_model=ProjectDetail,
    responses={
        409: {"description": "the project changed since it was loaded"},
        422: {"description": "the lifecycle refuses this milestone"},
    },
)
def add_milestone(
    project_id: Id, body: MilestoneCreate, session: DB, principal: Writer
) -> ProjectDetail:
    """Record a milestone (or cancel with kind `cancelled` and a reason), as the signed-in
    user."""
    if body.kind == lifecycle.CANCELLED:
        service.do_cancel_project(
            session, principal, project_id, body.on, body.reason or "", version=body.version
        )
    else:
        service.do_record_milestone(
            session,
            principal,
            project_id,
            body.kind,
            body.on,
            evidence=body.evidence,
            version=body.version,
        )
    return _detail(session, principal, project_id)


@router.patch(
    "/projects/{project_id}",
    response_model=ProjectDetail,
    responses={409: {"description": "the project changed since it was loaded"}},
)
def update_project(
    project_id: Id, body: ProjectUpdate, session: DB, principal: Writer
) -> ProjectDetail:
    service.do_update_project(
        session, principal, project_id, dict(body.changes), version=body.version
    )
    return _detail(session, principal, project_id)


class LeadConversion(BaseModel):
    """A signed lead becoming a project: what the lead does not say."""

    code: str = Field(max_length=40)
    title: str = Field(max_length=300)
    intended_investment: str = Field("0", max_length=30, description="yuan, decimal string")
    project_type: str = Field("other", max_length=32)
    host_organisation_id: int | None = Field(None, ge=1, le=2_147_483_647)
    signed_on: date | None = None


@router.post(
    "/leads/{lead_id}/convert",
    response_model=ProjectDetail,
    status_code=201,
    responses={422: {"description": "the lead is not signed, or already a project"}},
)
def convert_lead(
    lead_id: Id, body: LeadConversion, session: DB, principal: Writer
) -> ProjectDetail:
    """Turn a signed investment lead into a cooperation project, as the signed-in user."""
    project = service.do_convert_lead(
        session, principal, lead_id, service.ConversionInput(**body.model_dump())
    )
    return _detail(session, principal, project.id)


@router.post(
    "/projects",
    response_model=ProjectDetail,
    status_code=201,
    responses={422: {"description": "a field is missing or unreadable (named in `key`)"}},
)
def create_project(body: ProjectCreate, session: DB, principal: Writer) -> ProjectDetail:
    """Create a project where you may edit projects (its landing region or park)."""
    landing = None
    if body.landing_region:
        found = regions.lookup(body.landing_region)
        if found is None:
            raise InvalidInput(
                "projects.region_unknown", field="landing_region", value=body.landing_region
            )
        landing = found.code
    data = service.ProjectInput(
        code=body.code,
        title=body.title,
        title_en=body.title_en,
        project_type=body.project_type,
        chain=body.chain,
        segment=body.segment,
        intended_investment=body.intended_investment,  # type: ignore[arg-type]  (text: the service reads it)
        contracted_investment=body.contracted_investment,  # type: ignore[arg-type]
        invested_in_place=body.invested_in_place,  # type: ignore[arg-type]
        landing_region_code=landing,
        landing_park_id=body.landing_park_id,
        fair_id=body.fair_id,
        officer=body.officer,
        notes=body.notes,
        signed_on=body.signed_on,
        parties=[service.PartyInput(**p.model_dump()) for p in body.parties],
    )
    project = service.do_create_project(session, principal, data)
    return _detail(session, principal, project.id)
