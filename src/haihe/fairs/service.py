"""Use cases of fairs (the fairs issue extends these with participants and meetings)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotFound
from haihe.fairs.models import Fair


def list_fairs(session: Session) -> list[Fair]:
    return list(session.execute(select(Fair).order_by(Fair.starts_on.desc())).scalars())


def get_fair(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("fair", fair_id)
    return fair


def find_fair(session: Session, name: str) -> Fair | None:
    return session.execute(
        select(Fair).where((Fair.name == name) | (Fair.name_en == name))
    ).scalar_one_or_none()


def do_create_fair(
    session: Session,
    *,
    name: str,
    starts_on: date,
    ends_on: date | None = None,
    name_en: str | None = None,
    place: str | None = None,
    region: str | None = None,
    description: str | None = None,
    is_demo: bool = False,
) -> Fair:
    if not name or not name.strip():
        raise InvalidInput("name", "must not be empty")
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise InvalidInput("ends_on", "is before starts_on")
    region_code = None
    if region:
        r = regions.lookup(region)
        if r is None:
            raise InvalidInput("region", f"unknown region {region!r}")
        region_code = r.code
    if find_fair(session, name.strip()):
        raise InvalidInput("name", f"a fair named {name!r} exists already")
    fair = Fair(
        name=name.strip(),
        name_en=name_en,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place,
        region_code=region_code,
        description=description,
        is_demo=is_demo,
    )
    session.add(fair)
    session.flush()
    return fair
