"""API shapes of fairs, named by role."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from haihe.core.limits import Text

# A fair's slots are kept as the venue's wall-clock times (no zone in the table); the API
# gives them with the venue's offset, e.g. 2023-06-15T09:30:00+08:00.
FAIR_TZ = ZoneInfo("Asia/Shanghai")


def _at_venue(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=FAIR_TZ)).isoformat()


VenueTime = Annotated[datetime, PlainSerializer(_at_venue, return_type=str, when_used="json")]


class FairPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    name: str
    name_en: str | None
    starts_on: date
    ends_on: date
    place: str | None
    region_code: str | None
    registration_open: bool = False
    requests_expire_at: datetime | None = None

    def title(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


# What a fair's forms and API take in: every text bounded and cleaned by core.limits (a
# message naming the field when too long), the same rule as the service applies.
FairName = Text("fair.name", name=True)
FairNameEn = Text("fair.name_en", name=True)
FairPlace = Text("fair.place")
FairDescription = Text("fair.description")
TableLabel = Text("fair.table_label")
Representatives = Text("fair.representatives")
RequestNote = Text("fair.request_note")
OutcomeNote = Text("fair.outcome_note")


class FairCreate(BaseModel):
    """A new fair (one day when `ends_on` is not given)."""

    name: FairName
    name_en: FairNameEn | None = None
    starts_on: date
    ends_on: date | None = None
    place: FairPlace | None = None
    region: str | None = Field(default=None, max_length=100)
    description: FairDescription | None = None


class FairUpdate(BaseModel):
    """A fair's changed fields (those left out stay as they are)."""

    name: FairName | None = None
    name_en: FairNameEn | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    place: FairPlace | None = None
    region: str | None = Field(default=None, max_length=100)
    description: FairDescription | None = None


class ParticipantDetails(BaseModel):
    """What an organiser says of a participant: its quota and representatives."""

    quota: int | None = Field(default=None, ge=0, le=1000)
    representatives: Representatives | None = None


class FairList(BaseModel):
    items: list[FairPublic]
    total: int


class ParticipantView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    organisation_id: int
    name: str
    name_en: str | None
    region_code: str | None
    quota: int | None
    checked_in_at: datetime | None


class RequestView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    requester_id: int
    requested_id: int
    priority: int
    mutual: bool
    status: str
    expires_at: datetime | None


class MeetingView(BaseModel):
    """A scheduled meeting as the agendas and the API show it."""

    model_config = ConfigDict(frozen=True)

    id: int
    fair_id: int
    request_id: int
    uid: str
    sequence: int
    starts_at: VenueTime
    ends_at: VenueTime
    table: int
    table_label: str | None
    requester_id: int
    requester_name: str
    requester_name_en: str | None
    requested_id: int
    requested_name: str
    requested_name_en: str | None
    locked: bool
    status: str | None  # held, not_held, None (not said yet)
    held_by_requester: bool | None
    held_by_requested: bool | None
    outcome: str | None
    outcome_at: datetime | None
    intended_investment: Decimal | None
    requester_organisation_id: int
    requested_organisation_id: int
