"""Figures a server process keeps and recounts in the background.

Some figures cost more to count over a million organisations than the rest of their page
(the registry's totals on the dashboard). A person can live with them being a few seconds
old; nobody should wait for the recount. So the kept value is served as it is, and once
it is older than its age limit one background thread counts it again and swaps it in.
Only the very first request waits, and `warm` (run when `haihe serve` starts a process)
spares even that one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

T = TypeVar("T")
log = logging.getLogger(__name__)
OVERVIEW_SECONDS = 30.0


class Kept(Generic[T]):
    """One figure of one database, recounted in the background when older than max_age."""

    def __init__(self, count: Callable[[Session], T], max_age: float) -> None:
        self._count = count
        self.max_age = max_age
        self._lock = threading.Lock()
        self._value: T | None = None
        self._at = 0.0
        self._recounting = False

    def get(self, engine: Engine) -> T:
        with self._lock:
            value, age = self._value, time.monotonic() - self._at
            stale = value is not None and age >= self.max_age and not self._recounting
            if stale:
                self._recounting = True
        if value is None:  # nothing counted yet: this request waits, once
            return self._recount(engine)
        if stale:
            threading.Thread(target=self._recount, args=(engine,), daemon=True).start()
        return value

    def _recount(self, engine: Engine) -> T:
        try:
            with Session(engine) as session:
                value = self._count(session)
            with self._lock:
                self._value, self._at = value, time.monotonic()
            return value
        except Exception:  # a failed background recount keeps the old value; next one retries
            log.exception("recounting a kept figure failed")
            if self._value is None:
                raise
            return self._value
        finally:
            with self._lock:
                self._recounting = False


def registry_counts() -> Kept:
    """The registry's totals on the dashboard (organisations, parks, by province), at most
    30 seconds old: over a million organisations they cost more than the rest of the page.
    The app keeps one (app.state.registry_counts); the dashboard page reads it."""
    from haihe.registry import queries as registry

    return Kept(lambda s: registry.registry_overview(s, with_named=False), OVERVIEW_SECONDS)
