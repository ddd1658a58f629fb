"""API shapes of fairs, named by role."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


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
    starts_at: datetime
    ends_at: datetime
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
