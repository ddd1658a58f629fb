"""Issue 11, point 15, its last part: names stored before text was cleaned (zero-width
characters, soft hyphens) are cleaned by migration 0015, so that they no longer defeat
duplicate detection and search. Fails without the migration: the names stay as stored."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from haihe.core.db import alembic_config, make_engine
from haihe.registry.names import normalise
from haihe.registry.search_index import index_range

DIRTY = "天津零\u200b宽测试\u00ad科技有限公司"
CLEAN = "天津零宽测试科技有限公司"


def test_stored_names_lose_invisible_characters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0015")
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (name, name_norm, name_en, kind, region_code, source,"
                " is_demo, named_in_source, capital_currency, search_terms, high_tech, listed,"
                " above_scale, created_at, updated_at) VALUES (:n, :m, :e, 'enterprise',"
                " '120101', 'manual', false, false, 'CNY', '', false, false, false, :t, :t)"
            ),
            {"n": DIRTY, "m": "天津零\u200b宽测试\u00ad", "e": "Zero\u2060Width Tech", "t": now},
        )
        index_range(conn, 1, 1)  # as every insert path of the registry indexes (SQLite)
        for name in ("滨海\u200d科技园", "海河园区", "海河\u00ad园区"):
            conn.execute(
                text(
                    "INSERT INTO parks (name, region_code, is_demo, created_at)"
                    " VALUES (:n, '120116', false, :t)"
                ),
                {"n": name, "t": now},
            )
        conn.execute(
            text(
                "INSERT INTO fairs (name, name_en, starts_on, ends_on, is_demo)"
                " VALUES (:n, :e, '2025-05-01', '2025-05-01', false)"
            ),
            {"n": "京津\ufeff对接会", "e": "Fair\u200b"},
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        name, norm, name_en, terms = conn.execute(
            text("SELECT name, name_norm, name_en, search_terms FROM organisations")
        ).one()
        assert (name, name_en) == (CLEAN, "ZeroWidth Tech")
        assert norm == normalise(CLEAN)
        assert "\u200b" not in terms and "\u00ad" not in terms
        parks = set(conn.execute(text("SELECT name FROM parks")).scalars())
        # the soft-hyphened twin of an existing park keeps its name (names are unique)
        assert parks == {"滨海科技园", "海河园区", "海河\u00ad园区"}
        assert conn.execute(text("SELECT name, name_en FROM fairs")).one() == ("京津对接会", "Fair")
    engine.dispose()
