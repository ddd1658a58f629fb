"""What the chains API takes and returns (pydantic models: the OpenAPI schema is built
from them).

Models of one object are read from it (`from_attributes`, `Model.model_validate(obj)`);
a text given in both languages takes the visitor's (`context={"lang": lang}`). The
reports that regroup a chain's figures by segment (panorama, diagnosis, the three lists,
complementarity) are put together by their `of` constructors.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pydantic import (
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from haihe.chains.definitions import ChainDefinition, Segment
from haihe.chains.diagnosis import Diagnosis, Pair
from haihe.chains.lists import ChainLists
from haihe.chains.panorama import Figures, Panorama

FROM_OBJECT = ConfigDict(from_attributes=True)


class _InLanguage:
    """An object read in one language: `x.reason` is its reason_en in English, else its
    reason_zh (empty when that is not given)."""

    def __init__(self, obj: object, lang: str) -> None:
        self._obj, self._lang = obj, lang

    def __getattr__(self, name: str) -> object:
        if name == "reason":
            return getattr(self._obj, "reason_en" if self._lang == "en" else "reason_zh") or ""
        return getattr(self._obj, name)


class SegmentPublic(BaseModel):
    model_config = FROM_OBJECT

    id: str
    parent: str | None
    stage: str
    name_zh: str
    name_en: str
    keywords_zh: list[str]
    keywords_en: list[str]
    industries: list[str]
    activities: list[str]
    bottleneck_technologies: list[str] = Field(validation_alias="bottleneck")
    suppliers: list[str]
    customers: list[str]

    @classmethod
    def of(cls, s: Segment, chain: ChainDefinition) -> SegmentPublic:
        """The segment with its supplier and customer segments in `chain`."""
        return cls.model_validate(
            {**asdict(s), "suppliers": chain.suppliers(s.id), "customers": chain.customers(s.id)}
        )


class ChainPublic(BaseModel):
    # read from a chains.queries.ChainInfo

    model_config = FROM_OBJECT

    key: str
    name_zh: str = Field(validation_alias=AliasPath("definition", "name_zh"))
    name_en: str = Field(validation_alias=AliasPath("definition", "name_en"))
    group: str = Field(validation_alias=AliasPath("definition", "group"))
    version: int
    segments: int = Field(validation_alias=AliasPath("definition", "segments"))
    updated_at: datetime
    updated_by: str | None

    @field_validator("segments", mode="before")
    @classmethod
    def _count(cls, value: object) -> object:
        return len(value) if isinstance(value, (list, tuple)) else value


class ChainList(BaseModel):
    items: list[ChainPublic]
    total: int


class ChainDetail(ChainPublic):
    # read from a chains.queries.ChainInfo

    description_zh: str = Field(validation_alias=AliasPath("definition", "description_zh"))
    description_en: str = Field(validation_alias=AliasPath("definition", "description_en"))
    segment_list: list[SegmentPublic] = Field(validation_alias="definition")
    edges: list[list[str]] = Field(
        validation_alias=AliasPath("definition", "edges"),
        description="supplier segment → customer segment",
    )

    @field_validator("segment_list", mode="before")
    @classmethod
    def _segments(cls, value: object) -> object:
        if isinstance(value, ChainDefinition):
            return [SegmentPublic.of(s, value) for s in value.ordered()]
        return value


class SegmentFigures(BaseModel):
    # read from a chains.panorama.Figures

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    organisations: int = Field(validation_alias="orgs")
    manufacturers: int = Field(validation_alias="makers")
    research: int
    services: int
    traders: int
    employees: int
    registered_capital_yuan: str = Field(
        validation_alias="capital", description="Decimal yuan, as text (CNY capital only)"
    )

    @field_validator("registered_capital_yuan", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        return value if isinstance(value, str) else str(value)


class PanoramaColumn(BaseModel):
    key: str
    label: str


class PanoramaRow(BaseModel):
    segment: str
    name: str
    stage: str
    cells: dict[str, SegmentFigures]
    total: SegmentFigures


class PanoramaPublic(BaseModel):
    chain: str
    region: str | None
    columns: list[PanoramaColumn]
    rows: list[PanoramaRow]

    @classmethod
    def of(cls, p: Panorama, lang: str) -> PanoramaPublic:
        """The panorama's cells regrouped as one row per segment."""
        figures = SegmentFigures.model_validate
        return cls(
            chain=p.chain.key,
            region=p.region,
            columns=[PanoramaColumn(key=k, label=v) for k, v in p.columns],
            rows=[
                PanoramaRow(
                    segment=s.id,
                    name=s.name(lang),
                    stage=s.stage,
                    cells={k: figures(p.cell(s.id, k)) for k, _ in p.columns},
                    total=figures(p.totals.get(s.id) or Figures()),
                )
                for s in p.chain.ordered()
            ],
        )


class Evidence(SegmentFigures):
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


class DiagnosisPublic(BaseModel):
    chain: str
    region: str
    partners: list[str]
    thresholds: dict[str, float]
    counts: dict[str, int]
    segments: list[SegmentStatus]
    breakpoints: list[str]

    @classmethod
    def of(cls, d: Diagnosis, lang: str) -> DiagnosisPublic:
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
                    evidence=Evidence.model_validate(x.evidence()),
                )
                for x in d.segments
            ],
            breakpoints=[x.segment.id for x in d.breakpoints],
        )


class OrgOnSegmentPublic(BaseModel):
    # read from a chains.panorama.OrgOnSegment, the reason in the visitor's language

    model_config = FROM_OBJECT

    id: int
    name: str
    name_en: str | None
    kind: str
    region_code: str | None
    employees: int | None
    segment: str = Field(validation_alias="segment_id")
    role: str
    confidence: float
    source: str
    reason: str

    @model_validator(mode="before")
    @classmethod
    def _in_language(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, dict):
            return value
        return _InLanguage(value, (info.context or {}).get("lang", "zh"))


class OrgList(BaseModel):
    items: list[OrgOnSegmentPublic]
    page: int
    page_size: int


def _orgs(orgs: list, lang: str) -> list[OrgOnSegmentPublic]:
    return [OrgOnSegmentPublic.model_validate(o, context={"lang": lang}) for o in orgs]


class PairPublic(BaseModel):
    segment: str
    name: str
    research_region: str
    making_region: str
    research_count: int
    making_count: int
    research_share: float
    making_share: float
    research_organisations: list[OrgOnSegmentPublic]
    making_organisations: list[OrgOnSegmentPublic]

    @classmethod
    def of(cls, p: Pair, lang: str) -> PairPublic:
        return cls(
            segment=p.segment.id,
            name=p.segment.name(lang),
            research_region=p.research_region,
            making_region=p.making_region,
            research_count=p.research_count,
            making_count=p.making_count,
            research_share=round(p.research_share, 3),
            making_share=round(p.making_share, 3),
            research_organisations=_orgs(p.research_orgs, lang),
            making_organisations=_orgs(p.making_orgs, lang),
        )


class BottleneckPublic(BaseModel):
    segment: str
    technology: str
    source: str
    entry_id: int | None
    note: str | None
    organisations: list[OrgOnSegmentPublic]
    matched_words: dict[str, list[str]] = Field(
        default_factory=dict,
        description="organisation id → the technology's words its own name or scope contains",
    )


class CandidatePublic(BaseModel):
    organisation: OrgOnSegmentPublic
    score: float
    reason: str


class GapPublic(BaseModel):
    segment: str
    status: str
    source: str
    entry_id: int | None
    note: str | None
    candidates: list[CandidatePublic]


class KeyEnterprisePublic(BaseModel):
    # read from a chains.lists.KeyEnterprise

    model_config = FROM_OBJECT

    organisation_id: int
    name: str
    segment: str | None
    source: str
    entry_id: int | None
    note: str | None

    @field_validator("segment", mode="before")
    @classmethod
    def _segment_id(cls, value: object) -> object:
        return value.id if isinstance(value, Segment) else value


class ListsPublic(BaseModel):
    chain: str
    region: str
    bottlenecks: list[BottleneckPublic]
    gaps: list[GapPublic]
    key_enterprises: list[KeyEnterprisePublic]

    @classmethod
    def of(cls, chain: str, region: str, lists: ChainLists, lang: str) -> ListsPublic:
        return cls(
            chain=chain,
            region=region,
            bottlenecks=[
                BottleneckPublic(
                    segment=b.segment.id,
                    technology=b.technology,
                    source=b.source,
                    entry_id=b.entry_id,
                    note=b.note,
                    organisations=_orgs(b.organisations, lang),
                    matched_words={str(k): v for k, v in b.matched.items()},
                )
                for b in lists.bottlenecks
            ],
            gaps=[
                GapPublic(
                    segment=g.segment.id,
                    status=g.status,
                    source=g.source,
                    entry_id=g.entry_id,
                    note=g.note,
                    candidates=[
                        CandidatePublic(
                            organisation=OrgOnSegmentPublic.model_validate(
                                c.org, context={"lang": lang}
                            ),
                            score=c.score,
                            reason=c.reason_en if lang == "en" else c.reason_zh,
                        )
                        for c in g.candidates
                    ],
                )
                for g in lists.gaps
            ],
            key_enterprises=[KeyEnterprisePublic.model_validate(k) for k in lists.key_enterprises],
        )


class ListEntryCreate(BaseModel):
    list_kind: str = Field(description="bottleneck / gap / key", max_length=16)
    region: str = Field(max_length=6)
    segment_id: str | None = Field(default=None, max_length=48)
    organisation_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    technology: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=500)
    set_aside: bool = Field(default=False, description="set a computed entry aside instead")


class ListEntryPublic(BaseModel):
    # read from a ChainListEntry row

    model_config = FROM_OBJECT

    id: int
    chain: str = Field(validation_alias="chain_key")
    list_kind: str
    region: str = Field(validation_alias="region_code")
    segment_id: str | None
    organisation_id: int | None
    technology: str | None
    note: str | None
    active: bool


class PlacementPublic(BaseModel):
    # read from a chains.queries.PlacementView

    model_config = FROM_OBJECT

    chain: str = Field(validation_alias="chain_key")
    chain_name: str
    segment: str = Field(validation_alias="segment_id")
    segment_name: str
    role: str
    source: str
    confidence: float
    reason: str
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None


class PlacementList(BaseModel):
    items: list[PlacementPublic]


class PlacementDecisionCreate(BaseModel):
    chain: str = Field(max_length=48)
    segment: str = Field(max_length=48)
    decision: str = Field(description="confirm / remove / add / undo", max_length=16)
    role: str | None = Field(
        default=None, description="make / research / service / trade", max_length=16
    )
