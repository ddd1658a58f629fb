"""Fairs API: /api/v1/fairs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from haihe.fairs import queries
from haihe.fairs.schemas import FairList
from haihe.web.deps import db

router = APIRouter(prefix="/api/v1", tags=["fairs"])


@router.get("/fairs", response_model=FairList)
def list_fairs(session: Annotated[Session, Depends(db, scope="function")]) -> FairList:
    items = queries.list_fairs(session)
    return FairList(items=items, total=len(items))
