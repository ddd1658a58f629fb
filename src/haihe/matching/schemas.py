"""API shapes of listings, recommendations, marks, interests and notifications, by role."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from haihe.core.limits import Text

MAX_ID = 2_147_483_647


class ListingCreate(BaseModel):
    organisation_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="the organisation it is of; yours when empty"
    )
    direction: str = Field(max_length=8, description="offer or seek")
    kind: str = Field(
        max_length=16, description="technology, product, capacity, investment or cooperation"
    )
    title: Text("listing.title")
    title_en: Text("listing.title_en") | None = None
    abstract: Text("listing.abstract") | None = None
    field: Text("listing.field") | None = None
    maturity: int | str | None = Field(
        None, description="technology readiness level 1-9 (6, or TRL 6)"
    )
    ip: Text("listing.ip") | None = Field(None, description="patent numbers and other IP")
    keywords: Text("listing.keywords") | None = None
    amount_yuan: Decimal | str | None = Field(
        None, description="investment in yuan, or as typed: 500万, 1.2亿元"
    )
    capacity: Text("listing.capacity") | None = None
    region_preference: Text("listing.region_preference") | None = Field(
        None, description="regions (codes or names) where a partner is preferred"
    )
    park_preference: Text("listing.park_preference") | None = None
    public: bool = True
    segments: list[str] | None = Field(
        None, max_length=6, description='"chain/segment" each; the classifier places it if empty'
    )


class ListingUpdate(ListingCreate):
    direction: str | None = Field(None, max_length=8)  # type: ignore[assignment]
    kind: str | None = Field(None, max_length=16)  # type: ignore[assignment]
    title: Text("listing.title") | None = None  # type: ignore[valid-type]
    version: int | None = Field(None, description="the version you read (refused if changed)")


class SegmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chain: str
    segment: str
    confidence: float | None
    confirmed: bool


class ListingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    organisation_name: str = ""
    direction: str
    kind: str
    title: str
    title_en: str | None
    abstract: str
    field: str | None
    maturity: int | None
    ip: str | None
    keywords: str | None
    amount_yuan: Decimal | None
    capacity: str | None
    region_preference: str | None
    park_preference: str | None
    public: bool
    status: str
    version: int
    segments: list[SegmentPublic] = []
    created_at: datetime
    updated_at: datetime


class ListingList(BaseModel):
    items: list[ListingPublic]
    total: int
    page: int
    page_size: int


class PartPublic(BaseModel):
    key: str = Field(description="text, chain, city, scale or preference")
    label_zh: str
    label_en: str
    value: float


class MatchPublic(BaseModel):
    rank: int
    partner_kind: str
    partner_id: int
    organisation_id: int
    organisation_name: str
    organisation_name_en: str | None
    region_code: str | None
    title: str | None = Field(description="the partner listing's title (None: an organisation)")
    score: float = Field(description="the sum of the parts")
    parts: list[PartPublic]
    reasons_zh: list[str]
    reasons_en: list[str]


class MatchList(BaseModel):
    subject_kind: str
    subject_id: int
    items: list[MatchPublic]


class FeedbackCreate(BaseModel):
    subject_kind: str = Field(max_length=16, description="listing or organisation")
    subject_id: int = Field(ge=1, le=MAX_ID)
    partner_kind: str = Field(max_length=16)
    partner_id: int = Field(ge=1, le=MAX_ID)
    useful: bool
    note: Text("match.note") | None = None
    rank: int | None = Field(None, ge=1, le=10_000)
    score: float | None = Field(None, ge=-1000, le=1000)


class FeedbackPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_kind: str
    subject_id: int
    partner_kind: str
    partner_id: int
    useful: bool
    note: str | None
    at: datetime


class InterestCreate(BaseModel):
    to_listing_id: int | None = Field(None, ge=1, le=MAX_ID)
    to_organisation_id: int | None = Field(None, ge=1, le=MAX_ID)
    from_listing_id: int | None = Field(None, ge=1, le=MAX_ID)
    from_organisation_id: int | None = Field(None, ge=1, le=MAX_ID, description="yours when empty")
    message: Text("interest.message") | None = None


class InterestAnswer(BaseModel):
    accept: bool


class InterestPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_organisation_id: int
    from_listing_id: int | None
    to_organisation_id: int
    to_listing_id: int | None
    message: str | None
    status: str
    became_kind: str | None
    became_id: int | None
    created_at: datetime
    answered_at: datetime | None


class NotificationPublic(BaseModel):
    id: int
    kind: str
    text_zh: str
    text_en: str
    link: str | None
    read: bool
    created_at: datetime


class NotificationList(BaseModel):
    items: list[NotificationPublic]
    unread: int
