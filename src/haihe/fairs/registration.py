"""Writes of a fair before the day: its settings (registration open, the time unanswered
requests expire), its slots planned by length and breaks, participants registered by the
organiser or by themselves (representatives, availability, quota), and the organiser's
requests made for two participants or vetoed.

Each is do_<verb>_<noun>(session, principal, ...): it checks the principal's scope
(accounts.scopes), writes in the caller's transaction (audited) and returns plain data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text
from haihe.fairs import service
from haihe.fairs.models import (
    Fair,
    FairAvailability,
    FairMeeting,
    FairParticipant,
    FairSlot,
    MeetingRequest,
)
from haihe.fairs.scheduler import request_weight
from haihe.registry import queries as registry_queries

MAX_REPRESENTATIVES = 20
SLOT_MINUTES = (5, 240)
SLOT_COUNT = (1, 48)
BREAK_MINUTES = (0, 240)


def do_set_fair_options(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    *,
    registration_open: bool,
    requests_expire_at: datetime | None,
) -> None:
    """Whether participants may register themselves, and when unanswered requests expire
    (the time applies to every request still waiting, and to those made later)."""
    fair = service._organised(session, principal, fair_id)
    if requests_expire_at is not None:
        try:
            if requests_expire_at.tzinfo is None:
                raise ValueError
            requests_expire_at = requests_expire_at.astimezone(UTC)
        except (ValueError, OverflowError):
            raise InvalidInput(
                "fairs.deadline_unreadable", field="requests_expire_at", value=""
            ) from None
    with service._acting(principal):
        fair.registration_open = bool(registration_open)
        fair.requests_expire_at = requests_expire_at
        for r in session.execute(
            select(MeetingRequest).where(
                MeetingRequest.fair_id == fair_id, MeetingRequest.status == "pending"
            )
        ).scalars():
            r.expires_at = requests_expire_at
        session.flush()


def plan_slots(
    day: date, start: time, minutes: int, count: int, break_minutes: int
) -> list[tuple[datetime, datetime]]:
    """`count` slots of `minutes` from `start` on `day`, `break_minutes` between them."""
    for value, (lo, hi), field, key in (
        (minutes, SLOT_MINUTES, "minutes", "fairs.slot_minutes"),
        (count, SLOT_COUNT, "count", "fairs.slot_count"),
        (break_minutes, BREAK_MINUTES, "break_minutes", "fairs.break_minutes"),
    ):
        if not lo <= value <= hi:
            raise InvalidInput(key, field=field, value=value, low=lo, high=hi)
    first = datetime.combine(day, start.replace(tzinfo=None))  # the fair's local time
    out = []
    for i in range(count):
        s = first + timedelta(minutes=i * (minutes + break_minutes))
        out.append((s, s + timedelta(minutes=minutes)))
    if out[-1][1].date() != day:
        raise InvalidInput("fairs.slots_past_midnight", field="count", value=count)
    return out


def do_plan_slots(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    *,
    day: date,
    start: time,
    minutes: int,
    count: int,
    break_minutes: int = 0,
) -> list[int]:
    """Slots of one day of the fair by their length and the breaks between them."""
    fair = service._organised(session, principal, fair_id)
    if not fair.starts_on <= day <= fair.ends_on:
        raise InvalidInput(
            "fairs.slot_day_outside",
            field="day",
            day=day.isoformat(),
            starts_on=fair.starts_on.isoformat(),
            ends_on=fair.ends_on.isoformat(),
        )
    return service.do_add_slots(
        session, principal, fair_id, plan_slots(day, start, minutes, count, break_minutes)
    )


def do_remove_slot(
    session: Session, principal: scopes.Principal, fair_id: int, slot_id: int
) -> None:
    """A slot without meetings goes (with the availability that named it)."""
    service._organised(session, principal, fair_id)
    slot = session.get(FairSlot, slot_id)
    if slot is None or slot.fair_id != fair_id:
        raise NotFound("fairs.slot_unknown", field="slot", slot=slot_id)
    if session.execute(select(FairMeeting.id).where(FairMeeting.slot_id == slot_id)).first():
        raise InvalidInput("fairs.slot_in_use", field="slot", starts_at=f"{slot.starts_at:%H:%M}")
    with service._acting(principal):
        for a in session.execute(
            select(FairAvailability).where(FairAvailability.slot_id == slot_id)
        ).scalars():
            session.delete(a)
        session.delete(slot)
        session.flush()


def _representatives(names: Sequence[str] | str | None) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        names = names.splitlines()
    out: list[str] = []
    for n in names:
        cleaned = clean_text(n, "fair.representative", name=True, where="representatives")
        if cleaned and cleaned not in out:
            out.append(cleaned)
    if len(out) > MAX_REPRESENTATIVES:
        raise InvalidInput(
            "fairs.representatives_many", field="representatives", max=MAX_REPRESENTATIVES
        )
    return out


def may_register(session: Session, principal: scopes.Principal, fair_id: int) -> bool:
    """An enterprise user may register its organisation while the fair's registration is
    open; the organiser registers anyone."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        return False
    if scopes.can_organise_fair(principal, fair_id):
        return True
    return (
        principal.role == "enterprise"
        and principal.organisation_id is not None
        and bool(fair.registration_open)
    )


def do_register_participant(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    organisation_id: int,
    *,
    representatives: Sequence[str] | str | None = None,
    slot_ids: Sequence[int] | None = None,
    quota: int | None = None,
) -> int:
    """An organisation takes part: registered by the fair's organiser, or by its own
    enterprise user while the fair's registration is open (at least one representative).
    Available in the slots given (all of them when None); an optional meeting quota."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("fairs.not_found", field="fair_id", fair=fair_id)
    organiser = scopes.can_organise_fair(principal, fair_id)
    if not organiser:
        if principal.role != "enterprise" or principal.organisation_id != organisation_id:
            raise NotAllowed("fairs.register_not_allowed")
        if not fair.registration_open:
            raise InvalidInput("fairs.registration_closed", field="fair_id")
    registry_queries.get_organisation(session, organisation_id)  # NotFound if unknown
    names = _representatives(representatives)
    if not organiser and not names:
        raise InvalidInput("fairs.representatives_missing", field="representatives")
    if quota is not None and not 0 <= quota <= 1000:
        raise InvalidInput("fairs.quota_range", field="quota", value=quota)
    fair_slots = set(
        session.execute(select(FairSlot.id).where(FairSlot.fair_id == fair_id)).scalars()
    )
    chosen = fair_slots if slot_ids is None else set(slot_ids)
    if chosen - fair_slots:
        raise InvalidInput("fairs.slot_unknown", field="slots", slot=min(chosen - fair_slots))
    if fair_slots and not chosen:
        raise InvalidInput("fairs.availability_missing", field="slots")
    if session.execute(
        select(FairParticipant.id).where(
            FairParticipant.fair_id == fair_id, FairParticipant.organisation_id == organisation_id
        )
    ).first():
        raise InvalidInput("fairs.participant_twice", field="organisation_id")
    with service._acting(principal):
        row = FairParticipant(
            fair_id=fair_id,
            organisation_id=organisation_id,
            quota=quota,
            representatives="\n".join(names) or None,
        )
        session.add(row)
        session.flush()
        session.add_all(FairAvailability(participant_id=row.id, slot_id=s) for s in chosen)
        session.flush()
    return row.id


def do_update_participant(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    participant_id: int,
    *,
    representatives: Sequence[str] | str | None,
    slot_ids: Sequence[int],
    quota: int | None,
) -> None:
    """The participant (or the organiser) changes its representatives, its slots (not
    one it has a meeting in) and its quota."""
    row = service._participant(session, fair_id, participant_id)
    if not scopes.can_act_for_participant(principal, fair_id, row.organisation_id):
        raise NotAllowed("fairs.participant_not_allowed")
    names = _representatives(representatives)
    if quota is not None and not 0 <= quota <= 1000:
        raise InvalidInput("fairs.quota_range", field="quota", value=quota)
    slots = {
        s.id: s
        for s in session.execute(select(FairSlot).where(FairSlot.fair_id == fair_id)).scalars()
    }
    chosen = set(slot_ids)
    if chosen - set(slots):
        raise InvalidInput("fairs.slot_unknown", field="slots", slot=min(chosen - set(slots)))
    if slots and not chosen:
        raise InvalidInput("fairs.availability_missing", field="slots")
    busy = set(
        session.execute(
            select(FairMeeting.slot_id)
            .join(MeetingRequest, MeetingRequest.id == FairMeeting.request_id)
            .where(
                (MeetingRequest.requester_id == participant_id)
                | (MeetingRequest.requested_id == participant_id)
            )
        ).scalars()
    )
    if busy - chosen:
        s = slots[min(busy - chosen, key=lambda i: slots[i].starts_at)]
        raise InvalidInput(
            "fairs.availability_has_meeting", field="slots", starts_at=f"{s.starts_at:%H:%M}"
        )
    have = {
        a.slot_id: a
        for a in session.execute(
            select(FairAvailability).where(FairAvailability.participant_id == participant_id)
        ).scalars()
    }
    with service._acting(principal):
        row.representatives = "\n".join(names) or None
        row.quota = quota
        for sid, a in have.items():
            if sid not in chosen:
                session.delete(a)
        session.add_all(
            FairAvailability(participant_id=participant_id, slot_id=s)
            for s in chosen
            if s not in have
        )
        session.flush()


# ------------------------------------------------------------------ the organiser's requests


def do_arrange_request(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    requester_id: int,
    requested_id: int,
    *,
    priority: int = 2,
) -> int:
    """The organiser adds a meeting request on behalf of two participants: it is accepted
    (a request between them either way, whatever its state, becomes accepted)."""
    service._organised(session, principal, fair_id)
    a = service._participant(session, fair_id, requester_id)
    b = service._participant(session, fair_id, requested_id)
    if a.id == b.id:
        raise InvalidInput("fairs.request_self", field="requested")
    request_weight(mutual=False, priority=priority)  # checks the priority
    found = service._find_request(session, fair_id, a.id, b.id) or service._find_request(
        session, fair_id, b.id, a.id
    )
    with service._acting(principal):
        if found is not None:
            found.status = "accepted"
            found.priority = max(found.priority, priority)
            session.flush()
            return found.id
        row = MeetingRequest(
            fair_id=fair_id,
            requester_id=a.id,
            requested_id=b.id,
            priority=priority,
            mutual=False,
            status="accepted",
        )
        session.add(row)
        session.flush()
    return row.id


def do_veto_request(session: Session, principal: scopes.Principal, request_id: int) -> str:
    """The organiser vetoes a request (waiting or accepted): it will not be scheduled, and
    its meeting, if it has one not yet marked, goes."""
    row = session.get(MeetingRequest, request_id)
    if row is None:
        raise NotFound("fairs.request_unknown", field="request", request=request_id)
    service._organised(session, principal, row.fair_id)
    if row.status not in ("pending", "accepted"):
        raise InvalidInput("fairs.request_not_open", field="request", request=request_id)
    meeting = session.execute(
        select(FairMeeting).where(FairMeeting.request_id == request_id)
    ).scalar_one_or_none()
    if meeting is not None and service._marked(meeting):
        raise InvalidInput("fairs.meeting_marked", field="request", meeting=meeting.id)
    with service._acting(principal):
        if meeting is not None:
            session.delete(meeting)
        row.status = "vetoed"
        session.flush()
    return row.status
