"""Projects and fairs API: /api/v1/projects, /api/v1/projects/figures, /api/v1/fairs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core.errors import InvalidInput
from haihe.core.settings import get_settings
from haihe.fairs import service as fairs
from haihe.projects import figures, lifecycle, service
from haihe.projects.schemas import (
    FairList,
    FairPublic,
    FiguresPublic,
    HistoryPublic,
    MilestoneCreate,
    MilestonePublic,
    ProjectDetail,
    ProjectList,
    ProjectPublic,
    ProjectUpdate,
)
from haihe.web.auth import Reader, SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.filters import figure_filter

router = APIRouter(prefix="/api/v1", tags=["projects"])


def thresholds() -> dict[str, int]:
    return lifecycle.parse_stall_days(get_settings().stall_days)


def filter_params(
    fair: Annotated[str | None, Query(description="fair id")] = None,
    chain: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[str | None, Query(alias="from", description="signed on or after")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="signed on or before")] = None,
    origin: Annotated[str | None, Query(description="investor's region", max_length=40)] = None,
    landing: Annotated[str | None, Query(description="landing region", max_length=40)] = None,
    park: Annotated[str | None, Query(description="landing park id")] = None,
) -> dict[str, str | None]:
    return {
        "fair": fair,
        "chain": chain,
        "date_from": date_from,
        "date_to": date_to,
        "origin": origin,
        "landing": landing,
        "park": park,
    }


Filters = Annotated[dict, Depends(filter_params)]


@router.get("/projects/figures", response_model=FiguresPublic)
def project_figures(
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    params: Filters,
    principal: Reader,
) -> FiguresPublic:
    """The cluster figures for the filter; `how_counted` says how each is counted."""
    f = figures.compute(session, figure_filter(**params), thresholds=thresholds())
    return FiguresPublic.of(f, getattr(request.state, "lang", "zh"))


@router.get("/projects", response_model=ProjectList)
def list_projects(
    session: Annotated[Session, Depends(db, scope="function")],
    params: Filters,
    principal: SignedIn,
    figure: Annotated[str | None, Query(description=", ".join(figures.FIGURES))] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ProjectList:
    items, total = figures.list_projects(
        session,
        figure_filter(**params),
        figure,
        thresholds=thresholds(),
        page=page,
        page_size=page_size,
        scope=service.read_scope(principal),
    )
    return ProjectList(
        items=[ProjectPublic.of(p, _private(principal, p)) for p in items],
        total=total,
        page=page,
        page_size=page_size,
    )


def _private(principal, p) -> bool:  # noqa: ANN001
    return scopes.sees_private_investment(principal, service.facts(p))


def _detail(session: Session, project_id: Id, principal) -> ProjectDetail:  # noqa: ANN001
    p = service.readable_project(session, project_id, principal)
    base = ProjectPublic.of(p, _private(principal, p)).model_dump()
    return ProjectDetail(
        **base,
        milestones=[
            MilestonePublic(
                kind=m.kind,
                reached_on=m.reached_on,
                reverted=m.reverted,
                recorded_by=m.recorded_by,
                evidence=m.evidence,
            )
            for m in p.milestones
        ],
        history=[HistoryPublic.of(h) for h in service.history(session, project_id)],
    )


@router.get("/projects/{project_id}", response_model=ProjectDetail)
def get_project(
    project_id: Id, session: Annotated[Session, Depends(db, scope="function")], principal: SignedIn
) -> ProjectDetail:
    return _detail(session, project_id, principal)


def _conflict(exc: service.VersionConflict) -> JSONResponse:
    return JSONResponse(
        {"detail": exc.message("en"), "detail_zh": exc.message("zh")}, status_code=409
    )


@router.post(
    "/projects/{project_id}/milestones",
    response_model=ProjectDetail,
    responses={
        409: {"description": "the project changed since it was loaded"},
        422: {"description": "the lifecycle refuses this milestone"},
    },
)
def add_milestone(
    project_id: Id,
    body: MilestoneCreate,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
):  # noqa: ANN201
    service.editable_project(session, project_id, principal)
    try:
        if body.kind == lifecycle.CANCELLED:
            service.do_cancel(
                session,
                project_id,
                body.on,
                body.reason or "",
                by=body.recorded_by,
                version=body.version,
            )
        else:
            service.do_record_milestone(
                session,
                project_id,
                body.kind,
                body.on,
                by=body.recorded_by,
                evidence=body.evidence,
                version=body.version,
            )
    except service.VersionConflict as exc:
        session.rollback()
        return _conflict(exc)
    except lifecycle.LifecycleError as exc:
        session.rollback()
        return JSONResponse(
            {"detail": exc.message("en"), "detail_zh": exc.message("zh")}, status_code=422
        )
    return _detail(session, project_id, principal)


@router.patch(
    "/projects/{project_id}",
    response_model=ProjectDetail,
    responses={409: {"description": "the project changed since it was loaded"}},
)
def update_project(
    project_id: Id,
    body: ProjectUpdate,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
):  # noqa: ANN201
    service.editable_project(session, project_id, principal)
    changes: dict[str, object] = dict(body.changes)
    for k in ("contracted_investment", "invested_in_place"):
        if changes.get(k) is not None:
            try:
                changes[k] = Decimal(str(changes[k]))
            except InvalidOperation as exc:
                raise InvalidInput(k, f"{changes[k]!r} is not an amount") from exc
    try:
        service.do_update_project(session, project_id, changes, version=body.version, by=body.by)
    except service.VersionConflict as exc:
        session.rollback()
        return _conflict(exc)
    return _detail(session, project_id, principal)


@router.get("/fairs", response_model=FairList)
def list_fairs(session: Annotated[Session, Depends(db, scope="function")]) -> FairList:
    items = fairs.list_fairs(session)
    return FairList(items=[FairPublic.of(f) for f in items], total=len(items))


__all__ = ["router", "date"]
