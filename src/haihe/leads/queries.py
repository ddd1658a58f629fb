"""The leads' read side: what pages, the API, the command line, the figures and the
contexts above (projects) read, always within what the reader may see (accounts.scopes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session, defer

from haihe.accounts import scopes
from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotFound
from haihe.leads import flow
from haihe.leads.models import Lead, LeadAttachment, LeadHistory, LeadStep


def facts(lead: Lead) -> scopes.LeadFacts:
    return scopes.LeadFacts(region_code=lead.region_code, park_id=lead.park_id)


def _within(column, code: str) -> ColumnElement[bool]:  # noqa: ANN001
    """`column` (a region code) lies in `code` (itself or below it)."""
    return column.in_([code, *regions.descendants(code)])


def read_scope(principal: scopes.Principal) -> ColumnElement[bool] | None:
    """SQL condition for the leads `principal` may read (None: all of them); the same rule
    as scopes.can_read_lead, for lists, figures and their totals."""
    if principal.is_admin:
        return None
    if principal.role == "regional_officer" and principal.region_codes:
        return or_(*(_within(Lead.region_code, r) for r in principal.region_codes))
    if principal.role == "park_manager" and principal.park_id is not None:
        return Lead.park_id == principal.park_id
    return false()


def get_lead(session: Session, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("leads.not_found", field="lead_id", id=lead_id)
    return lead


def readable_lead(session: Session, principal: scopes.Principal, lead_id: int) -> Lead:
    """The lead if `principal` may read it; NotFound otherwise (existence is not leaked)."""
    lead = get_lead(session, lead_id)
    if not scopes.can_read_lead(principal, facts(lead)):
        raise NotFound("leads.not_found", field="lead_id", id=lead_id)
    return lead


def steps(session: Session, lead_id: int) -> list[LeadStep]:
    return list(
        session.execute(
            select(LeadStep).where(LeadStep.lead_id == lead_id).order_by(LeadStep.id)
        ).scalars()
    )


def history(session: Session, lead_id: int) -> list[LeadHistory]:
    return list(
        session.execute(
            select(LeadHistory).where(LeadHistory.lead_id == lead_id).order_by(LeadHistory.id)
        ).scalars()
    )


def list_attachments(session: Session, lead_id: int) -> list[LeadAttachment]:
    return list(
        session.execute(
            select(LeadAttachment)
            .options(defer(LeadAttachment.data))
            .where(LeadAttachment.lead_id == lead_id)
            .order_by(LeadAttachment.id)
        ).scalars()
    )


def attachment(
    session: Session, principal: scopes.Principal, lead_id: int, attachment_id: int
) -> LeadAttachment:
    readable_lead(session, principal, lead_id)
    att = session.get(LeadAttachment, attachment_id)
    if att is None or att.lead_id != lead_id:
        raise NotFound("leads.attachment_not_found", field="attachment_id", id=attachment_id)
    return att


@dataclass
class LeadView:
    lead: Lead
    can_edit: bool
    overdue: bool
    next_statuses: list[str]
    steps: list[LeadStep]
    history: list[LeadHistory]
    attachments: list[LeadAttachment]


def lead_view(
    session: Session, principal: scopes.Principal, lead_id: int, *, today: date | None = None
) -> LeadView:
    lead = readable_lead(session, principal, lead_id)
    today = today or date.today()
    return LeadView(
        lead=lead,
        can_edit=scopes.can_edit_lead(principal, facts(lead)),
        overdue=flow.is_overdue(lead.status, lead.next_step_on, today),
        next_statuses=flow.next_statuses(lead.status, lead.project_id is not None),
        steps=steps(session, lead.id),
        history=history(session, lead.id),
        attachments=list_attachments(session, lead.id),
    )


@dataclass(frozen=True)
class LeadFilter:
    """What a list, the figures and the export are limited to (all optional)."""

    chain: str | None = None
    segment: str | None = None
    region: str | None = None  # landing region, its districts included
    officer: str | None = None
    status: str | None = None  # a status, or "open"
    overdue: bool = False
    organisation_id: int | None = None
    date_from: date | None = None  # started on or after
    date_to: date | None = None
    q: str | None = None  # in the organisation's name


def lead_filter(
    *,
    chain: str | None = None,
    segment: str | None = None,
    region: str | None = None,
    officer: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    organisation_id: int | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    q: str | None = None,
) -> LeadFilter:
    """A filter from what a user typed: InvalidInput naming a bad region, status or date."""
    reg = None
    if region:
        r = regions.get(region) or regions.lookup(region)
        if r is None:
            raise InvalidInput("leads.region_unknown", field="region", value=region)
        reg = r.code
    if status and status not in (*flow.STATUSES, "open"):
        raise InvalidInput("leads.status_unknown", field="status", value=status)

    def day(v: str | date | None, name: str) -> date | None:
        if v in (None, ""):
            return None
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise InvalidInput("leads.date_unreadable", field=name, value=v) from None

    return LeadFilter(
        chain=chain or None,
        segment=segment or None,
        region=reg,
        officer=officer or None,
        status=status or None,
        overdue=overdue,
        organisation_id=organisation_id,
        date_from=day(date_from, "from"),
        date_to=day(date_to, "to"),
        q=(q or "").strip() or None,
    )


def conditions(
    principal: scopes.Principal, f: LeadFilter, today: date | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE of a list, its total, the figures and the export: scope and filter."""
    conds: list[ColumnElement[bool]] = []
    scope = read_scope(principal)
    if scope is not None:
        conds.append(scope)
    if f.chain:
        conds.append(Lead.chain == f.chain)
    if f.segment:
        conds.append(Lead.segment == f.segment)
    if f.region:
        conds.append(_within(Lead.region_code, f.region))
    if f.officer:
        conds.append(Lead.officer == f.officer)
    if f.status == "open":
        conds.append(Lead.status.in_(flow.OPEN))
    elif f.status:
        conds.append(Lead.status == f.status)
    if f.overdue:
        conds.append(Lead.status.in_(flow.OPEN))
        conds.append(Lead.next_step_on < (today or date.today()))
    if f.organisation_id is not None:
        conds.append(Lead.organisation_id == f.organisation_id)
    if f.date_from:
        conds.append(Lead.started_on >= f.date_from)
    if f.date_to:
        conds.append(Lead.started_on <= f.date_to)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(Lead.organisation_name.like(like, escape="\\"))
    return conds


def selected(principal: scopes.Principal, f: LeadFilter, today: date | None = None) -> Select:
    return select(Lead).where(*conditions(principal, f, today))


def list_leads(
    session: Session,
    principal: scopes.Principal,
    f: LeadFilter,
    *,
    page: int = 1,
    page_size: int = 50,
    today: date | None = None,
) -> tuple[list[Lead], int]:
    """The leads the reader may read matching `f`: overdue next steps first, then the
    soonest next step, then the newest; and how many there are."""
    today = today or date.today()
    conds = conditions(principal, f, today)
    total = session.execute(select(func.count(Lead.id)).where(*conds)).scalar_one()
    overdue_first = (Lead.status.in_(flow.OPEN) & (Lead.next_step_on < today)).desc()
    items = list(
        session.execute(
            select(Lead)
            .where(*conds)
            .order_by(overdue_first, Lead.next_step_on.asc().nulls_last(), Lead.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).scalars()
    )
    return items, total


def is_overdue(lead: Lead, today: date | None = None) -> bool:
    return flow.is_overdue(lead.status, lead.next_step_on, today or date.today())


@dataclass
class LeadForProject:
    """What a cooperation project is filled in with when a signed lead becomes one."""

    id: int
    organisation_id: int
    organisation_name: str
    chain: str
    segment: str
    region_code: str
    park_id: int | None
    officer: str | None
    notes: str | None
    signed_on: date | None
    extra: dict = field(default_factory=dict)


def for_project(session: Session, principal: scopes.Principal, lead_id: int) -> LeadForProject:
    lead = readable_lead(session, principal, lead_id)
    return LeadForProject(
        id=lead.id,
        organisation_id=lead.organisation_id,
        organisation_name=lead.organisation_name,
        chain=lead.chain,
        segment=lead.segment,
        region_code=lead.region_code,
        park_id=lead.park_id,
        officer=lead.officer,
        notes=lead.notes,
        signed_on=lead.signed_on,
    )


def lead_label(session: Session, principal: scopes.Principal, lead_id: int) -> str | None:
    """How a project's page names the lead it came from: the target's name, when the reader
    may see the lead (None otherwise)."""
    lead = session.get(Lead, lead_id)
    if lead is None or not scopes.can_read_lead(principal, facts(lead)):
        return None
    return lead.organisation_name
