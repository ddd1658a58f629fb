"""The registry's read side: searching and reading organisations and parks, and the
published facts other contexts join in their own SQL.

Pages, the API, exports and other contexts read the registry here; writes are in
registry/service.py. Another context that needs organisation or park facts inside its own
SQL (chains builds `chain_members` in one INSERT … SELECT over placements joined to
organisations) joins the selectables `organisation_facts()` / `park_facts()`: their
columns are the registry's promise, its tables are not. They are aliases of the tables, so
a join over them is planned exactly as one over the tables themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import (
    Alias,
    Connection,
    Select,
    and_,
    column,
    exists,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.audit import queries as audit
from haihe.codes import industries, regions, uscc
from haihe.core.db import driver_placeholder, is_sqlite
from haihe.core.errors import InvalidInput, NotFound
from haihe.registry.models import KINDS, Organisation, OrganisationIndustry, Park
from haihe.registry.names import fold, normalise

# The columns other contexts may read. A change to one of them through the ORM is
# announced as the domain event "organisations_updated" (see registry/events.py).
ORGANISATION_FACTS = (
    "id",
    "uscc",
    "name",
    "name_en",
    "kind",
    "region_code",
    "park_id",
    "employees",
    "registered_capital",
    "capital_currency",
)
PARK_FACTS = ("id", "name", "name_en", "region_code")
LARGEST_PAGE = 500


def organisation_facts() -> Alias:
    """Organisations as other contexts may join them (`.c.id`, `.c.region_code`, …)."""
    return Organisation.__table__.alias("organisation_facts")  # type: ignore[attr-defined]


def park_facts() -> Alias:
    return Park.__table__.alias("park_facts")  # type: ignore[attr-defined]


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class OrganisationFilter:
    q: str | None = None
    region: str | None = None
    park_id: int | None = None
    industry: str | None = None
    kind: str | None = None


def region_range(code: str) -> tuple[str, str]:
    """Codes inside a division form a range: 110000 → [110000, 120000), 130200 → [130200,
    130300)."""
    if code.endswith("0000"):
        lo = code[:2]
        return lo + "0000", f"{int(lo) + 1:02d}0000"
    if code.endswith("00"):
        lo = code[:4]
        return lo + "00", f"{int(lo) + 1:04d}00"
    return code, code + "~"


# Organisations -----------------------------------------------------------------------

_FTS = table("organisations_fts", column("rowid"))  # SQLite only; see migration 0001
_USCC_LIKE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{6,18}$")


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _name_condition(session: Session, q: str):  # noqa: ANN202
    """Substring match on the name or its normalised form, through the name index.

    SQLite: the FTS5 trigram index when every term has three characters or more.
    PostgreSQL: pg_trgm GIN indexes; LIKE rather than ILIKE unless the query has Latin
    letters (Chinese has no case, and ILIKE costs a lower() of every candidate).
    """
    spaced = unicodedata.normalize("NFKC", q)
    raw = "".join(spaced.split())
    norm = normalise(q) or fold(q)
    if is_sqlite(session.get_bind().engine) and len(raw) >= 3 and len(norm) >= 3:
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in {raw, norm})
        ids = select(_FTS.c.rowid).where(text("organisations_fts MATCH :m").bindparams(m=match))
        return Organisation.id.in_(ids)
    if any("a" <= ch.lower() <= "z" for ch in raw):
        return or_(
            Organisation.name.ilike(_like(raw), escape="\\"),
            Organisation.name_norm.ilike(_like(norm), escape="\\"),
        )
    return or_(
        Organisation.name.like(_like(raw), escape="\\"),
        Organisation.name_norm.like(_like(norm), escape="\\"),
    )


def _filtered(session: Session, f: OrganisationFilter) -> Select:
    stmt = select(Organisation)
    conds = []
    if f.q and f.q.strip():
        q = f.q.strip()
        code = uscc.normalise(q)
        if _USCC_LIKE.match(code) and any(ch.isdigit() for ch in code):
            conds.append(Organisation.uscc.like(code + "%"))
        else:
            conds.append(_name_condition(session, q))
    if f.region:
        region = regions.lookup(f.region)
        if region is None:
            raise InvalidInput("registry.region_unknown", field="region", value=f.region)
        lo, hi = region_range(region.code)
        conds.append(and_(Organisation.region_code >= lo, Organisation.region_code < hi))
    if f.park_id is not None:
        conds.append(Organisation.park_id == f.park_id)
    if f.industry:
        code = f.industry.strip().upper()
        ind = industries.get(code)
        if ind is None:
            raise InvalidInput("registry.industry_unknown", field="industry", value=f.industry)
        if ind.level == "section":
            divisions = [c.code for c in industries.children(code)]
            match = or_(*[OrganisationIndustry.industry_code.like(d + "%") for d in divisions])
        else:
            match = OrganisationIndustry.industry_code.like(code + "%")
        conds.append(exists().where(OrganisationIndustry.organisation_id == Organisation.id, match))
    if f.kind:
        if f.kind not in KINDS:
            raise InvalidInput(
                "registry.kind_unknown", field="kind", value=f.kind, kinds=", ".join(KINDS)
            )
        conds.append(Organisation.kind == f.kind)
    return stmt.where(*conds)


def search_organisations(
    session: Session, f: OrganisationFilter, page: int = 1, page_size: int = 50
) -> Page[Organisation]:
    if page < 1:
        raise InvalidInput("registry.page_invalid", field="page")
    if not 1 <= page_size <= LARGEST_PAGE:
        raise InvalidInput("registry.page_size_invalid", field="page_size", largest=LARGEST_PAGE)
    stmt = _filtered(session, f)
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    # With a selective filter, "ORDER BY id LIMIT n" tempts PostgreSQL to walk the primary
    # key and test every row; ordering by an expression makes it use the filter's index.
    order = Organisation.id + 0 if (f.q or f.industry) and total < 50000 else Organisation.id
    items = list(
        session.execute(stmt.order_by(order).offset((page - 1) * page_size).limit(page_size))
        .unique()
        .scalars()
    )
    return Page(items, total, page, page_size)


def get_organisation(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("registry.organisation_unknown", id=org_id)
    return org


def find_by_uscc(session: Session, code: str) -> Organisation | None:
    return (
        session.execute(select(Organisation).where(Organisation.uscc == uscc.normalise(code)))
        .unique()
        .scalar_one_or_none()
    )


def iter_organisations(
    session: Session, f: OrganisationFilter | None = None, batch: int = 5000
) -> Iterator[Organisation]:
    """Every matching organisation in id order, fetched in batches (for exports)."""
    last = 0
    base = _filtered(session, f or OrganisationFilter())
    while True:
        rows = list(
            session.execute(
                base.where(Organisation.id > last).order_by(Organisation.id).limit(batch)
            )
            .unique()
            .scalars()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def find_by_name(session: Session, name: str, region: str | None = None) -> list[Organisation]:
    """Organisations whose normalised name equals that of `name` (optionally in a region)."""
    stmt = select(Organisation).where(Organisation.name_norm == normalise(name))
    if region:
        lo, hi = region_range(region)
        stmt = stmt.where(Organisation.region_code >= lo, Organisation.region_code < hi)
    return list(session.execute(stmt.limit(5)).unique().scalars())


def count_organisations(session: Session) -> int:
    return session.execute(select(func.count(Organisation.id))).scalar_one()


def organisation_history(session: Session, principal: Principal, org: Organisation) -> list:
    """The organisation's audit entries, newest first (at most 100), for those who may read
    them (accounts.scopes.can_read_organisation_history); nothing for anyone else."""
    if not scopes.can_read_organisation_history(principal, org.region_code, org.park_id, org.id):
        return []
    entries, _ = audit.list_entries(
        session, object_type="organisation", object_id=str(org.id), page_size=100
    )
    return entries


# Parks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParkSummary:
    """A park as pages, the API and other contexts read it, with its organisation count."""

    id: int
    name: str
    name_en: str | None
    region_code: str
    operator: str | None
    description: str | None
    is_demo: bool
    organisation_count: int


_PARK_COLUMNS = (
    Park.id,
    Park.name,
    Park.name_en,
    Park.region_code,
    Park.operator,
    Park.description,
    Park.is_demo,
)


def list_parks(session: Session) -> list[ParkSummary]:
    counts = dict(
        session.execute(
            select(Organisation.park_id, func.count())
            .where(Organisation.park_id.is_not(None))
            .group_by(Organisation.park_id)
        ).all()
    )
    rows = session.execute(select(*_PARK_COLUMNS).order_by(Park.region_code, Park.name))
    return [ParkSummary(**r, organisation_count=counts.get(r["id"], 0)) for r in rows.mappings()]


def get_park(session: Session, park_id: int) -> ParkSummary:
    row = session.execute(select(*_PARK_COLUMNS).where(Park.id == park_id)).mappings().first()
    if row is None:
        raise NotFound("registry.park_unknown", id=park_id)
    n = session.execute(select(func.count()).where(Organisation.park_id == park_id)).scalar_one()
    return ParkSummary(**row, organisation_count=n)


def find_park(session: Session, name: str) -> Park | None:
    return session.execute(
        select(Park).where(or_(Park.name == name, Park.name_en == name))
    ).scalar_one_or_none()


# The home page -----------------------------------------------------------------------


@dataclass
class RegistryOverview:
    organisations: int
    parks: int
    by_province: list[tuple[str, int]]
    named_in_source: list[Organisation]


def registry_overview(session: Session, with_named: bool = True) -> RegistryOverview:
    """Counts for the home page: organisations per home province, parks, named ones."""
    counts = []
    for prov in regions.home_provinces():
        lo, hi = region_range(prov.code)
        n = session.execute(
            select(func.count()).where(
                Organisation.region_code >= lo, Organisation.region_code < hi
            )
        ).scalar_one()
        counts.append((prov.code, n))
    named = (
        list(
            session.execute(
                select(Organisation).where(Organisation.named_in_source).order_by(Organisation.id)
            )
            .unique()
            .scalars()
        )
        if with_named
        else []
    )
    return RegistryOverview(
        organisations=count_organisations(session),
        parks=session.execute(select(func.count(Park.id))).scalar_one(),
        by_province=counts,
        named_in_source=named,
    )


# What a classifier reads -----------------------------------------------------------------


@dataclass(frozen=True)
class ClassificationFacts:
    """An organisation as the chains' classifier reads it: names, kind, business scope
    (the registry's description) and GB/T 4754 industry codes."""

    id: int
    name: str
    name_en: str | None
    kind: str
    scope: str | None
    industry_codes: tuple[str, ...]


def classification_batches(conn: Connection, batch: int) -> Iterator[list[ClassificationFacts]]:
    """Every organisation in id order, `batch` at a time, with its industry codes.

    Read through the driver's cursor: at a million rows SQLAlchemy's per-row result
    processing costs more than the database does."""
    mark = driver_placeholder(conn)
    orgs_sql = (
        "SELECT id, name, name_en, kind, description FROM organisations "
        f"WHERE id > {mark} ORDER BY id LIMIT {mark}"
    )
    codes_sql = (
        "SELECT organisation_id, industry_code FROM organisation_industries "
        f"WHERE organisation_id > {mark} AND organisation_id <= {mark}"
    )
    last = 0
    cur = conn.connection.driver_connection.cursor()
    try:
        while True:
            cur.execute(orgs_sql, (last, batch))
            rows = cur.fetchall()
            if not rows:
                return
            hi = rows[-1][0]
            codes: dict[int, list[str]] = {}
            cur.execute(codes_sql, (last, hi))
            for oid, code in cur.fetchall():
                codes.setdefault(oid, []).append(code)
            yield [
                ClassificationFacts(r[0], r[1], r[2], r[3], r[4], tuple(codes.get(r[0], ())))
                for r in rows
            ]
            last = hi
    finally:
        cur.close()


def classification_facts(conn: Connection, org_ids: list[int]) -> list[ClassificationFacts]:
    """The same facts for some organisations (those an import or an edit just changed)."""
    out: list[ClassificationFacts] = []
    o, ind = Organisation.__table__, OrganisationIndustry.__table__
    ids = sorted(set(org_ids))
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        codes: dict[int, list[str]] = {}
        for oid, code in conn.execute(
            select(ind.c.organisation_id, ind.c.industry_code).where(
                ind.c.organisation_id.in_(chunk)
            )
        ):
            codes.setdefault(oid, []).append(code)
        for r in conn.execute(
            select(o.c.id, o.c.name, o.c.name_en, o.c.kind, o.c.description)
            .where(o.c.id.in_(chunk))
            .order_by(o.c.id)
        ):
            out.append(
                ClassificationFacts(r[0], r[1], r[2], r[3], r[4], tuple(codes.get(r[0], ())))
            )
    return out
