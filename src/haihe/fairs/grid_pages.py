"""The organiser's pages of the day: the grid of tables × slots (lock, move, remove,
"schedule all" with its summary), the whole fair's timetable, each table's door sheet, and
the check-in list. All of them the fair's organiser's (and administrators') only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from haihe.core.errors import InvalidInput, NotFound
from haihe.fairs import boards, grid, queries, service
from haihe.fairs.inbox_pages import _refused, local, organiser
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]


def bound_key(how: str) -> str:
    """How the upper bound was proven, in words a user reads (the scheduler's own text
    names the solvers)."""
    for prefix, key in (
        ("degree", "fairs.bound_degree"),
        ("slot LP", "fairs.bound_slot"),
        ("b-matching", "fairs.bound_matching"),
        ("slot model", "fairs.bound_mip"),
    ):
        if how.startswith(prefix):
            return key
    return "fairs.bound_other"


def _grid(request, session, principal, fair_id, problem=None, status=200, outcome=None):  # noqa: ANN001, ANN202
    organiser(session, principal, fair_id)
    lang = request.state.lang
    g = boards.grid(session, fair_id)
    people = {p.id: p for p in boards.participants(session, fair_id)}
    slot_label = {s.id: s.label for s in g.slots}
    without = grid.without_meeting(session, fair_id)
    return render(
        request,
        "fairs/grid.html",
        status_code=status,
        fair=queries.get_fair(session, fair_id),
        g=g,
        slot_label=slot_label,
        names={pid: p.title(lang) for pid, p in people.items()},
        without=[people[p] for p in without],
        outcome=outcome,
        bound_key=bound_key,
        problem=problem,
    )


@router.get("/fairs/{fair_id}/grid", response_class=HTMLResponse)
def grid_page(fair_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    return _grid(request, session, principal, fair_id)


def _grid_refused(request, session, principal, fair_id, exc):  # noqa: ANN001, ANN202
    return _refused(
        request, session, exc, lambda **kw: _grid(request, session, principal, fair_id, **kw)
    )


def _back(fair_id: int, meeting_id: int | None = None) -> RedirectResponse:
    anchor = f"#meeting-{meeting_id}" if meeting_id else ""
    return RedirectResponse(f"/fairs/{fair_id}/grid{anchor}", status_code=303)


@router.post("/fairs/{fair_id}/schedule", response_class=HTMLResponse)
def schedule_all(fair_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    """ "Schedule all": the grid again with what it did (the page says it, no redirect)."""
    organiser(session, principal, fair_id)
    try:
        outcome = grid.do_schedule_all(session, principal, fair_id, time_limit=5.0)
    except InvalidInput as exc:
        return _grid_refused(request, session, principal, fair_id, exc)
    return _grid(request, session, principal, fair_id, outcome=outcome)


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/lock", response_class=HTMLResponse)
def lock_meeting(
    fair_id: Id,
    meeting_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    locked: Annotated[str, Form(max_length=5)],
):  # noqa: ANN201
    grid.do_lock_meeting(session, principal, fair_id, meeting_id, locked=locked == "1")
    return _back(fair_id, meeting_id)


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/move", response_class=HTMLResponse)
def move_meeting(
    fair_id: Id,
    meeting_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    place: Annotated[str, Form(max_length=30)],
):  # noqa: ANN201
    """`place` is "<slot id>:<table number>" (the grid offers the free ones)."""
    organiser(session, principal, fair_id)
    try:
        try:
            slot_id, table = (int(x) for x in place.split(":", 1))
        except ValueError:
            raise InvalidInput(
                "fairs.move_place_unreadable", field="place", value=place[:30]
            ) from None
        grid.do_move_meeting(session, principal, fair_id, meeting_id, slot_id=slot_id, table=table)
    except InvalidInput as exc:
        return _grid_refused(request, session, principal, fair_id, exc)
    return _back(fair_id, meeting_id)


@router.post("/fairs/{fair_id}/meetings/{meeting_id}/remove", response_class=HTMLResponse)
def remove_meeting(fair_id: Id, meeting_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    try:
        grid.do_remove_meeting(session, principal, fair_id, meeting_id)
    except InvalidInput as exc:
        return _grid_refused(request, session, principal, fair_id, exc)
    return _back(fair_id)


# --------------------------------------------------------------------- printed sheets


@router.get("/fairs/{fair_id}/timetable", response_class=HTMLResponse)
def timetable_page(fair_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    organiser(session, principal, fair_id)
    meetings = queries.list_meetings(session, fair_id)
    by_slot: dict[str, list] = {}
    for m in meetings:
        by_slot.setdefault(f"{m.starts_at:%Y-%m-%d %H:%M}–{m.ends_at:%H:%M}", []).append(m)
    return render(
        request,
        "fairs/timetable.html",
        fair=queries.get_fair(session, fair_id),
        by_slot=by_slot,
        total=len(meetings),
        tables=boards.table_numbers(session, fair_id),
    )


@router.get("/fairs/{fair_id}/tables/{number}", response_class=HTMLResponse)
def door_sheet(fair_id: Id, number: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    organiser(session, principal, fair_id)
    if number not in boards.table_numbers(session, fair_id):
        raise NotFound("fairs.table_unknown", field="table", table=number)
    return render(
        request,
        "fairs/door.html",
        fair=queries.get_fair(session, fair_id),
        number=number,
        meetings=[m for m in queries.list_meetings(session, fair_id) if m.table == number],
    )


# --------------------------------------------------------------------------- check-in


@router.get("/fairs/{fair_id}/check-in", response_class=HTMLResponse)
def check_in_page(fair_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    organiser(session, principal, fair_id)
    people = boards.participants(session, fair_id)
    return render(
        request,
        "fairs/check_in.html",
        fair=queries.get_fair(session, fair_id),
        people=people,
        arrived=sum(1 for p in people if p.checked_in_at),
        local=local,
    )


@router.post("/fairs/{fair_id}/participants/{participant_id}/check-in", response_class=HTMLResponse)
def check_in(fair_id: Id, participant_id: Id, session: DB, principal: Writer):  # noqa: ANN201
    organiser(session, principal, fair_id)
    service.do_check_in(session, principal, fair_id, participant_id)
    return RedirectResponse(f"/fairs/{fair_id}/check-in#p-{participant_id}", status_code=303)
