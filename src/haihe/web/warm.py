"""What a fresh server process counts before its first users ask.

`haihe serve` starts each worker process through `serving_app`, which warms, in a
background thread, what would otherwise make the first requests after a start slow: the
dashboard's registry totals and every chain's figures per province (the chain pages'
default view; kept per process until chain_members changes), then the matching index the
recommendations rank from (kept per process, brought up to date on each request).
Requests are served meanwhile; one that arrives before its figure is ready counts it
itself, as without this.
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi import FastAPI
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def warm(app: FastAPI) -> float:
    """Count the figures; returns the seconds it took."""
    from haihe.chains import queries as chains
    from haihe.chains.panorama import grouped
    from haihe.matching import queries as matching

    started = time.perf_counter()
    engine = app.state.engine
    app.state.registry_counts.get(engine)
    with Session(engine) as session:
        for chain in chains.all_chains(session):
            grouped(session, chain.definition, "province")
        matching.warm(session)
    return time.perf_counter() - started


def _warm_quietly(app: FastAPI) -> None:
    try:
        log.info("figures warmed in %.1f s", warm(app))
    except Exception:  # a cold start is slower, not wrong: requests count for themselves
        log.exception("warming figures failed")


def serving_app() -> FastAPI:
    """The app as `haihe serve` runs it in each worker process."""
    from haihe.web.app import create_app

    app = create_app()
    threading.Thread(target=_warm_quietly, args=(app,), daemon=True, name="haihe-warm").start()
    return app
