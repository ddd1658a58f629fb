"""Sections that contexts above fairs add to a fair's page (e.g. the figures of the
projects signed there): see core/panels.py. Their sources are called with the fair."""

from __future__ import annotations

from haihe.core.panels import Panel, Panels

FAIR_PAGE = Panels()
register = FAIR_PAGE.register
panels_for = FAIR_PAGE.panels_for

__all__ = ["Panel", "panels_for", "register"]
