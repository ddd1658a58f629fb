"""Writes of accounts: users, passwords (argon2), API tokens; sign-in, sessions, login limits.

Every change to an account is `do_<verb>_<noun>(session, principal, …)`: it checks the
principal itself (accounts.scopes: administrators manage users, everyone their own password
and tokens), writes, and is audited (users and tokens by the trail's ORM hook, password
changes and resets by an explicit entry that names no secret). Signing in and resolving a
session or token run before there is a principal and take none.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.models import ROLES, ApiToken, LoginAttempt, LoginSession, User
from haihe.accounts.schemas import UserCreate, UserPublic
from haihe.accounts.scopes import Principal
from haihe.audit.recorder import current_actor, record
from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text

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
        raise InvalidInput("auth.password_short", field="password", min=MIN_PASSWORD)


def _allow(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed("auth.forbidden")


def _username_ok(username: str) -> bool:
    return bool(username) and username.replace("_", "").replace("-", "").replace(".", "").isalnum()


def do_create_user(session: Session, principal: Principal, new: UserCreate) -> UserPublic:
    """An administrator makes an account (from the command line: the deployment's first)."""
    _allow(scopes.can_manage_users(principal))
    username = clean_text(new.username or "", "user.username", name=True) or ""
    display_name = clean_text(new.display_name, "user.display_name", name=True) or None
    if not _username_ok(username):
        raise InvalidInput("users.username_invalid", field="username")
    if new.role not in ROLES:
        raise InvalidInput("users.role_unknown", field="role", roles=", ".join(ROLES))
    _check_password(new.password)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise InvalidInput("users.username_taken", field="username", username=username)
    codes = []
    for text in new.regions:
        r = regions.lookup(text)
        if r is None:
            raise InvalidInput("users.region_unknown", field="regions", value=text)
        codes.append(r.code)
    needs = {
        "regional_officer": (codes, "regions", "users.officer_needs_region"),
        "park_manager": (new.park_id, "park", "users.park_needed"),
        "enterprise": (new.organisation_id, "organisation", "users.organisation_needed"),
        "fair_organiser": (new.fair_id, "fair", "users.fair_needed"),
    }
    if new.role in needs:
        given, field, key = needs[new.role]
        if given is None or given == []:
            raise InvalidInput(key, field=field)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=HASHER.hash(new.password),
        role=new.role,
        region_codes=",".join(codes) or None,
        park_id=new.park_id,
        organisation_id=new.organisation_id,
        fair_id=new.fair_id,
    )
    session.add(user)
    session.flush()
    return UserPublic.model_validate(user)


def _recent_failures(conn, *, username: str | None = None, ip: str | None = None) -> int:  # noqa: ANN001
    since = datetime.now(UTC) - FAILURE_WINDOW
    stmt = select(func.count()).where(LoginAttempt.ok.is_(False), LoginAttempt.at >= since)
    stmt = (
        stmt.where(LoginAttempt.username == username)
        if username
        else stmt.where(LoginAttempt.ip == ip)
    )
    return conn.execute(stmt).scalar_one()


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash of no one's password, verified for unknown users so that signing in takes
    as long whether or not the username exists."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(HASHER.hash(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def authenticate(session: Session, username: str, password: str, ip: str | None) -> User:
    """The user for these credentials, or InvalidInput (wrong, or too many recent failures).

    The attempt is counted before the password is checked, in a transaction of its own that
    commits at once: each attempt then counts every attempt committed before it, so of any
    number of parallel attempts at most MAX_FAILURES reach the password check. The attempt
    stays a failure unless the password is right. Unknown users are checked against a dummy
    hash, so the answer takes as long as for a known one."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    table = LoginAttempt.__table__
    with engine.begin() as conn:
        attempt_id = conn.execute(
            table.insert()
            .values(username=username[:64], ip=ip, ok=False, at=datetime.now(UTC))
            .returning(table.c.id)
        ).scalar_one()
    with engine.connect() as conn:
        locked = _recent_failures(conn, username=username[:64]) > MAX_FAILURES or bool(
            ip and _recent_failures(conn, ip=ip) > MAX_FAILURES * 4
        )
    if locked:
        raise InvalidInput("auth.locked", minutes=int(FAILURE_WINDOW.total_seconds() // 60))
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    known = user is not None and user.is_active
    try:
        ok = HASHER.verify(user.password_hash if known else _dummy_hash(), password) and known
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise InvalidInput("auth.failed")
    with engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == attempt_id).values(ok=True))
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
    return principal_of(
        user, csrf_token=ls.csrf_token, ip=ip, must_change_password=user.must_change_password
    )


def do_end_session(session: Session, token: str) -> None:
    ls = session.execute(
        select(LoginSession).where(LoginSession.token_hash == _digest(token))
    ).scalar_one_or_none()
    if ls is not None:
        session.delete(ls)


def current_user_id() -> int | None:
    """The signed-in user acting now (the audit trail's actor), if any."""
    return current_actor.get().user_id


def _end_credentials(session: Session, user_id: int) -> dict[str, int]:
    """End every session and revoke every API token of the account: what the old password
    (or whoever held it) could still use. Returns how many, for the audit entry."""
    sessions = list(
        session.execute(select(LoginSession).where(LoginSession.user_id == user_id)).scalars()
    )
    for ls in sessions:
        session.delete(ls)
    tokens = list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        ).scalars()
    )
    now = datetime.now(UTC)
    for tok in tokens:
        tok.revoked_at = now
        tok.revoked_by_user_id = current_user_id()
    return {"sessions_ended": len(sessions), "tokens_revoked": len(tokens)}


def do_change_password(session: Session, principal: Principal, old: str, new: str) -> None:
    """The principal's own password; every session of the account ends with the old one."""
    _allow(scopes.can_manage_account(principal, principal.user_id))
    user = session.get(User, principal.user_id)
    _allow(user is not None)
    try:
        HASHER.verify(user.password_hash, old)
    except (VerificationError, InvalidHashError) as exc:
        raise InvalidInput("auth.old_password_wrong", field="old_password") from exc
    _check_password(new)
    user.password_hash = HASHER.hash(new)
    user.must_change_password = False
    ended = _end_credentials(session, user.id)  # every session and token of the old password
    record(session, "password_change", "user", user.id, {"username": user.username, **ended})


def do_reset_password(
    session: Session, principal: Principal, username: str, new: str
) -> UserPublic:
    """An administrator's reset: the user must choose a new password at next login."""
    _allow(scopes.can_manage_users(principal))
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise InvalidInput("users.unknown", field="username", username=username)
    _check_password(new)
    user.password_hash = HASHER.hash(new)
    user.must_change_password = True
    ended = _end_credentials(session, user.id)  # whoever held the account is out
    record(session, "password_reset", "user", user.id, {"username": user.username, **ended})
    return UserPublic.model_validate(user)


def do_create_api_token(session: Session, principal: Principal, name: str) -> str:
    """A new token of the principal's own account, returned once; only its hash is kept.

    It records its lineage: minted from a signed-in session (or the command line), by whom,
    from where, and with which token if any (a token cannot mint tokens today; were it
    allowed, revoking the first would revoke what it minted, see `_revoke`)."""
    _allow(scopes.can_manage_account(principal, principal.user_id))
    if principal.via_token:  # a stolen token must not outlive its revocation by a copy
        raise NotAllowed("auth.token_needs_session")
    name = clean_text(name or "", "token.name", name=True) or ""
    if not name:
        raise InvalidInput("auth.token_name_missing", field="name")
    token = "hh_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=principal.user_id,
            name=name,
            token_hash=_digest(token),
            prefix=token[:10],
            minted_via="session" if principal.csrf_token else "command_line",
            minted_by_user_id=principal.user_id,
            minted_from_ip=principal.ip,
            parent_token_id=principal.token_id,
        )
    )
    session.flush()
    return token


def _revoke(session: Session, tok: ApiToken, by: Principal) -> list[int]:
    """Revoke `tok` and every token minted with it, and with those, down the lineage.
    Returns the ids revoked now (those revoked before are left as they were)."""
    now = datetime.now(UTC)
    done: list[int] = []
    todo, seen = [tok], set()
    while todo:
        t = todo.pop()
        if t.id in seen:
            continue
        seen.add(t.id)
        if t.revoked_at is None:
            t.revoked_at = now
            t.revoked_by_user_id = by.user_id
            done.append(t.id)
        todo.extend(
            session.execute(select(ApiToken).where(ApiToken.parent_token_id == t.id)).scalars()
        )
    return done


def do_revoke_api_token(session: Session, principal: Principal, token_id: int) -> list[int]:
    """Revoke one of the principal's own tokens (another's is not found), with the tokens
    minted with it. Returns the ids revoked."""
    _allow(scopes.can_manage_account(principal, principal.user_id))
    tok = session.get(ApiToken, token_id)
    if tok is None or tok.user_id != principal.user_id:
        raise NotFound("auth.token_unknown", id=token_id)
    return _revoke(session, tok, principal)


def do_revoke_user_token(
    session: Session, principal: Principal, user_id: int, token_id: int
) -> list[int]:
    """An administrator revokes a user's token (and those minted with it); audited with
    the ids revoked."""
    _allow(scopes.can_manage_users(principal))
    tok = session.get(ApiToken, token_id)
    if tok is None or tok.user_id != user_id:
        raise NotFound("users.token_unknown", id=token_id)
    revoked = _revoke(session, tok, principal)
    record(session, "revoke_token", "user", user_id, {"tokens_revoked": revoked})
    return revoked


def principal_for_token(session: Session, token: str, ip: str | None) -> Principal | None:
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(token))
    ).first()
    if row is None or row[0].revoked_at is not None or not row[1].is_active:
        return None
    row[0].last_used_at = datetime.now(UTC)
    return principal_of(
        row[1],
        via_token=True,
        token_id=row[0].id,
        ip=ip,
        must_change_password=row[1].must_change_password,
    )


def do_link_organisation(
    session: Session, principal: Principal, user_id: int, organisation_id: int
) -> None:
    """Make an enterprise user the manager of an organisation's profile (an approved claim).

    `principal` is who approves: the registry has checked that they may decide claims on
    that organisation (accounts.scopes.can_decide_claim); the user must be an enterprise
    user."""
    user = session.get(User, user_id)
    if user is None or user.role != "enterprise":
        raise InvalidInput("users.not_enterprise", field="user_id", id=user_id)
    before = user.organisation_id
    user.organisation_id = organisation_id
    record(
        session,
        "link_organisation",
        "user",
        user.id,
        {"organisation_id": [before, organisation_id], "by": principal.username},
    )
