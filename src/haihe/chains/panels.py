"""Sections that contexts above chains add to a chain's page (e.g. its projects).

Chains may not import the contexts above it, so they come to it: a context registers a
function at import time of its pages module; the chain page calls each with the request's
session, the reader and the chain key, and includes the template it names with the
context it returns (None: nothing to show).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Panel:
    template: str  # under web/templates/, e.g. "projects/chain_panel.html"
    context: dict = field(default_factory=dict)


PanelSource = Callable[[Session, object, str, str], Panel | None]  # session, principal, chain, lang
PANELS: list[PanelSource] = []


def register(source: PanelSource) -> PanelSource:
    if source not in PANELS:
        PANELS.append(source)
    return source


def panels_for(session: Session, principal: object, chain_key: str, lang: str) -> list[Panel]:
    return [p for p in (source(session, principal, chain_key, lang) for source in PANELS) if p]
