"""Parsing the figure filters shared by the dashboard, project list, API and exports."""

from __future__ import annotations

from datetime import date

from haihe.core.errors import InvalidInput
from haihe.projects.figures import FigureFilter


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(field, f"{value!r} is not a date (write 2024-02-08)") from exc


def _int(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit() or not 1 <= int(value) <= 2_147_483_647:
        raise InvalidInput(field, f"{value!r} is not an id")
    return int(value)


def figure_filter(
    fair: str | None = None,
    chain: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    origin: str | None = None,
    landing: str | None = None,
    park: str | None = None,
) -> FigureFilter:
    return FigureFilter(
        date_from=_date(date_from, "from"),
        date_to=_date(date_to, "to"),
        fair_id=_int(fair, "fair"),
        chain=chain or None,
        origin=origin or None,
        landing=landing or None,
        park_id=_int(park, "park"),
    )
