"""The audit table (the database refuses updates and deletes of it; see migration 0005)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haihe.core.db import Base, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # create | update | delete | import | ...
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    changes: Mapped[str] = mapped_column(Text)  # JSON: {field: [before, after]} or details

    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)
