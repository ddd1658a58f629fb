"""The read side of accounts: users and API tokens as plain data, for pages and commands."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.models import ApiToken, User
from haihe.accounts.schemas import ApiTokenPublic, UserPublic
from haihe.accounts.scopes import Principal
from haihe.core.errors import NotAllowed


def list_users(session: Session, principal: Principal) -> list[UserPublic]:
    """Every account, oldest first: for administrators."""
    if not scopes.can_manage_users(principal):
        raise NotAllowed("auth.forbidden")
    return [
        UserPublic.model_validate(u)
        for u in session.execute(select(User).order_by(User.id)).scalars()
    ]


def get_user(session: Session, principal: Principal, user_id: int) -> UserPublic:
    """One account, for administrators (NotFound when there is none)."""
    from haihe.core.errors import NotFound

    if not scopes.can_manage_users(principal):
        raise NotAllowed("auth.forbidden")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("users.unknown_id", id=user_id)
    return UserPublic.model_validate(user)


def list_tokens(session: Session, principal: Principal) -> list[ApiTokenPublic]:
    """The principal's own API tokens (revoked ones included), oldest first."""
    if not scopes.can_manage_account(principal, principal.user_id):
        return []
    return [
        ApiTokenPublic.model_validate(t)
        for t in session.execute(
            select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.id)
        ).scalars()
    ]


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Users by id as pages name them: "display name (username)"."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(user_ids))
    )
    return {i: f"{d} ({u})" if d and d != u else u for i, d, u in rows}


def users_by_id(session: Session, user_ids: set[int]) -> list[UserPublic]:
    """The accounts of those ids (to name who did something; no secrets in UserPublic)."""
    if not user_ids:
        return []
    rows = session.execute(select(User).where(User.id.in_(sorted(user_ids)))).scalars()
    return [UserPublic.model_validate(u) for u in rows]


def principal_by_username(session: Session, username: str) -> Principal | None:
    """The principal of the active account `username` (None when there is none): for a
    record that names a user, such as a lead's officer."""
    from haihe.accounts.service import principal_of

    user = session.execute(
        select(User).where(User.username == username, User.is_active.is_(True))
    ).scalar_one_or_none()
    return None if user is None else principal_of(user)


def list_user_tokens(session: Session, principal: Principal, user_id: int) -> list[ApiTokenPublic]:
    """An administrator's view of a user's API tokens (revoked ones included), oldest
    first, with their lineage; NotAllowed for anyone else."""
    if not scopes.can_manage_users(principal):
        raise NotAllowed("auth.forbidden")
    return [
        ApiTokenPublic.model_validate(t)
        for t in session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        ).scalars()
    ]
