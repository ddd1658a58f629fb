"""Sections that contexts above the registry add to an organisation's page (e.g. its
placements on the chains).

The registry may not import the contexts above it, so they come to it: a context registers
a function when its pages module is imported; the organisation page calls each with the
request's session, the reader, the organisation and the language, and includes the
template it names (None: nothing to show). The template reads its values as
`panel.context`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Panel:
    template: str  # under web/templates/, e.g. "chains/organisation_panel.html"
    context: dict = field(default_factory=dict)


# session, principal, the organisation (id, region_code, park_id, …), lang
PanelSource = Callable[[Session, object, object, str], Panel | None]
PANELS: list[PanelSource] = []


def register(source: PanelSource) -> PanelSource:
    if source not in PANELS:
        PANELS.append(source)
    return source


def panels_for(session: Session, principal: object, organisation: object, lang: str) -> list[Panel]:
    found = (source(session, principal, organisation, lang) for source in PANELS)
    return [p for p in found if p]
