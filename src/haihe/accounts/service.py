"""Use cases of accounts: users, passwords (argon2), sessions, API tokens, login limits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.models import ROLES, ApiToken, LoginAttempt, LoginSession, User
from haihe.accounts.scopes import Principal
from haihe.codes import regions
from haihe.core.errors import InvalidInput

HASHER = PasswordHasher()
SESSION_DAYS = 14
MAX_FAILURES = 5  # per account, and per address, in the window below
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: User, **extra: object) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        region_codes=tuple(c for c in (user.region_codes or "").split(",") if c),
        park_id=user.park_id,
        organisation_id=user.organisation_id,
        fair_id=user.fair_id,
        **extra,  # type: ignore[arg-type]
    )


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput("password", f"must have at least {MIN_PASSWORD} characters")


def do_create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    regions_: list[str] | None = None,
    park_id: int | None = None,
    organisation_id: int | None = None,
    fair_id: int | None = None,
) -> User:
    username = (username or "").strip()
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise InvalidInput("username", "letters, digits, - _ . only")
    if role not in ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
    _check_password(password)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise InvalidInput("username", f"{username!r} exists already")
    codes = []
    for text in regions_ or []:
        r = regions.lookup(text)
        if r is None:
            raise InvalidInput("regions", f"unknown region {text!r}")
        codes.append(r.code)
    if role == "regional_officer" and not codes:
        raise InvalidInput("regions", "a regional officer needs at least one region")
    if role == "park_manager" and park_id is None:
        raise InvalidInput("park", "a park manager needs a park")
    if role == "enterprise" and organisation_id is None:
        raise InvalidInput("organisation", "an enterprise user needs an organisation")
    if role == "fair_organiser" and fair_id is None:
        raise InvalidInput("fair", "a fair organiser needs a fair")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=HASHER.hash(password),
        role=role,
        region_codes=",".join(codes) or None,
        park_id=park_id,
        organisation_id=organisation_id,
        fair_id=fair_id,
    )
    session.add(user)
    session.flush()
    return user


def _recent_failures(
    session: Session, *, username: str | None = None, ip: str | None = None
) -> int:
    since = datetime.now(UTC) - FAILURE_WINDOW
    stmt = select(func.count()).where(LoginAttempt.ok.is_(False), LoginAttempt.at >= since)
    stmt = (
        stmt.where(LoginAttempt.username == username)
        if username
        else stmt.where(LoginAttempt.ip == ip)
    )
    return session.execute(stmt).scalar_one()


def authenticate(session: Session, username: str, password: str, ip: str | None) -> User:
    """The user for these credentials, or InvalidInput (wrong, or too many recent failures)."""
    if _recent_failures(session, username=username) >= MAX_FAILURES or (
        ip and _recent_failures(session, ip=ip) >= MAX_FAILURES * 4
    ):
        raise InvalidInput("auth.locked", minutes=int(FAILURE_WINDOW.total_seconds() // 60))
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = False
    if user is not None and user.is_active:
        try:
            ok = HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    session.add(LoginAttempt(username=username[:64], ip=ip, ok=ok))
    session.flush()
    if not ok:
        raise InvalidInput("auth.failed")
    return user


def do_start_session(session: Session, user: User, ip: str | None) -> tuple[str, str]:
    """A new session: returns (token for the cookie, CSRF token). Only hashes are stored."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    session.add(
        LoginSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            ip=ip,
            expires_at=datetime.now(UTC) + timedelta(days=SESSION_DAYS),
        )
    )
    session.flush()
    return token, csrf


def principal_for_session(session: Session, token: str, ip: str | None) -> Principal | None:
    row = session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    ls, user = row
    expires = ls.expires_at if ls.expires_at.tzinfo else ls.expires_at.replace(tzinfo=UTC)
    if expires < datetime.now(UTC) or not user.is_active:
        return None
    return principal_of(user, csrf_token=ls.csrf_token, ip=ip)


def do_end_session(session: Session, token: str) -> None:
    ls = session.execute(
        select(LoginSession).where(LoginSession.token_hash == _digest(token))
    ).scalar_one_or_none()
    if ls is not None:
        session.delete(ls)


def do_change_password(session: Session, user_id: int, old: str, new: str) -> None:
    user = session.get(User, user_id)
    try:
        HASHER.verify(user.password_hash, old)
    except (VerificationError, InvalidHashError) as exc:
        raise InvalidInput("old_password", "is not your current password") from exc
    _check_password(new)
    user.password_hash = HASHER.hash(new)
    user.must_change_password = False
    for ls in session.execute(
        select(LoginSession).where(LoginSession.user_id == user_id)
    ).scalars():
        session.delete(ls)  # every other session ends with the old password


def do_reset_password(session: Session, username: str, new: str) -> User:
    """An administrator's reset: the user must choose a new password at next login."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise InvalidInput("username", f"no user {username!r}")
    _check_password(new)
    user.password_hash = HASHER.hash(new)
    user.must_change_password = True
    return user


def do_create_api_token(session: Session, user_id: int, name: str) -> str:
    """A new token, returned once; only its hash is kept."""
    if not name or not name.strip():
        raise InvalidInput("name", "must not be empty")
    token = "hh_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user_id, name=name.strip()[:100], token_hash=_digest(token), prefix=token[:10]
        )
    )
    session.flush()
    return token


def do_revoke_api_token(session: Session, user_id: int, token_id: int) -> None:
    tok = session.get(ApiToken, token_id)
    if tok is None or tok.user_id != user_id:
        raise InvalidInput("token", "not yours")
    tok.revoked_at = datetime.now(UTC)


def principal_for_token(session: Session, token: str, ip: str | None) -> Principal | None:
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(token))
    ).first()
    if row is None or row[0].revoked_at is not None or not row[1].is_active:
        return None
    row[0].last_used_at = datetime.now(UTC)
    return principal_of(row[1], via_token=True, ip=ip)


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.id)).scalars())


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        ).scalars()
    )
