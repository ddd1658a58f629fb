"""Sections that contexts above the registry add to an organisation's page (e.g. its
placements on the chains): see core/panels.py. Their sources are called with the
organisation."""

from __future__ import annotations

from haihe.core.panels import Panel, Panels

ORGANISATION_PAGE = Panels()
register = ORGANISATION_PAGE.register
panels_for = ORGANISATION_PAGE.panels_for

# Sections of a park's page (its organisations on the chains, its projects): called with
# the park's summary (registry.queries.ParkSummary).
PARK_PAGE = Panels()
register_park = PARK_PAGE.register
park_panels_for = PARK_PAGE.panels_for

# Columns contexts above add to the organisation list: a source takes the session, the
# ids on the page and the language and gives {organisation id: text} (e.g. its chains).
LIST_COLUMNS: list = []


def register_list_column(source):  # noqa: ANN001, ANN201
    if source not in LIST_COLUMNS:
        LIST_COLUMNS.append(source)
    return source


def list_columns(session, ids: list[int], lang: str) -> list[dict[int, str]]:  # noqa: ANN001
    return [source(session, ids, lang) for source in LIST_COLUMNS]


__all__ = [
    "Panel",
    "list_columns",
    "panels_for",
    "park_panels_for",
    "register",
    "register_list_column",
    "register_park",
]
