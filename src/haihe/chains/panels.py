"""Sections that contexts above chains add to a chain's page (e.g. the projects on it):
see core/panels.py. Their sources are called with the chain's key."""

from __future__ import annotations

from haihe.core.panels import Panel, Panels

CHAIN_PAGE = Panels()
register = CHAIN_PAGE.register
panels_for = CHAIN_PAGE.panels_for

__all__ = ["Panel", "panels_for", "register"]
