"""API shapes of projects and their figures, named by role.

Built from the tables and figures with `model_validate(obj, context=...)`: the context
says whether the reader sees private investment (`private`) and the language of the
counting rules (`lang`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from haihe.core.i18n import t
from haihe.projects.figures import FigureFilter, figure_filter


def _yuan(v: object) -> object:
    """Amounts leave as decimal strings of yuan with two places ("27100000000.00")."""
    return f"{v:.2f}" if isinstance(v, Decimal) else v


Yuan = Annotated[str, BeforeValidator(_yuan)]

RULES = (
    "signed",
    "intended_investment",
    "construction_started",
    "in_operation",
    "paying_tax",
    "stalled",
    "cancelled",
)


class FigureQuery(BaseModel):
    """The figure filters as query parameters (dashboard, project list, API), as given."""

    fair: str | None = Field(None, description="fair id")
    chain: str | None = Field(None, max_length=64)
    date_from: str | None = Field(None, alias="from", description="signed on or after")
    date_to: str | None = Field(None, alias="to", description="signed on or before")
    origin: str | None = Field(None, max_length=40, description="investor's region")
    landing: str | None = Field(None, max_length=40, description="landing region")
    park: str | None = Field(None, description="landing park id")

    def parsed(self) -> FigureFilter:
        """The filter; InvalidInput naming the parameter that is not a date, id or region."""
        return figure_filter(**self.model_dump())


class FiguresPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    signed: int
    intended_investment_yuan: Yuan = Field(description="decimal string, yuan")
    contracted_investment_yuan: Yuan | None = Field(
        description="null when withheld: see `suppressed`"
    )
    invested_in_place_yuan: Yuan | None = Field(description="null when withheld")
    construction_started: int
    in_operation: int
    paying_tax: int
    stalled: int
    cancelled: int
    in_operation_share: float
    how_counted: dict[str, str] = Field(default_factory=dict)
    suppressed: list[str] = Field(
        default_factory=list,
        description="private sums withheld: they would be over fewer than `min_projects` "
        "projects the caller may not read",
    )
    min_projects: int = 0
    suppressed_note: str | None = Field(None, description="why, in words")
    partial: list[str] = Field(
        default_factory=list,
        description="private sums published without the projects of groups (a day, a chain, "
        "both regions, a park, a fair) of fewer than `min_projects` projects the caller may "
        "not read; `left_out` says how many projects each leaves out",
    )
    left_out: dict[str, int] | None = None
    partial_note: str | None = Field(None, description="what a partial sum leaves out, in words")

    @field_validator("in_operation_share")
    @classmethod
    def _share(cls, v: float) -> float:
        return round(v, 4)

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> FiguresPublic:
        if not self.how_counted:
            lang = (info.context or {}).get("lang", "zh")
            self.how_counted = {k: t(f"figures.rule.{k}", lang) for k in RULES}
        if self.suppressed and self.suppressed_note is None:
            lang = (info.context or {}).get("lang", "zh")
            self.suppressed_note = t("figures.suppressed", lang, n=self.min_projects)
        if self.partial and self.partial_note is None:
            lang = (info.context or {}).get("lang", "zh")
            most = max((self.left_out or {}).values(), default=0)
            self.partial_note = t("figures.partial", lang, n=self.min_projects, left=most)
        return self


class PartyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organisation_id: int | None
    name: str
    region_code: str | None
    role: str


class MilestonePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    reached_on: date
    reverted: bool
    recorded_by: str | None = Field(description="the username of who recorded it")
    evidence: str | None


class HistoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    by: str | None = Field(description="the username of who made the change")
    action: str
    detail: dict

    @field_validator("detail", mode="before")
    @classmethod
    def _json(cls, v: object) -> object:
        return json.loads(v) if isinstance(v, str) else v


class ProjectPublic(BaseModel):
    """A project; its contracted and in-place investment are None for a reader who may
    not see them before signing (context `private` false)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    title: str
    title_en: str | None
    project_type: str
    chain: str | None
    segment: str | None
    intended_investment_yuan: Yuan = Field(
        validation_alias=AliasChoices("intended_investment_yuan", "intended_investment")
    )
    contracted_investment_yuan: Yuan | None = Field(
        validation_alias=AliasChoices("contracted_investment_yuan", "contracted_investment")
    )
    invested_in_place_yuan: Yuan | None = Field(
        validation_alias=AliasChoices("invested_in_place_yuan", "invested_in_place")
    )
    origin_region_code: str | None
    landing_region_code: str | None
    landing_park_id: int | None
    fair_id: int | None
    lead_id: int | None = None  # the investment lead it came from
    meeting_id: int | None = None  # the fair meeting whose agreement it is
    officer: str | None
    stage: str
    stage_on: date | None
    signed_on: date | None
    paying_tax_on: date | None
    cancelled_on: date | None
    version: int
    parties: list[PartyPublic]

    @model_validator(mode="after")
    def _hide_private(self, info: ValidationInfo) -> ProjectPublic:
        if (info.context or {}).get("private", True) is False and self.signed_on is None:
            self.contracted_investment_yuan = None
            self.invested_in_place_yuan = None
        return self


class ProjectDetail(ProjectPublic):
    milestones: list[MilestonePublic]
    history: list[HistoryPublic]


class ProjectList(BaseModel):
    items: list[ProjectPublic]
    total: int
    page: int
    page_size: int


class MilestoneCreate(BaseModel):
    """A milestone to record; who records it is the signed-in user."""

    kind: str = Field(description="a stage, paying_tax, or cancelled")
    on: date
    evidence: str | None = None
    reason: str | None = Field(None, description="required to cancel")
    version: int | None = Field(None, description="the version you loaded; stale saves get 409")


class ProjectUpdate(BaseModel):
    """Fields to change; who changes them is the signed-in user."""

    version: int
    changes: dict[str, str | int | None]


class PartyCreate(BaseModel):
    """A party: a registered organisation by id, or a name (and region) of one that is not."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: int | None = Field(None, ge=1, le=2_147_483_647)
    name: str | None = Field(None, max_length=300)
    region_code: str | None = Field(None, max_length=6)
    role: str = Field("partner", description="investor | host | partner", max_length=16)


class ProjectCreate(BaseModel):
    """POST /api/v1/projects; who creates it is the signed-in user. Amounts are yuan as
    people write them ("1.2亿", "500万", "5,000,000") or decimal strings; with `signed_on`
    the project starts signed."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=40)
    title: str = Field(max_length=300)
    title_en: str | None = Field(None, max_length=300)
    project_type: str = Field("other", max_length=32)
    chain: str | None = Field(None, max_length=64)
    segment: str | None = Field(None, max_length=64)
    intended_investment: str = Field("0", max_length=60)
    contracted_investment: str | None = Field(None, max_length=60)
    invested_in_place: str | None = Field(None, max_length=60)
    landing_region: str | None = Field(None, max_length=40, description="region code or name")
    landing_park_id: int | None = Field(None, ge=1, le=2_147_483_647)
    fair_id: int | None = Field(None, ge=1, le=2_147_483_647)
    officer: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=5000)
    signed_on: date | None = None
    parties: list[PartyCreate] = Field(default_factory=list, max_length=20)
