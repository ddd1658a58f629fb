"""The source-article demo: a deterministic database around the Beijing–Tianjin article.

Each context adds its part through a module listed in CONTRIBUTORS, with a
`build(conn, rng, scenario)` function; they run in order inside one transaction, so a
demo is built wholly or not at all. `scenario` carries what later parts need from
earlier ones (the parks, the organisations the article names, ...).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from sqlalchemy import Engine

CONTRIBUTORS = (
    "haihe.registry.demo",
    "haihe.chains.demo",
    "haihe.fairs.demo",
    "haihe.projects.demo",
    "haihe.leads.demo",
    "haihe.projects.demo_leads",
    "haihe.accounts.demo",
    "haihe.matching.demo",
)
DEFAULT_SEED = 20240208  # the day the article was published


@dataclass
class Scenario:
    seed: int
    parks: dict[str, int] = field(default_factory=dict)  # key → park id
    named: dict[str, int] = field(default_factory=dict)  # key → organisation id
    organisation_ids: list[int] = field(default_factory=list)
    by_province: dict[str, list[int]] = field(default_factory=dict)  # enterprises
    fairs: dict[str, int] = field(default_factory=dict)
    # The agreements signed at the article's fair (fairs.demo.Agreement), for the projects.
    fair_agreements: list = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def build_demo(
    engine: Engine,
    *,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    log: Callable[[str], None] = lambda _m: None,
) -> Scenario | None:
    """Build the demo; None (and no change) when the database has data and not `force`."""
    from haihe.models import load_all
    from haihe.registry import queries

    load_all()
    with engine.connect() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as s:
            has_data = queries.count_organisations(s) > 0
    if has_data and not force:
        return None
    scenario = Scenario(seed=seed)
    with engine.begin() as conn:
        if has_data:
            for module in reversed(CONTRIBUTORS):
                import_module(module).clear(conn)
        for module in CONTRIBUTORS:
            rng = random.Random(f"{seed}:{module}")
            import_module(module).build(conn, rng, scenario)
    for key, value in scenario.counts.items():
        log(f"demo: {key} {value}")
    return scenario
