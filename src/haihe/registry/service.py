"""Use cases of the registry. Other contexts and the web layer call these, never the tables."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy import (
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

from haihe.codes import industries, regions, uscc
from haihe.core.db import bulk_insert, insert_many_returning_ids
from haihe.core.errors import InvalidInput, NotFound
from haihe.registry import search_index
from haihe.registry.models import KINDS, Organisation, OrganisationIndustry, Park
from haihe.registry.names import fold, normalise

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
    if session.get_bind().dialect.name == "sqlite" and len(raw) >= 3 and len(norm) >= 3:
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
            raise InvalidInput("region", f"unknown region {f.region!r}")
        lo, hi = region_range(region.code)
        conds.append(and_(Organisation.region_code >= lo, Organisation.region_code < hi))
    if f.park_id is not None:
        conds.append(Organisation.park_id == f.park_id)
    if f.industry:
        code = f.industry.strip().upper()
        ind = industries.get(code)
        if ind is None:
            raise InvalidInput("industry", f"unknown industry code {f.industry!r}")
        if ind.level == "section":
            divisions = [c.code for c in industries.children(code)]
            match = or_(*[OrganisationIndustry.industry_code.like(d + "%") for d in divisions])
        else:
            match = OrganisationIndustry.industry_code.like(code + "%")
        conds.append(exists().where(OrganisationIndustry.organisation_id == Organisation.id, match))
    if f.kind:
        if f.kind not in KINDS:
            raise InvalidInput("kind", f"unknown kind {f.kind!r}")
        conds.append(Organisation.kind == f.kind)
    return stmt.where(*conds)


def search_organisations(
    session: Session, f: OrganisationFilter, page: int = 1, page_size: int = 50
) -> Page[Organisation]:
    if page < 1:
        raise InvalidInput("page", "must be 1 or more")
    if not 1 <= page_size <= 500:
        raise InvalidInput("page_size", "must be between 1 and 500")
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
        raise NotFound("organisation", org_id)
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


@dataclass
class OrganisationInput:
    """What a person or generator gives to create an organisation; validated here."""

    name: str
    kind: str = "enterprise"
    uscc: str | None = None
    name_en: str | None = None
    region_code: str | None = None
    park_id: int | None = None
    industry_codes: tuple[str, ...] = ()
    founded: date | None = None
    registered_capital: Decimal | None = None
    capital_currency: str = "CNY"
    employees: int | None = None
    website: str | None = None
    address: str | None = None
    description: str | None = None
    source: str = "manual"
    is_demo: bool = False
    named_in_source: bool = False


def validate_organisation(data: OrganisationInput) -> OrganisationInput:
    if not data.name or not data.name.strip():
        raise InvalidInput("name", "must not be empty")
    if data.kind not in KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}")
    if data.uscc:
        check = uscc.validate(data.uscc)
        if not check.ok:
            raise InvalidInput("uscc", check.error or "invalid")
        data.uscc = check.code
    if data.region_code and regions.get(data.region_code) is None:
        raise InvalidInput("region_code", f"unknown region {data.region_code!r}")
    for code in data.industry_codes:
        if not industries.is_valid(code):
            raise InvalidInput("industry_codes", f"unknown industry code {code!r}")
    if data.registered_capital is not None and data.registered_capital < 0:
        raise InvalidInput("registered_capital", "must not be negative")
    if data.employees is not None and data.employees < 0:
        raise InvalidInput("employees", "must not be negative")
    if data.founded and data.founded > date.today():
        raise InvalidInput("founded", "is in the future")
    return data


def do_create_organisation(session: Session, data: OrganisationInput) -> Organisation:
    data = validate_organisation(data)
    if data.uscc and find_by_uscc(session, data.uscc):
        raise InvalidInput("uscc", f"an organisation with USCC {data.uscc} exists already")
    now = datetime.now(UTC)
    org = Organisation(
        uscc=data.uscc,
        name=data.name.strip(),
        name_norm=normalise(data.name),
        name_en=data.name_en,
        kind=data.kind,
        region_code=data.region_code,
        park_id=data.park_id,
        founded=data.founded,
        registered_capital=data.registered_capital,
        capital_currency=data.capital_currency,
        employees=data.employees,
        website=data.website,
        address=data.address,
        description=data.description,
        source=data.source,
        is_demo=data.is_demo,
        named_in_source=data.named_in_source,
        created_at=now,
        updated_at=now,
    )
    org.industries = [
        OrganisationIndustry(industry_code=c) for c in dict.fromkeys(data.industry_codes)
    ]
    session.add(org)
    session.flush()
    return org


# Parks -------------------------------------------------------------------------------


@dataclass
class ParkSummary:
    park: Park
    organisation_count: int


def list_parks(session: Session) -> list[ParkSummary]:
    counts = dict(
        session.execute(
            select(Organisation.park_id, func.count())
            .where(Organisation.park_id.is_not(None))
            .group_by(Organisation.park_id)
        ).all()
    )
    parks = session.execute(select(Park).order_by(Park.region_code, Park.name)).scalars()
    return [ParkSummary(p, counts.get(p.id, 0)) for p in parks]


def get_park(session: Session, park_id: int) -> ParkSummary:
    park = session.get(Park, park_id)
    if park is None:
        raise NotFound("park", park_id)
    n = session.execute(select(func.count()).where(Organisation.park_id == park_id)).scalar_one()
    return ParkSummary(park, n)


def find_park(session: Session, name: str) -> Park | None:
    return session.execute(
        select(Park).where(or_(Park.name == name, Park.name_en == name))
    ).scalar_one_or_none()


def do_create_park(
    session: Session,
    *,
    name: str,
    region_code: str,
    name_en: str | None = None,
    operator: str | None = None,
    description: str | None = None,
    is_demo: bool = False,
) -> Park:
    if not name or not name.strip():
        raise InvalidInput("name", "must not be empty")
    region = regions.lookup(region_code)
    if region is None:
        raise InvalidInput("region", f"unknown region {region_code!r}")
    if find_park(session, name.strip()):
        raise InvalidInput("name", f"a park named {name!r} exists already")
    park = Park(
        name=name.strip(),
        name_en=name_en,
        region_code=region.code,
        operator=operator,
        description=description,
        is_demo=is_demo,
    )
    session.add(park)
    session.flush()
    return park


def do_bulk_create_organisations(conn: Connection, items: list[OrganisationInput]) -> list[int]:
    """Create many organisations in one statement per table (demo, benchmarks, imports).

    Each item is validated as do_create_organisation does; returns the new ids in order.
    """
    now = datetime.now(UTC)
    rows = []
    for data in items:
        data = validate_organisation(data)
        rows.append(
            {
                "uscc": data.uscc,
                "name": data.name.strip(),
                "name_norm": normalise(data.name),
                "name_en": data.name_en,
                "kind": data.kind,
                "region_code": data.region_code,
                "park_id": data.park_id,
                "founded": data.founded,
                "registered_capital": data.registered_capital,
                "capital_currency": data.capital_currency,
                "employees": data.employees,
                "website": data.website,
                "address": data.address,
                "description": data.description,
                "source": data.source,
                "is_demo": data.is_demo,
                "named_in_source": data.named_in_source,
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = insert_many_returning_ids(conn, Organisation.__table__, rows)
    search_index.index_ids(conn, ids)
    bulk_insert(
        conn,
        OrganisationIndustry.__table__,
        [
            {"organisation_id": oid, "industry_code": c}
            for oid, data in zip(ids, items, strict=True)
            for c in dict.fromkeys(data.industry_codes)
        ],
    )
    return ids


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
