"""Request-scoped dependencies: a database session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy.orm import Session

from haihe.core.db import session_scope


def db(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, else rolled back.

    Routes take it as Depends(db, scope="function"), so the commit happens before the
    response leaves: a client never hears "done" about a write that then fails to commit
    (or that the next request cannot see yet).
    """
    with session_scope(request.app.state.engine) as session:
        yield session


# Ids in paths: positive and within a 32-bit integer (a larger number is no id of ours,
# and SQLite cannot even bind one).
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
