"""What every write of a project shares: the project as the principal may change it, its
version (a stale save is a conflict, never a lost update), its history row naming the
principal, and amounts in yuan as people type them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from haihe.accounts import scopes
from haihe.core.errors import Conflict, InvalidInput, NotAllowed
from haihe.core.money import checked_amount
from haihe.projects.models import Project, ProjectHistory
from haihe.projects.queries import facts, readable_project
from haihe.registry import values


class VersionConflict(Conflict):
    """Someone saved the project since it was loaded; nothing was overwritten."""


def money(name: str, value: object) -> Decimal | None:
    """An amount in yuan: a Decimal, a whole number, or its text as people type it
    (5,000,000, 500万, 1.2亿, 3000万元: the import's parser, registry/values.py); never a
    float. Refused, naming the field, when unreadable, negative or not in yuan."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            parsed = values.parse_capital(value)
        except InvalidInput as exc:
            raise InvalidInput(exc.key, field=name, **exc.params) from None
        if parsed is None:  # a missing-value mark (无, -, N/A); but no float spellings
            if value.strip().lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
                raise InvalidInput("projects.amount_unreadable", field=name, value=value)
            return None
        amount, currency = parsed
        if currency != "CNY":
            raise InvalidInput("projects.amount_not_yuan", field=name, value=value)
        return amount
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput("projects.amount_unreadable", field=name, value=value)
    if value < 0:
        raise InvalidInput("projects.amount_negative", field=name, value=value)
    return checked_amount(value, value, field=name)


def history(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    action: str,
    detail: dict[str, object],
) -> None:
    session.add(
        ProjectHistory(
            project_id=project_id,
            action=action,
            by=principal.username,
            by_user_id=principal.user_id,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def editable(session: Session, principal: scopes.Principal, project_id: int) -> Project:
    """The project if `principal` may change it: NotFound when they may not even read it,
    NotAllowed when they may read but not change it."""
    project = readable_project(session, principal, project_id)
    if not scopes.can_edit_project(principal, facts(project)):
        raise NotAllowed("projects.not_allowed", code=project.code)
    return project


def check_version(project: Project, version: int | None) -> None:
    if version is not None and version != project.version:
        raise VersionConflict(
            "project.conflict", code=project.code, version=version, current=project.version
        )


def bump(project: Project) -> None:
    project.version += 1
    project.updated_at = datetime.now(UTC)


def write(session: Session, project: Project) -> None:
    """Flush the project's new version. The UPDATE says WHERE version = the one read (the
    model's version_id_col), so a save based on a version someone else has just replaced
    changes no row: that is a conflict, not a lost update."""
    read, code, pid = project.version - 1, project.code, project.id
    try:
        session.flush()
    except StaleDataError:
        bind = session.get_bind()
        with getattr(bind, "engine", bind).connect() as conn:
            now = conn.execute(select(Project.version).where(Project.id == pid)).scalar()
        raise VersionConflict("project.conflict", code=code, version=read, current=now) from None
