"""Fairs API: /api/v1/fairs (the list) and, per fair, its participants, meeting requests
(make, answer), "schedule all" (organiser only), meetings, a participant's agenda (JSON and
.ics), check-in, a meeting held or not, its outcome, and the fair's figures.

Scopes (accounts.scopes): the fair's organiser (and administrators) see and run all of
their fair; a participant's users see only their own requests, meetings and agenda, and
act only for their own participant; anyone else gets 403 for a fair's lists and 404 for
an object of another fair or another participant (its existence is not leaked)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.core import importing, uploads
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.fairs import agendas, figures, imports, queries, service, surveys
from haihe.fairs.schemas import FairList, MeetingView, ParticipantView, RequestView
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db

router = APIRouter(prefix="/api/v1", tags=["fairs"])
DB = Annotated[Session, Depends(db, scope="function")]
Lang = Annotated[Literal["zh", "en"] | None, Query()]


class RequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requester_id: int = Field(ge=1, le=2_147_483_647)
    requested_id: int = Field(ge=1, le=2_147_483_647)
    priority: int = Field(default=2, ge=1, le=3)
    expires_at: datetime | None = None


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool


class ScheduleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit: float = Field(default=5.0, gt=0, le=300)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class ScheduleResult(BaseModel):
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


class HeldMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held: bool
    side: Literal["requester", "requested"] | None = None  # an organiser's choice


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(max_length=40)
    intended_investment: str | None = Field(default=None, max_length=40)


class ParticipantList(BaseModel):
    items: list[ParticipantView]
    total: int


class RequestList(BaseModel):
    items: list[RequestView]
    total: int


class MeetingList(BaseModel):
    items: list[MeetingView]
    total: int


class Agenda(BaseModel):
    participant: ParticipantView
    meetings: list[MeetingView]
    text: str


class CheckedIn(BaseModel):
    participant_id: int
    checked_in_at: datetime


class MeetingState(BaseModel):
    meeting: MeetingView


def _lang(request: Request, lang: str | None) -> str:
    return lang or getattr(request.state, "lang", "zh")


def _mine(session: Session, principal: Principal, fair_id: int) -> int | None:
    """The participant the principal's organisation is at this fair, if any."""
    if principal.role != "enterprise" or principal.organisation_id is None:
        return None
    return queries.participant_for(session, fair_id, principal.organisation_id)


def _who(session: Session, principal: Principal, fair_id: int) -> int | None:
    """None for the organiser (sees all); the participant id for a participant; NotAllowed
    for anyone else."""
    queries.get_fair(session, fair_id)  # NotFound
    if scopes.can_organise_fair(principal, fair_id):
        return None
    mine = _mine(session, principal, fair_id)
    if mine is None:
        raise NotAllowed("fairs.participant_not_allowed")
    return mine


def _participant_in_scope(
    session: Session, principal: Principal, fair_id: int, participant_id: int
) -> ParticipantView:
    who = _who(session, principal, fair_id)
    if who is not None and who != participant_id:
        raise NotFound("fairs.participant_unknown", field="participant", participant=participant_id)
    return queries.participant_of(session, fair_id, participant_id)


def _meeting_in_scope(
    session: Session, principal: Principal, fair_id: int, meeting_id: int
) -> MeetingView:
    who = _who(session, principal, fair_id)
    try:
        m = queries.get_meeting(session, meeting_id)
    except NotFound:
        m = None
    if (
        m is None
        or m.fair_id != fair_id
        or (who is not None and who not in (m.requester_id, m.requested_id))
    ):
        raise NotFound("fairs.meeting_unknown", field="meeting", meeting=meeting_id)
    return m


@router.get("/fairs", response_model=FairList)
def list_fairs(session: DB) -> FairList:
    items = queries.list_fairs(session)
    return FairList(items=items, total=len(items))


@router.get("/fairs/{fair_id}/participants", response_model=ParticipantList)
def list_participants(fair_id: Id, session: DB, principal: SignedIn) -> ParticipantList:
    """The fair's participants (to its organiser and to its participants, who choose whom
    to ask for a meeting from it)."""
    _who(session, principal, fair_id)
    items = queries.list_participants(session, fair_id)
    return ParticipantList(items=items, total=len(items))


@router.get("/fairs/{fair_id}/requests", response_model=RequestList)
def list_requests(fair_id: Id, session: DB, principal: SignedIn) -> RequestList:
    """All the fair's requests to its organiser; a participant's own (made or received)."""
    who = _who(session, principal, fair_id)
    items = queries.list_requests(session, fair_id, who)
    return RequestList(items=items, total=len(items))


@router.post("/fairs/{fair_id}/requests", response_model=RequestView, status_code=201)
def make_request(fair_id: Id, body: RequestCreate, session: DB, principal: Writer) -> RequestView:
    rid = service.do_request_meeting(
        session,
        principal,
        fair_id,
        body.requester_id,
        body.requested_id,
        priority=body.priority,
        expires_at=body.expires_at,
    )
    return next(r for r in queries.list_requests(session, fair_id) if r.id == rid)


@router.post("/fairs/{fair_id}/requests/{request_id}/answer", response_model=RequestView)
def answer_request(
    fair_id: Id, request_id: Id, body: Answer, session: DB, principal: Writer
) -> RequestView:
    who = _who(session, principal, fair_id)
    found = [r for r in queries.list_requests(session, fair_id, who) if r.id == request_id]
    if not found:
        raise NotFound("fairs.request_unknown", field="request", request=request_id)
    service.do_answer_request(session, principal, request_id, accept=body.accept)
    return next(r for r in queries.list_requests(session, fair_id) if r.id == request_id)


@router.post("/fairs/{fair_id}/schedule", response_model=ScheduleResult)
def schedule(
    fair_id: Id, session: DB, principal: Writer, body: ScheduleOptions | None = None
) -> ScheduleResult:
    """ "Schedule all": the organiser's (administrators too)."""
    body = body or ScheduleOptions()
    out = service.do_schedule_fair(
        session, principal, fair_id, time_limit=body.time_limit, seed=body.seed
    )
    return ScheduleResult.model_validate(out, from_attributes=True)


@router.get("/fairs/{fair_id}/meetings", response_model=MeetingList)
def list_meetings(fair_id: Id, session: DB, principal: SignedIn) -> MeetingList:
    who = _who(session, principal, fair_id)
    items = queries.list_meetings(session, fair_id, who)
    return MeetingList(items=items, total=len(items))


@router.get("/fairs/{fair_id}/participants/{participant_id}/agenda", response_model=Agenda)
def agenda(
    request: Request,
    fair_id: Id,
    participant_id: Id,
    session: DB,
    principal: SignedIn,
    lang: Lang = None,
) -> Agenda:
    me = _participant_in_scope(session, principal, fair_id, participant_id)
    return Agenda(
        participant=me,
        meetings=queries.list_meetings(session, fair_id, participant_id),
        text=agendas.participant_agenda(session, fair_id, participant_id, _lang(request, lang)),
    )


@router.get("/fairs/{fair_id}/participants/{participant_id}/agenda.ics")
def agenda_ics(
    request: Request,
    fair_id: Id,
    participant_id: Id,
    session: DB,
    principal: SignedIn,
    lang: Lang = None,
) -> Response:
    _participant_in_scope(session, principal, fair_id, participant_id)
    data = agendas.participant_ics(session, fair_id, participant_id, _lang(request, lang))
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="fair-{fair_id}-{participant_id}.ics"'
        },
    )


@router.post("/fairs/{fair_id}/participants/{participant_id}/check-in", response_model=CheckedIn)
def check_in(fair_id: Id, participant_id: Id, session: DB, principal: Writer) -> CheckedIn:
    _participant_in_scope(session, principal, fair_id, participant_id)
    at = service.do_check_in(session, principal, fair_id, participant_id)
    return CheckedIn(participant_id=participant_id, checked_in_at=at)


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/held", response_model=MeetingState)
def mark_held(
    fair_id: Id, meeting_id: Id, body: HeldMark, session: DB, principal: Writer
) -> MeetingState:
    _meeting_in_scope(session, principal, fair_id, meeting_id)
    service.do_mark_held(session, principal, meeting_id, held=body.held, side=body.side)
    return MeetingState(meeting=queries.get_meeting(session, meeting_id))


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/outcome", response_model=MeetingState)
def record_outcome(
    fair_id: Id, meeting_id: Id, body: OutcomeIn, session: DB, principal: Writer
) -> MeetingState:
    """What came of a meeting held; an agreement signed becomes a project credited to the
    fair (the projects context makes it)."""
    _meeting_in_scope(session, principal, fair_id, meeting_id)
    service.do_record_outcome(
        session, principal, meeting_id, body.outcome, intended_investment=body.intended_investment
    )
    return MeetingState(meeting=queries.get_meeting(session, meeting_id))


@router.get("/fairs/{fair_id}/figures", response_model=figures.FairFigures)
def fair_figures(
    request: Request, fair_id: Id, session: DB, lang: Lang = None
) -> figures.FairFigures:
    """The fair's figures (published, like the dashboard's): participants by region,
    requests, acceptance rate, meetings scheduled and held, no-shows, agreements, intended
    investment, per chain."""
    return figures.fair_figures(session, fair_id, _lang(request, lang))


# ------------------------------------------------------ import, the survey six months on


class ImportRowError(BaseModel):
    row: int
    column: str
    value: str
    key: str
    message: str


class ImportResult(BaseModel):
    committed: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    bad: int
    problem: str | None = None  # a problem with the whole file
    errors: list[ImportRowError]


class SurveyList(BaseModel):
    items: list[surveys.SurveyView]
    total: int


class SurveyOpened(BaseModel):
    opened: int
    total: int


class SurveyAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=2_000)


def import_result(report, lang: str) -> ImportResult:  # noqa: ANN001
    return ImportResult(
        committed=report.committed,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        bad=report.bad,
        problem=report.file_problem.message(lang) if report.file_problem else None,
        errors=[
            ImportRowError(
                row=e.row,
                column=e.where,
                value=e.value[:60],
                key=e.problem.key,
                message=e.message(lang),
            )
            for e in report.errors
        ],
    )


@router.post("/fairs/{fair_id}/import/{kind}", response_model=ImportResult)
def import_file(
    request: Request,
    fair_id: Id,
    kind: Literal["participants", "requests"],
    file: Annotated[UploadFile, File()],
    session: DB,
    principal: Writer,
    lang: Lang = None,
) -> Response:
    """The organiser's import of participants or requests (.xlsx or .csv): all or
    nothing; 200 when committed, 400 with each row, column and reason when not."""
    queries.get_fair(session, fair_id)
    if not scopes.can_organise_fair(principal, fair_id):
        raise NotAllowed("fairs.organise_not_allowed")  # before the upload is stored
    name = Path(file.filename or "upload.xlsx").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInput("file.unsupported", field="file", suffix=suffix[:10] or name[:40])
    engine = request.app.state.engine
    upload = uploads.store(file.file, name, principal.user_id, engine)
    try:
        with importing.import_slot(engine, principal.username or "?", name):
            report = imports.do_import(engine, principal, fair_id, kind, upload.path)
    finally:
        upload.discard()
    out = import_result(report, _lang(request, lang))
    return Response(
        out.model_dump_json(),
        status_code=200 if report.committed else 400,
        media_type="application/json",
    )


@router.get("/fairs/{fair_id}/survey", response_model=SurveyList)
def list_surveys(fair_id: Id, session: DB, principal: SignedIn) -> SurveyList:
    """The six-month survey: all of it to the organiser; a participant's own questions."""
    who = _who(session, principal, fair_id)
    items = surveys.list_surveys(session, fair_id, who)
    return SurveyList(items=items, total=len(items))


@router.post("/fairs/{fair_id}/survey", response_model=SurveyOpened)
def open_survey(fair_id: Id, session: DB, principal: Writer) -> SurveyOpened:
    """The organiser opens the survey (six months after the fair)."""
    n = surveys.do_open_survey(session, principal, fair_id)
    return SurveyOpened(opened=n, total=len(surveys.list_surveys(session, fair_id)))


@router.post("/fairs/{fair_id}/survey/{survey_id}", response_model=surveys.SurveyView)
def answer_survey(
    fair_id: Id, survey_id: Id, body: SurveyAnswer, session: DB, principal: Writer
) -> surveys.SurveyView:
    """A participant answers its own question (the organiser may record it for them)."""
    who = _who(session, principal, fair_id)
    found = [v for v in surveys.list_surveys(session, fair_id, who) if v.id == survey_id]
    if not found:
        raise NotFound("fairs.survey_unknown", field="survey", survey=survey_id)
    surveys.do_answer_survey(session, principal, survey_id, body.outcome, note=body.note)
    return next(v for v in surveys.list_surveys(session, fair_id, who) if v.id == survey_id)
