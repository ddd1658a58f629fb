"""Reading the audit trail: browsing and filtering it, the rows of its CSV export.

audit.recorder writes the trail; nothing deletes it. Who may read it is the caller's rule:
administrators browse the whole trail; a context shows an object's history to those who
may edit the object.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.audit.models import AuditEntry
from haihe.audit.schemas import AuditEntryPublic

CSV_COLUMNS = ("id", "at", "user", "ip", "action", "object_type", "object_id", "changes")


def _conditions(object_type: str | None, object_id: str | None, username: str | None) -> list:
    conds = []
    if object_type:
        conds.append(AuditEntry.object_type == object_type)
    if object_id:
        conds.append(AuditEntry.object_id == str(object_id))
    if username:
        conds.append(AuditEntry.username == username)
    return conds


def list_entries(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    username: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[AuditEntryPublic], int]:
    """One page of the entries matching every filter given, newest first, and how many
    match in all."""
    conds = _conditions(object_type, object_id, username)
    total = session.execute(select(func.count(AuditEntry.id)).where(*conds)).scalar_one()
    rows = session.execute(
        select(AuditEntry)
        .where(*conds)
        .order_by(AuditEntry.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).scalars()
    return [AuditEntryPublic.model_validate(e) for e in rows], total


def csv_rows(session: Session) -> Iterator[list[object]]:
    """The whole trail, newest first, as rows under CSV_COLUMNS (changes as stored)."""
    for e in session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars():
        yield [
            e.id,
            e.at.isoformat(),
            e.username,
            e.ip,
            e.action,
            e.object_type,
            e.object_id,
            e.changes,
        ]
