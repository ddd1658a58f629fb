"""Projects that come from elsewhere: a signed investment lead converted into a project,
and an agreement signed at a fair meeting (through the fairs' event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.fairs import queries as fairs
from haihe.leads import service as leads_service
from haihe.projects.models import Project
from haihe.projects.records import PartyInput, ProjectInput, do_create_project
from haihe.projects.writing import history, money
from haihe.registry import queries as registry


@dataclass
class ConversionInput:
    """What a project made from a signed lead needs beyond what the lead gives."""

    code: str
    title: str
    intended_investment: Decimal | str = Decimal(0)
    project_type: str = "other"
    host_organisation_id: int | None = None  # the party it lands with, if any
    signed_on: date | None = None  # the lead's signing day when None


def do_convert_lead(
    session: Session,
    principal: scopes.Principal,
    lead_id: int,
    data: ConversionInput,
    *,
    today: date | None = None,
) -> Project:
    """Turn a signed lead into a cooperation project: the target organisation as investor,
    the lead's chain, segment, landing region and park, officer and notes; the project
    keeps the lead it came from and the lead its project. A lead not signed (or already
    converted) is refused, naming why, and nothing is created."""
    lead = leads_service.check_convertible(session, principal, lead_id)
    parties = [PartyInput(organisation_id=lead.organisation_id, role="investor")]
    if data.host_organisation_id:
        parties.append(PartyInput(organisation_id=data.host_organisation_id, role="host"))
    amount = money("intended_investment", data.intended_investment) or Decimal(0)
    project = do_create_project(
        session,
        principal,
        ProjectInput(
            code=data.code,
            title=data.title,
            parties=parties,
            intended_investment=amount,
            project_type=data.project_type,
            chain=lead.chain,
            segment=lead.segment,
            landing_region_code=lead.region_code,
            landing_park_id=lead.park_id,
            officer=lead.officer,
            notes=lead.notes,
            signed_on=data.signed_on or lead.signed_on,
            is_demo=lead.is_demo,
        ),
        today=today,
    )
    project.lead_id = lead.id
    leads_service.do_record_conversion(session, principal, lead.id, project.id, project.code)
    history(session, principal, project.id, "from_lead", {"lead_id": lead.id})
    return project


def do_create_project_from_meeting(
    session: Session,
    principal: scopes.Principal,
    meeting_id: int,
    *,
    today: date | None = None,
) -> Project:
    """An agreement signed at a fair meeting becomes a signed cooperation project: both
    organisations as parties, the intended investment said with the agreement, the fair
    and the meeting as its source (the fair is credited). The meeting is checked through
    the fairs' read side; whoever may act for one of its sides (or organise the fair) may
    do it. One project per meeting."""
    m = fairs.get_meeting(session, meeting_id)
    if not (
        scopes.can_act_for_participant(principal, m.fair_id, m.requester_organisation_id)
        or scopes.can_act_for_participant(principal, m.fair_id, m.requested_organisation_id)
    ):
        raise NotAllowed("fairs.participant_not_allowed")
    if m.outcome != "agreement":
        raise InvalidInput("fairs.meeting_no_agreement", field="meeting", meeting=meeting_id)
    had = session.execute(select(Project.code).where(Project.meeting_id == meeting_id)).first()
    if had:
        raise InvalidInput(
            "fairs.meeting_has_project", field="meeting", meeting=meeting_id, code=had[0]
        )
    fair = fairs.get_fair(session, m.fair_id)
    host = registry.get_organisation(session, m.requested_organisation_id)
    signed = (m.outcome_at or datetime.now(UTC)).date()
    project = do_create_project(
        session,
        principal,
        ProjectInput(
            code=f"FAIR{m.fair_id}-M{m.id}",
            title=f"{m.requester_name}与{m.requested_name}合作项目",
            title_en=(
                f"{m.requester_name_en} and {m.requested_name_en} cooperation"
                if m.requester_name_en and m.requested_name_en
                else None
            ),
            parties=[
                PartyInput(organisation_id=m.requester_organisation_id, role="partner"),
                PartyInput(organisation_id=m.requested_organisation_id, role="host"),
            ],
            intended_investment=m.intended_investment or Decimal(0),
            landing_region_code=host.region_code,
            fair_id=fair.id,
            signed_on=min(signed, today or date.today()),
        ),
        today=today,
        _authorised=True,
    )
    project.meeting_id = m.id
    session.flush()
    history(session, principal, project.id, "from_meeting", {"meeting_id": m.id})
    return project


def agreement_signed(session: Session, principal: scopes.Principal, meeting_id: int) -> None:
    """Listener of fairs' "fair_agreement_signed" (wired in haihe.models.load_all)."""
    do_create_project_from_meeting(session, principal, meeting_id)


def listen() -> None:
    from haihe.core import events

    events.subscribe("fair_agreement_signed", agreement_signed)
