"""Fairs API, the organiser's desk and registration: the fair's options (registration open,
request deadline), its slots (by length and breaks) and tables, a participant registered
(by the organiser, or by itself while registration is open) or updated, a request added
for two participants or vetoed, a meeting locked, moved or removed.

Scopes as in fairs.api: the fair's organiser (and administrators) run it; a participant
acts only for itself; anyone else 403 for the fair, 404 for another's object."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from haihe.core.errors import NotFound
from haihe.fairs import boards, grid, queries, registration, service
from haihe.fairs.api import _participant_in_scope, _who
from haihe.fairs.schemas import (
    FairPublic,
    MeetingView,
    ParticipantView,
    RequestView,
    VenueTime,
)
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db

router = APIRouter(prefix="/api/v1", tags=["fairs"])
DB = Annotated[Session, Depends(db, scope="function")]
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]
Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)]


class FairOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    registration_open: bool
    requests_expire_at: datetime | None = None  # with its time zone


class SlotPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    start: time
    minutes: int = Field(ge=5, le=240)
    count: int = Field(ge=1, le=48)
    break_minutes: int = Field(default=0, ge=0, le=240)


class SlotOut(BaseModel):
    id: int
    starts_at: VenueTime
    ends_at: VenueTime
    meetings: int


class SlotList(BaseModel):
    items: list[SlotOut]
    total: int


class TableCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0, le=10_000)


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: DbId
    representatives: Names = []
    slot_ids: Annotated[list[DbId], Field(max_length=500)] | None = None  # None: every slot
    quota: int | None = Field(default=None, ge=0, le=1000)


class RegistrationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    representatives: Names = []
    slot_ids: Annotated[list[DbId], Field(max_length=500)]
    quota: int | None = Field(default=None, ge=0, le=1000)


class Arranged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requester_id: DbId
    requested_id: DbId
    priority: int = Field(default=2, ge=1, le=3)


class Lock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locked: bool


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: DbId
    table: int = Field(ge=1, le=10_000)


class Registered(BaseModel):
    participant: ParticipantView
    representatives: list[str]
    slot_ids: list[int]


def _registered(session: Session, fair_id: int, participant_id: int) -> Registered:
    row = boards.participant(session, fair_id, participant_id)
    return Registered(
        participant=queries.participant_of(session, fair_id, participant_id),
        representatives=row.representatives,
        slot_ids=sorted(row.slot_ids),
    )


@router.patch("/fairs/{fair_id}", response_model=FairPublic)
def set_options(fair_id: Id, body: FairOptions, session: DB, principal: Writer) -> FairPublic:
    registration.do_set_fair_options(
        session,
        principal,
        fair_id,
        registration_open=body.registration_open,
        requests_expire_at=body.requests_expire_at,
    )
    return queries.get_fair(session, fair_id)


@router.get("/fairs/{fair_id}/slots", response_model=SlotList)
def list_slots(fair_id: Id, session: DB, principal: SignedIn) -> SlotList:
    """The fair's slots (to its organiser and participants)."""
    _who(session, principal, fair_id)
    items = [
        SlotOut(id=s.id, starts_at=s.starts_at, ends_at=s.ends_at, meetings=s.meetings)
        for s in boards.slots(session, fair_id)
    ]
    return SlotList(items=items, total=len(items))


@router.post("/fairs/{fair_id}/slots", response_model=SlotList, status_code=201)
def plan_slots(fair_id: Id, body: SlotPlan, session: DB, principal: Writer) -> SlotList:
    ids = registration.do_plan_slots(
        session,
        principal,
        fair_id,
        day=body.day,
        start=body.start,
        minutes=body.minutes,
        count=body.count,
        break_minutes=body.break_minutes,
    )
    items = [
        SlotOut(id=s.id, starts_at=s.starts_at, ends_at=s.ends_at, meetings=s.meetings)
        for s in boards.slots(session, fair_id)
        if s.id in ids
    ]
    return SlotList(items=items, total=len(items))


@router.put("/fairs/{fair_id}/tables", response_model=TableCount)
def set_tables(fair_id: Id, body: TableCount, session: DB, principal: Writer) -> TableCount:
    return TableCount(count=service.do_set_tables(session, principal, fair_id, body.count))


@router.post("/fairs/{fair_id}/participants", response_model=Registered, status_code=201)
def register(fair_id: Id, body: Registration, session: DB, principal: Writer) -> Registered:
    """The organiser registers an organisation; an enterprise user its own, while the
    fair's registration is open."""
    pid = registration.do_register_participant(
        session,
        principal,
        fair_id,
        body.organisation_id,
        representatives=body.representatives,
        slot_ids=body.slot_ids,
        quota=body.quota,
    )
    return _registered(session, fair_id, pid)


@router.put("/fairs/{fair_id}/participants/{participant_id}", response_model=Registered)
def update_registration(
    fair_id: Id, participant_id: Id, body: RegistrationUpdate, session: DB, principal: Writer
) -> Registered:
    _participant_in_scope(session, principal, fair_id, participant_id)
    registration.do_update_participant(
        session,
        principal,
        fair_id,
        participant_id,
        representatives=body.representatives,
        slot_ids=body.slot_ids,
        quota=body.quota,
    )
    return _registered(session, fair_id, participant_id)


def _request(session: Session, fair_id: int, request_id: int) -> RequestView:
    return next(r for r in queries.list_requests(session, fair_id) if r.id == request_id)


@router.post("/fairs/{fair_id}/requests/arrange", response_model=RequestView, status_code=201)
def arrange(fair_id: Id, body: Arranged, session: DB, principal: Writer) -> RequestView:
    """The organiser adds an accepted request for two participants."""
    rid = registration.do_arrange_request(
        session, principal, fair_id, body.requester_id, body.requested_id, priority=body.priority
    )
    return _request(session, fair_id, rid)


@router.post("/fairs/{fair_id}/requests/{request_id}/veto", response_model=RequestView)
def veto(fair_id: Id, request_id: Id, session: DB, principal: Writer) -> RequestView:
    who = _who(session, principal, fair_id)
    if not any(r.id == request_id for r in queries.list_requests(session, fair_id, who)):
        raise NotFound("fairs.request_unknown", field="request", request=request_id)
    registration.do_veto_request(session, principal, request_id)
    return _request(session, fair_id, request_id)


def _meeting(session: Session, fair_id: int, meeting_id: int) -> MeetingView:
    return queries.get_meeting(session, meeting_id)


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/lock", response_model=MeetingView)
def lock(fair_id: Id, meeting_id: Id, body: Lock, session: DB, principal: Writer) -> MeetingView:
    grid.do_lock_meeting(session, principal, fair_id, meeting_id, locked=body.locked)
    return _meeting(session, fair_id, meeting_id)


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/move", response_model=MeetingView)
def move(fair_id: Id, meeting_id: Id, body: Place, session: DB, principal: Writer) -> MeetingView:
    """To a slot and table valid for both sides (422 saying why not); it is then locked."""
    grid.do_move_meeting(
        session, principal, fair_id, meeting_id, slot_id=body.slot_id, table=body.table
    )
    return _meeting(session, fair_id, meeting_id)


@router.delete("/fairs/{fair_id}/meetings/{meeting_id}", status_code=204)
def remove(fair_id: Id, meeting_id: Id, session: DB, principal: Writer) -> Response:
    """The meeting goes; its request is cancelled."""
    grid.do_remove_meeting(session, principal, fair_id, meeting_id)
    return Response(status_code=204)
