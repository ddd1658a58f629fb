"""Tables of the registry: organisations, their industry codes, parks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from haihe.core.db import Base, UTCDateTime

# 专精特新: a specialised, refined, distinctive and innovative SME; a national "little giant".
SPECIALISED = ("srdi", "little_giant")
CLAIM_STATUSES = ("pending", "approved", "rejected")
KINDS = ("enterprise", "research_institute", "university", "hospital", "park_operator", "other")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Park(Base):
    __tablename__ = "parks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    operator: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_norm: Mapped[str] = mapped_column(String(300), index=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), default="enterprise")
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"), index=True)
    founded: Mapped[date | None] = mapped_column(Date)
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    capital_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    employees: Mapped[int | None] = mapped_column(Integer)
    website: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    named_in_source: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    # The words it is found by (registry/terms.py), kept by the registry's writes.
    search_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    high_tech: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    specialised: Mapped[str | None] = mapped_column(String(16))  # SPECIALISED
    listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    stock_code: Mapped[str | None] = mapped_column(String(16))
    above_scale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    park: Mapped[Park | None] = relationship(lazy="joined")
    industries: Mapped[list[OrganisationIndustry]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OrganisationIndustry.industry_code"
    )

    __table_args__ = (Index("ix_organisations_name_region", "name_norm", "region_code"),)

    @property
    def industry_codes(self) -> list[str]:
        return [i.industry_code for i in self.industries]


class OrganisationIndustry(Base):
    __tablename__ = "organisation_industries"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    industry_code: Mapped[str] = mapped_column(String(4), primary_key=True, index=True)


class OrganisationClaim(Base):
    """An enterprise user asks to manage an organisation's profile; an officer who may edit
    the organisation approves (the user then edits it) or rejects it."""

    __tablename__ = "organisation_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_by_user_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
