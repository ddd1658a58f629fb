"""What the chains API returns (pydantic models: the OpenAPI schema is built from them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from haihe.chains.definitions import ChainDefinition, Segment
from haihe.chains.diagnosis import Diagnosis, Pair
from haihe.chains.lists import ChainLists
from haihe.chains.panorama import Figures, OrgOnSegment, Panorama
from haihe.chains.placements import PlacementView
from haihe.chains.service import ChainInfo


class SegmentOut(BaseModel):
    id: str
    parent: str | None
    stage: str
    name_zh: str
    name_en: str
    keywords_zh: list[str]
    keywords_en: list[str]
    industries: list[str]
    activities: list[str]
    bottleneck_technologies: list[str]
    suppliers: list[str]
    customers: list[str]

    @classmethod
    def of(cls, s: Segment, chain: ChainDefinition) -> SegmentOut:
        return cls(
            id=s.id,
            parent=s.parent,
            stage=s.stage,
            name_zh=s.name_zh,
            name_en=s.name_en,
            keywords_zh=list(s.keywords_zh),
            keywords_en=list(s.keywords_en),
            industries=list(s.industries),
            activities=list(s.activities),
            bottleneck_technologies=list(s.bottleneck),
            suppliers=chain.suppliers(s.id),
            customers=chain.customers(s.id),
        )


class ChainSummary(BaseModel):
    key: str
    name_zh: str
    name_en: str
    group: str
    version: int
    segments: int
    updated_at: datetime
    updated_by: str | None

    @classmethod
    def of(cls, c: ChainInfo) -> ChainSummary:
        d = c.definition
        return cls(
            key=d.key,
            name_zh=d.name_zh,
            name_en=d.name_en,
            group=d.group,
            version=c.version,
            segments=len(d.segments),
            updated_at=c.updated_at,
            updated_by=c.updated_by,
        )


class ChainList(BaseModel):
    items: list[ChainSummary]
    total: int


class ChainDetail(ChainSummary):
    description_zh: str
    description_en: str
    segment_list: list[SegmentOut]
    edges: list[list[str]] = Field(description="supplier segment → customer segment")

    @classmethod
    def detail(cls, c: ChainInfo) -> ChainDetail:
        d = c.definition
        return cls(
            **ChainSummary.of(c).model_dump(),
            description_zh=d.description_zh,
            description_en=d.description_en,
            segment_list=[SegmentOut.of(s, d) for s in d.ordered()],
            edges=[list(e) for e in d.edges],
        )


class FiguresOut(BaseModel):
    organisations: int
    manufacturers: int
    research: int
    services: int
    traders: int
    employees: int
    registered_capital_yuan: str = Field(description="Decimal yuan, as text (CNY capital only)")

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        return cls(**f.as_dict())


class PanoramaColumn(BaseModel):
    key: str
    label: str


class PanoramaRow(BaseModel):
    segment: str
    name: str
    stage: str
    cells: dict[str, FiguresOut]
    total: FiguresOut


class PanoramaOut(BaseModel):
    chain: str
    region: str | None
    columns: list[PanoramaColumn]
    rows: list[PanoramaRow]

    @classmethod
    def of(cls, p: Panorama, lang: str) -> PanoramaOut:
        rows = []
        for s in p.chain.ordered():
            rows.append(
                PanoramaRow(
                    segment=s.id,
                    name=s.name(lang),
                    stage=s.stage,
                    cells={k: FiguresOut.of(p.cell(s.id, k)) for k, _ in p.columns},
                    total=FiguresOut.of(p.totals.get(s.id) or Figures()),
                )
            )
        return cls(
            chain=p.chain.key,
            region=p.region,
            columns=[PanoramaColumn(key=k, label=v) for k, v in p.columns],
            rows=rows,
        )


class Evidence(FiguresOut):
    """A segment's figures in the region and what the diagnosis rules made of them."""

    score: float
    relative_to_region_average: float
    location_quotient_vs_partners: float | None
    region_average_organisations: float
    region_average_employees: float
    partner_organisations: int
    breakpoint: bool
    rule: str


class SegmentStatus(BaseModel):
    segment: str
    name: str
    stage: str
    parent: str | None
    status: str = Field(description="strong / weak / missing")
    evidence: Evidence


class DiagnosisOut(BaseModel):
    chain: str
    region: str
    partners: list[str]
    thresholds: dict[str, float]
    counts: dict[str, int]
    segments: list[SegmentStatus]
    breakpoints: list[str]

    @classmethod
    def of(cls, d: Diagnosis, lang: str) -> DiagnosisOut:
        return cls(
            chain=d.chain.key,
            region=d.region,
            partners=d.partners,
            thresholds={k: float(v) for k, v in d.thresholds.__dict__.items()},
            counts=d.counts(),
            segments=[
                SegmentStatus(
                    segment=x.segment.id,
                    name=x.segment.name(lang),
                    stage=x.segment.stage,
                    parent=x.segment.parent,
                    status=x.status,
                    evidence=Evidence(**x.evidence()),
                )
                for x in d.segments
            ],
            breakpoints=[x.segment.id for x in d.breakpoints],
        )


class OrgOut(BaseModel):
    id: int
    name: str
    name_en: str | None
    kind: str
    region_code: str | None
    employees: int | None
    segment: str
    role: str
    confidence: float
    source: str
    reason: str

    @classmethod
    def of(cls, o: OrgOnSegment, lang: str) -> OrgOut:
        return cls(
            id=o.id,
            name=o.name,
            name_en=o.name_en,
            kind=o.kind,
            region_code=o.region_code,
            employees=o.employees,
            segment=o.segment_id,
            role=o.role,
            confidence=o.confidence,
            source=o.source,
            reason=(o.reason_en if lang == "en" else o.reason_zh) or "",
        )


class OrgList(BaseModel):
    items: list[OrgOut]
    page: int
    page_size: int


class PairOut(BaseModel):
    segment: str
    name: str
    research_region: str
    making_region: str
    research_count: int
    making_count: int
    research_share: float
    making_share: float
    research_organisations: list[OrgOut]
    making_organisations: list[OrgOut]

    @classmethod
    def of(cls, p: Pair, lang: str) -> PairOut:
        return cls(
            segment=p.segment.id,
            name=p.segment.name(lang),
            research_region=p.research_region,
            making_region=p.making_region,
            research_count=p.research_count,
            making_count=p.making_count,
            research_share=round(p.research_share, 3),
            making_share=round(p.making_share, 3),
            research_organisations=[OrgOut.of(o, lang) for o in p.research_orgs],
            making_organisations=[OrgOut.of(o, lang) for o in p.making_orgs],
        )


class BottleneckOut(BaseModel):
    segment: str
    technology: str
    source: str
    entry_id: int | None
    note: str | None
    organisations: list[OrgOut]


class CandidateOut(BaseModel):
    organisation: OrgOut
    score: float
    reason: str


class GapOut(BaseModel):
    segment: str
    status: str
    source: str
    entry_id: int | None
    note: str | None
    candidates: list[CandidateOut]


class KeyEnterpriseOut(BaseModel):
    organisation_id: int
    name: str
    segment: str | None
    source: str
    entry_id: int | None
    note: str | None


class ListsOut(BaseModel):
    chain: str
    region: str
    bottlenecks: list[BottleneckOut]
    gaps: list[GapOut]
    key_enterprises: list[KeyEnterpriseOut]

    @classmethod
    def of(cls, chain: str, region: str, lists: ChainLists, lang: str) -> ListsOut:
        return cls(
            chain=chain,
            region=region,
            bottlenecks=[
                BottleneckOut(
                    segment=b.segment.id,
                    technology=b.technology,
                    source=b.source,
                    entry_id=b.entry_id,
                    note=b.note,
                    organisations=[OrgOut.of(o, lang) for o in b.organisations],
                )
                for b in lists.bottlenecks
            ],
            gaps=[
                GapOut(
                    segment=g.segment.id,
                    status=g.status,
                    source=g.source,
                    entry_id=g.entry_id,
                    note=g.note,
                    candidates=[
                        CandidateOut(
                            organisation=OrgOut.of(c.org, lang),
                            score=c.score,
                            reason=c.reason_en if lang == "en" else c.reason_zh,
                        )
                        for c in g.candidates
                    ],
                )
                for g in lists.gaps
            ],
            key_enterprises=[
                KeyEnterpriseOut(
                    organisation_id=k.organisation_id,
                    name=k.name,
                    segment=k.segment.id if k.segment else None,
                    source=k.source,
                    entry_id=k.entry_id,
                    note=k.note,
                )
                for k in lists.key_enterprises
            ],
        )


class ListEntryIn(BaseModel):
    list_kind: str = Field(description="bottleneck / gap / key", max_length=16)
    region: str = Field(max_length=6)
    segment_id: str | None = Field(default=None, max_length=48)
    organisation_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    technology: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=500)
    set_aside: bool = Field(default=False, description="set a computed entry aside instead")


class ListEntryOut(BaseModel):
    id: int
    chain: str
    list_kind: str
    region: str
    segment_id: str | None
    organisation_id: int | None
    technology: str | None
    note: str | None
    active: bool


class PlacementOut(BaseModel):
    chain: str
    chain_name: str
    segment: str
    segment_name: str
    role: str
    source: str
    confidence: float
    reason: str
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, p: PlacementView) -> PlacementOut:
        return cls(
            chain=p.chain_key,
            chain_name=p.chain_name,
            segment=p.segment_id,
            segment_name=p.segment_name,
            role=p.role,
            source=p.source,
            confidence=p.confidence,
            reason=p.reason,
            decision=p.decision,
            decided_by=p.decided_by,
            decided_at=p.decided_at,
        )


class PlacementList(BaseModel):
    items: list[PlacementOut]


class PlacementDecisionIn(BaseModel):
    chain: str = Field(max_length=48)
    segment: str = Field(max_length=48)
    decision: str = Field(description="confirm / remove / add / undo", max_length=16)
    role: str | None = Field(
        default=None, description="make / research / service / trade", max_length=16
    )
