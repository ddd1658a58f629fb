"""Shapes of accounts, named by role: what a new user is made of, what is shown of one.

Secrets (password and token hashes) are in no `…Public` shape: they never leave the service.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class UserCreate(BaseModel):
    """A new account. The service checks every field (with messages a user can act on)."""

    username: str
    password: str
    role: str
    display_name: str | None = None
    regions: list[str] = []  # codes or names, e.g. 天津, 滨海
    park_id: int | None = None
    organisation_id: int | None = None
    fair_id: int | None = None


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    region_codes: str | None  # comma-separated, as stored
    park_id: int | None
    organisation_id: int | None
    fair_id: int | None
    is_active: bool
    must_change_password: bool
    created_at: datetime

    @property
    def scope(self) -> str:
        """Where the user works, in one word: their regions, park, organisation or fair."""
        return self.region_codes or str(self.park_id or self.organisation_id or self.fair_id or "")


class ApiTokenPublic(BaseModel):
    """A token as its owner sees it later: its name and first characters, never itself."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    minted_via: str | None = None
    minted_by_user_id: int | None = None
    minted_from_ip: str | None = None
    parent_token_id: int | None = None
    revoked_by_user_id: int | None = None
