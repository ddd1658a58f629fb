"""Sign in and out, one's account (password, API tokens), user administration, audit."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session

from haihe.accounts import service as accounts
from haihe.audit import service as audit
from haihe.core.errors import InvalidInput
from haihe.core.i18n import t
from haihe.registry.queries import Page
from haihe.web.auth import (
    SESSION_COOKIE,
    AdminReader,
    AdminWriter,
    SignedIn,
    Writer,
    client_ip,
)
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str | None, Query(max_length=200)] = None):  # noqa: ANN201, A002
    return render(request, "accounts/login.html", next=_safe_next(next), problem=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: Annotated[Session, Depends(db, scope="function")],
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=200)] = None,
):  # noqa: ANN201, A002
    lang = request.state.lang
    try:
        user = accounts.authenticate(session, username.strip(), password, client_ip(request))
    except InvalidInput as exc:
        session.commit()  # the failed attempt counts
        return render(
            request,
            "accounts/login.html",
            status_code=401,
            next=_safe_next(next),
            problem=exc.message(lang),
        )
    token, _csrf = accounts.do_start_session(session, user, client_ip(request))
    target = "/account" if user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=accounts.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(
    request: Request, principal: Writer, session: Annotated[Session, Depends(db, scope="function")]
):  # noqa: ANN201
    accounts.do_end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _account_page(
    request: Request,
    session: Session,
    principal,
    problem=None,
    new_token=None,  # noqa: ANN001, ANN202
    status: int = 200,
):
    return render(
        request,
        "accounts/account.html",
        status_code=status,
        tokens=accounts.list_tokens(session, principal.user_id),
        problem=problem,
        new_token=new_token,
    )


@router.get("/account", response_class=HTMLResponse)
def account(
    request: Request,
    principal: SignedIn,
    session: Annotated[Session, Depends(db, scope="function")],
):  # noqa: ANN201
    return _account_page(request, session, principal)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    principal: Writer,
    session: Annotated[Session, Depends(db, scope="function")],
    old_password: Annotated[str, Form()],
    new_password: Annotated[str, Form()],
):  # noqa: ANN201
    try:
        accounts.do_change_password(session, principal.user_id, old_password, new_password)
    except InvalidInput as exc:
        session.rollback()
        return _account_page(request, session, principal, str(exc), status=400)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    principal: Writer,
    session: Annotated[Session, Depends(db, scope="function")],
    name: Annotated[str, Form(max_length=100)],
):  # noqa: ANN201
    try:
        token = accounts.do_create_api_token(session, principal.user_id, name)
    except InvalidInput as exc:
        session.rollback()
        return _account_page(request, session, principal, str(exc), status=400)
    return _account_page(request, session, principal, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: Id, principal: Writer, session: Annotated[Session, Depends(db, scope="function")]
):  # noqa: ANN201
    accounts.do_revoke_api_token(session, principal.user_id, token_id)
    return RedirectResponse("/account", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users(
    request: Request,
    principal: AdminReader,
    session: Annotated[Session, Depends(db, scope="function")],
):  # noqa: ANN201
    return render(request, "accounts/users.html", users=accounts.list_users(session), problem=None)


def _users_refused(request: Request, session: Session, exc: InvalidInput):  # noqa: ANN202
    session.rollback()
    return render(
        request,
        "accounts/users.html",
        status_code=400,
        users=accounts.list_users(session),
        problem=str(exc),
    )


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    principal: AdminWriter,
    session: Annotated[Session, Depends(db, scope="function")],
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)],
    display_name: Annotated[str | None, Form(max_length=100)] = None,
    regions: Annotated[str | None, Form(max_length=200)] = None,
    park_id: Annotated[str | None, Form()] = None,
    organisation_id: Annotated[str | None, Form()] = None,
    fair_id: Annotated[str | None, Form()] = None,
):  # noqa: ANN201
    def num(v: str | None) -> int | None:
        return int(v) if v and v.isdigit() and int(v) <= 2_147_483_647 else None

    try:
        accounts.do_create_user(
            session,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            regions_=[r for r in (regions or "").replace("，", ",").split(",") if r.strip()],
            park_id=num(park_id),
            organisation_id=num(organisation_id),
            fair_id=num(fair_id),
        )
    except InvalidInput as exc:
        return _users_refused(request, session, exc)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/reset", response_class=HTMLResponse)
def reset_password(
    request: Request,
    principal: AdminWriter,
    session: Annotated[Session, Depends(db, scope="function")],
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
):  # noqa: ANN201
    try:
        accounts.do_reset_password(session, username, password)
    except InvalidInput as exc:
        return _users_refused(request, session, exc)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    principal: AdminReader,
    session: Annotated[Session, Depends(db, scope="function")],
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=40)] = None,
    username: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    items, total = audit.list_entries(
        session,
        object_type=object_type or None,
        object_id=object_id or None,
        username=username or None,
        page=page,
    )

    result = Page(items, total, page, 50)
    return render(request, "accounts/audit.html", result=result, loads=lambda s: json.loads(s))


@router.get("/audit.csv")
def audit_csv(
    principal: AdminReader, session: Annotated[Session, Depends(db, scope="function")]
) -> StreamingResponse:
    items, _ = audit.list_entries(session, page_size=1_000_000)
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(["id", "at", "user", "ip", "action", "object_type", "object_id", "changes"])
    for e in items:
        w.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.username,
                e.ip,
                e.action,
                e.object_type,
                e.object_id,
                e.changes,
            ]
        )
    return StreamingResponse(
        iter([buf.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


__all__ = ["router", "t"]
