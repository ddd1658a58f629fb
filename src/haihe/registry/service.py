"""Writes of the registry: creating organisations (one, or many at once) and parks.

Every write is `do_<verb>_<noun>(session, principal, …)`: it checks the principal's
scope itself (accounts.scopes: administrators anywhere, regional officers in their
regions, park managers in their park), writes in the caller's transaction and is audited
with the principal as the actor — through the trail's ORM hook for rows written through
the ORM, by one explicit entry for a bulk insert that goes below it. Reads are in
registry/queries.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.audit.recorder import Actor, current_actor, record
from haihe.codes import industries, regions, uscc
from haihe.core.db import bulk_insert, insert_many_returning_ids
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.core.limits import clean_text
from haihe.registry import queries, search_index
from haihe.registry.models import KINDS, Organisation, OrganisationIndustry, Park
from haihe.registry.names import normalise
from haihe.registry.schemas import OrganisationCreate, ParkCreate


@contextmanager
def _acting(principal: Principal) -> Iterator[None]:
    """The principal is the actor of the audit entries written meanwhile (a request or the
    command line has set the same actor already; a direct call gets it here)."""
    token = current_actor.set(
        Actor(principal.user_id, principal.username or "anonymous", principal.ip)
    )
    try:
        yield
    finally:
        current_actor.reset(token)


def _check_scope(principal: Principal, region_code: str | None, park_id: int | None) -> None:
    if not scopes.can_create_organisation(principal, region_code, park_id):
        raise NotAllowed("registry.not_in_scope", region=region_code or "—", park=park_id or "—")


def _row(data: OrganisationCreate) -> dict[str, object]:
    """The organisation's row as it will be written, or InvalidInput naming the field."""
    name = clean_text(data.name, "organisation.name", name=True)
    if not name:
        raise InvalidInput("registry.name_missing", field="name")
    if data.kind not in KINDS:
        raise InvalidInput(
            "registry.kind_unknown", field="kind", value=data.kind, kinds=", ".join(KINDS)
        )
    code = None
    if data.uscc:
        check = uscc.validate(data.uscc)
        if not check.ok:
            assert check.problem is not None
            raise InvalidInput(check.problem.key, field="uscc", **check.problem.params)
        code = check.code
    if data.region_code and regions.get(data.region_code) is None:
        raise InvalidInput("registry.region_unknown", field="region_code", value=data.region_code)
    for ind in data.industry_codes:
        if not industries.is_valid(ind):
            raise InvalidInput("registry.industry_unknown", field="industry_codes", value=ind)
    if data.registered_capital is not None and data.registered_capital < 0:
        raise InvalidInput(
            "registry.capital_negative", field="registered_capital", value=data.registered_capital
        )
    if data.employees is not None and data.employees < 0:
        raise InvalidInput("registry.employees_negative", field="employees", value=data.employees)
    if data.founded and data.founded > date.today():
        raise InvalidInput("value.date_future", field="founded", value=data.founded.isoformat())
    now = datetime.now(UTC)
    return {
        "uscc": code,
        "name": name,
        "name_norm": normalise(name),
        "name_en": clean_text(data.name_en, "organisation.name_en", name=True) or None,
        "kind": data.kind,
        "region_code": data.region_code,
        "park_id": data.park_id,
        "founded": data.founded,
        "registered_capital": data.registered_capital,
        "capital_currency": data.capital_currency,
        "employees": data.employees,
        "website": clean_text(data.website, "organisation.website") or None,
        "address": clean_text(data.address, "organisation.address") or None,
        "description": clean_text(data.description, "organisation.description") or None,
        "source": data.source,
        "is_demo": data.is_demo,
        "named_in_source": data.named_in_source,
        "created_at": now,
        "updated_at": now,
    }


def do_create_organisation(
    session: Session, principal: Principal, data: OrganisationCreate
) -> Organisation:
    """One organisation, where the principal may add one; refused if its USCC is taken."""
    _check_scope(principal, data.region_code, data.park_id)
    row = _row(data)
    if row["uscc"] and queries.find_by_uscc(session, str(row["uscc"])):
        raise InvalidInput("registry.uscc_taken", field="uscc", uscc=row["uscc"])
    org = Organisation(**row)
    org.industries = [
        OrganisationIndustry(industry_code=c) for c in dict.fromkeys(data.industry_codes)
    ]
    with _acting(principal):
        session.add(org)
        session.flush()
    return org


def do_create_park(session: Session, principal: Principal, data: ParkCreate) -> Park:
    """A park in a region (code or name), where the principal may add one; names are unique."""
    name = clean_text(data.name, "park.name", name=True)
    if not name:
        raise InvalidInput("registry.name_missing", field="name")
    region = regions.lookup(data.region)
    if region is None:
        raise InvalidInput("registry.region_unknown", field="region", value=data.region)
    if not scopes.can_create_park(principal, region.code):
        raise NotAllowed("registry.park_not_in_scope", region=region.code)
    if queries.find_park(session, name):
        raise InvalidInput("registry.park_name_taken", field="name", name=name)
    park = Park(
        name=name,
        name_en=clean_text(data.name_en, "park.name_en", name=True) or None,
        region_code=region.code,
        operator=clean_text(data.operator, "park.operator", name=True) or None,
        description=clean_text(data.description, "park.description") or None,
        is_demo=data.is_demo,
    )
    with _acting(principal):
        session.add(park)
        session.flush()
    return park


def do_bulk_create_organisations(
    conn: Connection, principal: Principal, items: list[OrganisationCreate]
) -> list[int]:
    """Create many organisations in one statement per table (the demo, benchmarks, tests).

    Each item is checked as do_create_organisation checks it, scope included, before
    anything is written; returns the new ids in order. The rows go in below the ORM, so
    the trail gets one entry for the whole batch (how many, which ids), by the principal.
    """
    rows = []
    for data in items:
        _check_scope(principal, data.region_code, data.park_id)
        rows.append(_row(data))
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
    if ids:
        with _acting(principal), Session(bind=conn) as s:
            record(
                s,
                "bulk_create",
                "organisation",
                None,
                {"count": len(ids), "first_id": ids[0], "last_id": ids[-1]},
            )
            s.flush()
    return ids
