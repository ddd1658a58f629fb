"""Tables of the chains context: chains and their versions, placements, the three lists.

A chain's current definition is kept whole (as the YAML file's data, in JSON) with every
earlier version beside it, so that a chain can be compared with any earlier version and
placements refer to segments by their stable ids, not by row ids that change on edit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from haihe.core.db import Base, UTCDateTime

ROLES = ("make", "research", "service", "trade")
SOURCES = ("declared", "classified", "officer")
DECISIONS = ("confirmed", "removed")
LISTS = ("bottleneck", "gap", "key")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Chain(Base):
    __tablename__ = "chains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(16), default="custom")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Every UPDATE says WHERE version = the one read (see chains.service._save).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    definition: Mapped[str] = mapped_column(Text)  # JSON of the YAML data
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class ChainVersion(Base):
    """Every saved version of a chain, the current one included (append-only)."""

    __tablename__ = "chain_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("chain_id", "version", name="uq_chain_version"),)


class Placement(Base):
    """An organisation on a segment, with where that came from and why.

    `source` says who placed it (declared by the organisation or an import column,
    classified from its data, added by an officer); `decision` is an officer's word on
    it (confirmed / removed), which re-classification never overrides.
    """

    __tablename__ = "placements"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    chain_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="make")
    source: Mapped[str] = mapped_column(String(16), default="classified")
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    reason_zh: Mapped[str | None] = mapped_column(Text)
    reason_en: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_placements_chain_segment", "chain_key", "segment_id"),)


class ChainListEntry(Base):
    """An officer's entry on one of a chain's three lists for a region.

    The lists are computed from the data; officers add what the data cannot know (a
    technology to break through, a key enterprise, a gap to attract) or set aside a
    computed entry (`active` false), and these entries are kept as they are.
    """

    __tablename__ = "chain_list_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_key: Mapped[str] = mapped_column(String(48), index=True)
    list_kind: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(6))
    segment_id: Mapped[str | None] = mapped_column(String(48))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    technology: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class ChainMember(Base):
    """Who counts on each segment, with the organisation's facts the figures need.

    Derived from placements (removed ones left out; a parent segment gets its children's
    organisations, each once) and kept in step with them and with the organisations, so
    that a chain's panorama over a million organisations is one indexed scan of one table
    instead of a join. Rebuilt by `members.rebuild`; never edited by hand.
    """

    __tablename__ = "chain_members"

    chain_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(6))
    region_code: Mapped[str | None] = mapped_column(String(6))
    park_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    employees: Mapped[int] = mapped_column(Integer, default=0)
    capital_cny: Mapped[Decimal] = mapped_column(Numeric(20, 2), default=0)

    __table_args__ = (
        Index(
            "ix_chain_members_figures",
            "chain_key",
            "province",
            "segment_id",
            "role",
            "kind",
            "employees",
            "capital_cny",
        ),
        Index("ix_chain_members_region", "chain_key", "region_code"),
        Index(
            "ix_chain_members_rank",
            "chain_key",
            "segment_id",
            "employees",
            "capital_cny",
            "organisation_id",
        ),
        Index("ix_chain_members_org", "organisation_id"),
    )


class ChainState(Base):
    """One row: a generation number bumped by every change to chain_members, so that a
    server process may keep a chain's figures until they change (and not a moment longer)."""

    __tablename__ = "chain_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
