"""Sign in and out, one's account (password, API tokens), user administration."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from haihe.accounts import queries, service
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import Principal
from haihe.core.errors import InvalidInput
from haihe.core.limits import is_digits
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
DbSession = Annotated[Session, Depends(db, scope="function")]


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


# Login CSRF (double submit): the login form carries a random value that is also in a
# cookie set with the form; a sign-in without both, equal, is refused. A cross-site form
# cannot read or set the cookie, so it cannot sign a victim into the attacker's account.
LOGIN_CSRF_COOKIE = "haihe_login_csrf"


def _login_page(
    request: Request, next_: str, problem: str | None = None, status_code: int = 200
) -> HTMLResponse:
    value = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if len(value) < 20 or len(value) > 64:
        value = secrets.token_urlsafe(24)
    response = render(
        request,
        "accounts/login.html",
        status_code=status_code,
        next=next_,
        problem=problem,
        login_csrf=value,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str | None, Query(max_length=200)] = None):  # noqa: ANN201, A002
    return _login_page(request, _safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=200)] = None,  # noqa: A002
    login_csrf: Annotated[str | None, Form(max_length=64)] = None,
):  # noqa: ANN201
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not (cookie and login_csrf and secrets.compare_digest(cookie, login_csrf)):
        problem = InvalidInput("auth.login_csrf").message(request.state.lang)
        return _login_page(request, _safe_next(next), problem, status_code=403)
    try:
        user = service.authenticate(session, username.strip(), password, client_ip(request))
    except InvalidInput as exc:
        return _login_page(
            request, _safe_next(next), exc.message(request.state.lang), status_code=401
        )
    token, _csrf = service.do_start_session(session, user, client_ip(request))
    target = "/account" if user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=service.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, principal: Writer, session: DbSession):  # noqa: ANN201
    service.do_end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _account_page(
    request: Request,
    session: Session,
    principal: Principal,
    problem: InvalidInput | None = None,
    new_token: str | None = None,
):  # noqa: ANN202
    """The account page; with `problem`, re-rendered with its message (nothing changed)."""
    if problem is not None:
        session.rollback()
    return render(
        request,
        "accounts/account.html",
        status_code=200 if problem is None else 400,
        tokens=queries.list_tokens(session, principal),
        problem=None if problem is None else problem.message(request.state.lang),
        new_token=new_token,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: SignedIn, session: DbSession):  # noqa: ANN201
    return _account_page(request, session, principal)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    principal: Writer,
    session: DbSession,
    old_password: Annotated[str, Form()],
    new_password: Annotated[str, Form()],
):  # noqa: ANN201
    try:
        service.do_change_password(session, principal, old_password, new_password)
    except InvalidInput as exc:
        return _account_page(request, session, principal, exc)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    principal: Writer,
    session: DbSession,
    name: Annotated[str, Form()],
):  # noqa: ANN201
    try:
        token = service.do_create_api_token(session, principal, name)
    except InvalidInput as exc:
        return _account_page(request, session, principal, exc)
    return _account_page(request, session, principal, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: Id, principal: Writer, session: DbSession):  # noqa: ANN201
    service.do_revoke_api_token(session, principal, token_id)
    return RedirectResponse("/account", status_code=303)


def _users_page(
    request: Request, session: Session, principal: Principal, problem: InvalidInput | None = None
):  # noqa: ANN202
    """The users page; with `problem`, re-rendered with its message (nothing changed)."""
    if problem is not None:
        session.rollback()
    return render(
        request,
        "accounts/users.html",
        status_code=200 if problem is None else 400,
        users=queries.list_users(session, principal),
        problem=None if problem is None else problem.message(request.state.lang),
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, principal: AdminReader, session: DbSession):  # noqa: ANN201
    return _users_page(request, session, principal)


def _number(value: str | None) -> int | None:
    return int(value) if value and is_digits(value) and int(value) <= 2_147_483_647 else None


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    principal: AdminWriter,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)],
    display_name: Annotated[str | None, Form()] = None,
    regions: Annotated[str | None, Form(max_length=200)] = None,
    park_id: Annotated[str | None, Form()] = None,
    organisation_id: Annotated[str | None, Form()] = None,
    fair_id: Annotated[str | None, Form()] = None,
):  # noqa: ANN201
    new = UserCreate(
        username=username,
        password=password,
        role=role,
        display_name=display_name,
        regions=[r for r in (regions or "").replace("，", ",").split(",") if r.strip()],
        park_id=_number(park_id),
        organisation_id=_number(organisation_id),
        fair_id=_number(fair_id),
    )
    try:
        service.do_create_user(session, principal, new)
    except InvalidInput as exc:
        return _users_page(request, session, principal, exc)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/reset", response_class=HTMLResponse)
def reset_password(
    request: Request,
    principal: AdminWriter,
    session: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
):  # noqa: ANN201
    try:
        service.do_reset_password(session, principal, username, password)
    except InvalidInput as exc:
        return _users_page(request, session, principal, exc)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users/{user_id}/tokens", response_class=HTMLResponse)
def user_tokens(request: Request, user_id: Id, principal: AdminReader, session: DbSession):  # noqa: ANN201
    """A user's API tokens with their lineage, each revocable by the administrator."""
    user = queries.get_user(session, principal, user_id)
    tokens = queries.list_user_tokens(session, principal, user_id)
    names = {u.id: u.username for u in queries.list_users(session, principal)}
    prefixes = {t.id: t.prefix for t in tokens}
    return render(
        request,
        "accounts/user_tokens.html",
        user=user,
        tokens=tokens,
        names=names,
        prefixes=prefixes,
    )


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def revoke_user_token(  # noqa: ANN201
    user_id: Id, token_id: Id, principal: AdminWriter, session: DbSession
):
    service.do_revoke_user_token(session, principal, user_id, token_id)
    return RedirectResponse(f"/admin/users/{user_id}/tokens", status_code=303)
