"""The organiser's grid of tables × slots: a meeting locked or unlocked, moved to a free
slot and table valid for both sides (a refused move says in words why), removed; and
"schedule all" saying what it did, what moved and who got no meeting.

Each write is do_<verb>_<noun>(session, principal, ...): scope checked, one transaction
(the caller's), audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core.errors import InvalidInput, NotFound
from haihe.fairs import service
from haihe.fairs.models import (
    FairAvailability,
    FairMeeting,
    FairParticipant,
    FairSlot,
    FairTable,
    MeetingRequest,
)
from haihe.registry import queries as registry_queries


def _organised_meeting(
    session: Session, principal: scopes.Principal, fair_id: int, meeting_id: int
) -> tuple[FairMeeting, MeetingRequest]:
    service._organised(session, principal, fair_id)
    m = session.get(FairMeeting, meeting_id)
    if m is None or m.fair_id != fair_id:
        raise NotFound("fairs.meeting_unknown", field="meeting", meeting=meeting_id)
    return m, session.get(MeetingRequest, m.request_id)


def do_lock_meeting(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    meeting_id: int,
    *,
    locked: bool,
) -> bool:
    """A locked meeting stays where it is when "schedule all" runs again."""
    m, _r = _organised_meeting(session, principal, fair_id, meeting_id)
    with service._acting(principal):
        m.locked = bool(locked)
        session.flush()
    return m.locked


def _name(session: Session, participant_id: int) -> str:
    p = session.get(FairParticipant, participant_id)
    return registry_queries.get_organisation(session, p.organisation_id).name


def do_move_meeting(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    meeting_id: int,
    *,
    slot_id: int,
    table: int,
) -> None:
    """The meeting goes to that slot and table, if both sides are free then (available,
    no other meeting) and the table is free. A moved meeting is locked (schedule all keeps
    it there) and its calendar event updates (same UID, SEQUENCE + 1)."""
    m, r = _organised_meeting(session, principal, fair_id, meeting_id)
    if service._marked(m):
        raise InvalidInput("fairs.move_marked", field="meeting", meeting=meeting_id)
    slot = session.get(FairSlot, slot_id)
    if slot is None or slot.fair_id != fair_id:
        raise InvalidInput("fairs.move_slot_unknown", field="slot_id", slot=slot_id)
    at = f"{slot.starts_at:%m-%d %H:%M}"
    row = session.execute(
        select(FairTable).where(FairTable.fair_id == fair_id, FairTable.number == table)
    ).scalar_one_or_none()
    if row is None:
        raise InvalidInput("fairs.move_table_unknown", field="table", table=table)
    if (m.slot_id, m.table_id) == (slot_id, row.id):
        return
    taken = session.execute(
        select(FairMeeting).where(FairMeeting.slot_id == slot_id, FairMeeting.table_id == row.id)
    ).scalar_one_or_none()
    if taken is not None:
        other = session.get(MeetingRequest, taken.request_id)
        raise InvalidInput(
            "fairs.move_table_taken",
            field="table",
            table=table,
            at=at,
            a=_name(session, other.requester_id),
            b=_name(session, other.requested_id),
        )
    for side in (r.requester_id, r.requested_id):
        free = session.execute(
            select(FairAvailability).where(
                FairAvailability.participant_id == side, FairAvailability.slot_id == slot_id
            )
        ).first()
        if not free:
            raise InvalidInput(
                "fairs.move_unavailable", field="slot_id", who=_name(session, side), at=at
            )
    for side in (r.requester_id, r.requested_id):
        clash = session.execute(
            select(FairMeeting.id, FairTable.number)
            .join(MeetingRequest, MeetingRequest.id == FairMeeting.request_id)
            .join(FairTable, FairTable.id == FairMeeting.table_id)
            .where(
                FairMeeting.slot_id == slot_id,
                FairMeeting.id != m.id,
                (MeetingRequest.requester_id == side) | (MeetingRequest.requested_id == side),
            )
        ).first()
        if clash:
            raise InvalidInput(
                "fairs.move_busy",
                field="slot_id",
                who=_name(session, side),
                at=at,
                table=clash[1],
            )
    with service._acting(principal):
        m.slot_id = slot_id
        m.table_id = row.id
        m.sequence = (m.sequence or 0) + 1
        m.locked = True
        session.flush()


def do_remove_meeting(
    session: Session, principal: scopes.Principal, fair_id: int, meeting_id: int
) -> None:
    """The meeting goes and its request is cancelled (schedule all does not put it back).
    A meeting someone marked held or not, or gave an outcome, stays (it is history)."""
    m, r = _organised_meeting(session, principal, fair_id, meeting_id)
    if service._marked(m):
        raise InvalidInput("fairs.meeting_marked", field="meeting", meeting=meeting_id)
    with service._acting(principal):
        session.delete(m)
        r.status = "cancelled"
        session.flush()


# ---------------------------------------------------------------------------- schedule all


@dataclass(frozen=True)
class Move:
    request_id: int
    requester_id: int
    requested_id: int
    before: tuple[int, int] | None  # (slot id, table number); None: new
    after: tuple[int, int] | None  # None: removed


@dataclass(frozen=True)
class ScheduleOutcome:
    report: service.ScheduleReport
    moves: list[Move]  # meetings that moved or went (the new ones are in report.added)
    without_meeting: list[int]  # participants with an accepted request and no meeting


def _placed(session: Session, fair_id: int) -> dict[int, tuple[int, int, int, int]]:
    """request id → (slot id, table number, requester, requested)."""
    return {
        rid: (sid, number, a, b)
        for rid, sid, number, a, b in session.execute(
            select(
                FairMeeting.request_id,
                FairMeeting.slot_id,
                FairTable.number,
                MeetingRequest.requester_id,
                MeetingRequest.requested_id,
            )
            .join(FairTable, FairTable.id == FairMeeting.table_id)
            .join(MeetingRequest, MeetingRequest.id == FairMeeting.request_id)
            .where(FairMeeting.fair_id == fair_id)
        )
    }


def without_meeting(session: Session, fair_id: int) -> list[int]:
    """Participants who have an accepted request but no meeting."""
    accepted = session.execute(
        select(MeetingRequest.requester_id, MeetingRequest.requested_id).where(
            MeetingRequest.fair_id == fair_id, MeetingRequest.status == "accepted"
        )
    ).all()
    wanting = {x for pair in accepted for x in pair}
    meeting = {x for v in _placed(session, fair_id).values() for x in v[2:]}
    return sorted(wanting - meeting)


def do_schedule_all(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    *,
    time_limit: float = 5.0,
) -> ScheduleOutcome:
    """ "Schedule all" (fairs.service.do_schedule_fair: locked meetings kept, every meeting
    that can stay stays) and what it changed, meeting by meeting."""
    service._organised(session, principal, fair_id)
    before = _placed(session, fair_id)
    report = service.do_schedule_fair(session, principal, fair_id, time_limit=time_limit)
    after = _placed(session, fair_id)
    moves = []
    for rid, (sid, number, a, b) in sorted(before.items()):
        now = after.get(rid)
        if now is None:
            moves.append(Move(rid, a, b, (sid, number), None))
        elif now[:2] != (sid, number):
            moves.append(Move(rid, a, b, (sid, number), now[:2]))
    return ScheduleOutcome(report, moves, without_meeting(session, fair_id))
