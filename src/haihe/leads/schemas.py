"""API shapes of leads and their figures, named by role."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from haihe.core.limits import Text
from haihe.leads.queries import LeadFilter, lead_filter


class LeadQuery(BaseModel):
    """The list, figure and export filters as query parameters, as given."""

    chain: str | None = Field(None, max_length=64)
    segment: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=40, description="landing region, code or name")
    officer: str | None = Field(None, max_length=100)
    status: str | None = Field(None, max_length=16, description="a status, or open")
    overdue: bool = False
    organisation: int | None = Field(None, ge=1, le=2_147_483_647)
    date_from: str | None = Field(
        None, alias="from", max_length=10, description="started on or after"
    )
    date_to: str | None = Field(None, alias="to", max_length=10)
    q: str | None = Field(None, max_length=100, description="in the organisation's name")

    def parsed(self) -> LeadFilter:
        d = self.model_dump()
        d["organisation_id"] = d.pop("organisation")
        return lead_filter(**d)


class LeadCreate(BaseModel):
    organisation_id: int = Field(ge=1, le=2_147_483_647)
    chain: str = Field(max_length=64)
    segment: str = Field(max_length=64)
    region_code: str = Field(max_length=40, description="landing region, code or name")
    park_id: int | None = Field(None, ge=1, le=2_147_483_647)
    officer: Text("lead.officer", name=True) | None = Field(
        None, description="username; you when empty"
    )
    source: str = Field("manual", description="gap_list, match, fair, referral or manual")
    notes: Text("lead.notes") | None = None
    next_step: Text("lead.next_step") | None = None
    next_step_on: date | None = None


class StatusChange(BaseModel):
    status: str = Field(description="new, contacted, visited, negotiating, signed or dropped")
    on: date
    note: Text("lead.note") | None = None
    reason: Text("lead.reason") | None = Field(None, description="needed to drop or go back")
    version: int | None = None


class NextStep(BaseModel):
    next_step: Text("lead.next_step") | None = None
    on: date | None = None
    version: int | None = None


class LeadPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    organisation_name: str
    chain: str
    segment: str
    region_code: str
    park_id: int | None
    officer: str | None
    source: str
    notes: str | None
    status: str
    status_on: date
    started_on: date
    signed_on: date | None
    dropped_reason: str | None
    next_step: str | None
    next_step_on: date | None
    overdue: bool = False
    project_id: int | None
    project_code: str | None
    version: int


class StepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    on: date
    note: str | None
    by: str | None


class HistoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    by: str | None
    action: str
    detail: str


class LeadDetail(LeadPublic):
    steps: list[StepPublic]
    history: list[HistoryPublic]


class LeadList(BaseModel):
    items: list[LeadPublic]
    total: int
    page: int
    page_size: int


class RowPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    total: int
    open: int
    overdue: int
    signed: int
    dropped: int
    converted: int


class CoveragePublic(BaseModel):
    chain: str
    region: str
    gaps: list[str]
    worked: list[str]
    share: float


class LeadFiguresPublic(BaseModel):
    total: RowPublic
    by_chain: list[RowPublic]
    by_segment: list[RowPublic]
    by_region: list[RowPublic]
    by_officer: list[RowPublic]
    conversion_share: float
    days_to_signing_median: float | None
    days_to_signing_mean: float | None
    gap_region: str
    coverage: list[CoveragePublic]
    how_counted: str
