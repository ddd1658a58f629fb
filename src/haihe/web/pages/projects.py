"""Project list (the projects behind a figure) and project page with its milestones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core.errors import InvalidInput
from haihe.fairs import service as fairs
from haihe.projects import figures, lifecycle, service
from haihe.registry.queries import Page
from haihe.web.api.projects import Filters, thresholds
from haihe.web.auth import SignedIn, Writer, load_principal
from haihe.web.deps import Id, db
from haihe.web.filters import figure_filter
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects", response_class=HTMLResponse)
def project_list(
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    params: Filters,
    principal: SignedIn,
    figure: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    items, total = figures.list_projects(
        session,
        figure_filter(**params),
        figure or None,
        thresholds=thresholds(),
        page=page,
        page_size=50,
        scope=service.read_scope(principal),
    )

    result = Page(items, total, page, 50)
    return render(
        request,
        "projects/list.html",
        result=result,
        figure=figure,
        params=params,
        fairs=fairs.list_fairs(session),
    )


def _page(
    request: Request,
    session: Session,
    project_id: Id,
    problem: str | None = None,
    status: int = 200,
):  # noqa: ANN202
    principal = load_principal(request)
    p = service.readable_project(session, project_id, principal)
    facts = service.facts(p)
    state = service._state(p)
    allowed = list(lifecycle.NEXT[state.stage]) if not state.cancelled_on else []
    if state.stage in lifecycle.OPERATING and not state.paying_tax_on and not state.cancelled_on:
        allowed.append(lifecycle.PAYING_TAX)
    back = [
        s
        for s in lifecycle.STAGES
        if lifecycle.ORDER[s] < lifecycle.ORDER[state.stage]
        and (s == "planned" or state.reached_on(s))
    ]
    over = lifecycle.stalled_days(state, date.today(), thresholds())
    return render(
        request,
        "projects/project.html",
        attachments=service.list_attachments(session, project_id),
        status_code=status,
        p=p,
        allowed=allowed,
        back=back,
        stalled_over=over,
        history=service.history(session, project_id),
        problem=problem,
        today=date.today().isoformat(),
        can_edit=scopes.can_edit_project(principal, facts),
        private=scopes.sees_private_investment(principal, facts),
    )


def _refused(
    request: Request, session: Session, project_id: int, exc: InvalidInput | InvalidInput, lang: str
):  # noqa: ANN202
    """The project page again, saying why the change was refused (nothing was saved)."""
    session.rollback()
    message = exc.message(lang) if isinstance(exc, InvalidInput) else str(exc)
    status = 409 if isinstance(exc, service.VersionConflict) else 400
    return _page(request, session, project_id, message, status)


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(
    project_id: Id,
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: SignedIn,
):  # noqa: ANN201
    return _page(request, session, project_id)


@router.post("/projects/{project_id}/milestones", response_class=HTMLResponse)
def project_milestone(
    project_id: Id,
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
    kind: Annotated[str, Form()],
    on: Annotated[str, Form()],
    version: Annotated[int, Form()],
    evidence: Annotated[str | None, Form()] = None,
    recorded_by: Annotated[str | None, Form()] = None,
    reason: Annotated[str | None, Form()] = None,
    target: Annotated[str | None, Form()] = None,
):  # noqa: ANN201
    service.editable_project(session, project_id, principal)
    lang = request.state.lang
    try:
        try:
            day = date.fromisoformat(on)
        except ValueError as exc:
            raise InvalidInput("on", f"{on!r} is not a date") from exc
        if kind == "go_back":
            service.do_go_back(
                session, project_id, target or "", reason or "", by=recorded_by, version=version
            )
        elif kind == lifecycle.CANCELLED:
            service.do_cancel(
                session, project_id, day, reason or "", by=recorded_by, version=version
            )
        else:
            service.do_record_milestone(
                session, project_id, kind, day, by=recorded_by, evidence=evidence, version=version
            )
    except InvalidInput as exc:
        return _refused(request, session, project_id, exc, lang)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/edit", response_class=HTMLResponse)
def project_edit(
    project_id: Id,
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
    version: Annotated[int, Form()],
    officer: Annotated[str | None, Form()] = None,
    invested_in_place: Annotated[str | None, Form()] = None,
    notes: Annotated[str | None, Form()] = None,
):  # noqa: ANN201
    service.editable_project(session, project_id, principal)
    lang = request.state.lang
    try:
        changes: dict[str, object] = {"officer": officer or None, "notes": notes or None}
        if invested_in_place:
            try:
                changes["invested_in_place"] = Decimal(invested_in_place.replace(",", ""))
            except InvalidOperation as exc:
                raise InvalidInput("invested_in_place", f"{invested_in_place!r}") from exc
        service.do_update_project(session, project_id, changes, version=version, by=officer or None)
    except InvalidInput as exc:
        return _refused(request, session, project_id, exc, lang)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/attachments", response_class=HTMLResponse)
async def project_attach(
    project_id: Id,
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: Writer,
    file: Annotated[UploadFile, File()],
    uploaded_by: Annotated[str | None, Form()] = None,
):  # noqa: ANN201
    service.editable_project(session, project_id, principal)
    data = await file.read(service.MAX_ATTACHMENT_BYTES + 1)
    try:
        service.do_add_attachment(
            session,
            project_id,
            file.filename or "",
            file.content_type or "application/octet-stream",
            data,
            by=uploaded_by or None,
        )
    except InvalidInput as exc:
        session.rollback()
        return _page(request, session, project_id, str(exc), 400)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.get("/projects/{project_id}/attachments/{attachment_id}")
def project_attachment(
    project_id: Id,
    attachment_id: Id,
    session: Annotated[Session, Depends(db, scope="function")],
    principal: SignedIn,
) -> Response:
    service.readable_project(session, project_id, principal)
    att = service.get_attachment(session, project_id, attachment_id)
    quoted = quote(att.filename)
    return Response(
        att.data,
        media_type=att.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quoted}",
            "X-Content-Type-Options": "nosniff",
        },
    )
