"""The fairs' pages before and after the meetings: the organiser's set-up (registration,
request deadline, slots, tables, participants), a participant registering itself and
editing its registration, the request inbox (send, answer, veto, arrange), a
participant's printable agenda with its "held / not held" marks and outcome forms.

Scope: the organiser (and administrators) see all of their fair; a participant its own
requests and meetings; anyone else 403 for the fair's pages, 404 for another's object.
Pages parse, call one service function and format; a refused write shows the page again
with the reason in words, nothing changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.core.errors import HaiheError, InvalidInput, NotAllowed, NotFound, http_status
from haihe.fairs import agendas, boards, queries, registration, service
from haihe.registry import queries as registry_queries
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]
PRIORITIES = (3, 2, 1)
Q = Annotated[str, Query(max_length=100)]


def who(session: Session, principal: Principal, fair_id: int) -> int | None:
    """None for the organiser; the participant id of the principal's organisation;
    NotAllowed for anyone else (NotFound for no such fair)."""
    queries.get_fair(session, fair_id)
    if scopes.can_organise_fair(principal, fair_id):
        return None
    if principal.role == "enterprise" and principal.organisation_id is not None:
        mine = queries.participant_for(session, fair_id, principal.organisation_id)
        if mine is not None:
            return mine
    raise NotAllowed("fairs.participant_not_allowed")


def organiser(session: Session, principal: Principal, fair_id: int) -> None:
    queries.get_fair(session, fair_id)
    if not scopes.can_organise_fair(principal, fair_id):
        raise NotAllowed("fairs.organise_not_allowed")


def _int(value: str, field: str, key: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(key, field=field, value=value[:20]) from None


def local_to_utc(value: str) -> datetime | None:
    """A datetime-local field in the fair's time (China Standard Time) as UTC."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
        if at.tzinfo is not None:
            raise ValueError
        return at.replace(tzinfo=agendas.FAIR_TZ).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            "fairs.deadline_unreadable", field="requests_expire_at", value=value[:20]
        ) from None


def local(at: datetime | None) -> str:
    """A stored time (UTC) as the fair's local time, for reading."""
    return utc_to_local(at).replace("T", " ")


def utc_to_local(at: datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(agendas.FAIR_TZ).strftime("%Y-%m-%dT%H:%M")


def _refused(request: Request, session: Session, exc: HaiheError, page):  # noqa: ANN001, ANN202
    """The page again, with the reason, after rolling the write back."""
    session.rollback()
    return page(problem=exc.message(request.state.lang), status=http_status(exc, page=True))


# --------------------------------------------------------------------------------- set-up


def _setup(request, session, principal, fair_id, q="", problem=None, status=200):  # noqa: ANN001, ANN202
    organiser(session, principal, fair_id)
    fair = queries.get_fair(session, fair_id)
    found = []
    if q.strip():
        found = registry_queries.search_organisations(
            session, registry_queries.OrganisationFilter(q=q.strip()), page_size=10
        ).items
    people = boards.participants(session, fair_id)
    taken = {p.organisation_id for p in people}
    return render(
        request,
        "fairs/setup.html",
        status_code=status,
        fair=fair,
        slots=boards.slots(session, fair_id),
        tables=len(boards.table_numbers(session, fair_id)),
        people=people,
        found=[o for o in found if o.id not in taken],
        q=q,
        deadline=utc_to_local(fair.requests_expire_at),
        problem=problem,
    )


@router.get("/fairs/{fair_id}/setup", response_class=HTMLResponse)
def setup_page(fair_id: Id, request: Request, session: DB, principal: SignedIn, q: Q = ""):  # noqa: ANN201
    return _setup(request, session, principal, fair_id, q)


def _back_to_setup(fair_id: int) -> RedirectResponse:
    return RedirectResponse(f"/fairs/{fair_id}/setup", status_code=303)


@router.post("/fairs/{fair_id}/options", response_class=HTMLResponse)
def set_options(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    registration_open: Annotated[str, Form(max_length=5)] = "",
    requests_expire_at: Annotated[str, Form(max_length=20)] = "",
):  # noqa: ANN201
    try:
        registration.do_set_fair_options(
            session,
            principal,
            fair_id,
            registration_open=registration_open == "1",
            requests_expire_at=local_to_utc(requests_expire_at),
        )
    except InvalidInput as exc:
        return _refused(
            request, session, exc, lambda **kw: _setup(request, session, principal, fair_id, **kw)
        )
    return _back_to_setup(fair_id)


@router.post("/fairs/{fair_id}/slots", response_class=HTMLResponse)
def plan_slots(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    day: Annotated[str, Form(max_length=10)],
    start: Annotated[str, Form(max_length=5)],
    minutes: Annotated[str, Form(max_length=5)],
    count: Annotated[str, Form(max_length=5)],
    break_minutes: Annotated[str, Form(max_length=5)] = "0",
):  # noqa: ANN201
    try:
        try:
            on = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput("fairs.day_unreadable", field="day", value=day) from None
        try:
            at = time.fromisoformat(start)
        except ValueError:
            raise InvalidInput("fairs.start_unreadable", field="start", value=start) from None
        registration.do_plan_slots(
            session,
            principal,
            fair_id,
            day=on,
            start=at,
            minutes=_int(minutes, "minutes", "fairs.number_unreadable") or 0,
            count=_int(count, "count", "fairs.number_unreadable") or 0,
            break_minutes=_int(break_minutes, "break_minutes", "fairs.number_unreadable") or 0,
        )
    except InvalidInput as exc:
        return _refused(
            request, session, exc, lambda **kw: _setup(request, session, principal, fair_id, **kw)
        )
    return _back_to_setup(fair_id)


@router.post("/fairs/{fair_id}/slots/{slot_id}/remove", response_class=HTMLResponse)
def remove_slot(fair_id: Id, slot_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    try:
        registration.do_remove_slot(session, principal, fair_id, slot_id)
    except InvalidInput as exc:
        return _refused(
            request, session, exc, lambda **kw: _setup(request, session, principal, fair_id, **kw)
        )
    return _back_to_setup(fair_id)


@router.post("/fairs/{fair_id}/tables", response_class=HTMLResponse)
def set_tables(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    tables: Annotated[str, Form(max_length=6)],
):  # noqa: ANN201
    try:
        n = _int(tables, "tables", "fairs.number_unreadable")
        service.do_set_tables(session, principal, fair_id, n or 0)
    except InvalidInput as exc:
        return _refused(
            request, session, exc, lambda **kw: _setup(request, session, principal, fair_id, **kw)
        )
    return _back_to_setup(fair_id)


@router.post("/fairs/{fair_id}/participants", response_class=HTMLResponse)
def add_participant(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    organisation_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    representatives: Annotated[str, Form(max_length=5000)] = "",
    quota: Annotated[str, Form(max_length=6)] = "",
):  # noqa: ANN201
    """The organiser registers an organisation (available in every slot; its own page
    changes that)."""
    try:
        organiser(session, principal, fair_id)
        pid = registration.do_register_participant(
            session,
            principal,
            fair_id,
            organisation_id,
            representatives=representatives,
            quota=_int(quota, "quota", "fairs.quota_unreadable"),
        )
    except (InvalidInput, NotFound) as exc:
        return _refused(
            request, session, exc, lambda **kw: _setup(request, session, principal, fair_id, **kw)
        )
    return RedirectResponse(f"/fairs/{fair_id}/participants/{pid}", status_code=303)


# ---------------------------------------------------------- registration by the participant


def _registration(
    request, session, principal, fair_id, participant_id=None, problem=None, status=200
):  # noqa: ANN001, ANN202, E501
    fair = queries.get_fair(session, fair_id)
    me = None
    if participant_id is not None:
        mine = who(session, principal, fair_id)
        if mine is not None and mine != participant_id:
            raise NotFound(
                "fairs.participant_unknown", field="participant", participant=participant_id
            )
        me = boards.participant(session, fair_id, participant_id)
        if me is None:
            raise NotFound(
                "fairs.participant_unknown", field="participant", participant=participant_id
            )
        org = None
    else:
        if (
            not registration.may_register(session, principal, fair_id)
            or principal.role != "enterprise"
        ):
            raise NotAllowed("fairs.register_not_allowed")
        mine = queries.participant_for(session, fair_id, principal.organisation_id)
        if mine is not None:  # registered already: its registration (and why not again)
            if problem is None:
                return RedirectResponse(f"/fairs/{fair_id}/participants/{mine}", status_code=303)
            return _registration(request, session, principal, fair_id, mine, problem, status)
        org = registry_queries.get_organisation(session, principal.organisation_id)
    return render(
        request,
        "fairs/register.html",
        status_code=status,
        fair=fair,
        participant=me,
        org=org,
        slots=boards.slots(session, fair_id),
        problem=problem,
    )


@router.get("/fairs/{fair_id}/register", response_class=HTMLResponse)
def register_page(fair_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    return _registration(request, session, principal, fair_id)


def _quota(value: str) -> int | None:
    return _int(value, "quota", "fairs.quota_unreadable")


@router.post("/fairs/{fair_id}/register", response_class=HTMLResponse)
def register(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    representatives: Annotated[str, Form(max_length=5000)] = "",
    quota: Annotated[str, Form(max_length=6)] = "",
    slot: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI reads it, never mutated
):  # noqa: ANN201
    try:
        if principal.organisation_id is None:
            raise NotAllowed("fairs.register_not_allowed")
        pid = registration.do_register_participant(
            session,
            principal,
            fair_id,
            principal.organisation_id,
            representatives=representatives,
            slot_ids=slot,
            quota=_quota(quota),
        )
    except InvalidInput as exc:
        return _refused(
            request,
            session,
            exc,
            lambda **kw: _registration(request, session, principal, fair_id, **kw),
        )
    return RedirectResponse(f"/fairs/{fair_id}/participants/{pid}", status_code=303)


@router.get("/fairs/{fair_id}/participants/{participant_id}", response_class=HTMLResponse)
def participant_page(
    fair_id: Id, participant_id: Id, request: Request, session: DB, principal: SignedIn
):  # noqa: ANN201
    return _registration(request, session, principal, fair_id, participant_id)


@router.post("/fairs/{fair_id}/participants/{participant_id}", response_class=HTMLResponse)
def update_participant(
    fair_id: Id,
    participant_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    representatives: Annotated[str, Form(max_length=5000)] = "",
    quota: Annotated[str, Form(max_length=6)] = "",
    slot: Annotated[list[int], Form()] = [],  # noqa: B006
):  # noqa: ANN201
    mine = who(session, principal, fair_id)
    if mine is not None and mine != participant_id:
        raise NotFound("fairs.participant_unknown", field="participant", participant=participant_id)
    try:
        registration.do_update_participant(
            session,
            principal,
            fair_id,
            participant_id,
            representatives=representatives,
            slot_ids=slot,
            quota=_quota(quota),
        )
    except InvalidInput as exc:
        return _refused(
            request,
            session,
            exc,
            lambda **kw: _registration(request, session, principal, fair_id, participant_id, **kw),
        )
    return RedirectResponse(f"/fairs/{fair_id}/participants/{participant_id}", status_code=303)


# ---------------------------------------------------------------------------- the inbox


def _inbox(request, session, principal, fair_id, q="", problem=None, status=200):  # noqa: ANN001, ANN202
    mine = who(session, principal, fair_id)
    lang = request.state.lang
    fair = queries.get_fair(session, fair_id)
    people = boards.participants(session, fair_id)
    rows = boards.requests(session, fair_id, mine, lang)
    needle = q.strip().casefold()
    choices = [
        p
        for p in people
        if p.id != mine
        and (not needle or needle in p.name.casefold() or needle in (p.name_en or "").casefold())
    ]
    asked = {r.requested_id for r in rows if r.requester_id == mine} | {
        r.requester_id for r in rows if r.requested_id == mine
    }
    me = next((p for p in people if p.id == mine), None)
    suggestions = boards.suggested_meetings(session, principal, me, people, asked) if me else []
    return render(
        request,
        "fairs/requests.html",
        status_code=status,
        fair=fair,
        mine=mine,
        suggestions=suggestions,
        people=people,
        choices=[p for p in choices if p.id not in asked][:200],
        incoming=[r for r in rows if mine is not None and r.requested_id == mine and not r.mutual],
        sent=[r for r in rows if mine is not None and r.requester_id == mine and not r.mutual],
        mutual=[r for r in rows if mine is not None and r.mutual],
        every=rows if mine is None else [],
        q=q,
        priorities=PRIORITIES,
        local=local,
        problem=problem,
    )


@router.get("/fairs/{fair_id}/requests", response_class=HTMLResponse)
def requests_page(fair_id: Id, request: Request, session: DB, principal: SignedIn, q: Q = ""):  # noqa: ANN201
    return _inbox(request, session, principal, fair_id, q)


def _back_to_inbox(fair_id: int) -> RedirectResponse:
    return RedirectResponse(f"/fairs/{fair_id}/requests", status_code=303)


def _inbox_refused(request, session, principal, fair_id, exc):  # noqa: ANN001, ANN202
    return _refused(
        request, session, exc, lambda **kw: _inbox(request, session, principal, fair_id, **kw)
    )


@router.post("/fairs/{fair_id}/requests", response_class=HTMLResponse)
def send_request(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    requested_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    priority: Annotated[int, Form(ge=1, le=3)] = 2,
    requester_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
):  # noqa: ANN201
    """A participant asks another for a meeting, as itself (the organiser names the side
    that asks: the request then waits for the other's answer)."""
    mine = who(session, principal, fair_id)
    if mine is None and requester_id is None:
        raise NotAllowed("fairs.participant_not_allowed")
    asking = mine if mine is not None else requester_id
    try:
        service.do_request_meeting(
            session, principal, fair_id, asking, requested_id, priority=priority
        )
    except (InvalidInput, NotFound) as exc:
        return _inbox_refused(request, session, principal, fair_id, exc)
    return _back_to_inbox(fair_id)


@router.post("/fairs/{fair_id}/requests/arrange", response_class=HTMLResponse)
def arrange_request(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    requester_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    requested_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    priority: Annotated[int, Form(ge=1, le=3)] = 2,
):  # noqa: ANN201
    organiser(session, principal, fair_id)
    try:
        registration.do_arrange_request(
            session, principal, fair_id, requester_id, requested_id, priority=priority
        )
    except (InvalidInput, NotFound) as exc:
        return _inbox_refused(request, session, principal, fair_id, exc)
    return _back_to_inbox(fair_id)


def _own_request(
    session: Session, principal: Principal, fair_id: int, request_id: int
) -> int | None:
    mine = who(session, principal, fair_id)
    if not any(r.id == request_id for r in boards.requests(session, fair_id, mine)):
        raise NotFound("fairs.request_unknown", field="request", request=request_id)
    return mine


@router.post("/fairs/{fair_id}/requests/{request_id}/answer", response_class=HTMLResponse)
def answer_request(
    fair_id: Id,
    request_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    accept: Annotated[str, Form(max_length=5)],
):  # noqa: ANN201
    _own_request(session, principal, fair_id, request_id)
    try:
        service.do_answer_request(session, principal, request_id, accept=accept == "1")
    except (InvalidInput, NotAllowed) as exc:
        return _inbox_refused(request, session, principal, fair_id, exc)
    return _back_to_inbox(fair_id)


@router.post("/fairs/{fair_id}/requests/{request_id}/veto", response_class=HTMLResponse)
def veto_request(fair_id: Id, request_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    organiser(session, principal, fair_id)
    _own_request(session, principal, fair_id, request_id)
    try:
        registration.do_veto_request(session, principal, request_id)
    except InvalidInput as exc:
        return _inbox_refused(request, session, principal, fair_id, exc)
    return _back_to_inbox(fair_id)


# ----------------------------------------------------------------------------- the agenda


def _agenda(request, session, principal, fair_id, participant_id, problem=None, status=200):  # noqa: ANN001, ANN202
    mine = who(session, principal, fair_id)
    if mine is not None and mine != participant_id:
        raise NotFound("fairs.participant_unknown", field="participant", participant=participant_id)
    me = boards.participant(session, fair_id, participant_id)
    if me is None:
        raise NotFound("fairs.participant_unknown", field="participant", participant=participant_id)
    lang = request.state.lang
    meetings = queries.list_meetings(session, fair_id, participant_id)
    return render(
        request,
        "fairs/agenda.html",
        status_code=status,
        fair=queries.get_fair(session, fair_id),
        participant=me,
        organiser=mine is None,
        rows=[
            {
                "m": m,
                "other": agendas._other(m, participant_id, lang),
                "side": "requester" if m.requester_id == participant_id else "requested",
                "said": m.held_by_requester
                if m.requester_id == participant_id
                else m.held_by_requested,
            }
            for m in meetings
        ],
        outcomes=service.OUTCOMES,
        problem=problem,
    )


@router.get("/fairs/{fair_id}/agenda/{participant_id}", response_class=HTMLResponse)
def agenda_page(
    fair_id: Id, participant_id: Id, request: Request, session: DB, principal: SignedIn
):  # noqa: ANN201
    return _agenda(request, session, principal, fair_id, participant_id)


def _meeting_of(
    session: Session, principal: Principal, fair_id: int, meeting_id: int, participant_id: int
):  # noqa: ANN202
    mine = who(session, principal, fair_id)
    if mine is not None and mine != participant_id:
        raise NotFound("fairs.participant_unknown", field="participant", participant=participant_id)
    m = next(
        (x for x in queries.list_meetings(session, fair_id, participant_id) if x.id == meeting_id),
        None,
    )
    if m is None:
        raise NotFound("fairs.meeting_unknown", field="meeting", meeting=meeting_id)
    return m


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/held", response_class=HTMLResponse)
def mark_held(
    fair_id: Id,
    meeting_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    participant_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    held: Annotated[str, Form(max_length=5)],
):  # noqa: ANN201
    """One side says whether the meeting took place (the organiser says it for the side
    whose agenda it is)."""
    m = _meeting_of(session, principal, fair_id, meeting_id, participant_id)
    side = "requester" if m.requester_id == participant_id else "requested"
    try:
        service.do_mark_held(session, principal, meeting_id, held=held == "1", side=side)
    except InvalidInput as exc:
        return _refused(
            request,
            session,
            exc,
            lambda **kw: _agenda(request, session, principal, fair_id, participant_id, **kw),
        )
    return RedirectResponse(f"/fairs/{fair_id}/agenda/{participant_id}", status_code=303)


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/outcome", response_class=HTMLResponse)
def record_outcome(
    fair_id: Id,
    meeting_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    participant_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    outcome: Annotated[str, Form(max_length=40)],
    intended_investment: Annotated[str, Form(max_length=40)] = "",
):  # noqa: ANN201
    """What came of the meeting; an agreement signed becomes a project (the projects
    context makes it)."""
    _meeting_of(session, principal, fair_id, meeting_id, participant_id)
    try:
        amount = intended_investment.strip()
        service.do_record_outcome(
            session,
            principal,
            meeting_id,
            outcome,
            intended_investment=str(_wan(amount)) if amount else None,
        )
    except HaiheError as exc:
        if not isinstance(exc, (InvalidInput,)) and not exc.key.startswith("fairs."):
            raise
        return _refused(
            request,
            session,
            exc,
            lambda **kw: _agenda(request, session, principal, fair_id, participant_id, **kw),
        )
    return RedirectResponse(f"/fairs/{fair_id}/agenda/{participant_id}", status_code=303)


def _wan(text: str):  # noqa: ANN202
    """The form asks for 万元 (ten thousand yuan): the amount in yuan."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise InvalidInput(
            "fairs.investment_invalid", field="intended_investment", value=text[:40]
        ) from None
    if not value.is_finite():
        raise InvalidInput("fairs.investment_invalid", field="intended_investment", value=text[:40])
    return value * 10_000
