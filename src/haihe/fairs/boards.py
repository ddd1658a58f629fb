"""Read side of the organiser's and the participants' pages: the fair's slots and tables,
its participants with their representatives and availability, requests with the names
of both sides, and the grid of tables × slots. Plain data; no writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.fairs import queries
from haihe.fairs.models import (
    FairAvailability,
    FairMeeting,
    FairParticipant,
    FairSlot,
    FairTable,
    MeetingRequest,
)
from haihe.fairs.schemas import MeetingView
from haihe.registry import queries as registry_queries


@dataclass(frozen=True)
class SlotRow:
    id: int
    starts_at: datetime
    ends_at: datetime
    meetings: int

    @property
    def label(self) -> str:
        return f"{self.starts_at:%m-%d %H:%M}–{self.ends_at:%H:%M}"


@dataclass(frozen=True)
class ParticipantRow:
    id: int
    organisation_id: int
    name: str
    name_en: str | None
    region_code: str | None
    quota: int | None
    representatives: list[str]
    slot_ids: frozenset[int]
    checked_in_at: datetime | None
    meetings: int

    def title(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class RequestRow:
    id: int
    requester_id: int
    requested_id: int
    requester: str
    requested: str
    priority: int
    mutual: bool
    status: str  # pending, accepted, declined, vetoed, expired, cancelled
    expires_at: datetime | None
    meeting_id: int | None


def slots(session: Session, fair_id: int) -> list[SlotRow]:
    counts = dict(
        session.execute(
            select(FairMeeting.slot_id, func.count())
            .where(FairMeeting.fair_id == fair_id)
            .group_by(FairMeeting.slot_id)
        ).all()
    )
    return [
        SlotRow(s.id, s.starts_at, s.ends_at, counts.get(s.id, 0))
        for s in session.execute(
            select(FairSlot).where(FairSlot.fair_id == fair_id).order_by(FairSlot.starts_at)
        ).scalars()
    ]


def table_numbers(session: Session, fair_id: int) -> list[int]:
    return list(
        session.execute(
            select(FairTable.number).where(FairTable.fair_id == fair_id).order_by(FairTable.number)
        ).scalars()
    )


def participants(session: Session, fair_id: int) -> list[ParticipantRow]:
    """The fair's participants by name."""
    queries.get_fair(session, fair_id)
    rows = session.execute(
        select(FairParticipant).where(FairParticipant.fair_id == fair_id)
    ).scalars()
    people = list(rows)
    avail: dict[int, set[int]] = {p.id: set() for p in people}
    for pid, sid in session.execute(
        select(FairAvailability.participant_id, FairAvailability.slot_id).where(
            FairAvailability.participant_id.in_(list(avail) or [0])
        )
    ):
        avail[pid].add(sid)
    count: dict[int, int] = {}
    for a, b in session.execute(
        select(MeetingRequest.requester_id, MeetingRequest.requested_id)
        .join(FairMeeting, FairMeeting.request_id == MeetingRequest.id)
        .where(FairMeeting.fair_id == fair_id)
    ):
        count[a] = count.get(a, 0) + 1
        count[b] = count.get(b, 0) + 1
    out = []
    for p in people:
        org = registry_queries.get_organisation(session, p.organisation_id)
        out.append(
            ParticipantRow(
                id=p.id,
                organisation_id=p.organisation_id,
                name=org.name,
                name_en=org.name_en,
                region_code=org.region_code,
                quota=p.quota,
                representatives=(p.representatives or "").splitlines(),
                slot_ids=frozenset(avail[p.id]),
                checked_in_at=p.checked_in_at,
                meetings=count.get(p.id, 0),
            )
        )
    return sorted(out, key=lambda r: (r.name, r.id))


def participant(session: Session, fair_id: int, participant_id: int) -> ParticipantRow | None:
    return next((p for p in participants(session, fair_id) if p.id == participant_id), None)


def requests(
    session: Session, fair_id: int, participant_id: int | None = None, lang: str = "zh"
) -> list[RequestRow]:
    """The fair's requests (a participant's own, made or received, when given), newest
    first, with both sides' names and the status as it stands now (expired when past)."""
    names = {p.id: p.title(lang) for p in participants(session, fair_id)}
    q = select(MeetingRequest, FairMeeting.id).outerjoin(
        FairMeeting, FairMeeting.request_id == MeetingRequest.id
    )
    q = q.where(MeetingRequest.fair_id == fair_id)
    if participant_id is not None:
        q = q.where(
            (MeetingRequest.requester_id == participant_id)
            | (MeetingRequest.requested_id == participant_id)
        )
    now = datetime.now(UTC)
    return [
        RequestRow(
            id=r.id,
            requester_id=r.requester_id,
            requested_id=r.requested_id,
            requester=names.get(r.requester_id, ""),
            requested=names.get(r.requested_id, ""),
            priority=r.priority,
            mutual=r.mutual,
            status=queries.effective_status(r.status, r.expires_at, now),
            expires_at=r.expires_at,
            meeting_id=mid,
        )
        for r, mid in session.execute(q.order_by(MeetingRequest.id.desc()))
    ]


@dataclass
class Grid:
    slots: list[SlotRow]
    tables: list[int]
    cells: dict[tuple[int, int], MeetingView] = field(default_factory=dict)
    # per meeting id: the (slot id, table) places it can move to, valid for both sides
    moves: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def grid(session: Session, fair_id: int, tables_per_slot: int = 3) -> Grid:
    """Tables × slots with each meeting in its cell, and for each meeting the places it
    can move to (each slot both sides are free in, with up to a few free tables)."""
    ss = slots(session, fair_id)
    by_start = {s.starts_at: s.id for s in ss}
    tables = table_numbers(session, fair_id)
    g = Grid(ss, tables)
    meetings = queries.list_meetings(session, fair_id)
    busy: dict[int, set[int]] = {}
    for m in meetings:
        sid = by_start[m.starts_at]
        g.cells[(sid, m.table)] = m
        busy.setdefault(m.requester_id, set()).add(sid)
        busy.setdefault(m.requested_id, set()).add(sid)
    avail = {p.id: p.slot_ids for p in participants(session, fair_id)}
    for m in meetings:
        here = by_start[m.starts_at]
        options = []
        for s in ss:
            a_free = s.id in avail.get(m.requester_id, ()) and (
                s.id == here or s.id not in busy.get(m.requester_id, set())
            )
            b_free = s.id in avail.get(m.requested_id, ()) and (
                s.id == here or s.id not in busy.get(m.requested_id, set())
            )
            if not (a_free and b_free):
                continue
            free = [n for n in tables if (s.id, n) not in g.cells]
            if m.table in free:
                free.remove(m.table)
                free.insert(0, m.table)
            options += [(s.id, n) for n in free[:tables_per_slot]]
        g.moves[m.id] = options
    return g


@dataclass(frozen=True)
class Suggestion:
    """A participant Haihe's matching recommends meeting, with the reasons in words."""

    participant: ParticipantRow
    score: float
    reasons: list[str]
    reasons_en: list[str]


def suggested_meetings(
    session: Session,
    principal: object,
    mine: ParticipantRow,
    people: list[ParticipantRow],
    skip: set[int],
    k: int = 8,
) -> list[Suggestion]:
    """The fair's participants that matching recommends to `mine` (its organisation's
    recommended partners, organisations or their listings, kept to those at this fair and
    not in `skip`), best first. Existing partners count too: a fair is where they meet.
    Nothing when the organisation has no words to match by."""
    from haihe.core.errors import HaiheError
    from haihe.matching import queries as matching
    from haihe.matching.ranking import MatchFilters

    at_fair = {p.organisation_id: p for p in people if p.id != mine.id and p.id not in skip}
    if not at_fair:
        return []
    try:
        recs = matching.recommendations(
            session,
            principal,
            "organisation",
            mine.organisation_id,
            MatchFilters(include_existing=True),
            k=150,
        )
    except HaiheError:
        return []
    out: list[Suggestion] = []
    seen: set[int] = set()
    for rec in recs:
        p = at_fair.get(rec.organisation_id)
        if p is None or p.id in seen:
            continue
        seen.add(p.id)
        out.append(Suggestion(p, rec.score, rec.reasons, rec.reasons_en))
        if len(out) >= k:
            break
    return out
