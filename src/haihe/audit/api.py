"""GET /api/v1/audit: the audit trail, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from haihe.audit import queries
from haihe.audit.schemas import AuditList
from haihe.web.auth import AdminReader
from haihe.web.deps import db

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=AuditList)
def list_audit(
    principal: AdminReader,
    session: Annotated[Session, Depends(db, scope="function")],
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=40)] = None,
    username: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditList:
    items, total = queries.list_entries(
        session,
        object_type=object_type,
        object_id=object_id,
        username=username,
        page=page,
        page_size=page_size,
    )
    return AuditList(items=items, total=total)
