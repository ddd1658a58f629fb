"""Reading the audit trail (it is written by audit.recorder; nothing here deletes)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.audit.models import AuditEntry


def list_entries(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    username: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[AuditEntry], int]:
    conds = []
    if object_type:
        conds.append(AuditEntry.object_type == object_type)
    if object_id:
        conds.append(AuditEntry.object_id == str(object_id))
    if username:
        conds.append(AuditEntry.username == username)
    total = session.execute(select(func.count(AuditEntry.id)).where(*conds)).scalar_one()
    items = list(
        session.execute(
            select(AuditEntry)
            .where(*conds)
            .order_by(AuditEntry.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).scalars()
    )
    return items, total
