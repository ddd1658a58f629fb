"""The registry's read side for other contexts: published facts, never its tables.

Another context that needs organisation or park facts inside its own SQL (chains builds
`chain_members` in one INSERT … SELECT over placements joined to organisations) joins
the selectables below; their columns are the registry's promise, its tables are not.
They are aliases of the tables, so a join over them is planned exactly as one over the
tables themselves.
"""

from __future__ import annotations

from sqlalchemy import Alias

from haihe.registry.models import Organisation, Park

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


def organisation_facts() -> Alias:
    """Organisations as other contexts may join them (`.c.id`, `.c.region_code`, …)."""
    return Organisation.__table__.alias("organisation_facts")  # type: ignore[attr-defined]


def park_facts() -> Alias:
    return Park.__table__.alias("park_facts")  # type: ignore[attr-defined]
