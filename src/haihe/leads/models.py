"""Tables of the leads context: a lead, its steps and history, and its attachments."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haihe.core.db import Base, UTCDateTime

SOURCES = ("gap_list", "match", "fair", "referral", "manual")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Lead(Base):
    """A target organisation worked by an officer for a chain segment and a landing region."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The target organisation (registry): its id and, as it was when the lead began, its
    # name and region (so a lead reads well even if the organisation is merged away).
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    organisation_name: Mapped[str] = mapped_column(String(300))
    organisation_region_code: Mapped[str | None] = mapped_column(String(6))
    # A chain's key and one of its segments (chains.queries.check_reference).
    chain: Mapped[str] = mapped_column(String(64), index=True)
    segment: Mapped[str] = mapped_column(String(64))
    # Where it would land: the region decides which officers see it, the park which manager.
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6))
    park_id: Mapped[int | None] = mapped_column(Integer, index=True)
    officer: Mapped[str | None] = mapped_column(String(100), index=True)  # a username
    officer_user_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    status_on: Mapped[date] = mapped_column(Date)
    started_on: Mapped[date] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    dropped_reason: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_on: Mapped[date | None] = mapped_column(Date)
    # The cooperation project it became (projects keep the other side: projects.lead_id).
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    project_code: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Every UPDATE says WHERE version = the one read (see leads.service._write).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_leads_chain_segment", "chain", "segment", "status"),
        Index("ix_leads_next_step", "status", "next_step_on"),
    )


class LeadStep(Base):
    """A status the lead reached: dated, by whom, with a note (the dropped reason too)."""

    __tablename__ = "lead_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str | None] = mapped_column(String(100))
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeadHistory(Base):
    """Append-only record of every change to a lead: who, when, what."""

    __tablename__ = "lead_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(100))
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)  # JSON


class LeadAttachment(Base):
    """A file kept with a lead (a visit report, a letter of intent), in the database."""

    __tablename__ = "lead_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str | None] = mapped_column(String(100))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
