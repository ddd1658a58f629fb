"""The outcome survey months after a fair (the b2match outcome survey): the organiser
opens it (six months after the fair by default), every participant of every meeting held
is asked what came of it since; each answers for its own side, in the app or the API. The
answers join the fair's figures as "six months on".

Writes are do_<verb>_<noun>(session, principal, ...) like service.py (scope checked,
audited, in the caller's transaction); the read side gives plain data.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text
from haihe.fairs import queries
from haihe.fairs.models import Fair, FairParticipant, FairSurvey
from haihe.fairs.schemas import VenueTime
from haihe.fairs.service import OUTCOMES, _acting, _organised

SURVEY_AFTER = timedelta(days=182)  # "six months after the fair"


class SurveyView(BaseModel):
    """One participant's survey of one meeting, as its form and the API show it."""

    model_config = ConfigDict(frozen=True)

    id: int
    fair_id: int
    meeting_id: int
    participant_id: int
    other_id: int  # the participant it met
    other_name: str
    other_name_en: str | None
    starts_at: VenueTime
    table: int
    outcome_on_the_day: str | None
    opened_at: datetime
    outcome: str | None  # None: not answered yet
    note: str | None
    answered_at: datetime | None


class SixMonthsOn(BaseModel):
    """The survey's answers in the fair's figures."""

    model_config = ConfigDict(frozen=True)

    asked: int  # surveys opened (participant × meeting held)
    answered: int
    response_rate: float | None
    meetings_asked: int
    meetings_answered: int  # at least one side answered
    outcomes: dict[str, int]  # per meeting: the furthest outcome either side reports
    agreements: int  # meetings either side reports an agreement signed for
    new_agreements: int  # of those, meetings without an agreement on the day
    went_further: int  # meetings whose reported outcome is further than on the day


def survey_opens_on(fair_ends_on: date) -> date:
    return fair_ends_on + SURVEY_AFTER


def do_open_survey(
    session: Session,
    principal: scopes.Principal,
    fair_id: int,
    *,
    today: date | None = None,
    at: datetime | None = None,
) -> int:
    """Ask every participant of every meeting held what came of it since (the organiser's;
    not before six months after the fair). Opening again asks only about meetings not
    asked yet. Returns how many were asked now."""
    fair = _organised(session, principal, fair_id)
    today = today or date.today()
    opens = survey_opens_on(fair.ends_on)
    if today < opens:
        raise InvalidInput("fairs.survey_too_early", field="fair", opens=opens.isoformat())
    had = set(
        session.execute(
            select(FairSurvey.meeting_id, FairSurvey.participant_id).where(
                FairSurvey.fair_id == fair_id
            )
        ).all()
    )
    when = at or datetime.now(UTC)
    rows = []
    for m in queries.list_meetings(session, fair_id):
        if m.status != "held":
            continue
        for pid in (m.requester_id, m.requested_id):
            if (m.id, pid) not in had:
                rows.append(
                    FairSurvey(fair_id=fair_id, meeting_id=m.id, participant_id=pid, opened_at=when)
                )
    with _acting(principal):
        session.add_all(rows)
        session.flush()
    return len(rows)


def do_answer_survey(
    session: Session,
    principal: scopes.Principal,
    survey_id: int,
    outcome: str,
    *,
    note: str | None = None,
    at: datetime | None = None,
) -> str:
    """The participant says what came of the meeting since (its own survey only; the
    organiser may record it for them). Answering again replaces the answer."""
    row = session.get(FairSurvey, survey_id)
    if row is None:
        raise NotFound("fairs.survey_unknown", field="survey", survey=survey_id)
    me = session.get(FairParticipant, row.participant_id)
    if not scopes.can_act_for_participant(principal, row.fair_id, me.organisation_id):
        raise NotAllowed("fairs.participant_not_allowed")
    if outcome not in OUTCOMES:
        raise InvalidInput("fairs.outcome_unknown", field="outcome", value=str(outcome)[:40])
    text = clean_text(note, "fair.survey_note", where="note") if note is not None else None
    with _acting(principal):
        row.outcome = outcome
        row.note = text or None
        row.answered_at = at or datetime.now(UTC)
        session.flush()
    return outcome


# ---------------------------------------------------------------------------- read side


def list_surveys(
    session: Session, fair_id: int, participant_id: int | None = None
) -> list[SurveyView]:
    """The fair's surveys in meeting time order (a participant's own, when given)."""
    meetings = {m.id: m for m in queries.list_meetings(session, fair_id, participant_id)}
    q = select(FairSurvey).where(FairSurvey.fair_id == fair_id)
    if participant_id is not None:
        q = q.where(FairSurvey.participant_id == participant_id)
    out = []
    for r in session.execute(q).scalars():
        m = meetings.get(r.meeting_id)
        if m is None:
            continue
        mine_is_requester = r.participant_id == m.requester_id
        out.append(
            SurveyView(
                id=r.id,
                fair_id=fair_id,
                meeting_id=m.id,
                participant_id=r.participant_id,
                other_id=m.requested_id if mine_is_requester else m.requester_id,
                other_name=m.requested_name if mine_is_requester else m.requester_name,
                other_name_en=m.requested_name_en if mine_is_requester else m.requester_name_en,
                starts_at=m.starts_at,
                table=m.table,
                outcome_on_the_day=m.outcome,
                opened_at=r.opened_at,
                outcome=r.outcome,
                note=r.note,
                answered_at=r.answered_at,
            )
        )
    out.sort(key=lambda v: (v.starts_at, v.table, v.participant_id))
    return out


def six_months_on(session: Session, fair_id: int) -> SixMonthsOn | None:
    """The survey's answers for the fair's figures; None when no survey was opened."""
    if session.get(Fair, fair_id) is None:
        raise NotFound("fairs.not_found", field="fair_id", fair=fair_id)
    rows = session.execute(
        select(FairSurvey.meeting_id, FairSurvey.outcome).where(FairSurvey.fair_id == fair_id)
    ).all()
    if not rows:
        return None
    day = {m.id: m.outcome for m in queries.list_meetings(session, fair_id)}
    rank = {o: i for i, o in enumerate(OUTCOMES)}
    best: dict[int, str] = {}
    for mid, outcome in rows:
        if outcome is not None and (mid not in best or rank[outcome] > rank[best[mid]]):
            best[mid] = outcome
    answered = sum(o is not None for _m, o in rows)
    agreements = [m for m, o in best.items() if o == "agreement"]
    return SixMonthsOn(
        asked=len(rows),
        answered=answered,
        response_rate=answered / len(rows),
        meetings_asked=len({m for m, _o in rows}),
        meetings_answered=len(best),
        outcomes=dict(sorted(Counter(best.values()).items(), key=lambda kv: rank[kv[0]])),
        agreements=len(agreements),
        new_agreements=sum(day.get(m) != "agreement" for m in agreements),
        went_further=sum(rank[o] > rank.get(day.get(m) or "none", 0) for m, o in best.items()),
    )
