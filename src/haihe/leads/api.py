"""Leads API: /api/v1/leads (list, one, start, status, next step) and /api/v1/leads/figures.

A lead is read and worked only by those scopes.can_read_lead allows; anyone else gets 404
for a lead (its existence is not leaked) and an empty list. The conversion of a signed
lead into a project is projects' (POST /api/v1/leads/{id}/convert, projects/api.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.core.errors import NotAllowed
from haihe.core.i18n import t
from haihe.leads import figures, queries, service
from haihe.leads.schemas import (
    CoveragePublic,
    LeadCreate,
    LeadDetail,
    LeadFiguresPublic,
    LeadList,
    LeadPublic,
    LeadQuery,
    NextStep,
    RowPublic,
    StatusChange,
)
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db

router = APIRouter(prefix="/api/v1", tags=["leads"])
Filters = Annotated[LeadQuery, Query()]
DB = Annotated[Session, Depends(db, scope="function")]


def require_worker(principal: Principal) -> None:
    """Leads are officers' work: enterprises and fair organisers have no leads list."""
    if not scopes.can_work_leads(principal):
        raise NotAllowed("leads.not_for_you")


def public(lead, today: date | None = None) -> LeadPublic:  # noqa: ANN001
    p = LeadPublic.model_validate(lead)
    p.overdue = queries.is_overdue(lead, today)
    return p


def figures_public(f: figures.LeadFigures, lang: str) -> LeadFiguresPublic:
    row = RowPublic.model_validate
    return LeadFiguresPublic(
        total=row(f.total),
        by_chain=[row(r) for r in f.by_chain],
        by_segment=[row(r) for r in f.by_segment],
        by_region=[row(r) for r in f.by_region],
        by_officer=[row(r) for r in f.by_officer],
        conversion_share=round(f.conversion_share, 4),
        days_to_signing_median=f.days_to_signing_median,
        days_to_signing_mean=f.days_to_signing_mean,
        gap_region=f.gap_region,
        coverage=[
            CoveragePublic(
                chain=c.chain,
                region=c.region,
                gaps=c.gaps,
                worked=c.worked,
                share=round(c.share, 4),
            )
            for c in f.coverage
        ],
        how_counted=t("leads.how_counted", lang),
    )


@router.get("/leads/figures", response_model=LeadFiguresPublic)
def lead_figures(
    request: Request,
    session: DB,
    params: Filters,
    principal: SignedIn,
    gap_region: Annotated[str | None, Query(max_length=6, pattern=r"^\d{6}$")] = None,
) -> LeadFiguresPublic:
    """Leads by chain, segment, region and officer; conversions; days to signing; the
    share of each chain's gap segments with an open lead — all within the reader's scope."""
    require_worker(principal)
    f = figures.compute(session, principal, params.parsed(), gap_region=gap_region)
    return figures_public(f, getattr(request.state, "lang", "zh"))


@router.get("/leads", response_model=LeadList)
def list_leads(
    session: DB,
    params: Filters,
    principal: SignedIn,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LeadList:
    require_worker(principal)
    items, total = queries.list_leads(
        session, principal, params.parsed(), page=page, page_size=page_size
    )
    return LeadList(items=[public(x) for x in items], total=total, page=page, page_size=page_size)


def detail(session: Session, principal: Principal, lead_id: int) -> LeadDetail:
    view = queries.lead_view(session, principal, lead_id)
    return LeadDetail.model_validate(
        {
            **public(view.lead).model_dump(),
            "steps": view.steps,
            "history": view.history,
        }
    )


@router.get("/leads/{lead_id}", response_model=LeadDetail)
def get_lead(lead_id: Id, session: DB, principal: SignedIn) -> LeadDetail:
    return detail(session, principal, lead_id)


@router.post("/leads", response_model=LeadDetail, status_code=201)
def create_lead(body: LeadCreate, session: DB, principal: Writer) -> LeadDetail:
    lead = service.do_create_lead(session, principal, service.LeadInput(**body.model_dump()))
    return detail(session, principal, lead.id)


@router.post("/leads/{lead_id}/status", response_model=LeadDetail)
def change_status(lead_id: Id, body: StatusChange, session: DB, principal: Writer) -> LeadDetail:
    service.do_change_status(
        session,
        principal,
        lead_id,
        body.status,
        body.on,
        note=body.note,
        reason=body.reason,
        version=body.version,
    )
    return detail(session, principal, lead_id)


@router.post("/leads/{lead_id}/next-step", response_model=LeadDetail)
def next_step(lead_id: Id, body: NextStep, session: DB, principal: Writer) -> LeadDetail:
    service.do_set_next_step(
        session, principal, lead_id, body.next_step, body.on, version=body.version
    )
    return detail(session, principal, lead_id)
