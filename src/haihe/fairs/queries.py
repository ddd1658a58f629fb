"""The fairs' read side: fairs as plain data (FairPublic) for pages, the API and projects."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.core.errors import NotFound
from haihe.fairs.models import Fair
from haihe.fairs.schemas import FairPublic


def list_fairs(session: Session) -> list[FairPublic]:
    """Every fair, the latest first."""
    rows = session.execute(select(Fair).order_by(Fair.starts_on.desc(), Fair.id)).scalars()
    return [FairPublic.model_validate(f) for f in rows]


def get_fair(session: Session, fair_id: int) -> FairPublic:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("fairs.not_found", field="fair_id", fair=fair_id)
    return FairPublic.model_validate(fair)


def find_fair(session: Session, name: str) -> FairPublic | None:
    """The fair of that Chinese or English name, if there is one."""
    fair = session.execute(
        select(Fair).where((Fair.name == name) | (Fair.name_en == name))
    ).scalar_one_or_none()
    return None if fair is None else FairPublic.model_validate(fair)
