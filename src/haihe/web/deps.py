"""Request-scoped dependencies: a database session per request."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from haihe.core.db import session_scope


def db(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, else rolled back."""
    with session_scope(request.app.state.engine) as session:
        yield session
