"""Who already works with whom, told by the contexts that know it to those that need it.

Matching must not recommend an organisation's existing partners (unless asked), but the
partners are the parties of cooperation projects, and projects sits above matching: so
projects registers a provider here (in haihe.models.load_all) and matching asks through
`partners_of` / `all_partners` without importing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

# session, organisation ids (None: all) → pairs (organisation id, partner organisation id)
PartnerSource = Callable[[Session, list[int] | None], Iterable[tuple[int, int]]]
_SOURCES: list[PartnerSource] = []


def register(source: PartnerSource) -> PartnerSource:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def all_partners(session: Session, org_ids: list[int] | None = None) -> dict[int, set[int]]:
    """Each organisation's existing partners (of `org_ids` only, when given), both ways."""
    out: dict[int, set[int]] = {}
    wanted = None if org_ids is None else set(org_ids)
    for source in _SOURCES:
        for a, b in source(session, org_ids):
            if a == b:
                continue
            if wanted is None or a in wanted:
                out.setdefault(a, set()).add(b)
            if wanted is None or b in wanted:
                out.setdefault(b, set()).add(a)
    return out


def partners_of(session: Session, org_id: int) -> set[int]:
    return all_partners(session, [org_id]).get(org_id, set())
