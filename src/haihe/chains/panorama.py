"""The panorama: who sits on each segment, per region, counted in the database.

One grouped query per view (segment × region × role × kind), so a chain over a
million organisations is counted without loading them. A parent segment's figures
include its sub-segments, each organisation once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import Session

from haihe.chains import members
from haihe.chains.definitions import ChainDefinition
from haihe.chains.models import ChainMember, Placement
from haihe.codes import regions
from haihe.core.settings import get_settings
from haihe.registry.queries import organisation_facts, park_facts, region_range

RESEARCH_KINDS = ("research_institute", "university")
ELSEWHERE = "elsewhere"


@dataclass
class Figures:
    orgs: int = 0
    makers: int = 0
    research: int = 0
    services: int = 0
    traders: int = 0
    employees: int = 0
    capital: Decimal = Decimal(0)

    def add(self, role: str, kind: str, n: int, employees: int, capital: Decimal) -> None:
        self.orgs += n
        if role == "research" or kind in RESEARCH_KINDS:
            self.research += n
        elif role == "make":
            self.makers += n
        elif role == "trade":
            self.traders += n
        else:
            self.services += n
        self.employees += employees
        self.capital += capital

    def as_dict(self) -> dict:
        return {
            "organisations": self.orgs,
            "manufacturers": self.makers,
            "research": self.research,
            "services": self.services,
            "traders": self.traders,
            "employees": self.employees,
            "registered_capital_yuan": str(self.capital),
        }


def home_provinces() -> list[str]:
    return [c.strip() for c in get_settings().home_provinces.split(",") if c.strip()]


def grouped(
    session: Session, chain: ChainDefinition, by: str = "province", within: str | None = None
) -> dict[tuple[str, str], Figures]:
    """Figures per (segment, group) where group is a province code, a county code, a park
    id (as text) or 'all'; `within` limits to a region. One indexed scan of chain_members
    (a parent segment's rows include its sub-segments' organisations, each once);
    remembered for the rest of the request (the session), as pages ask twice."""
    memo = session.info.setdefault("chain_figures", {})
    key_ = _kept_key(session, chain, by, within)
    if key_ in memo:
        return memo[key_]
    if key_ in _KEPT:  # counted by this process since the members last changed
        memo[key_] = _KEPT[key_]
        return memo[key_]
    m = ChainMember
    if by == "province":
        key = m.province
    elif by == "county":
        key = m.region_code
    elif by == "park":
        key = m.park_id
    else:
        key = literal("all")
    q = (
        select(
            m.segment_id,
            key.label("k"),
            m.role,
            m.kind,
            func.count(),
            func.coalesce(func.sum(m.employees), 0),
            func.coalesce(func.sum(m.capital_cny), 0),
        )
        .where(m.chain_key == chain.key)
        .group_by(m.segment_id, key, m.role, m.kind)
    )
    if within:
        lo, hi = region_range(within)
        if within.endswith("0000"):
            q = q.where(m.province == within)
        else:
            q = q.where(and_(m.region_code >= lo, m.region_code < hi))
    home = set(home_provinces())
    out: dict[tuple[str, str], Figures] = {}
    for seg, k, role, kind, n, emp, cap in session.execute(q):
        if by == "province":
            k = k if k in home else ELSEWHERE
        elif by == "park" and k is None:
            continue
        k = str(k) if k is not None else ELSEWHERE
        out.setdefault((seg, k), Figures()).add(role, kind, n, int(emp or 0), Decimal(cap or 0))
    memo[key_] = out
    if len(_KEPT) > 2000:
        _KEPT.clear()
    _KEPT[key_] = out
    return out


# Figures per (database, chain, its tree, grouping, region, members generation): a server
# process answers the next request for the same chain from here until chain_members changes.
_KEPT: dict[tuple, dict[tuple[str, str], Figures]] = {}


def _kept_key(session: Session, chain: ChainDefinition, *what: object) -> tuple:
    """What a kept answer is valid for: the database, the chain and its tree, the
    question, and chain_members' generation (read once per request, i.e. session)."""
    memo = session.info.setdefault("chain_figures", {})
    if "generation" not in memo:
        memo["generation"] = members.generation(session)
    bind = session.get_bind()  # an Engine, or a Connection (the demo's one transaction)
    url = str(getattr(bind, "url", None) or bind.engine.url)
    return (url, chain.key, chain_hash(chain), *what, memo["generation"])


def chain_hash(chain: ChainDefinition) -> int:
    return hash(tuple((s.id, s.parent) for s in chain.segments))


@dataclass
class Panorama:
    chain: ChainDefinition
    region: str | None
    columns: list[tuple[str, str]]  # (key, label)
    cells: dict[tuple[str, str], Figures] = field(default_factory=dict)
    totals: dict[str, Figures] = field(default_factory=dict)

    def cell(self, seg: str, col: str) -> Figures:
        return self.cells.get((seg, col)) or Figures()


def panorama(
    session: Session,
    chain: ChainDefinition,
    region: str | None = None,
    by: str | None = None,
    lang: str = "zh",
) -> Panorama:
    """Per segment and region: the three home provinces and elsewhere, or inside
    `region` by district (by='county') or by park (by='park')."""
    if region is None:
        cells = grouped(session, chain, "province")
        cols = [(c, regions.name(c, lang)) for c in home_provinces()]
        cols.append((ELSEWHERE, "其他地区" if lang != "en" else "Elsewhere"))
    elif by == "park":
        cells = grouped(session, chain, "park", within=region)
        lo, hi = region_range(region)
        pk = park_facts().c
        parks = session.execute(
            select(pk.id, pk.name, pk.name_en).where(pk.region_code >= lo, pk.region_code < hi)
        ).all()
        cols = [(str(pid), (en if lang == "en" and en else zh)) for pid, zh, en in parks]
    else:
        cells = grouped(session, chain, "county", within=region)
        seen = sorted({k for _, k in cells})
        cols = [(k, regions.name(k, lang) if k != ELSEWHERE else "?") for k in seen]
    totals: dict[str, Figures] = {}
    for (seg, _k), f in cells.items():
        t = totals.setdefault(seg, Figures())
        t.orgs += f.orgs
        t.makers += f.makers
        t.research += f.research
        t.services += f.services
        t.traders += f.traders
        t.employees += f.employees
        t.capital += f.capital
    return Panorama(chain, region, cols, cells, totals)


@dataclass(frozen=True)
class OrgOnSegment:
    id: int
    name: str
    name_en: str | None
    kind: str
    region_code: str | None
    park_id: int | None
    employees: int | None
    registered_capital: Decimal | None
    segment_id: str
    role: str
    confidence: float
    source: str
    reason_zh: str | None
    reason_en: str | None

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


def organisations_on(
    session: Session,
    chain: ChainDefinition,
    segment_ids: Iterable[str],
    *,
    within: str | None = None,
    outside: str | None = None,
    roles: Iterable[str] | None = None,
    research: bool | None = None,
    per_segment: int = 10,
    offset: int = 0,
) -> list[OrgOnSegment]:
    """The largest organisations on each of `segment_ids` (sub-segments included), by
    employees then capital, `per_segment` each: ranked in chain_members, then the few
    winners' names and reasons fetched.

    Kept per server process like the figures, until chain_members changes: the names,
    sizes and placement reasons shown all change only with a rebuild of it (an edit of an
    organisation's name or size rebuilds its rows)."""
    wanted = list(dict.fromkeys(segment_ids))
    if not wanted:
        return []
    roles = None if roles is None else tuple(roles)
    key = _kept_key(
        session, chain, tuple(wanted), within, outside, roles, research, per_segment, offset
    )
    if key in _ON_KEPT:
        return list(_ON_KEPT[key])
    out = _organisations_on(
        session, chain, wanted, within, outside, roles, research, per_segment, offset
    )
    if len(_ON_KEPT) > 5000:
        _ON_KEPT.clear()
    _ON_KEPT[key] = tuple(out)
    return out


_ON_KEPT: dict[tuple, tuple[OrgOnSegment, ...]] = {}


def _organisations_on(  # noqa: PLR0913 - organisations_on's arguments, passed on
    session: Session,
    chain: ChainDefinition,
    wanted: list[str],
    within: str | None,
    outside: str | None,
    roles: Iterable[str] | None,
    research: bool | None,
    per_segment: int,
    offset: int,
) -> list[OrgOnSegment]:
    m = ChainMember
    top = []
    for seg in wanted:  # one index walk per segment (ix_chain_members_rank), stopping early
        q = select(m.segment_id, m.organisation_id, m.role).where(
            m.chain_key == chain.key, m.segment_id == seg
        )
        if within:
            if within.endswith("0000"):
                q = q.where(m.province == within)
            else:
                lo, hi = region_range(within)
                q = q.where(m.region_code >= lo, m.region_code < hi)
        if outside:
            lo, hi = region_range(outside)
            q = q.where((m.region_code < lo) | (m.region_code >= hi) | m.region_code.is_(None))
        if roles is not None:
            q = q.where(m.role.in_(list(roles)))
        if research is True:
            q = q.where((m.role == "research") | m.kind.in_(RESEARCH_KINDS))
        elif research is False:
            q = q.where(m.role == "make", m.kind.not_in(RESEARCH_KINDS))
        q = q.order_by(m.employees.desc(), m.capital_cny.desc(), m.organisation_id.desc())
        top.extend(session.execute(q.limit(per_segment).offset(offset)).all())
    if not top:
        return []
    ids = sorted({r[1] for r in top})
    o, p = organisation_facts().c, Placement
    orgs = {
        row.id: row
        for row in session.execute(
            select(
                o.id,
                o.name,
                o.name_en,
                o.kind,
                o.region_code,
                o.park_id,
                o.employees,
                o.registered_capital,
            ).where(o.id.in_(ids))
        )
    }
    # the reason shown: the placement on the segment itself, else the strongest sub-segment's
    why: dict[tuple[int, str], tuple] = {}
    for pl in session.execute(
        select(p.organisation_id, p.segment_id, p.confidence, p.source, p.reason_zh, p.reason_en)
        .where(p.chain_key == chain.key, p.organisation_id.in_(ids), members.EFFECTIVE)
        .order_by(p.confidence.desc())
    ):
        for seg in (pl.segment_id, *chain.ancestors(pl.segment_id)):
            why.setdefault((pl.organisation_id, seg), pl)
    out = []
    for seg, oid, role in top:
        r, pl = orgs[oid], why.get((oid, seg))
        out.append(
            OrgOnSegment(
                r.id,
                r.name,
                r.name_en,
                r.kind,
                r.region_code,
                r.park_id,
                r.employees,
                r.registered_capital,
                seg,
                role,
                pl.confidence if pl else 1.0,
                pl.source if pl else "",
                pl.reason_zh if pl else None,
                pl.reason_en if pl else None,
            )
        )
    return out
