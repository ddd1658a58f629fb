"""The fairs' part of the source-article demo: the 2023 Beijing–Tianjin industrial-chain
fair the article reports, where hundreds of enterprises met and 44 cooperation projects
(27.1 billion yuan of intended investment) were signed, and the fairs of other years, so
that the projects' trends have sources. Marked as demo data.

The 2023 fair is a fair as the platform runs one: Beijing's research side and Tianjin's
manufacturers on the segments where the chains' complementarity pairs them (chains'
queries), slots and tables, availability and quotas, meeting requests (some mutual, some
declined, some left unanswered until they expired), the schedule the real scheduler makes,
check-in, meetings held and not held (no-shows), outcomes, the article's 44 agreements
signed (the projects' demo makes them the 44 projects, each with its meeting as source)
and, six months on, the outcome survey partly answered.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import queries as chains
from haihe.fairs import service, surveys
from haihe.fairs.models import (
    Fair,
    FairAvailability,
    FairMeeting,
    FairParticipant,
    FairSlot,
    FairSurvey,
    FairTable,
    MeetingRequest,
)

ARTICLE_FAIR_DATE = date(2023, 6, 15)
ARTICLE_AGREEMENTS = 44  # the article: 44 cooperation projects signed at the fair
ARTICLE_INVESTMENT = Decimal("27100000000")  # 27.1 billion yuan of intended investment
DEMO = Principal(role="admin", username="demo")  # who builds the demo
BEIJING, TIANJIN = "110000", "120000"
PER_SEGMENT = 14  # Beijing research and Tianjin making organisations taken per segment pair
TABLES = 80
REQUEST_SHARE = 0.4  # of the complementary pairs, those that ask for a meeting
SCHEDULE_SECONDS = 2.0  # the scheduler's fast setting (an organiser waiting on the button)
LOCAL = timedelta(hours=8)  # Beijing time; slots are local, moments are stored in UTC


@dataclass(frozen=True)
class Agreement:
    """An agreement signed at the fair: the meeting, its Beijing and Tianjin sides, the
    intended investment and the chain they met on (for the projects' demo)."""

    meeting_id: int
    beijing_organisation_id: int
    tianjin_organisation_id: int
    amount: Decimal
    chain: str
    segment: str
    segment_name: str


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute)) - LOCAL


def _amounts(rng: random.Random, n: int, total: Decimal) -> list[Decimal]:
    """n amounts in whole 万元 that add up to `total` exactly."""
    raw = [rng.lognormvariate(0, 0.9) for _ in range(n)]
    scale = total / Decimal(str(sum(raw)))
    out = [(Decimal(str(r)) * scale / 10000).quantize(Decimal(1)) * 10000 for r in raw]
    out[-1] += total - sum(out)
    return out


def complementary_pairs(
    session: Session, per_segment: int = PER_SEGMENT
) -> list[tuple[int, int, str, str]]:
    """(Beijing research organisation, Tianjin making organisation, chain, segment) on every
    segment where the chains' complementarity pairs Beijing's research with Tianjin's
    manufacturing, in chain and segment order."""
    out = []
    for c in chains.all_chains(session):
        for p in chains.complementarity(session, c.definition, with_organisations=per_segment):
            if (p.research_region, p.making_region) != (BEIJING, TIANJIN):
                continue
            for r in p.research_orgs:
                for m in p.making_orgs:
                    if r.id != m.id:
                        out.append((r.id, m.id, c.key, p.segment.id))
    return out


def make_requests(
    s: Session,
    fair_id: int,
    candidates: Iterable[tuple[int, int, int]],
    rng: random.Random,
    *,
    mutual_share: float = 0.25,
    declined_share: float = 0.14,
    unanswered_share: float = 0.18,
    expires_at: datetime | None = None,
) -> dict[str, int]:
    """Meeting requests from candidate pairs (participant, participant, priority), as
    participants make them: a share both sides ask for (mutual, so accepted), of the rest
    some declined, some never answered (they expire at `expires_at`, so they never block a
    slot), the others accepted. Each pair once, whichever side asks. A later step feeds
    the candidates from the recommendations. Written in one go (demo data, as the
    registry's demo writes its organisations); returns the counts by status."""
    counts = {"mutual": 0, "accepted": 0, "declined": 0, "pending": 0}
    rows = []
    seen: set[frozenset[int]] = set()
    for a, b, priority in candidates:
        if a == b or frozenset((a, b)) in seen:
            continue
        seen.add(frozenset((a, b)))
        if rng.random() < 0.5:
            a, b = b, a
        roll = rng.random()
        row = {"fair_id": fair_id, "requester_id": a, "requested_id": b, "priority": priority}
        if roll < mutual_share:
            row |= {"mutual": True, "status": "accepted", "priority": max(priority, 2)}
            counts["mutual"] += 1
        elif roll < mutual_share + unanswered_share:
            row |= {"mutual": False, "status": "pending", "expires_at": expires_at}
            counts["pending"] += 1
        else:
            left = 1 - mutual_share - unanswered_share
            accept = rng.random() >= declined_share / left
            row |= {"mutual": False, "status": "accepted" if accept else "declined"}
            counts["accepted" if accept else "declined"] += 1
        rows.append({"expires_at": None, **row})
    if rows:
        s.execute(insert(MeetingRequest), rows)
    return counts


def _article_fair(s: Session, rng: random.Random, scenario, fair_id: int) -> None:  # noqa: ANN001
    day = ARTICLE_FAIR_DATE
    # 12 slots of 30 minutes on the first day: 9:00–12:00 and 14:00–17:00.
    starts = [datetime.combine(day, time(9)) + timedelta(minutes=30 * i) for i in range(6)]
    starts += [datetime.combine(day, time(14)) + timedelta(minutes=30 * i) for i in range(6)]
    slot_ids = service.do_add_slots(
        s, DEMO, fair_id, [(t, t + timedelta(minutes=25)) for t in starts]
    )
    service.do_set_tables(s, DEMO, fair_id, TABLES)

    pairs = complementary_pairs(s)
    winute = scenario.named.get("winute")
    if winute is not None:  # the article's Tianjin enterprise meets Beijing's security side
        security = [p for p in pairs if p[2] == "cybersecurity" and p[1] != winute]
        for r in list(dict.fromkeys(p[0] for p in security))[:6]:
            pairs.append((r, winute, "cybersecurity", security[0][3]))
    orgs = sorted({o for p in pairs for o in p[:2]})
    # Participants (a fifth free only in the morning or the afternoon, a tenth with a
    # meeting quota), each with one or two representatives.
    rows, free = [], {}
    for org in orgs:
        roll = rng.random()
        free[org] = slot_ids[:6] if roll < 0.1 else slot_ids[6:] if roll < 0.2 else slot_ids
        rows.append(
            {
                "fair_id": fair_id,
                "organisation_id": org,
                "quota": rng.choice((3, 4, 5)) if rng.random() < 0.1 else None,
                "representatives": "\n".join(
                    dict.fromkeys(rng.choice(REPRESENTATIVES) for _ in range(rng.choice((1, 2))))
                ),
            }
        )
    s.execute(insert(FairParticipant), rows)
    rows_by_org = {r["organisation_id"]: r for r in rows}
    participant = dict(
        s.execute(
            select(FairParticipant.organisation_id, FairParticipant.id).where(
                FairParticipant.fair_id == fair_id
            )
        ).all()
    )
    s.execute(
        insert(FairAvailability),
        [{"participant_id": participant[o], "slot_id": t} for o in orgs for t in free[o]],
    )
    # Who asks whom: a share of the complementary pairs, at most as many as a participant
    # has slots for (two thirds of them: so that every accepted request finds a slot and the
    # same requests are scheduled on every build; what follows goes by request, not by
    # the slots the timed search ends with).
    chain_of: dict[frozenset[int], tuple[str, str, int]] = {}
    candidates = []
    load = dict.fromkeys(orgs, 0)
    room = {o: min(len(free[o]) * 2 // 3, rows_by_org[o]["quota"] or 99) for o in orgs}
    for r, m, chain, segment in pairs:
        key = frozenset((participant[r], participant[m]))
        if key in chain_of or (m != winute and rng.random() > REQUEST_SHARE):
            continue
        if load[r] >= room[r] or load[m] >= room[m]:
            continue
        load[r] += 1
        load[m] += 1
        chain_of[key] = (chain, segment, r)
        candidates.append((participant[r], participant[m], rng.choice((1, 2, 2, 2, 3))))
    counts = make_requests(
        s, fair_id, candidates, rng, expires_at=_utc(day - timedelta(days=2), 18)
    )
    # "Schedule all", by the real scheduler (its fast setting); the unanswered expire.
    out = service.do_schedule_fair(
        s, DEMO, fair_id, time_limit=SCHEDULE_SECONDS, seed=scenario.seed
    )
    scenario.counts["fair_schedule_optimal"] = int(out.proven_optimal)
    scenario.counts["fair_unscheduled"] = out.unscheduled
    s.expire_all()

    # On the day: most check in; a meeting with someone absent is not held (a no-show, said
    # by the side that came); a few others did not take place either; a few go unmarked.
    came: dict[int, datetime] = {}
    for org in orgs:
        if rng.random() < 0.96:
            came[participant[org]] = _utc(day, 8) + timedelta(minutes=rng.randrange(90))
    s.execute(update(FairParticipant), [{"id": p, "checked_in_at": t} for p, t in came.items()])
    meetings = s.execute(
        select(FairMeeting.id, MeetingRequest.requester_id, MeetingRequest.requested_id)
        .join(MeetingRequest, MeetingRequest.id == FairMeeting.request_id)
        .where(FairMeeting.fair_id == fair_id)
        .order_by(MeetingRequest.id)
    ).all()
    marks: dict[int, dict] = {}
    held = []
    for mid, a, b in meetings:
        row = marks[mid] = {
            "id": mid,
            "held_by_requester": None,
            "held_by_requested": None,
            "outcome": None,
            "outcome_at": None,
            "intended_investment": None,
        }
        if not (a in came and b in came):
            row["held_by_requester"] = False if a in came else None
            row["held_by_requested"] = False if b in came else None
            continue
        roll = rng.random()
        if roll < 0.03:
            row["held_by_requester"] = row["held_by_requested"] = False
        elif roll >= 0.07:  # else not said
            row["held_by_requester"] = True
            row["held_by_requested"] = True if rng.random() < 0.85 else None
            held.append((mid, a, b))
    # Outcomes: the article's 44 agreements (amounts adding up to 27.1 billion yuan), the
    # rest no further contact, follow-up or negotiation started (a few not said).
    org_of = {pid: org for org, pid in participant.items()}
    signed = rng.sample(held, ARTICLE_AGREEMENTS)
    amounts = _amounts(rng, ARTICLE_AGREEMENTS, ARTICLE_INVESTMENT)
    names = {c.key: c for c in chains.chain_choices(s)}
    agreements = []
    for (mid, a, b), amount in zip(signed, amounts, strict=True):
        chain, segment, bj = chain_of[frozenset((a, b))]
        tj = org_of[b] if org_of[a] == bj else org_of[a]
        marks[mid] |= {"outcome": "agreement", "intended_investment": amount}
        name = names[chain].segment(segment).name_zh
        agreements.append(Agreement(mid, bj, tj, amount, chain, segment, name))
    for mid, _a, _b in held:
        row = marks[mid]
        roll = rng.random()
        if row["outcome"] is None and roll >= 0.1:
            row["outcome"] = "none" if roll < 0.4 else "follow_up" if roll < 0.8 else "negotiation"
        if row["outcome"] is not None:
            row["outcome_at"] = _utc(day, 17, 30) + timedelta(minutes=rng.randrange(120))
    s.execute(update(FairMeeting), list(marks.values()))
    scenario.fair_agreements = agreements

    # Six months on: the organiser opened the survey (every side of every meeting held is
    # asked); most answered, Winute not yet (its user answers in the demo).
    opens = surveys.survey_opens_on(day + timedelta(days=1))
    mine = participant.get(winute)
    asked = []
    for mid, a, b in held:
        for pid in (a, b):
            row = {
                "fair_id": fair_id,
                "meeting_id": mid,
                "participant_id": pid,
                "opened_at": _utc(opens, 10),
                "outcome": None,
                "answered_at": None,
            }
            if pid != mine and rng.random() < 0.6:
                was = marks[mid]["outcome"] or "none"
                row["outcome"] = rng.choices(*LATER[was])[0]
                row["answered_at"] = _utc(opens + timedelta(days=rng.randrange(1, 40)), 11)
            asked.append(row)
    s.execute(insert(FairSurvey), asked)
    s.expire_all()
    scenario.counts["fair_participants"] = len(participant)
    scenario.counts["fair_requests"] = sum(counts.values())
    scenario.counts["fair_meetings"] = len(meetings)
    scenario.counts["fair_agreements"] = len(agreements)


# What a meeting's outcome became six months on: (outcomes, weights) by the day's outcome.
LATER = {
    "none": (("none", "follow_up"), (9, 1)),
    "follow_up": (("none", "follow_up", "negotiation"), (3, 5, 2)),
    "negotiation": (("follow_up", "negotiation", "agreement"), (2, 6, 2)),
    "agreement": (("agreement",), (1,)),
}
REPRESENTATIVES = (
    "王建国",
    "李明",
    "张丽",
    "刘强",
    "陈晓燕",
    "杨帆",
    "赵磊",
    "黄敏",
    "周杰",
    "吴婷",
    "徐峰",
    "孙悦",
)


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        fair = service.do_create_fair(
            s,
            DEMO,
            name="2023京津产业链供需对接会",
            name_en="2023 Beijing–Tianjin Industrial Chain Fair",
            starts_on=ARTICLE_FAIR_DATE,
            ends_on=ARTICLE_FAIR_DATE + timedelta(days=1),
            place="天津滨海新区",
            region="120116",
            description="京津两地数百家企业围绕产业链寻求合作与商机，现场签约合作项目44个。",
            is_demo=True,
        )
        scenario.fairs["article_fair"] = fair.id
        for year in (2022, 2024, 2025):
            other = service.do_create_fair(
                s,
                DEMO,
                name=f"{year}京津冀产业链对接会",
                name_en=f"{year} Beijing–Tianjin–Hebei Industrial Chain Fair",
                starts_on=date(year, 5, 20),
                place="北京" if year % 2 else "天津",
                is_demo=True,
            )
            scenario.fairs[str(year)] = other.id
        s.flush()
        _article_fair(s, rng, scenario, fair.id)
        s.flush()
    scenario.counts["fairs"] = len(scenario.fairs)


def clear(conn: Connection) -> None:
    for table in (
        FairSurvey,
        FairMeeting,
        MeetingRequest,
        FairAvailability,
        FairParticipant,
        FairTable,
        FairSlot,
        Fair,
    ):
        conn.execute(delete(table))
