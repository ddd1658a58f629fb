"""API shapes of projects and fairs, named by role."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from haihe.core.i18n import t
from haihe.fairs.models import Fair
from haihe.projects.figures import Figures
from haihe.projects.models import Project, ProjectHistory


def money(v: Decimal | None) -> str | None:
    return None if v is None else f"{v:.2f}"


class FiguresPublic(BaseModel):
    signed: int
    intended_investment_yuan: str = Field(description="decimal string, yuan")
    contracted_investment_yuan: str
    invested_in_place_yuan: str
    construction_started: int
    in_operation: int
    paying_tax: int
    stalled: int
    cancelled: int
    in_operation_share: float
    how_counted: dict[str, str]

    @classmethod
    def of(cls, f: Figures, lang: str = "zh") -> FiguresPublic:
        keys = (
            "signed",
            "intended_investment",
            "construction_started",
            "in_operation",
            "paying_tax",
            "stalled",
            "cancelled",
        )
        return cls(
            signed=f.signed,
            intended_investment_yuan=money(f.intended_investment_yuan),
            contracted_investment_yuan=money(f.contracted_investment_yuan),
            invested_in_place_yuan=money(f.invested_in_place_yuan),
            construction_started=f.construction_started,
            in_operation=f.in_operation,
            paying_tax=f.paying_tax,
            stalled=f.stalled,
            cancelled=f.cancelled,
            in_operation_share=round(f.in_operation_share, 4),
            how_counted={k: t(f"figures.rule.{k}", lang) for k in keys},
        )


class FairPublic(BaseModel):
    id: int
    name: str
    name_en: str | None
    starts_on: date
    ends_on: date
    place: str | None
    region_code: str | None

    @classmethod
    def of(cls, fair: Fair) -> FairPublic:
        return cls(
            id=fair.id,
            name=fair.name,
            name_en=fair.name_en,
            starts_on=fair.starts_on,
            ends_on=fair.ends_on,
            place=fair.place,
            region_code=fair.region_code,
        )


class FairList(BaseModel):
    items: list[FairPublic]
    total: int


class PartyPublic(BaseModel):
    organisation_id: int | None
    name: str
    region_code: str | None
    role: str


class MilestonePublic(BaseModel):
    kind: str
    reached_on: date
    reverted: bool
    recorded_by: str | None
    evidence: str | None


class HistoryPublic(BaseModel):
    at: datetime
    by: str | None
    action: str
    detail: dict

    @classmethod
    def of(cls, h: ProjectHistory) -> HistoryPublic:
        return cls(at=h.at, by=h.by, action=h.action, detail=json.loads(h.detail))


class ProjectPublic(BaseModel):
    id: int
    code: str
    title: str
    title_en: str | None
    project_type: str
    chain: str | None
    segment: str | None
    intended_investment_yuan: str
    contracted_investment_yuan: str | None
    invested_in_place_yuan: str | None
    origin_region_code: str | None
    landing_region_code: str | None
    landing_park_id: int | None
    fair_id: int | None
    officer: str | None
    stage: str
    stage_on: date | None
    signed_on: date | None
    paying_tax_on: date | None
    cancelled_on: date | None
    version: int
    parties: list[PartyPublic]

    @classmethod
    def of(cls, p: Project, private: bool = True) -> ProjectPublic:
        """`private`: whether the reader may see a not-yet-signed project's investment."""
        hidden = not private and p.signed_on is None
        return cls(
            id=p.id,
            code=p.code,
            title=p.title,
            title_en=p.title_en,
            project_type=p.project_type,
            chain=p.chain,
            segment=p.segment,
            intended_investment_yuan=money(p.intended_investment),
            contracted_investment_yuan=None if hidden else money(p.contracted_investment),
            invested_in_place_yuan=None if hidden else money(p.invested_in_place),
            origin_region_code=p.origin_region_code,
            landing_region_code=p.landing_region_code,
            landing_park_id=p.landing_park_id,
            fair_id=p.fair_id,
            officer=p.officer,
            stage=p.stage,
            stage_on=p.stage_on,
            signed_on=p.signed_on,
            paying_tax_on=p.paying_tax_on,
            cancelled_on=p.cancelled_on,
            version=p.version,
            parties=[
                PartyPublic(
                    organisation_id=x.organisation_id,
                    name=x.name,
                    region_code=x.region_code,
                    role=x.role,
                )
                for x in p.parties
            ],
        )


class ProjectDetail(ProjectPublic):
    milestones: list[MilestonePublic]
    history: list[HistoryPublic]


class ProjectList(BaseModel):
    items: list[ProjectPublic]
    total: int
    page: int
    page_size: int


class MilestoneCreate(BaseModel):
    kind: str = Field(description="a stage, paying_tax, or cancelled")
    on: date
    evidence: str | None = None
    reason: str | None = Field(None, description="required to cancel")
    recorded_by: str | None = None
    version: int | None = Field(None, description="the version you loaded; stale saves get 409")


class ProjectUpdate(BaseModel):
    version: int
    changes: dict[str, str | int | None]
    by: str | None = None
