"""GET /api/v1/audit: the audit trail, for administrators."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from haihe.audit import service as audit
from haihe.web.auth import AdminReader
from haihe.web.deps import db

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditPublic(BaseModel):
    id: int
    at: datetime
    username: str | None
    ip: str | None
    action: str
    object_type: str
    object_id: str | None
    changes: dict


class AuditList(BaseModel):
    items: list[AuditPublic]
    total: int


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
    items, total = audit.list_entries(
        session,
        object_type=object_type,
        object_id=object_id,
        username=username,
        page=page,
        page_size=page_size,
    )
    return AuditList(
        items=[
            AuditPublic(
                id=e.id,
                at=e.at,
                username=e.username,
                ip=e.ip,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                changes=json.loads(e.changes),
            )
            for e in items
        ],
        total=total,
    )
