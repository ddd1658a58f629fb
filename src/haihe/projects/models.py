"""Tables of the projects context."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from haihe.core.db import Base, UTCDateTime

TYPES = (
    "manufacturing_base",
    "rd_centre",
    "technology_licence",
    "joint_venture",
    "relocation",
    "service",
    "other",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Project(Base):
    """A cooperation project. Stage fields mirror its milestones, for fast figures."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    project_type: Mapped[str] = mapped_column(String(32), default="other")
    # A chain's key and one of its segments' ids (chains.queries.check_reference); checked
    # by the service, not by a foreign key: segments live inside the chain's definition.
    chain: Mapped[str | None] = mapped_column(String(64), index=True)
    segment: Mapped[str | None] = mapped_column(String(64))
    intended_investment: Mapped[Decimal] = mapped_column(Numeric(20, 2), default=0)
    contracted_investment: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    invested_in_place: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    origin_region_code: Mapped[str | None] = mapped_column(String(6))
    origin_province: Mapped[str | None] = mapped_column(String(6))
    landing_region_code: Mapped[str | None] = mapped_column(String(6))
    landing_province: Mapped[str | None] = mapped_column(String(6))
    landing_park_id: Mapped[int | None] = mapped_column(Integer, index=True)
    fair_id: Mapped[int | None] = mapped_column(ForeignKey("fairs.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the lead it came from
    # The fair meeting whose agreement it is (fairs.queries.get_meeting), one project each.
    meeting_id: Mapped[int | None] = mapped_column(Integer, index=True, unique=True)
    # the expression of interest (matching) it came from
    match_interest_id: Mapped[int | None] = mapped_column(Integer, index=True)
    officer: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(32), default="planned")
    stage_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date, index=True)
    paying_tax_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Every UPDATE says WHERE version = the one read: of two saves based on one version,
    # exactly one changes the row (the service raises the conflict for the other).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parties: Mapped[list[ProjectParty]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectParty.position"
    )
    milestones: Mapped[list[ProjectMilestone]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectMilestone.id"
    )
    increments: Mapped[list[ProjectIncrement]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectIncrement.id"
    )

    __table_args__ = (
        Index("ix_projects_figures", "stage", "signed_on"),
        Index("ix_projects_pair", "origin_province", "landing_province"),
        Index("ix_projects_stage_on", "stage", "stage_on"),  # the stalled list
    )


class ProjectParty(Base):
    __tablename__ = "project_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(String(6))
    role: Mapped[str] = mapped_column(String(32), default="partner")


class ProjectMilestone(Base):
    __tablename__ = "project_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    reached_on: Mapped[date] = mapped_column(Date)
    reverted: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str | None] = mapped_column(String(100))  # the principal's username
    recorded_by_user_id: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectIncrement(Base):
    """A later capital increase of a signed project: counted with it, not as a new project."""

    __tablename__ = "project_increments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class ProjectHistory(Base):
    """Append-only record of every change to a project: who, when, what, why."""

    __tablename__ = "project_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(100))  # the principal's username
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)  # JSON: before/after or the milestone


class ProjectAttachment(Base):
    """A file kept with a project (a signed agreement, a permit, a photo of the site).

    Stored in the database so that backups and both backends keep it with the project.
    """

    __tablename__ = "project_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str | None] = mapped_column(String(100))  # the principal's username
    uploaded_by_user_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
