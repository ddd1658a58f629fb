"""The chains context's read side: plain data for pages, the API, exports and other contexts.

Chains and their versions, the choices forms offer, the placements of an organisation,
and the figures of a chain (panorama, diagnosis, complementarity, the three lists) as
the pure rules in diagnosis.py and lists.py make them from what panorama.py counts.
Chain maps are published cluster figures: these reads need no principal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, func, or_, select
from sqlalchemy.orm import Session

from haihe.chains import definitions, diagnosis, lists, members, panorama
from haihe.chains.definitions import ChainDefinition, Segment
from haihe.chains.models import Chain, ChainMember, ChainVersion, Placement
from haihe.core.errors import InvalidInput, NotFound
from haihe.registry.queries import organisation_facts, region_range

# --- chains and their versions ---------------------------------------------------------

_PARSED: dict[tuple[str, int, str], ChainDefinition] = {}


@dataclass(frozen=True)
class ChainInfo:
    key: str
    version: int
    definition: ChainDefinition
    updated_at: datetime
    updated_by: str | None


def _definition(row: Chain | ChainVersion, key: str) -> ChainDefinition:
    cache_key = (key, row.version, row.definition[:64] + str(len(row.definition)))
    got = _PARSED.get(cache_key)
    if got is None:
        got = definitions.from_data(json.loads(row.definition), f"{key} v{row.version}")
        if len(_PARSED) > 500:
            _PARSED.clear()
        _PARSED[cache_key] = got
    return got


def info_of(row: Chain) -> ChainInfo:
    """A chain row as plain data (its definition parsed once per version)."""
    return ChainInfo(
        row.key, row.version, _definition(row, row.key), row.updated_at, row.updated_by
    )


def all_chains(session: Session) -> list[ChainInfo]:
    rows = session.scalars(select(Chain)).all()
    order = {g: i for i, g in enumerate(definitions.GROUPS)}
    return sorted(
        (info_of(r) for r in rows), key=lambda c: (order.get(c.definition.group, 9), c.key)
    )


def get_chain(session: Session, key: str) -> ChainInfo:
    row = session.scalar(select(Chain).where(Chain.key == key))
    if row is None:
        raise NotFound("chains.chain_unknown", chain=key)
    return info_of(row)


def get_segment(chain: ChainDefinition, segment_id: str) -> Segment:
    seg = chain.segment(segment_id)
    if seg is None:
        raise NotFound("chains.segment_unknown", chain=chain.key, segment=segment_id)
    return seg


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created_at: datetime
    created_by: str | None
    note: str | None


def versions(session: Session, key: str) -> list[VersionInfo]:
    chain = session.scalar(select(Chain).where(Chain.key == key))
    if chain is None:
        raise NotFound("chains.chain_unknown", chain=key)
    rows = session.scalars(
        select(ChainVersion)
        .where(ChainVersion.chain_id == chain.id)
        .order_by(ChainVersion.version.desc())
    )
    return [VersionInfo(r.version, r.created_at, r.created_by, r.note) for r in rows]


def version_definition(session: Session, key: str, version: int) -> ChainDefinition:
    row = session.scalar(
        select(ChainVersion)
        .join(Chain, Chain.id == ChainVersion.chain_id)
        .where(Chain.key == key, ChainVersion.version == version)
    )
    if row is None:
        raise NotFound("chains.version_unknown", chain=key, version=version)
    return _definition(row, key)


def chain_definition(session: Session, key: str, version: int | None = None) -> ChainDefinition:
    """The chain's current definition, or that of an earlier `version`."""
    if version:
        return version_definition(session, key, version)
    return get_chain(session, key).definition


@dataclass(frozen=True)
class VersionComparison:
    versions: list[VersionInfo]
    a: int | None
    b: int | None
    changes: list[definitions.Change] | None  # None: nothing to compare


def compare_versions(
    session: Session, key: str, a: int | None = None, b: int | None = None
) -> VersionComparison:
    """The chain's versions and the changes from `a` to `b` (by default: the previous
    version to the current one, when there are two)."""
    vs = versions(session, key)
    if not (a and b) and len(vs) > 1:
        a, b = vs[1].version, vs[0].version
    changes = None
    if a and b:
        changes = definitions.compare(
            version_definition(session, key, a), version_definition(session, key, b)
        )
    return VersionComparison(vs, a, b, changes)


# --- what forms offer, and references from other contexts ------------------------------


@dataclass(frozen=True)
class SegmentChoice:
    id: str
    name_zh: str
    name_en: str
    stage: str
    depth: int  # 0 for a segment, 1 for its sub-segments, …

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class ChainChoice:
    """A chain as a form offers it: key, names and its segments upstream → downstream."""

    key: str
    name_zh: str
    name_en: str
    segments: tuple[SegmentChoice, ...]

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh

    def segment(self, segment_id: str) -> SegmentChoice | None:
        return next((s for s in self.segments if s.id == segment_id), None)


def chain_choices(session: Session) -> list[ChainChoice]:
    """Every chain with its segments, for the options of forms and filters."""
    out = []
    for info in all_chains(session):
        d = info.definition
        out.append(
            ChainChoice(
                d.key,
                d.name_zh,
                d.name_en,
                tuple(
                    SegmentChoice(s.id, s.name_zh, s.name_en, s.stage, len(d.ancestors(s.id)))
                    for s in d.ordered()
                ),
            )
        )
    return out


def check_reference(
    session: Session, chain_key: str | None, segment_id: str | None = None, field: str = "chain"
) -> tuple[str | None, str | None]:
    """(chain, segment) when both name what exists; InvalidInput naming the unknown one.

    Empty values mean "none"; a segment needs its chain.
    """
    chain_key = (chain_key or "").strip() or None
    segment_id = (segment_id or "").strip() or None
    if chain_key is None:
        if segment_id is not None:
            raise InvalidInput("chains.segment_without_chain", field="segment", segment=segment_id)
        return None, None
    chain = next((c for c in chain_choices(session) if c.key == chain_key), None)
    if chain is None:
        raise InvalidInput("chains.chain_unknown", field=field, chain=chain_key)
    if segment_id is not None and chain.segment(segment_id) is None:
        raise InvalidInput(
            "chains.segment_unknown", field="segment", chain=chain_key, segment=segment_id
        )
    return chain_key, segment_id


# --- placements ------------------------------------------------------------------------


def placement_counts(session: Session) -> dict[str, int]:
    """Organisations placed on each chain (removed placements not counted)."""
    return dict(
        session.execute(
            select(Placement.chain_key, func.count(func.distinct(Placement.organisation_id)))
            .where(members.EFFECTIVE)
            .group_by(Placement.chain_key)
        ).all()
    )


@dataclass(frozen=True)
class PlacementView:
    chain_key: str
    chain_name: str
    segment_id: str
    segment_name: str
    role: str
    source: str
    confidence: float
    reason: str
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None


def placements_of(session: Session, org_id: int, lang: str = "zh") -> list[PlacementView]:
    """The organisation's placements, removed ones included (with the decision)."""
    o = organisation_facts()
    if session.scalar(select(o.c.id).where(o.c.id == org_id)) is None:
        raise NotFound("chains.unknown_organisation", id=org_id)
    chains = {c.key: c.definition for c in all_chains(session)}
    rows = session.scalars(
        select(Placement)
        .where(Placement.organisation_id == org_id)
        .order_by(Placement.chain_key, Placement.confidence.desc())
    ).all()
    out = []
    for r in rows:
        chain = chains.get(r.chain_key)
        seg = chain.segment(r.segment_id) if chain else None
        if seg is None:  # the segment left its chain in a later version
            continue
        out.append(
            PlacementView(
                r.chain_key,
                chain.name(lang),
                r.segment_id,
                seg.name(lang),
                r.role,
                r.source,
                r.confidence,
                (r.reason_en if lang == "en" else r.reason_zh) or "",
                r.decision,
                r.decided_by,
                r.decided_at,
            )
        )
    return out


# --- a chain's figures -----------------------------------------------------------------


def thresholds(text: str | None) -> diagnosis.Thresholds:
    """The configured thresholds, overridden by `text` ('strong_at=1.2,min_orgs=2')."""
    return diagnosis.Thresholds.parse(text, diagnosis.Thresholds.configured())


def diagnose(
    session: Session,
    chain: ChainDefinition,
    region: str,
    th: diagnosis.Thresholds | None = None,
) -> diagnosis.Diagnosis:
    """Each segment's status (strong / weak / missing) in `region`, with its evidence."""
    diagnosis.check_region(region)
    by_province = panorama.grouped(session, chain, "province")
    in_region = None
    if not region.endswith("0000"):
        in_region = panorama.grouped(session, chain, "all", within=region)
    return diagnosis.from_figures(chain, region, by_province, in_region, th)


def complementarity(
    session: Session,
    chain: ChainDefinition,
    th: diagnosis.Thresholds | None = None,
    with_organisations: int = 5,
) -> list[diagnosis.Pair]:
    """Segments where one home city's research meets another's manufacturing, with the
    largest `with_organisations` of each side."""
    pairs = diagnosis.pairs(chain, panorama.grouped(session, chain, "province"), th)
    if with_organisations:
        for p in pairs:
            p.research_orgs = panorama.organisations_on(
                session,
                chain,
                [p.segment.id],
                within=p.research_region,
                research=True,
                per_segment=with_organisations,
            )
            p.making_orgs = panorama.organisations_on(
                session,
                chain,
                [p.segment.id],
                within=p.making_region,
                research=False,
                per_segment=with_organisations,
            )
    return pairs


def chain_panorama(
    session: Session,
    chain: ChainDefinition,
    region: str | None = None,
    by: str | None = None,
    lang: str = "zh",
) -> panorama.Panorama:
    """Who sits on each segment: per home province, or inside `region` by district or park."""
    if region:
        diagnosis.check_region(region)
    return panorama.panorama(session, chain, region, by, lang)


def chain_lists(
    session: Session, chain: ChainDefinition, region: str
) -> tuple[diagnosis.Diagnosis, lists.ChainLists]:
    """The region's diagnosis and the three lists made from it."""
    diag = diagnose(session, chain, region)
    return diag, lists.compute(session, chain, diag)


def segment_organisations(
    session: Session,
    chain: ChainDefinition,
    segment_id: str,
    *,
    region: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> list[panorama.OrgOnSegment]:
    """The organisations on a segment (sub-segments included), largest first."""
    get_segment(chain, segment_id)
    if region:
        diagnosis.check_region(region)
    return panorama.organisations_on(
        session,
        chain,
        [segment_id],
        within=region,
        per_segment=page_size,
        offset=(page - 1) * page_size,
    )


def chain_keys_of(session: Session, org_ids: list[int]) -> dict[int, list[str]]:
    """The keys of the chains each organisation is placed on (placements in effect), in
    one query however many organisations."""
    from haihe.chains.members import EFFECTIVE

    out: dict[int, list[str]] = {}
    for start in range(0, len(org_ids), 5_000):
        rows = session.execute(
            select(Placement.organisation_id, Placement.chain_key)
            .where(Placement.organisation_id.in_(org_ids[start : start + 5_000]), EFFECTIVE)
            .distinct()
            .order_by(Placement.organisation_id, Placement.chain_key)
        )
        for oid, key in rows:
            out.setdefault(oid, []).append(key)
    return out


def chains_of(session: Session, org_ids: list[int], lang: str = "zh") -> dict[int, list[str]]:
    """The chains each organisation is placed on (placements in effect), by name."""
    if not org_ids:
        return {}
    names = {c.key: c.definition.name(lang) for c in all_chains(session)}
    return {
        oid: [names[k] for k in keys if k in names]
        for oid, keys in chain_keys_of(session, org_ids).items()
        if any(k in names for k in keys)
    }


def park_chain_counts(
    session: Session, park_id: int, lang: str = "zh"
) -> list[tuple[str, str, list[tuple[str, str, int]]]]:
    """A park's organisations on the chains: (chain key, name, [(segment id, name,
    organisations)]) with segments upstream → downstream, chains with most first."""
    from haihe.chains.members import EFFECTIVE

    o = organisation_facts()
    rows = session.execute(
        select(
            Placement.chain_key,
            Placement.segment_id,
            func.count(func.distinct(Placement.organisation_id)),
        )
        .join(o, o.c.id == Placement.organisation_id)
        .where(o.c.park_id == park_id, EFFECTIVE)
        .group_by(Placement.chain_key, Placement.segment_id)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for key, seg, n in rows:
        counts.setdefault(key, {})[seg] = n
    out = []
    for info in all_chains(session):
        d = info.definition
        if d.key not in counts:
            continue
        segs = [
            (s.id, s.name(lang), counts[d.key][s.id]) for s in d.ordered() if s.id in counts[d.key]
        ]
        out.append((d.key, d.name(lang), segs))
    out.sort(key=lambda c: -sum(n for _, _, n in c[2]))
    return out


def placement_rows(conn: Connection, org_ids: list[int] | None = None) -> Iterator[tuple]:
    """(organisation id, chain key, segment id, role) of every placement in effect (of
    `org_ids` only, when given), for contexts that keep their own index of who sits where
    (matching). Read through the driver's cursor when it is all of them (a million rows)."""
    from haihe.chains.members import EFFECTIVE

    cols = (Placement.organisation_id, Placement.chain_key, Placement.segment_id, Placement.role)
    if org_ids is not None:
        ids = sorted(set(org_ids))
        for i in range(0, len(ids), 5000):
            yield from conn.execute(
                select(*cols).where(Placement.organisation_id.in_(ids[i : i + 5000]), EFFECTIVE)
            )
        return
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(
            "SELECT organisation_id, chain_key, segment_id, role FROM placements "
            "WHERE decision IS NULL OR decision = 'confirmed'"
        )
        while rows := cur.fetchmany(50_000):
            yield from rows
    finally:
        cur.close()


# --- classifying what is not an organisation (a listing's text) ------------------------


@dataclass(frozen=True)
class SegmentGuess:
    chain: str
    segment: str
    confidence: float
    reason_zh: str
    reason_en: str


def classify_text(
    session: Session, title: str, text: str | None, kind: str = "enterprise"
) -> list[SegmentGuess]:
    """The segments the classifier places a text on (a listing's title and abstract, read
    as a name and a business scope, of an organisation of `kind`), best first."""
    from haihe.chains.classifier import OrgFacts
    from haihe.chains.placements import _classifier

    _, clf = _classifier(session.connection())
    hits = clf.classify(OrgFacts(name=title or "", kind=kind, description=text or None))
    hits = sorted(hits, key=lambda h: -h.confidence)
    return [
        SegmentGuess(h.chain_key, h.segment_id, h.confidence, h.reason_zh, h.reason_en)
        for h in hits
    ]


# --- key enterprises of a segment --------------------------------------------------------

# Why an organisation counts as key, most telling first: listed, a national "little
# giant", another 专精特新 firm, high-tech, above designated size; failing all of these,
# being among the LARGEST (by employees) of the segment in the region.
KEY_REASONS = ("listed", "little_giant", "srdi", "high_tech", "above_scale", "largest")
LARGEST = 3


@dataclass(frozen=True)
class KeyEnterprise:
    id: int
    name: str
    name_en: str | None
    region_code: str | None
    role: str
    employees: int
    stock_code: str | None
    reasons: tuple[str, ...]  # of KEY_REASONS, in that order

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


def _in_region(q, m, region: str | None):  # noqa: ANN001, ANN202
    if not region:
        return q
    if region.endswith("0000"):
        return q.where(m.province == region)
    lo, hi = region_range(region)
    return q.where(m.region_code >= lo, m.region_code < hi)


def key_enterprises(
    session: Session,
    chain: ChainDefinition,
    segment_id: str,
    region: str | None = None,
    limit: int = 10,
) -> list[KeyEnterprise]:
    """The key enterprises on a segment (sub-segments included) in a region, each with
    why it is key (KEY_REASONS): those with a designation first, in the order of the
    reasons, then by employees; the LARGEST of the segment there are key as such."""
    m = ChainMember
    get_segment(chain, segment_id)
    if region:
        diagnosis.check_region(region)
    facts = organisation_facts()
    o = facts.c
    base = (
        select(
            m.organisation_id,
            o.name,
            o.name_en,
            o.region_code,
            m.role,
            m.employees,
            o.listed,
            o.stock_code,
            o.specialised,
            o.high_tech,
            o.above_scale,
        )
        .join(facts, o.id == m.organisation_id)
        .where(m.chain_key == chain.key, m.segment_id == segment_id)
    )
    base = _in_region(base, m, region)
    order = (m.employees.desc(), m.capital_cny.desc(), m.organisation_id.desc())
    rank = case(
        (o.listed, 0),
        (o.specialised == "little_giant", 1),
        (o.specialised.is_not(None), 2),
        (o.high_tech, 3),
        else_=4,
    )
    designated = session.execute(
        base.where(or_(o.listed, o.specialised.is_not(None), o.high_tech, o.above_scale))
        .order_by(rank, *order)
        .limit(limit)
    ).all()
    largest = session.execute(base.order_by(*order).limit(LARGEST)).all()
    big = {r.organisation_id for r in largest}
    named = {r.organisation_id for r in designated}
    only_big = [r for r in largest if r.organisation_id not in named]
    out = []
    for r in [*designated[: max(0, limit - len(only_big))], *only_big]:
        reasons = [
            k
            for k, on in (
                ("listed", r.listed),
                ("little_giant", r.specialised == "little_giant"),
                ("srdi", r.specialised is not None and r.specialised != "little_giant"),
                ("high_tech", r.high_tech),
                ("above_scale", r.above_scale),
                ("largest", r.organisation_id in big),
            )
            if on
        ]
        out.append(
            KeyEnterprise(
                r.organisation_id,
                r.name,
                r.name_en,
                r.region_code,
                r.role,
                r.employees or 0,
                r.stock_code if r.listed else None,
                tuple(reasons),
            )
        )
    return out


# --- two cities side by side ---------------------------------------------------------------


@dataclass
class CitySide:
    status: str
    figures: panorama.Figures
    key: list[KeyEnterprise]


@dataclass
class CityRow:
    segment: Segment
    a: CitySide
    b: CitySide
    meets: str  # "ab": a's research meets b's manufacturing, "ba" the other way, "" neither


@dataclass
class TwoCities:
    chain: ChainDefinition
    a: str
    b: str
    thresholds: diagnosis.Thresholds
    rows: list[CityRow]

    def stages(self) -> list[tuple[str, list[CityRow]]]:
        """The rows by stage, upstream → midstream → downstream (empty stages left out)."""
        out = [(s, [r for r in self.rows if r.segment.stage == s]) for s in definitions.STAGES]
        return [(s, rows) for s, rows in out if rows]

    def meeting(self) -> list[CityRow]:
        return [r for r in self.rows if r.meets]


def two_cities(
    session: Session,
    chain: ChainDefinition,
    a: str,
    b: str,
    th: diagnosis.Thresholds | None = None,
    firms: int = 3,
) -> TwoCities:
    """A chain in two cities (regions), segment by segment: each city's status, counts and
    first `firms` key enterprises, and where one's research meets the other's making."""
    th = th or diagnosis.Thresholds.configured()
    sides = {}
    for region in (a, b):
        diag = diagnose(session, chain, region, th).by_id()
        sides[region] = {
            s.id: CitySide(
                diag[s.id].status,
                diag[s.id].figures,
                key_enterprises(session, chain, s.id, region, limit=firms),
            )
            for s in chain.ordered()
        }
    rows = [
        CityRow(
            s,
            sides[a][s.id],
            sides[b][s.id],
            diagnosis.research_meets_making(sides[a][s.id].figures, sides[b][s.id].figures, th),
        )
        for s in chain.ordered()
    ]
    return TwoCities(chain, a, b, th, rows)
