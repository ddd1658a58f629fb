"""Migration 0007: a project's free-text chain becomes a reference to a real chain."""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from haihe.core.db import alembic_config, current_revision

CHAINS = sa.table(
    "chains",
    *(sa.column(c) for c in ("key", "name_zh", "name_en", "group", "version", "definition")),
    sa.column("updated_at"),
)
PROJECTS = sa.table(
    "projects",
    *(sa.column(c) for c in ("code", "title", "project_type", "chain", "segment", "stage")),
    *(sa.column(c) for c in ("intended_investment", "version", "is_demo")),
    sa.column("created_at"),
    sa.column("updated_at"),
)


def _chain(key: str, zh: str, en: str, segments: list[tuple[str, str, str]]) -> dict:
    definition = {
        "key": key,
        "name": {"zh": zh, "en": en},
        "segments": [{"id": i, "name": {"zh": z, "en": e}} for i, z, e in segments],
    }
    now = datetime.now(UTC)
    return {
        "key": key,
        "name_zh": zh,
        "name_en": en,
        "group": "shared",
        "version": 1,
        "definition": json.dumps(definition, ensure_ascii=False),
        "updated_at": now,
    }


def test_free_text_chains_map_to_chain_keys_or_become_empty(engine):
    cfg = alembic_config(engine)
    command.downgrade(cfg, "0006")
    now = datetime.now(UTC)
    given = {  # code: (chain, segment) as typed before → as referenced after
        "K1": (("nev", "battery"), ("nev", "battery")),
        "K2": (("新能源汽车", "动力电池"), ("nev", "battery")),
        "K3": (("New-energy vehicles ", "Battery"), ("nev", "battery")),
        "K4": (("robots", "battery"), ("robots", None)),  # not a segment of robots
        "K5": (("high_end_equipment", "数控机床"), (None, None)),  # no such chain
        "K6": ((None, None), (None, None)),
        "K7": (("机器人", None), ("robots", None)),
    }
    with engine.begin() as conn:
        conn.execute(
            sa.insert(CHAINS),
            [
                _chain(
                    "nev", "新能源汽车", "New-energy vehicles", [("battery", "动力电池", "Battery")]
                ),
                _chain("robots", "机器人", "Robots", [("reducers", "减速器", "Reducers")]),
            ],
        )
        conn.execute(
            sa.insert(PROJECTS),
            [
                {
                    "code": code,
                    "title": code,
                    "project_type": "other",
                    "chain": before[0],
                    "segment": before[1],
                    "stage": "planned",
                    "intended_investment": 0,
                    "version": 1,
                    "is_demo": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for code, (before, _after) in given.items()
            ],
        )
    command.upgrade(cfg, "0007")  # the migration under test (later ones may follow)
    assert current_revision(engine) == "0007"
    with engine.connect() as conn:
        got = {
            code: (chain, segment)
            for code, chain, segment in conn.execute(
                sa.select(PROJECTS.c.code, PROJECTS.c.chain, PROJECTS.c.segment)
            )
        }
    assert got == {code: after for code, (_before, after) in given.items()}


def test_with_no_chain_installed_the_typed_chains_are_kept(engine):
    """Nothing to map against: emptying every project's chain would lose officers' words."""
    cfg = alembic_config(engine)
    command.downgrade(cfg, "0006")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(sa.delete(CHAINS))
        conn.execute(
            sa.insert(PROJECTS),
            [
                {
                    "code": "K1",
                    "title": "K1",
                    "project_type": "other",
                    "chain": "新能源汽车",
                    "segment": "动力电池",
                    "stage": "planned",
                    "intended_investment": 0,
                    "version": 1,
                    "is_demo": False,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        got = conn.execute(sa.select(PROJECTS.c.chain, PROJECTS.c.segment)).all()
    assert [tuple(r) for r in got] == [("新能源汽车", "动力电池")]
