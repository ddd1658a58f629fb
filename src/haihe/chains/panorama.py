"""The panorama: who sits on each segment, per region, counted in the database.

One grouped query per view (segment × region × role × kind), so a chain over a
million organisations is counted without loading them. A parent segment's figures
include its sub-segments, each organisation once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import String, and_, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from haihe.chains.definitions import ChainDefinition
from haihe.chains.models import Placement
from haihe.chains.placements import effective
from haihe.codes import regions
from haihe.core.settings import get_settings
from haihe.registry.models import Organisation, Park
from haihe.registry.service import region_range

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


def _placements(chain: ChainDefinition):  # noqa: ANN202 - a subquery
    """(organisation, segment, role) with each child placement also counted on its parent,
    each organisation once per segment (MIN picks make < research < service < trade)."""
    p = Placement
    own = select(p.organisation_id, p.segment_id.label("seg"), p.role).where(
        p.chain_key == chain.key, effective()
    )
    parts = [own]
    # every ancestor of a child segment gets the child's placements too
    lifts: dict[str, list[str]] = {}
    for s in chain.segments:
        for anc in chain.ancestors(s.id):
            lifts.setdefault(anc, []).append(s.id)
    for anc, kids in lifts.items():
        parts.append(
            select(p.organisation_id, cast(literal(anc), String).label("seg"), p.role).where(
                p.chain_key == chain.key, effective(), p.segment_id.in_(kids)
            )
        )
    u = union_all(*parts).subquery()
    return (
        select(u.c.organisation_id, u.c.seg, func.min(u.c.role).label("role"))
        .group_by(u.c.organisation_id, u.c.seg)
        .subquery()
    )


def _capital_cny():  # noqa: ANN202
    o = Organisation
    return func.sum(case((o.capital_currency == "CNY", o.registered_capital), else_=0))


def grouped(
    session: Session, chain: ChainDefinition, by: str = "province", within: str | None = None
) -> dict[tuple[str, str], Figures]:
    """Figures per (segment, group) where group is a province code, a county code, a park
    id (as text) or 'all'; `within` limits to a region."""
    d = _placements(chain)
    o = Organisation
    if by == "province":
        key = func.substr(o.region_code, 1, 2)
    elif by == "county":
        key = o.region_code
    elif by == "park":
        key = o.park_id
    else:
        key = literal("all")
    q = (
        select(
            d.c.seg,
            key.label("k"),
            d.c.role,
            o.kind,
            func.count(),
            func.coalesce(func.sum(o.employees), 0),
            func.coalesce(_capital_cny(), 0),
        )
        .select_from(d)
        .join(o, o.id == d.c.organisation_id)
        .group_by(d.c.seg, key, d.c.role, o.kind)
    )
    if within:
        lo, hi = region_range(within)
        q = q.where(and_(o.region_code >= lo, o.region_code < hi))
    home = set(home_provinces())
    out: dict[tuple[str, str], Figures] = {}
    for seg, k, role, kind, n, emp, cap in session.execute(q):
        if by == "province":
            k = f"{k}0000" if k and f"{k}0000" in home else ELSEWHERE
        elif by == "park" and k is None:
            continue
        k = str(k) if k is not None else ELSEWHERE
        out.setdefault((seg, k), Figures()).add(role, kind, n, int(emp or 0), Decimal(cap or 0))
    return out


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
        parks = session.execute(
            select(Park.id, Park.name, Park.name_en).where(
                Park.region_code >= lo, Park.region_code < hi
            )
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
    """The largest organisations on each of `segment_ids` (sub-segments included),
    by employees then capital, `per_segment` each."""
    wanted: dict[str, str] = {}
    for sid in segment_ids:
        wanted[sid] = sid
        for s in chain.segments:
            if sid in chain.ancestors(s.id):
                wanted.setdefault(s.id, sid)
    if not wanted:
        return []
    p, o = Placement, Organisation
    shown = case(*((p.segment_id == k, v) for k, v in wanted.items()), else_=p.segment_id)
    rank = (
        func.row_number()
        .over(
            partition_by=shown,
            order_by=(
                func.coalesce(o.employees, -1).desc(),
                func.coalesce(o.registered_capital, -1).desc(),
                o.id,
            ),
        )
        .label("rk")
    )
    inner = (
        select(
            o.id,
            o.name,
            o.name_en,
            o.kind,
            o.region_code,
            o.park_id,
            o.employees,
            o.registered_capital,
            shown.label("seg"),
            p.role,
            p.confidence,
            p.source,
            p.reason_zh,
            p.reason_en,
            rank,
        )
        .join(o, o.id == p.organisation_id)
        .where(p.chain_key == chain.key, p.segment_id.in_(list(wanted)), effective())
    )
    if within:
        lo, hi = region_range(within)
        inner = inner.where(o.region_code >= lo, o.region_code < hi)
    if outside:
        lo, hi = region_range(outside)
        inner = inner.where((o.region_code < lo) | (o.region_code >= hi) | o.region_code.is_(None))
    if roles is not None:
        inner = inner.where(p.role.in_(list(roles)))
    if research is True:
        inner = inner.where((p.role == "research") | o.kind.in_(RESEARCH_KINDS))
    elif research is False:
        inner = inner.where(p.role == "make", o.kind.not_in(RESEARCH_KINDS))
    sub = inner.subquery()
    rows = session.execute(
        select(sub)
        .where(sub.c.rk > offset, sub.c.rk <= offset + per_segment)
        .order_by(sub.c.seg, sub.c.rk)
    ).all()
    seen: set[tuple[int, str]] = set()
    out = []
    for r in rows:
        if (r.id, r.seg) in seen:  # on a parent through two of its children
            continue
        seen.add((r.id, r.seg))
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
                r.seg,
                r.role,
                r.confidence,
                r.source,
                r.reason_zh,
                r.reason_en,
            )
        )
    return out
