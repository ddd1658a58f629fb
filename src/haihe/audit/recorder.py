"""Records every ORM write in the audit trail, with the actor of the current request.

The web layer (and the CLI) set the actor in a context variable; a before_flush hook
writes one AuditEntry per created, changed or deleted object of the audited classes,
with the fields before and after. Bulk writes that bypass the ORM (imports, the demo)
call record() themselves. Secrets (password hashes, token hashes, file contents) are
never copied into the trail.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from haihe.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str | None = None
    ip: str | None = None


current_actor: ContextVar[Actor] = ContextVar("haihe_actor", default=Actor(username="system"))  # noqa: B039 - frozen
# Not recorded: secrets, and what is derived from recorded fields (hash, search words).
SECRET_FIELDS = {
    "password_hash",
    "token_hash",
    "data",
    "csrf_token",
    "content_hash",
    "search_terms",
}
# Audited classes and the object type their entries name; haihe.models.load_all fills it.
AUDITED: dict[type, str] = {}


def _plain(v: object) -> object:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return str(v)


def record(
    session: Session, action: str, object_type: str, object_id: object, changes: dict[str, object]
) -> None:
    actor = current_actor.get()
    session.add(
        AuditEntry(
            user_id=actor.user_id,
            username=actor.username,
            ip=actor.ip,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            changes=json.dumps({k: _plain(v) for k, v in changes.items()}, ensure_ascii=False),
        )
    )


def _columns(obj: object) -> list[str]:
    return [a.key for a in inspect(obj).mapper.column_attrs if a.key not in SECRET_FIELDS]


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:  # noqa: ANN001
    pending: list[tuple[str, object, dict]] = []
    for obj in session.new:
        name = AUDITED.get(type(obj))
        if name:
            pending.append(("create", obj, {}))
    for obj in session.dirty:
        name = AUDITED.get(type(obj))
        if not name or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        diff = {}
        for key in _columns(obj):
            hist = state.attrs[key].history
            if hist.has_changes():
                before = hist.deleted[0] if hist.deleted else None
                after = hist.added[0] if hist.added else None
                if before != after:
                    diff[key] = [_plain(before), _plain(after)]
        if diff:
            pending.append(("update", obj, diff))
    for obj in session.deleted:
        name = AUDITED.get(type(obj))
        if name:
            pending.append(("delete", obj, {k: _plain(getattr(obj, k)) for k in _columns(obj)}))
    if not pending:
        return
    session.info.setdefault("audit_new", []).extend(o for a, o, _ in pending if a == "create")
    for action, obj, diff in pending:
        if action != "create":
            record(
                session,
                action,
                AUDITED[type(obj)],
                inspect(obj).identity[0] if inspect(obj).identity else None,
                {k: v for k, v in diff.items()},
            )


@event.listens_for(Session, "after_flush_postexec")
def _after_flush(session: Session, _ctx) -> None:  # noqa: ANN001
    """New objects get their ids at flush; their audit rows are written right after."""
    new = session.info.pop("audit_new", [])
    for obj in new:
        values = {k: getattr(obj, k) for k in _columns(obj)}
        record(session, "create", AUDITED[type(obj)], getattr(obj, "id", None), values)
