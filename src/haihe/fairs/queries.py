"""The fairs' read side: fairs as plain data (FairPublic) for pages, the API and projects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.core.errors import NotFound
from haihe.fairs.models import (
    Fair,
    FairMeeting,
    FairParticipant,
    FairSlot,
    FairTable,
    MeetingRequest,
)
from haihe.fairs.schemas import FairPublic, MeetingView, ParticipantView, RequestView
from haihe.registry import queries as registry_queries


def list_fairs(session: Session) -> list[FairPublic]:
    """Every fair, the latest first."""
    rows = session.execute(select(Fair).order_by(Fair.starts_on.desc(), Fair.id)).scalars()
    return [FairPublic.model_validate(f) for f in rows]


def get_fair(session: Session, fair_id: int) -> FairPublic:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("fairs.not_found", field="fair_id", fair=fair_id)
    return FairPublic.model_validate(fair)


def find_fair(session: Session, name: str) -> FairPublic | None:
    """The fair of that Chinese or English name, if there is one."""
    fair = session.execute(
        select(Fair).where((Fair.name == name) | (Fair.name_en == name))
    ).scalar_one_or_none()
    return None if fair is None else FairPublic.model_validate(fair)


# ------------------------------------------------------- participants, requests, meetings


def _names(session: Session, fair_id: int) -> dict[int, FairParticipant]:
    return {
        p.id: p
        for p in session.execute(
            select(FairParticipant).where(FairParticipant.fair_id == fair_id)
        ).scalars()
    }


def list_participants(session: Session, fair_id: int) -> list[ParticipantView]:
    get_fair(session, fair_id)
    out = []
    for p in sorted(_names(session, fair_id).values(), key=lambda p: p.id):
        org = registry_queries.get_organisation(session, p.organisation_id)
        out.append(
            ParticipantView(
                id=p.id,
                organisation_id=p.organisation_id,
                name=org.name,
                name_en=org.name_en,
                region_code=org.region_code,
                quota=p.quota,
                checked_in_at=p.checked_in_at,
            )
        )
    return out


def participant_of(session: Session, fair_id: int, participant_id: int) -> ParticipantView:
    for p in list_participants(session, fair_id):
        if p.id == participant_id:
            return p
    raise NotFound("fairs.participant_unknown", field="participant", participant=participant_id)


def list_requests(
    session: Session, fair_id: int, participant_id: int | None = None
) -> list[RequestView]:
    """The fair's meeting requests (those a participant made or received, when given)."""
    get_fair(session, fair_id)
    q = select(MeetingRequest).where(MeetingRequest.fair_id == fair_id)
    if participant_id is not None:
        q = q.where(
            (MeetingRequest.requester_id == participant_id)
            | (MeetingRequest.requested_id == participant_id)
        )
    now = datetime.now(UTC)
    return [
        RequestView.model_validate(r, from_attributes=True).model_copy(
            update={"status": effective_status(r.status, r.expires_at, now)}
        )
        for r in session.execute(q.order_by(MeetingRequest.id)).scalars()
    ]


def effective_status(status: str, expires_at: datetime | None, now: datetime | None = None) -> str:
    """A waiting request past its expiry is expired (whether or not "schedule all" has
    marked it so yet): it can no longer be answered, and is never scheduled."""
    if status == "pending" and expires_at is not None:
        at = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        if at <= (now or datetime.now(UTC)):
            return "expired"
    return status


def meeting_status(held_by_requester: bool | None, held_by_requested: bool | None) -> str | None:
    """held, not_held (someone said it did not take place: a no-show) or None (not said)."""
    said = [v for v in (held_by_requester, held_by_requested) if v is not None]
    if not said:
        return None
    return "held" if all(said) else "not_held"


def list_meetings(
    session: Session, fair_id: int, participant_id: int | None = None
) -> list[MeetingView]:
    """The fair's meetings in time and table order (a participant's, when given)."""
    get_fair(session, fair_id)
    people = _names(session, fair_id)
    orgs = {
        p.id: registry_queries.get_organisation(session, p.organisation_id) for p in people.values()
    }
    q = (
        select(FairMeeting, MeetingRequest, FairSlot, FairTable)
        .join(MeetingRequest, MeetingRequest.id == FairMeeting.request_id)
        .join(FairSlot, FairSlot.id == FairMeeting.slot_id)
        .join(FairTable, FairTable.id == FairMeeting.table_id)
        .where(FairMeeting.fair_id == fair_id)
    )
    if participant_id is not None:
        q = q.where(
            (MeetingRequest.requester_id == participant_id)
            | (MeetingRequest.requested_id == participant_id)
        )
    out = []
    for m, r, slot, table in session.execute(q.order_by(FairSlot.starts_at, FairTable.number)):
        a, b = orgs[r.requester_id], orgs[r.requested_id]
        out.append(
            MeetingView(
                id=m.id,
                fair_id=fair_id,
                request_id=r.id,
                uid=m.uid,
                sequence=m.sequence or 0,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                table=table.number,
                table_label=table.label,
                requester_id=r.requester_id,
                requester_name=a.name,
                requester_name_en=a.name_en,
                requested_id=r.requested_id,
                requested_name=b.name,
                requested_name_en=b.name_en,
                locked=m.locked,
                status=meeting_status(m.held_by_requester, m.held_by_requested),
                held_by_requester=m.held_by_requester,
                held_by_requested=m.held_by_requested,
                outcome=m.outcome,
                outcome_at=m.outcome_at,
                intended_investment=m.intended_investment,
                requester_organisation_id=a.id,
                requested_organisation_id=b.id,
            )
        )
    return out


def get_meeting(session: Session, meeting_id: int) -> MeetingView:
    """One meeting (for the projects context: an agreement signed becomes a project)."""
    m = session.get(FairMeeting, meeting_id)
    if m is None:
        raise NotFound("fairs.meeting_unknown", field="meeting", meeting=meeting_id)
    for view in list_meetings(session, m.fair_id):
        if view.id == meeting_id:
            return view
    raise NotFound("fairs.meeting_unknown", field="meeting", meeting=meeting_id)


def participant_for(session: Session, fair_id: int, organisation_id: int) -> int | None:
    """The participant id of an organisation at a fair, if it takes part."""
    return session.execute(
        select(FairParticipant.id).where(
            FairParticipant.fair_id == fair_id, FairParticipant.organisation_id == organisation_id
        )
    ).scalar_one_or_none()


@dataclass(frozen=True)
class OrganisationAtFair:
    """One fair an organisation took part in, with its meetings there."""

    fair: FairPublic
    participant_id: int
    checked_in: bool
    meetings: int  # scheduled
    held: int  # both sides (or the one that said) say it took place
    agreements: int  # ended with an agreement signed


def organisation_fairs(session: Session, organisation_id: int) -> list[OrganisationAtFair]:
    """The fairs an organisation took part in, the latest first, with its meetings."""
    rows = session.execute(
        select(FairParticipant, Fair)
        .join(Fair, Fair.id == FairParticipant.fair_id)
        .where(FairParticipant.organisation_id == organisation_id)
        .order_by(Fair.starts_on.desc(), Fair.id.desc())
    ).all()
    out = []
    for part, fair in rows:
        meetings = session.execute(
            select(FairMeeting)
            .join(MeetingRequest, MeetingRequest.id == FairMeeting.request_id)
            .where(
                FairMeeting.fair_id == fair.id,
                (MeetingRequest.requester_id == part.id) | (MeetingRequest.requested_id == part.id),
            )
        ).scalars()
        n = held = agreed = 0
        for m in meetings:
            n += 1
            held += meeting_status(m.held_by_requester, m.held_by_requested) == "held"
            agreed += m.outcome == "agreement"
        out.append(
            OrganisationAtFair(
                FairPublic.model_validate(fair),
                part.id,
                part.checked_in_at is not None,
                n,
                held,
                agreed,
            )
        )
    return out
