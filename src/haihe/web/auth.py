"""Who is asking: the session cookie or an API token, CSRF checks, role requirements.

Routes declare what they need with one dependency: `reader` (anyone, the principal is
passed on for scoping), `signed_in`, `writer` (signed in, and for cookie sessions a valid
CSRF token on the state-changing request), or `admin_writer`/`admin_reader`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from haihe.accounts import service as accounts
from haihe.accounts.scopes import ANONYMOUS, Principal
from haihe.audit.recorder import Actor, current_actor
from haihe.core.db import session_scope
from haihe.core.errors import AuthRequired, NotAllowed

SESSION_COOKIE = "haihe_session"
# What a user who must change their password (after an administrator's reset) may reach.
PASSWORD_CHANGE_PATHS = frozenset({"/account", "/account/password", "/logout", "/login"})


class PasswordChangeRequired(NotAllowed):
    """Signed in with a password an administrator set: only changing it is open. The API
    answers 403 with this message; pages send the user to their account page."""

    def __init__(self) -> None:
        super().__init__("auth.must_change_password")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def load_principal(request: Request) -> Principal:
    """Resolve once per request (cached on request.state) and set the audit actor."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    ip = client_ip(request)
    principal = ANONYMOUS
    auth = request.headers.get("authorization", "")
    with session_scope(request.app.state.engine) as s:
        if auth.lower().startswith("bearer "):
            found = accounts.principal_for_token(s, auth[7:].strip(), ip)
            if found is None:
                raise AuthRequired()
            principal = found
        elif request.cookies.get(SESSION_COOKIE):
            principal = (
                accounts.principal_for_session(s, request.cookies[SESSION_COOKIE], ip) or ANONYMOUS
            )
    current_actor.set(Actor(principal.user_id, principal.username or "anonymous", ip))
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        request.state.principal = ANONYMOUS  # the error page is drawn for no one
        raise PasswordChangeRequired()
    request.state.principal = principal
    return principal


def reader(request: Request) -> Principal:
    return load_principal(request)


def signed_in(request: Request) -> Principal:
    p = load_principal(request)
    if not p.authenticated:
        raise AuthRequired()
    return p


async def writer(request: Request) -> Principal:
    p = signed_in(request)
    if not p.via_token:  # cookie sessions: the browser must prove it rendered our page
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            sent = form.get("csrf_token")
        if not sent or sent != p.csrf_token:
            raise NotAllowed("auth.csrf")
    return p


def admin_reader(p: Annotated[Principal, Depends(signed_in)]) -> Principal:
    if not p.is_admin:
        raise NotAllowed("auth.forbidden")
    return p


def admin_writer(p: Annotated[Principal, Depends(writer)]) -> Principal:
    if not p.is_admin:
        raise NotAllowed("auth.forbidden")
    return p


Reader = Annotated[Principal, Depends(reader)]
SignedIn = Annotated[Principal, Depends(signed_in)]
Writer = Annotated[Principal, Depends(writer)]
AdminReader = Annotated[Principal, Depends(admin_reader)]
AdminWriter = Annotated[Principal, Depends(admin_writer)]


__all__ = ["Session"]
