"""The fairs' writes (the fairs issue extends these with participants and meetings).

Each is do_<verb>_<noun>(session, principal, ...): it checks the principal's scope
(accounts.scopes), writes in the caller's transaction (audited by audit.recorder, the
principal being the actor of the request or command) and returns plain data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.audit.recorder import Actor, current_actor
from haihe.codes import regions
from haihe.core import events
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text
from haihe.fairs import queries
from haihe.fairs import scheduler as sched
from haihe.fairs.models import (
    Fair,
    FairAvailability,
    FairMeeting,
    FairParticipant,
    FairSlot,
    FairTable,
    MeetingRequest,
)
from haihe.fairs.scheduler import request_weight
from haihe.fairs.schemas import FairPublic
from haihe.registry import queries as registry_queries
from haihe.registry import values


def do_create_fair(
    session: Session,
    principal: scopes.Principal,
    *,
    name: str,
    starts_on: date,
    ends_on: date | None = None,
    name_en: str | None = None,
    place: str | None = None,
    region: str | None = None,
    description: str | None = None,
    is_demo: bool = False,
) -> FairPublic:
    """A new fair (a one-day fair when `ends_on` is not given)."""
    if not scopes.can_create_fair(principal):
        raise NotAllowed("fairs.create_not_allowed")
    name = clean_text(name or "", "fair.name", name=True)
    name_en = clean_text(name_en, "fair.name_en", name=True) or None
    place = clean_text(place, "fair.place") or None
    description = clean_text(description, "fair.description") or None
    if not name:
        raise InvalidInput("fairs.name_missing", field="name")
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise InvalidInput(
            "fairs.ends_before_start",
            field="ends_on",
            ends_on=ends_on.isoformat(),
            starts_on=starts_on.isoformat(),
        )
    region_code = None
    if region:
        found = regions.lookup(region)
        if found is None:
            raise InvalidInput("fairs.region_unknown", field="region", value=region)
        region_code = found.code
    if session.execute(select(Fair.id).where(Fair.name == name)).first():
        raise InvalidInput("fairs.name_taken", field="name", name=name)
    fair = Fair(
        name=name,
        name_en=name_en,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place,
        region_code=region_code,
        description=description,
        is_demo=is_demo,
    )
    session.add(fair)
    session.flush()
    return FairPublic.model_validate(fair)


# ------------------------------------------------------------ slots, tables, participants


@contextmanager
def _acting(principal: scopes.Principal) -> Iterator[None]:
    token = current_actor.set(
        Actor(principal.user_id, principal.username or "anonymous", principal.ip)
    )
    try:
        yield
    finally:
        current_actor.reset(token)


def _organised(session: Session, principal: scopes.Principal, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("fairs.not_found", field="fair_id", fair=fair_id)
    if not scopes.can_organise_fair(principal, fair_id):
        raise NotAllowed("fairs.organise_not_allowed")
    return fair


def do_add_slots(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    times: Sequence[tuple[datetime, datetime]],
) -> list[int]:
    """Meeting slots (start, end) of a fair; they must not overlap each other or those
    the fair has. Returns their ids in time order."""
    _organised(session, principal, fair_id)
    have = session.execute(
        select(FairSlot.starts_at, FairSlot.ends_at).where(FairSlot.fair_id == fair_id)
    ).all()
    spans = sorted([*have, *times])
    for start, end in times:
        if end <= start:
            raise InvalidInput(
                "fairs.slot_ends_before_start", field="slots", starts_at=f"{start:%Y-%m-%d %H:%M}"
            )
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            raise InvalidInput(
                "fairs.slot_overlap", field="slots", starts_at=f"{s2:%Y-%m-%d %H:%M}"
            )
    rows = [FairSlot(fair_id=fair_id, starts_at=s, ends_at=e) for s, e in sorted(times)]
    with _acting(principal):
        session.add_all(rows)
        session.flush()
    return [r.id for r in rows]


def do_set_tables(session: Session, principal: scopes.Principal, fair_id: int, count: int) -> int:
    """The fair has tables 1..count (tables with meetings are never taken away)."""
    _organised(session, principal, fair_id)
    if not 0 <= count <= 10_000:
        raise InvalidInput("fairs.tables_count", field="tables", value=count)
    tables = session.execute(select(FairTable).where(FairTable.fair_id == fair_id)).scalars().all()
    have = {t.number: t for t in tables}
    used = set(
        session.execute(
            select(FairMeeting.table_id).where(FairMeeting.fair_id == fair_id)
        ).scalars()
    )
    with _acting(principal):
        session.add_all(
            FairTable(fair_id=fair_id, number=n) for n in range(1, count + 1) if n not in have
        )
        for n, t in sorted(have.items()):
            if n > count:
                if t.id in used:
                    raise InvalidInput("fairs.table_in_use", field="tables", table=n)
                session.delete(t)
        session.flush()
    return count


def do_add_participant(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    organisation_id: int,
    *,
    quota: int | None = None,
    slot_ids: Sequence[int] | None = None,
    representatives: Sequence[str] | None = None,
) -> int:
    """An organisation takes part, available in the slots given (all when None), with
    its representatives' names."""
    _organised(session, principal, fair_id)
    registry_queries.get_organisation(session, organisation_id)  # NotFound if unknown
    if quota is not None and not 0 <= quota <= 1000:
        raise InvalidInput("fairs.quota_range", field="quota", value=quota)
    fair_slots = set(
        session.execute(select(FairSlot.id).where(FairSlot.fair_id == fair_id)).scalars()
    )
    chosen = fair_slots if slot_ids is None else set(slot_ids)
    if chosen - fair_slots:
        raise InvalidInput("fairs.slot_unknown", field="slots", slot=min(chosen - fair_slots))
    taken = session.execute(
        select(FairParticipant.id).where(
            FairParticipant.fair_id == fair_id, FairParticipant.organisation_id == organisation_id
        )
    ).first()
    if taken:
        raise InvalidInput("fairs.participant_twice", field="organisation_id")
    with _acting(principal):
        row = FairParticipant(
            fair_id=fair_id,
            organisation_id=organisation_id,
            quota=quota,
            representatives=_representatives(representatives),
        )
        session.add(row)
        session.flush()
        session.add_all(FairAvailability(participant_id=row.id, slot_id=s) for s in chosen)
        session.flush()
    return row.id


def _representatives(names: Sequence[str] | None) -> str | None:
    """The representatives' names, one a line (cleaned, bounded; None when none)."""
    if not names:
        return None
    cleaned = [
        n
        for n in (
            clean_text(x, "fair.representatives", name=True, where="representatives") for x in names
        )
        if n
    ]
    text = "\n".join(dict.fromkeys(cleaned))
    clean_text(text, "fair.representatives", where="representatives")  # the whole bounded too
    return text or None


def do_update_participant(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    participant_id: int,
    *,
    quota: int | None = None,
    slot_ids: Sequence[int] | None = None,
    representatives: Sequence[str] | None = None,
) -> bool:
    """A participant's quota, availability (all slots when None) and representatives, as
    given; True when anything changed."""
    _organised(session, principal, fair_id)
    row = _participant(session, fair_id, participant_id)
    if quota is not None and not 0 <= quota <= 1000:
        raise InvalidInput("fairs.quota_range", field="quota", value=quota)
    fair_slots = set(
        session.execute(select(FairSlot.id).where(FairSlot.fair_id == fair_id)).scalars()
    )
    chosen = fair_slots if slot_ids is None else set(slot_ids)
    if chosen - fair_slots:
        raise InvalidInput("fairs.slot_unknown", field="slots", slot=min(chosen - fair_slots))
    have = set(
        session.execute(
            select(FairAvailability.slot_id).where(FairAvailability.participant_id == row.id)
        ).scalars()
    )
    names = _representatives(representatives)
    if (row.quota, row.representatives, have) == (quota, names, chosen):
        return False
    with _acting(principal):
        row.quota = quota
        row.representatives = names
        for sid in have - chosen:
            session.delete(session.get(FairAvailability, (row.id, sid)))
        session.add_all(FairAvailability(participant_id=row.id, slot_id=s) for s in chosen - have)
        session.flush()
    return True


def _participant(session: Session, fair_id: int, participant_id: int) -> FairParticipant:
    row = session.get(FairParticipant, participant_id)
    if row is None or row.fair_id != fair_id:
        raise NotFound("fairs.participant_unknown", field="participant", participant=participant_id)
    return row


def do_request_meeting(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    requester_id: int,
    requested_id: int,
    *,
    priority: int = 2,
    expires_at: datetime | None = None,
) -> int:
    """A participant asks another for a meeting. If the other had asked already, that
    request becomes mutual and accepted (one request, weighted more). It expires at the
    fair's set time unless given its own."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("fairs.not_found", field="fair_id", fair=fair_id)
    if expires_at is None:
        expires_at = fair.requests_expire_at
    me = _participant(session, fair_id, requester_id)
    other = _participant(session, fair_id, requested_id)
    if not scopes.can_act_for_participant(principal, fair_id, me.organisation_id):
        raise NotAllowed("fairs.participant_not_allowed")
    if me.id == other.id:
        raise InvalidInput("fairs.request_self", field="requested")
    request_weight(mutual=False, priority=priority)  # checks the priority
    mine = _find_request(session, fair_id, me.id, other.id)
    if mine is not None:
        raise InvalidInput("fairs.request_twice", field="requested")
    theirs = _find_request(session, fair_id, other.id, me.id)
    with _acting(principal):
        if theirs is not None and theirs.status in ("pending", "accepted"):
            theirs.mutual = True
            theirs.status = "accepted"
            theirs.priority = max(theirs.priority, priority)
            session.flush()
            return theirs.id
        row = MeetingRequest(
            fair_id=fair_id,
            requester_id=me.id,
            requested_id=other.id,
            priority=priority,
            mutual=False,
            status="pending",
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
    return row.id


def _find_request(session: Session, fair_id: int, a: int, b: int) -> MeetingRequest | None:
    return session.execute(
        select(MeetingRequest).where(
            MeetingRequest.fair_id == fair_id,
            MeetingRequest.requester_id == a,
            MeetingRequest.requested_id == b,
        )
    ).scalar_one_or_none()


def do_answer_request(
    session: Session, principal: scopes.Principal, request_id: int, *, accept: bool
) -> str:
    """The requested participant (or the organiser) accepts or declines a pending request."""
    row = session.get(MeetingRequest, request_id)
    if row is None:
        raise NotFound("fairs.request_unknown", field="request", request=request_id)
    other = session.get(FairParticipant, row.requested_id)
    if not scopes.can_act_for_participant(principal, row.fair_id, other.organisation_id):
        raise NotAllowed("fairs.participant_not_allowed")
    if row.status != "pending" or (row.expires_at is not None and row.expires_at <= _now()):
        raise InvalidInput("fairs.request_not_pending", field="request", request=request_id)
    with _acting(principal):
        row.status = "accepted" if accept else "declined"
        session.flush()
    return row.status


def _now() -> datetime:
    return datetime.now(UTC)


# ----------------------------------------------------------------------------- schedule


@dataclass(frozen=True)
class ScheduleReport:
    """What "schedule all" did: the figures of the schedule and what moved."""

    meetings: int
    weight: int
    upper_bound: int
    bound_method: str
    proven_optimal: bool
    gap: float
    covered: int
    coverable: int
    mean_idle_gaps: float
    kept: int
    moved: int
    removed: int
    added: int
    unscheduled: int
    seconds: float


def _marked(m: FairMeeting) -> bool:
    return (
        m.held_by_requester is not None or m.held_by_requested is not None or m.outcome is not None
    )


def do_schedule_fair(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    *,
    time_limit: float = 5.0,
    seed: int = 0,
) -> ScheduleReport:
    """Schedule every accepted request it can place ("schedule all"): locked meetings stay,
    every other meeting that can stay where it was stays, the rest is placed around them;
    meetings of requests no longer accepted go. Pending requests past their expiry
    expire first (they never block a slot)."""
    _organised(session, principal, fair_id)
    now = _now()
    slots = (
        session.execute(
            select(FairSlot).where(FairSlot.fair_id == fair_id).order_by(FairSlot.starts_at)
        )
        .scalars()
        .all()
    )
    tables = (
        session.execute(
            select(FairTable).where(FairTable.fair_id == fair_id).order_by(FairTable.number)
        )
        .scalars()
        .all()
    )
    people = (
        session.execute(select(FairParticipant).where(FairParticipant.fair_id == fair_id))
        .scalars()
        .all()
    )
    avail: dict[int, set[int]] = {p.id: set() for p in people}
    for pid, sid in session.execute(
        select(FairAvailability.participant_id, FairAvailability.slot_id).where(
            FairAvailability.participant_id.in_([p.id for p in people] or [0])
        )
    ):
        avail[pid].add(sid)
    requests = (
        session.execute(select(MeetingRequest).where(MeetingRequest.fair_id == fair_id))
        .scalars()
        .all()
    )
    meetings = (
        session.execute(select(FairMeeting).where(FairMeeting.fair_id == fair_id)).scalars().all()
    )
    table_no = {t.id: t.number for t in tables}
    table_id = {t.number: t.id for t in tables}
    with _acting(principal):
        for r in requests:
            if r.status == "pending" and r.expires_at is not None and r.expires_at <= now:
                r.status = "expired"
        accepted = [r for r in requests if r.status == "accepted"]
        problem_requests = [
            sched.Request(
                r.id,
                r.requester_id,
                r.requested_id,
                request_weight(mutual=r.mutual, priority=r.priority),
            )
            for r in accepted
        ]
        ok = {r.id for r in accepted}
        # A meeting someone marked held or not, or gave an outcome, is history: it stays
        # where it was (as if locked), its sides being there then whatever they say now.
        fixed = {m.id for m in meetings if m.request_id in ok and (m.locked or _marked(m))}
        by_id = {r.id: r for r in accepted}
        for m in meetings:
            if m.id in fixed and not m.locked:
                r = by_id[m.request_id]
                avail[r.requester_id].add(m.slot_id)
                avail[r.requested_id].add(m.slot_id)
        previous = [
            sched.Meeting(m.request_id, m.slot_id, table_no[m.table_id])
            for m in meetings
            if m.request_id in ok and m.id not in fixed
        ]
        locked = [
            sched.Meeting(m.request_id, m.slot_id, table_no[m.table_id])
            for m in meetings
            if m.id in fixed
        ]
        problem = sched.Problem(
            slots=[s.id for s in slots],
            tables=len(tables),
            participants=[sched.Participant(p.id, frozenset(avail[p.id]), p.quota) for p in people],
            requests=problem_requests,
            locked=locked,
        )
        out = sched.reschedule(problem, previous, time_limit=time_limit, seed=seed)
        placed = {mt.request_id: mt for mt in out.meetings}
        by_request = {m.request_id: m for m in meetings}
        # Out first (frees slot/table pairs), then moves, then the new ones.
        for rid, m in by_request.items():
            if rid not in placed:
                session.delete(m)
        session.flush()
        moving = [
            (by_request[rid], mt)
            for rid, mt in placed.items()
            if rid in by_request
            and (by_request[rid].slot_id, by_request[rid].table_id) != (mt.slot, table_id[mt.table])
        ]
        for m, _mt in moving:  # park them on no table first: no pair is taken twice
            session.delete(m)
        session.flush()
        for m, mt in moving:
            session.add(
                FairMeeting(
                    id=m.id,  # the same meeting (projects may name it), moved
                    fair_id=fair_id,
                    request_id=mt.request_id,
                    slot_id=mt.slot,
                    table_id=table_id[mt.table],
                    locked=False,
                    uid=m.uid,  # the same calendar event, moved: its SEQUENCE grows
                    sequence=(m.sequence or 0) + 1,
                    held_by_requester=m.held_by_requester,
                    held_by_requested=m.held_by_requested,
                    outcome=m.outcome,
                    outcome_at=m.outcome_at,
                    intended_investment=m.intended_investment,
                )
            )
        for rid, mt in placed.items():
            if rid not in by_request:
                session.add(
                    FairMeeting(
                        fair_id=fair_id,
                        request_id=rid,
                        slot_id=mt.slot,
                        table_id=table_id[mt.table],
                        locked=False,
                        uid=f"{uuid.uuid4().hex}@haihe",
                    )
                )
        session.flush()
    return ScheduleReport(
        meetings=len(out.meetings),
        weight=out.weight,
        upper_bound=out.upper_bound,
        bound_method=out.bound_method,
        proven_optimal=out.proven_optimal,
        gap=out.gap,
        covered=out.covered,
        coverable=out.coverable,
        mean_idle_gaps=out.mean_idle_gaps,
        kept=len(out.kept),
        moved=len(out.moved),
        removed=len([r for r in by_request if r not in placed]),
        added=len(out.added),
        unscheduled=len(out.unscheduled),
        seconds=out.seconds,
    )


# ------------------------------------------------------------------ on the day and after

OUTCOMES = ("none", "follow_up", "negotiation", "agreement")
AGREEMENT_SIGNED = "fair_agreement_signed"  # (session, principal, meeting_id)


def do_check_in(
    session: Session, principal: scopes.Principal, fair_id: int, participant_id: int
) -> datetime:
    """The participant has arrived (the organiser's desk, or the participant itself).
    Checking in twice keeps the first time."""
    if session.get(Fair, fair_id) is None:
        raise NotFound("fairs.not_found", field="fair_id", fair=fair_id)
    row = _participant(session, fair_id, participant_id)
    if not scopes.can_act_for_participant(principal, fair_id, row.organisation_id):
        raise NotAllowed("fairs.participant_not_allowed")
    if row.checked_in_at is None:
        with _acting(principal):
            row.checked_in_at = _now()
            session.flush()
    return row.checked_in_at


def _meeting(session: Session, meeting_id: int) -> tuple[FairMeeting, MeetingRequest]:
    m = session.get(FairMeeting, meeting_id)
    if m is None:
        raise NotFound("fairs.meeting_unknown", field="meeting", meeting=meeting_id)
    return m, session.get(MeetingRequest, m.request_id)


def _sides(
    session: Session, principal: scopes.Principal, m: FairMeeting, r: MeetingRequest
) -> tuple[bool, bool]:
    """Whether the principal acts for the requester, the requested side (an organiser
    for both); NotAllowed for neither."""
    a = session.get(FairParticipant, r.requester_id)
    b = session.get(FairParticipant, r.requested_id)
    mine = (
        scopes.can_act_for_participant(principal, m.fair_id, a.organisation_id),
        scopes.can_act_for_participant(principal, m.fair_id, b.organisation_id),
    )
    if not any(mine):
        raise NotAllowed("fairs.participant_not_allowed")
    return mine


def meeting_status(m: FairMeeting) -> str | None:
    return queries.meeting_status(m.held_by_requester, m.held_by_requested)


def do_mark_held(
    session: Session,
    principal: scopes.Principal,
    meeting_id: int,
    *,
    held: bool,
    side: str | None = None,
) -> str | None:
    """One side says whether the meeting took place. A participant speaks for its own
    side; an organiser names the side ("requester" / "requested", both when None).
    Returns the meeting's status (held / not_held)."""
    m, r = _meeting(session, meeting_id)
    for_a, for_b = _sides(session, principal, m, r)
    if side not in (None, "requester", "requested"):
        raise InvalidInput("fairs.side_unknown", field="side", value=side)
    if for_a and for_b and side is not None:
        for_a, for_b = side == "requester", side == "requested"
    elif side is not None and not (for_a if side == "requester" else for_b):
        raise NotAllowed("fairs.participant_not_allowed")
    if not held and m.outcome not in (None, "none"):
        raise InvalidInput("fairs.meeting_has_outcome", field="held", meeting=meeting_id)
    with _acting(principal):
        if for_a:
            m.held_by_requester = held
        if for_b:
            m.held_by_requested = held
        session.flush()
    return meeting_status(m)


def do_record_outcome(
    session: Session,
    principal: scopes.Principal,
    meeting_id: int,
    outcome: str,
    *,
    intended_investment: Decimal | str | None = None,
) -> str:
    """What came of a meeting held: none, follow_up, negotiation or agreement (an
    agreement signed then becomes a project through the projects context)."""
    m, r = _meeting(session, meeting_id)
    _sides(session, principal, m, r)
    if outcome not in OUTCOMES:
        raise InvalidInput("fairs.outcome_unknown", field="outcome", value=str(outcome)[:40])
    if meeting_status(m) != "held":
        raise InvalidInput("fairs.outcome_not_held", field="outcome", meeting=meeting_id)
    if m.outcome == "agreement":  # it became a project: that is where it goes on
        raise InvalidInput("fairs.outcome_final", field="outcome", meeting=meeting_id)
    amount = _yuan(intended_investment)
    with _acting(principal):
        m.outcome = outcome
        m.outcome_at = _now()
        m.intended_investment = amount if outcome == "agreement" else None
        session.flush()
        if outcome == "agreement":
            # The projects context makes it a cooperation project (fairs never imports it).
            events.emit(AGREEMENT_SIGNED, session, principal, meeting_id)
    return outcome


def _yuan(value: object) -> Decimal | None:
    """An amount in yuan (a Decimal, a whole number, or its text as people type it:
    5,000,000, 500万, 1.2亿 — the import's reading, registry/values.py), never negative."""
    if value is None or value == "":
        return None
    amount: Decimal | None = None
    try:
        if isinstance(value, str):
            parsed = values.parse_capital(value)
            if parsed is not None and parsed[1] == "CNY":
                amount = parsed[0]
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            amount = Decimal(value)
    except (InvalidOperation, InvalidInput):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 17:
        raise InvalidInput(
            "fairs.investment_invalid", field="intended_investment", value=str(value)[:40]
        )
    return amount.quantize(Decimal("0.01"))
