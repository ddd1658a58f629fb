"""Shapes of the audit trail: an entry as administrators read it, and a page of entries."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    user_id: int | None = None
    username: str | None
    ip: str | None
    action: str
    object_type: str
    object_id: str | None
    changes: dict  # {field: [before, after]} or the details of an import

    @field_validator("changes", mode="before")
    @classmethod
    def _parsed(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    @property
    def changes_text(self) -> str:
        """The changes as stored (JSON, Chinese kept as it is), for pages and the CSV."""
        return json.dumps(self.changes, ensure_ascii=False)


class AuditList(BaseModel):
    items: list[AuditEntryPublic]
    total: int


class AuditPage(AuditList):
    """One page of the trail, with what the pages' pager needs."""

    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
