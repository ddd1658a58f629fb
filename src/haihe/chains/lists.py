"""The three lists a chain keeps per region: bottleneck technologies, gaps to attract,
key enterprises.

Each is computed from the data (the definition's bottleneck technologies, the
diagnosis, the largest organisations) and kept up to date by it; officers add entries
the data cannot know and set computed ones aside. Their entries are rows of
ChainListEntry and are never overwritten by the computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import NotAllowed, Principal
from haihe.chains.definitions import ChainDefinition, Segment
from haihe.chains.diagnosis import Diagnosis, check_region
from haihe.chains.models import LISTS, ChainListEntry
from haihe.chains.panorama import OrgOnSegment, home_provinces, organisations_on
from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotFound
from haihe.registry.models import Organisation

ROLE_FIT = {"make": 1.0, "research": 0.8, "service": 0.5, "trade": 0.3}


@dataclass
class Bottleneck:
    segment: Segment
    technology: str
    source: str  # definition / officer
    entry_id: int | None
    organisations: list[OrgOnSegment] = field(default_factory=list)
    note: str | None = None


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
    seg_ids = sorted({b.segment.id for b in bottlenecks})
    working = organisations_on(
        session, chain, seg_ids, within=region, roles=("make", "research"), per_segment=5
    )
    for b in bottlenecks:
        b.organisations = [o for o in working if o.segment_id == b.segment.id]

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
    for e in entries:
        if e.active and e.list_kind == "key" and e.organisation_id:
            org = session.get(Organisation, e.organisation_id)
            if org is None:
                continue
            keys.append(
                KeyEnterprise(
                    None,
                    org.id,
                    org.name,
                    chain.segment(e.segment_id or ""),
                    "officer",
                    e.id,
                    e.note,
                )
            )
            seen.add(org.id)
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


def add_entry(
    session: Session,
    principal: Principal,
    chain: ChainDefinition,
    *,
    list_kind: str,
    region: str,
    segment_id: str | None = None,
    organisation_id: int | None = None,
    technology: str | None = None,
    note: str | None = None,
    active: bool = True,
) -> ChainListEntry:
    """An officer's entry (active) or a computed entry set aside (active=False)."""
    if list_kind not in LISTS:
        raise InvalidInput("list_kind", f"must be one of {', '.join(LISTS)}")
    check_region(region)
    if not scopes.can_edit_chain_list(principal, region):
        raise NotAllowed("chain list", f"{chain.key}/{region}")
    if segment_id and chain.segment(segment_id) is None:
        raise InvalidInput("segment_id", f"chain {chain.key} has no segment {segment_id!r}")
    if list_kind in ("bottleneck", "gap") and not segment_id:
        raise InvalidInput("segment_id", "is needed for this list")
    if list_kind == "bottleneck" and active and not (technology or "").strip():
        raise InvalidInput("technology", "must not be empty")
    if list_kind == "key":
        if not organisation_id:
            raise InvalidInput("organisation_id", "is needed for the key-enterprise list")
        if session.get(Organisation, organisation_id) is None:
            raise InvalidInput("organisation_id", f"no organisation {organisation_id}")
    entry = ChainListEntry(
        chain_key=chain.key,
        list_kind=list_kind,
        region_code=region,
        segment_id=segment_id or None,
        organisation_id=organisation_id or None,
        technology=(technology or "").strip()[:200] or None,
        note=(note or "").strip()[:500] or None,
        active=active,
        created_by=principal.username,
    )
    session.add(entry)
    session.flush()
    return entry


def withdraw_entry(session: Session, principal: Principal, entry_id: int) -> None:
    """Withdraw an officer's entry, or restore a computed one that was set aside.

    The row goes; the audit trail keeps who added and who withdrew it.
    """
    entry = session.get(ChainListEntry, entry_id)
    if entry is None:
        raise NotFound("chain list entry", entry_id)
    if not scopes.can_edit_chain_list(principal, entry.region_code):
        raise NotAllowed("chain list", entry_id)
    session.delete(entry)
    session.flush()
