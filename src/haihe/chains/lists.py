"""The three lists a chain keeps per region: bottleneck technologies, gaps to attract,
key enterprises.

Each is computed from the data (the definition's bottleneck technologies, the
diagnosis, the largest organisations) and kept up to date by it; officers add entries
the data cannot know and set computed ones aside (service.do_add_list_entry,
do_set_aside_list_entry, do_withdraw_list_entry). Their entries are rows of
ChainListEntry and are never overwritten by the computation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.chains.definitions import ChainDefinition, Segment
from haihe.chains.diagnosis import Diagnosis
from haihe.chains.models import ChainListEntry
from haihe.chains.panorama import OrgOnSegment, home_provinces, organisations_on
from haihe.codes import regions
from haihe.registry.queries import classification_facts, organisation_facts

ROLE_FIT = {"make": 1.0, "research": 0.8, "service": 0.5, "trade": 0.3}


@dataclass
class Bottleneck:
    segment: Segment
    technology: str
    source: str  # definition / officer
    entry_id: int | None
    organisations: list[OrgOnSegment] = field(default_factory=list)
    note: str | None = None
    matched: dict[int, list[str]] = field(default_factory=dict)  # organisation → words


# qualifiers a technology's name carries that its makers' scopes rarely repeat
TECH_QUALIFIERS = re.compile(r"^(?:高端|高性能|高精度|高速|精密|大尺寸|先进|新型|国产化?|全流程)+")
BOTTLENECK_POOL = 200  # organisations per segment read to find those working on a technology


def technology_terms(technology: str) -> list[str]:
    """The words an organisation's own text must contain to be working on a technology:
    the name itself, without its qualifiers ("高端CT探测器" → "CT探测器"), and the parts
    in and outside brackets ("抗体偶联药物（ADC）" → "抗体偶联药物", "ADC")."""
    out: list[str] = []
    for part in re.split(r"[（）()]", technology):
        part = part.strip()
        for t in (part, TECH_QUALIFIERS.sub("", part)):
            if len(t) >= 2 and t.lower() not in out:
                out.append(t.lower())
    return out


@dataclass
class Candidate:
    org: OrgOnSegment
    score: float
    reason_zh: str
    reason_en: str


@dataclass
class Gap:
    segment: Segment
    status: str
    source: str  # diagnosis / officer
    entry_id: int | None
    candidates: list[Candidate] = field(default_factory=list)
    note: str | None = None


@dataclass
class KeyEnterprise:
    org: OrgOnSegment | None
    organisation_id: int
    name: str
    segment: Segment | None
    source: str  # largest / officer
    entry_id: int | None
    note: str | None = None


@dataclass
class ChainLists:
    bottlenecks: list[Bottleneck]
    gaps: list[Gap]
    key_enterprises: list[KeyEnterprise]
    set_aside: list[ChainListEntry]


def _entries(session: Session, chain_key: str, region: str) -> list[ChainListEntry]:
    return list(
        session.scalars(
            select(ChainListEntry)
            .where(ChainListEntry.chain_key == chain_key, ChainListEntry.region_code == region)
            .order_by(ChainListEntry.id)
        )
    )


def candidate_reason(c: OrgOnSegment, home: set[str]) -> tuple[float, str, str]:
    province = (
        regions.require(c.region_code).province_code
        if c.region_code and regions.get(c.region_code)
        else None
    )
    near = province in home
    score = (
        c.confidence
        * ROLE_FIT.get(c.role, 0.3)
        * math.log10((c.employees or 0) + 10)
        * (1.0 if near else 0.7)
    )
    place_zh = regions.name(c.region_code, "zh") if c.region_code else "地区不详"
    place_en = regions.name(c.region_code, "en") if c.region_code else "region unknown"
    role_zh = {"make": "生产", "research": "研发", "service": "服务", "trade": "销售"}.get(
        c.role, c.role
    )
    zh = (
        f"{place_zh}{'（京津冀）' if near else ''}；{role_zh}；"
        f"{c.employees or '?'} 人；归入依据：{c.reason_zh or ''}"
    )
    en = (
        f"{place_en}{' (BTH)' if near else ''}; {c.role}; {c.employees or '?'} employees; "
        f"placed because: {c.reason_en or ''}"
    )
    return score, zh, en


def compute(
    session: Session, chain: ChainDefinition, diagnosis: Diagnosis, candidates: int = 8
) -> ChainLists:
    region = diagnosis.region
    entries = _entries(session, chain.key, region)
    aside_segments = {
        (e.list_kind, e.segment_id) for e in entries if not e.active and e.organisation_id is None
    }
    aside_orgs = {
        e.organisation_id
        for e in entries
        if not e.active and e.list_kind == "key" and e.organisation_id
    }
    aside_tech = {
        (e.segment_id, e.technology)
        for e in entries
        if not e.active and e.list_kind == "bottleneck"
    }

    # bottlenecks: the definition's, then the officers'
    bottlenecks: list[Bottleneck] = []
    for s in chain.ordered():
        for tech in s.bottleneck:
            if (s.id, tech) not in aside_tech:
                bottlenecks.append(Bottleneck(s, tech, "definition", None))
    for e in entries:
        if e.active and e.list_kind == "bottleneck" and chain.segment(e.segment_id or ""):
            bottlenecks.append(
                Bottleneck(
                    chain.segment(e.segment_id), e.technology or "", "officer", e.id, note=e.note
                )
            )
    # Working on a technology: makers and researchers of its segment here whose own name or
    # scope names it (not merely the segment's largest firms), with the words found.
    seg_ids = sorted({b.segment.id for b in bottlenecks})
    working = organisations_on(
        session,
        chain,
        seg_ids,
        within=region,
        roles=("make", "research"),
        per_segment=BOTTLENECK_POOL,
    )
    texts = {
        f.id: f"{f.name} {f.name_en or ''} {f.scope or ''}".lower()
        for f in classification_facts(session.connection(), [o.id for o in working])
    }
    for b in bottlenecks:
        terms = technology_terms(b.technology)
        for o in working:
            if o.segment_id != b.segment.id or len(b.organisations) >= 5:
                continue
            found = [t for t in terms if t in texts.get(o.id, "")]
            if found:
                b.organisations.append(o)
                b.matched[o.id] = found

    # gaps: missing or weak segments (not set aside), with candidates from elsewhere
    home = set(home_provinces())
    gaps: list[Gap] = []
    for d in diagnosis.segments:
        if d.status in ("missing", "weak") and ("gap", d.segment.id) not in aside_segments:
            gaps.append(Gap(d.segment, d.status, "diagnosis", None))
    for e in entries:
        if e.active and e.list_kind == "gap" and chain.segment(e.segment_id or ""):
            if not any(g.segment.id == e.segment_id for g in gaps):
                status = diagnosis.by_id().get(e.segment_id)
                gaps.append(
                    Gap(
                        chain.segment(e.segment_id),
                        status.status if status else "",
                        "officer",
                        e.id,
                        note=e.note,
                    )
                )
    pool = organisations_on(
        session,
        chain,
        [g.segment.id for g in gaps],
        outside=region,
        roles=("make", "research", "service"),
        per_segment=candidates * 4,
    )
    for g in gaps:
        ranked = []
        for o in pool:
            if o.segment_id != g.segment.id:
                continue
            score, zh, en = candidate_reason(o, home)
            ranked.append(Candidate(o, round(score, 3), zh, en))
        ranked.sort(key=lambda c: (-c.score, c.org.id))
        g.candidates = ranked[:candidates]

    # key enterprises: the largest on each segment here, and the officers' picks
    keys: list[KeyEnterprise] = []
    seen: set[int] = set()
    picked = [e for e in entries if e.active and e.list_kind == "key" and e.organisation_id]
    names: dict[int, str] = {}
    if picked:
        f = organisation_facts().c
        wanted = sorted({e.organisation_id for e in picked})
        names = dict(session.execute(select(f.id, f.name).where(f.id.in_(wanted))).all())
    for e in picked:
        if e.organisation_id in names:
            keys.append(
                KeyEnterprise(
                    None,
                    e.organisation_id,
                    names[e.organisation_id],
                    chain.segment(e.segment_id or ""),
                    "officer",
                    e.id,
                    e.note,
                )
            )
            seen.add(e.organisation_id)
    largest = organisations_on(
        session,
        chain,
        [s.id for s in chain.segments if not s.parent],
        within=region,
        roles=("make", "research", "service"),
        per_segment=3,
    )
    for o in largest:
        if o.id in seen or o.id in aside_orgs:
            continue
        seen.add(o.id)
        keys.append(KeyEnterprise(o, o.id, o.name, chain.segment(o.segment_id), "largest", None))
    aside = [e for e in entries if not e.active]
    return ChainLists(bottlenecks, gaps, keys, aside)
