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
    case,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from haihe.accounts import queries as accounts
from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.audit import queries as audit
from haihe.codes import industries, regions, uscc
from haihe.core.db import driver_placeholder, is_sqlite
from haihe.core.errors import InvalidInput, NotFound
from haihe.registry import terms
from haihe.registry.models import KINDS, Organisation, OrganisationClaim, OrganisationIndustry, Park
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
    # attributes: high_tech | srdi (专精特新, little giants included) | little_giant |
    # listed | above_scale
    attribute: str | None = None
    sort: str | None = None  # SORTS


ATTRIBUTES = ("high_tech", "srdi", "little_giant", "listed", "above_scale")
SORTS = ("name", "-capital", "-founded", "founded", "-employees")


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
_TERMS_FTS = "organisations_terms"  # SQLite only; see migration 0011
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


def _fts5_word(terms: list[tuple[str, bool]]) -> str:
    return " AND ".join(
        '"' + t.replace('"', '""') + '"' + ("*" if prefix else "") for t, prefix in terms
    )


def _tsquery_word(terms: list[tuple[str, bool]]) -> str:
    return " & ".join(
        "'" + t.replace("'", "''") + "'" + (":*" if prefix else "") for t, prefix in terms
    )


def _words_condition(session: Session, q: str):  # noqa: ANN202
    """Every word of `q` (split at spaces) must match, in any order: in the name (a
    substring, through the name index) or among the organisation's search words (names,
    English name, business scope and products, region; segmented by jieba, see
    registry/terms.py)."""
    words = terms.query_words(q)
    raw_words = unicodedata.normalize("NFKC", q).split()[: terms.MAX_WORDS]
    if not words:
        return _name_condition(session, q)
    # A single word may also be a substring of a name (the name indexes, as before).
    by_name = None
    if len(raw_words) == 1:
        norm = normalise(raw_words[0]) or fold(raw_words[0])
        if len(raw_words[0]) >= 3 and len(norm) >= 3:
            by_name = _name_condition(session, raw_words[0])
    if is_sqlite(session.get_bind().engine):
        # One MATCH for every word (FTS5 intersects them itself).
        match = " AND ".join(f"({_fts5_word(w)})" for w in words)
        sql = f"SELECT rowid FROM {_TERMS_FTS} WHERE {_TERMS_FTS} MATCH :w"
        if by_name is not None:
            raw, norm = raw_words[0], normalise(raw_words[0]) or fold(raw_words[0])
            sql += " UNION SELECT rowid FROM organisations_fts WHERE organisations_fts MATCH :n"
            n = " OR ".join('"' + t.replace('"', '""') + '"' for t in {raw, norm})
            return Organisation.id.in_(text(sql).bindparams(w=match, n=n))
        return Organisation.id.in_(text(sql).bindparams(w=match))
    tsv = func.to_tsvector(literal_column("'simple'::regconfig"), Organisation.search_terms)
    query = " & ".join(f"({_tsquery_word(w)})" for w in words)
    match = tsv.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), query))
    return match if by_name is None else or_(match, by_name)


def _filtered(session: Session, f: OrganisationFilter) -> Select:
    stmt = select(Organisation)
    conds = []
    if f.q and f.q.strip():
        q = f.q.strip()
        code = uscc.normalise(q)
        if _USCC_LIKE.match(code) and any(ch.isdigit() for ch in code):
            conds.append(Organisation.uscc.like(code + "%"))
        else:
            conds.append(_words_condition(session, q))
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
    if f.attribute:
        if f.attribute not in ATTRIBUTES:
            raise InvalidInput("registry.attribute_unknown", field="attribute", value=f.attribute)
        conds.append(
            {
                "high_tech": Organisation.high_tech,
                "srdi": Organisation.specialised.is_not(None),
                "little_giant": Organisation.specialised == "little_giant",
                "listed": Organisation.listed,
                "above_scale": Organisation.above_scale,
            }[f.attribute]
        )
    if f.sort and f.sort not in SORTS:
        raise InvalidInput("registry.sort_unknown", field="sort", value=f.sort)
    return stmt.where(*conds)


def _sort_order(f: OrganisationFilter, default):  # noqa: ANN001, ANN202
    if f.sort == "name":
        return (Organisation.name_norm, Organisation.id)
    column_, desc = {
        "-capital": (Organisation.registered_capital, True),
        "-founded": (Organisation.founded, True),
        "founded": (Organisation.founded, False),
        "-employees": (Organisation.employees, True),
    }.get(f.sort or "", (None, False))
    if column_ is None:
        return (default,)
    return ((column_.desc() if desc else column_.asc()).nulls_last(), Organisation.id)


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
    orders = _sort_order(f, order)
    if f.q and not f.sort and total < 5000:
        # Those whose name holds every word first, then those found by their business
        # scope, products or region.
        words = unicodedata.normalize("NFKC", f.q).split()[: terms.MAX_WORDS]
        in_name = and_(*[Organisation.name.ilike(_like(w), escape="\\") for w in words])
        orders = (case((in_name, 0), else_=1), *orders)
    items = list(
        session.execute(stmt.order_by(*orders).offset((page - 1) * page_size).limit(page_size))
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
    f = f or OrganisationFilter()
    base = _filtered(session, f)
    if f.sort:  # an export as the list was sorted: pages in that order
        ordered = base.order_by(*_sort_order(f, Organisation.id))
        offset = 0
        while True:
            rows = list(session.execute(ordered.offset(offset).limit(batch)).unique().scalars())
            if not rows:
                return
            yield from rows
            offset += len(rows)
            session.expunge_all()
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


def pending_claim(session: Session, user_id: int | None, org_id: int) -> OrganisationClaim | None:
    return session.execute(
        select(OrganisationClaim).where(
            OrganisationClaim.user_id == user_id,
            OrganisationClaim.organisation_id == org_id,
            OrganisationClaim.status == "pending",
        )
    ).scalar_one_or_none()


def claims_of(session: Session, principal: Principal, org: Organisation) -> list[OrganisationClaim]:
    """The claims on an organisation: all of them for those who decide them, the reader's
    own for an enterprise user, nothing for anyone else."""
    stmt = select(OrganisationClaim).where(OrganisationClaim.organisation_id == org.id)
    if scopes.can_decide_claim(principal, org.region_code, org.park_id):
        pass
    elif principal.role == "enterprise" and principal.user_id is not None:
        stmt = stmt.where(OrganisationClaim.user_id == principal.user_id)
    else:
        return []
    return list(session.execute(stmt.order_by(OrganisationClaim.id.desc()).limit(50)).scalars())


def claimant_names(session: Session, claims: list[OrganisationClaim]) -> dict[int, str]:
    """Who made each claim, by name (for the deciders and the claimant only)."""
    return accounts.display_names(session, {c.user_id for c in claims})


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


def key_enterprises(session: Session, park_id: int | None = None, ids=None, limit: int = 12):  # noqa: ANN001, ANN201
    """A park's (or a set of organisations') key enterprises: listed, 专精特新 (little
    giants first), high-tech or above designated size, the largest first."""
    stmt = select(Organisation).where(
        or_(
            Organisation.listed,
            Organisation.specialised.is_not(None),
            Organisation.high_tech,
            Organisation.above_scale,
        )
    )
    if park_id is not None:
        stmt = stmt.where(Organisation.park_id == park_id)
    if ids is not None:
        stmt = stmt.where(Organisation.id.in_(ids))
    rank = case(
        (Organisation.listed, 0),
        (Organisation.specialised == "little_giant", 1),
        (Organisation.specialised.is_not(None), 2),
        (Organisation.high_tech, 3),
        else_=4,
    )
    stmt = stmt.order_by(rank, Organisation.registered_capital.desc().nulls_last(), Organisation.id)
    return list(session.execute(stmt.limit(limit)).unique().scalars())


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


# (id, kind, region code, park id, employees, search terms): what matching's index reads
MATCHING_FACTS = "SELECT id, kind, region_code, park_id, employees, search_terms FROM organisations"


def matching_batches(
    conn: Connection, org_ids: list[int] | None = None, batch: int = 20_000
) -> Iterator[list[tuple]]:
    """Every organisation (or those of `org_ids`) in id order, `batch` at a time, as
    (id, kind, region_code, park_id, employees, search_terms): the published facts and the
    words it is found by, for the matching context's index."""
    if org_ids is not None:
        o = Organisation.__table__
        ids = sorted(set(org_ids))
        for i in range(0, len(ids), batch):
            yield [
                tuple(r)
                for r in conn.execute(
                    select(
                        o.c.id,
                        o.c.kind,
                        o.c.region_code,
                        o.c.park_id,
                        o.c.employees,
                        o.c.search_terms,
                    )
                    .where(o.c.id.in_(ids[i : i + batch]))
                    .order_by(o.c.id)
                )
            ]
        return
    mark = driver_placeholder(conn)
    sql = f"{MATCHING_FACTS} WHERE id > {mark} ORDER BY id LIMIT {mark}"
    last = 0
    cur = conn.connection.driver_connection.cursor()
    try:
        while True:
            cur.execute(sql, (last, batch))
            rows = cur.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]
    finally:
        cur.close()
