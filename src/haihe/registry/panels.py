"""Sections that contexts above the registry add to an organisation's page (e.g. its
placements on the chains): see core/panels.py. Their sources are called with the
organisation."""

from __future__ import annotations

from haihe.core.panels import Panel, Panels

ORGANISATION_PAGE = Panels()
register = ORGANISATION_PAGE.register
panels_for = ORGANISATION_PAGE.panels_for

__all__ = ["Panel", "panels_for", "register"]
