"""Sections that contexts above add to a page of a context below them.

A context may not import the contexts above it, so they come to it: the lower context
keeps a `Panels` for its page (the organisation page, the chain page), a context above
registers a function when its pages module is imported, and the page calls each with the
request's session, the reader, what the page is about and the language, then includes
the template each names (None: nothing to show). The template reads `panel.context`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Panel:
    template: str  # under web/templates/, e.g. "projects/chain_panel.html"
    context: dict = field(default_factory=dict)


# session, principal, what the page shows (a chain key, an organisation), lang
PanelSource = Callable[[Session, object, object, str], Panel | None]


class Panels:
    """The sections registered for one page."""

    def __init__(self) -> None:
        self.sources: list[PanelSource] = []

    def register(self, source: PanelSource) -> PanelSource:
        if source not in self.sources:
            self.sources.append(source)
        return source

    def panels_for(
        self, session: Session, principal: object, subject: object, lang: str
    ) -> list[Panel]:
        found = (source(session, principal, subject, lang) for source in self.sources)
        return [p for p in found if p]
