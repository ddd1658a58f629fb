"""Writes of the registry: creating organisations (one, or many at once) and parks.

Every write is `do_<verb>_<noun>(session, principal, …)`: it checks the principal's
scope itself (accounts.scopes: administrators anywhere, regional officers in their
regions, park managers in their park), writes in the caller's transaction and is audited
with the principal as the actor — through the trail's ORM hook for rows written through
the ORM, by one explicit entry for a bulk insert that goes below it. Reads are in
registry/queries.py.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts import service as accounts
from haihe.accounts.scopes import Principal
from haihe.audit.recorder import Actor, current_actor, record
from haihe.codes import industries, regions, uscc
from haihe.core.db import bulk_insert, insert_many_returning_ids
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.core.i18n import Words
from haihe.core.limits import clean_text
from haihe.registry import queries, search_index, values
from haihe.registry.models import (
    KINDS,
    SPECIALISED,
    Organisation,
    OrganisationClaim,
    OrganisationIndustry,
    Park,
)
from haihe.registry.names import normalise
from haihe.registry.schemas import LIMITS, OrganisationCreate, ParkCreate
from haihe.registry.terms import terms_for


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


def _text(field: str, value: str | None) -> str | None:
    """A text field as stored: stripped, empty → None, refused when longer than its limit
    or holding control characters (zero-width and other format characters are dropped)."""
    if value is None:
        return None
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    value = value.strip()
    limit = LIMITS.get(field)
    if limit and len(value) > limit:
        raise InvalidInput("registry.too_long", field=field, max=limit)
    return value or None


def _capital(data: OrganisationCreate) -> tuple[Decimal | None, str]:
    """Registered capital as typed (500万, 1.2亿, 5,000,000, 50万美元) or a Decimal."""
    value = data.registered_capital
    if isinstance(value, str):
        try:
            parsed = values.parse_capital(value)
        except InvalidInput as exc:
            raise InvalidInput(exc.key, field="registered_capital", **exc.params) from None
        return parsed if parsed else (None, data.capital_currency)
    return value, data.capital_currency


def _check_park(session: Session, park_id: int | None) -> None:
    if park_id is not None and session.get(Park, park_id) is None:
        raise InvalidInput("registry.park_missing", field="park_id", id=park_id)


def _row(data: OrganisationCreate) -> dict[str, object]:
    """The organisation's row as it will be written, or InvalidInput naming the field."""
    name = clean_text(data.name, "organisation.name", name=True)
    if not name:
        raise InvalidInput("registry.name_missing", field="name")
    name_en = clean_text(data.name_en, "organisation.name_en", name=True) or None
    description = clean_text(data.description, "organisation.description") or None
    if data.specialised not in (None, "", *SPECIALISED):
        raise InvalidInput(
            "registry.specialised_unknown", field="specialised", value=data.specialised
        )
    stock_code = _text("stock_code", data.stock_code)
    if stock_code and not stock_code.replace(".", "").isalnum():
        raise InvalidInput("registry.stock_code_bad", field="stock_code", value=stock_code)
    capital, currency = _capital(data)
    if data.kind not in KINDS:
        raise InvalidInput(
            "registry.kind_unknown", field="kind", value=data.kind, kinds=", ".join(KINDS)
        )
    code = None
    if data.uscc and len(data.uscc) > LIMITS["uscc"]:
        raise InvalidInput("registry.too_long", field="uscc", max=LIMITS["uscc"])
    if len(data.industry_codes) > 20:
        raise InvalidInput("registry.too_many_industries", field="industry_codes", max=20)
    if data.employees is not None and data.employees > 10_000_000:
        raise InvalidInput("value.int_unreadable", field="employees", value=data.employees)
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
    if capital is not None and capital < 0:
        raise InvalidInput("registry.capital_negative", field="registered_capital", value=capital)
    if data.employees is not None and data.employees < 0:
        raise InvalidInput("registry.employees_negative", field="employees", value=data.employees)
    if data.founded and data.founded > date.today():
        raise InvalidInput("value.date_future", field="founded", value=data.founded.isoformat())
    now = datetime.now(UTC)
    return {
        "uscc": code,
        "name": name,
        "name_norm": normalise(name),
        "name_en": name_en,
        "kind": data.kind,
        "region_code": data.region_code,
        "park_id": data.park_id,
        "founded": data.founded,
        "registered_capital": capital,
        "capital_currency": currency,
        "employees": data.employees,
        "website": clean_text(data.website, "organisation.website") or None,
        "address": clean_text(data.address, "organisation.address") or None,
        "description": description,
        "search_terms": terms_for(name, name_en, description, data.region_code),
        "high_tech": bool(data.high_tech),
        "specialised": data.specialised or None,
        "listed": bool(data.listed or stock_code),
        "stock_code": stock_code,
        "above_scale": bool(data.above_scale),
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
    _check_park(session, data.park_id)
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


# What an enterprise user may change on its own organisation: its profile, not what
# identifies or places it (name, USCC, region, park, kind) or what officers attest.
OWNER_FIELDS = frozenset(
    {"name_en", "website", "address", "description", "employees", "founded", "industry_codes"}
)
UPDATABLE = frozenset(
    {
        "name",
        "kind",
        "uscc",
        "name_en",
        "region_code",
        "park_id",
        "industry_codes",
        "founded",
        "registered_capital",
        "employees",
        "website",
        "address",
        "description",
        "high_tech",
        "specialised",
        "listed",
        "stock_code",
        "above_scale",
    }
)


def do_update_organisation(
    session: Session, principal: Principal, org_id: int, changes: dict[str, object]
) -> Organisation:
    """Correct an organisation: the fields in `changes` (others stay), checked as a new one
    is, by whoever may edit it (accounts.scopes.can_edit_organisation); an enterprise user
    changes only its profile (OWNER_FIELDS), an officer may not move it out of their scope.
    Refused changes raise InvalidInput naming the field, and change nothing."""
    org = queries.get_organisation(session, org_id)
    if not scopes.can_edit_organisation(principal, org.region_code, org.park_id, org.id):
        raise NotAllowed("registry.edit_not_allowed", name=org.name)
    allowed = OWNER_FIELDS if principal.role == "enterprise" else UPDATABLE
    for key in changes:
        if key not in allowed:
            raise InvalidInput("registry.field_not_editable", field=key)
    current = {
        "name": org.name,
        "kind": org.kind,
        "uscc": org.uscc,
        "name_en": org.name_en,
        "region_code": org.region_code,
        "park_id": org.park_id,
        "industry_codes": tuple(org.industry_codes),
        "founded": org.founded,
        "registered_capital": org.registered_capital,
        "capital_currency": org.capital_currency,
        "employees": org.employees,
        "website": org.website,
        "address": org.address,
        "description": org.description,
        "high_tech": org.high_tech,
        "specialised": org.specialised,
        "listed": org.listed,
        "stock_code": org.stock_code,
        "above_scale": org.above_scale,
    }
    for flag in ("high_tech", "listed", "above_scale"):  # null: not known to be so
        if flag in changes and changes[flag] is None:
            changes[flag] = False
    merged = {**current, **changes}
    if "listed" in changes and not changes["listed"] and "stock_code" not in changes:
        merged["stock_code"] = None
    try:
        data = OrganisationCreate(**merged)
    except ValidationError as exc:  # a value of the wrong kind: named in words, not a 500
        name = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "value"
        raise InvalidInput(
            "registry.value_invalid", field=name, label=Words(f"audit.field.{name}")
        ) from None
    if principal.role != "enterprise" and (
        data.region_code != org.region_code or data.park_id != org.park_id
    ):
        _check_scope(principal, data.region_code, data.park_id)
    _check_park(session, data.park_id)
    row = _row(data)
    if row["uscc"] and row["uscc"] != org.uscc:
        other = queries.find_by_uscc(session, str(row["uscc"]))
        if other is not None and other.id != org.id:
            raise InvalidInput("registry.uscc_taken", field="uscc", uscc=row["uscc"])
    with _acting(principal):
        for key, value in row.items():
            if key in ("created_at", "source", "is_demo", "named_in_source"):
                continue
            if getattr(org, key) != value:
                setattr(org, key, value)
        if "industry_codes" in changes:
            wanted = list(dict.fromkeys(data.industry_codes))
            if wanted != org.industry_codes:
                org.industries = [OrganisationIndustry(industry_code=c) for c in wanted]
        session.flush()
    return org


def do_claim_organisation(
    session: Session, principal: Principal, org_id: int, message: str | None = None
) -> OrganisationClaim:
    """An enterprise user asks to manage an organisation's profile (as Open Supply Hub lets
    a facility's owner claim it); an officer in scope decides (do_decide_claim)."""
    org = queries.get_organisation(session, org_id)
    if not scopes.can_claim_organisation(principal, org.id):
        raise NotAllowed("registry.claim_not_allowed")
    if queries.pending_claim(session, principal.user_id, org.id) is not None:
        raise InvalidInput("registry.claim_pending", field="message")
    claim = OrganisationClaim(
        organisation_id=org.id,
        user_id=principal.user_id,
        message=_text("message", message),
        status="pending",
    )
    with _acting(principal):
        session.add(claim)
        session.flush()
    return claim


def do_decide_claim(
    session: Session, principal: Principal, claim_id: int, approve: bool
) -> OrganisationClaim:
    """Approve (the user then manages the organisation's profile) or reject a pending
    claim: administrators, officers of the organisation's region, its park's manager."""
    claim = session.get(OrganisationClaim, claim_id)
    if claim is None:
        raise NotFound("registry.claim_unknown", id=claim_id)
    org = queries.get_organisation(session, claim.organisation_id)
    if not scopes.can_decide_claim(principal, org.region_code, org.park_id):
        raise NotAllowed("registry.claim_decide_not_allowed")
    if claim.status != "pending":
        raise InvalidInput("registry.claim_decided", field="claim", status=claim.status)
    with _acting(principal):
        claim.status = "approved" if approve else "rejected"
        claim.decided_by = principal.username
        claim.decided_by_user_id = principal.user_id
        claim.decided_at = datetime.now(UTC)
        if approve:
            accounts.do_link_organisation(session, principal, claim.user_id, org.id)
        session.flush()
    return claim
