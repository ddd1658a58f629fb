"""Tables of the matching context: listings and their chain segments, stored
recommendations, users' feedback on them, expressions of interest and the notifications
that tell the other side."""

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

# offer: what the organisation has (a technology, products, capacity, money to invest);
# seek: what it looks for (a supplier, a site, a partner to industrialise, investment).
DIRECTIONS = ("offer", "seek")
KINDS = ("technology", "product", "capacity", "investment", "cooperation")
# who or what a recommendation or a piece of feedback is about
SUBJECTS = ("listing", "organisation")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Listing(Base):
    """What one organisation offers or seeks, placed on chain segments."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)  # registry
    direction: Mapped[str] = mapped_column(String(8))  # DIRECTIONS
    kind: Mapped[str] = mapped_column(String(16))  # KINDS
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    abstract: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str | None] = mapped_column(String(200))  # 技术领域, as its owner says it
    # technology readiness level 1–9, for technology achievements
    maturity: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(Text)  # patent numbers and other IP, as written
    keywords: Mapped[str | None] = mapped_column(String(500))
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))  # investment
    capacity: Mapped[str | None] = mapped_column(String(300))  # e.g. 年产 50 万片
    # where the owner would like its partner: region codes and park ids, comma-separated
    region_preference: Mapped[str | None] = mapped_column(String(200))
    park_preference: Mapped[str | None] = mapped_column(String(200))
    # private listings are matched but shown only to their owner and officers in scope
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    # the words it is found and matched by (title, abstract, field, keywords, segmented)
    search_terms: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_listings_kind", "direction", "kind", "status"),)


class ListingSegment(Base):
    """A chain segment a listing sits on: proposed by the classifier, or confirmed."""

    __tablename__ = "listing_segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    chain: Mapped[str] = mapped_column(String(64))
    segment: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("listing_id", "chain", "segment", name="uq_listing_segment"),
        Index("ix_listing_segments_segment", "chain", "segment"),
    )


class MatchResult(Base):
    """A stored recommendation (from `haihe match all`): one ranked partner of a subject,
    with its score's parts and the reasons in words, as computed at `computed_at`."""

    __tablename__ = "match_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # SUBJECTS
    subject_id: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    partner_kind: Mapped[str] = mapped_column(String(16))  # SUBJECTS
    partner_id: Mapped[int] = mapped_column(Integer)
    partner_organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    score: Mapped[float] = mapped_column(Float)
    parts: Mapped[str] = mapped_column(Text)  # JSON: {"text": 0.41, "chain": 0.3, ...}
    reasons: Mapped[str] = mapped_column(Text)  # JSON: [{"key": ..., "params": {...}}, ...]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_match_results_subject", "subject_kind", "subject_id", "rank"),)


class MatchChange(Base):
    """An organisation or listing that changed since the index was built: the index
    applies these instead of rebuilding (seq is the order they happened in)."""

    __tablename__ = "match_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_kind: Mapped[str] = mapped_column(String(16))  # SUBJECTS
    doc_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchFeedback(Base):
    """A user's mark on a recommendation: useful or not (one mark per user and pair)."""

    __tablename__ = "match_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    partner_kind: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int] = mapped_column(Integer)
    useful: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))
    rank: Mapped[int | None] = mapped_column(Integer)  # where it was shown
    score: Mapped[float | None] = mapped_column(Float)
    by: Mapped[str | None] = mapped_column(String(100))
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "subject_kind",
            "subject_id",
            "partner_kind",
            "partner_id",
            "by_user_id",
            name="uq_match_feedback_once",
        ),
    )


class Interest(Base):
    """An expression of interest from one organisation (or its listing) in another's:
    the other side is notified; it may become a fair meeting request, a lead or a project."""

    __tablename__ = "match_interests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    from_listing_id: Mapped[int | None] = mapped_column(Integer)
    to_organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    to_listing_id: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    # sent | accepted | declined | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="sent")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # what it became: a fair meeting request, a lead or a project (kind and id)
    became_kind: Mapped[str | None] = mapped_column(String(16))
    became_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(100))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """An in-app notice to an organisation's users (e.g. someone expressed interest)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)  # whose users see it
    kind: Mapped[str] = mapped_column(String(32))  # e.g. interest_received
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON, worded by the page
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_notifications_inbox", "organisation_id", "read_at"),)
