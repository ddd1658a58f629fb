"""The fairs' writes (the fairs issue extends these with participants and meetings).

Each is do_<verb>_<noun>(session, principal, ...): it checks the principal's scope
(accounts.scopes), writes in the caller's transaction (audited by audit.recorder, the
principal being the actor of the request or command) and returns plain data.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.fairs.models import Fair
from haihe.fairs.schemas import FairPublic


def do_create_fair(
    session: Session,
    principal: scopes.Principal,
    *,
    name: str,
    starts_on: date,
    ends_on: date | None = None,
    name_en: str | None = None,
    place: str | None = None,
    region: str | None = None,
    description: str | None = None,
    is_demo: bool = False,
) -> FairPublic:
    """A new fair (a one-day fair when `ends_on` is not given)."""
    if not scopes.can_create_fair(principal):
        raise NotAllowed("fairs.create_not_allowed")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("fairs.name_missing", field="name")
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise InvalidInput(
            "fairs.ends_before_start",
            field="ends_on",
            ends_on=ends_on.isoformat(),
            starts_on=starts_on.isoformat(),
        )
    region_code = None
    if region:
        found = regions.lookup(region)
        if found is None:
            raise InvalidInput("fairs.region_unknown", field="region", value=region)
        region_code = found.code
    if session.execute(select(Fair.id).where(Fair.name == name)).first():
        raise InvalidInput("fairs.name_taken", field="name", name=name)
    fair = Fair(
        name=name,
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
    return FairPublic.model_validate(fair)
