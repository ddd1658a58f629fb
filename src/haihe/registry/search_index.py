"""The search indexes of SQLite (FTS5: trigram on names, jieba words in `search_terms`),
kept up to date by the registry.

PostgreSQL indexes names itself (pg_trgm GIN). On SQLite, updates and deletes are
mirrored by triggers (migration 0001), but inserts are indexed here, in bulk: a per-row
insert trigger doubled the cost of importing. Every insert path of the registry calls
`index_new` (bulk loads) or goes through the ORM, whose inserts the event below indexes.
"""

from __future__ import annotations

from sqlalchemy import Connection, event, text

from haihe.core.db import is_sqlite
from haihe.registry.models import Organisation


def index_range(conn: Connection, first_id: int, last_id: int) -> None:
    """Index the organisations with ids in [first_id, last_id] (SQLite only)."""
    if not is_sqlite(conn.engine):
        return
    conn.execute(
        text(
            "INSERT INTO organisations_fts(rowid, name, name_norm) "
            "SELECT id, name, name_norm FROM organisations WHERE id BETWEEN :a AND :b"
        ),
        {"a": first_id, "b": last_id},
    )
    conn.execute(
        text(
            "INSERT INTO organisations_terms(rowid, search_terms) "
            "SELECT id, search_terms FROM organisations WHERE id BETWEEN :a AND :b"
        ),
        {"a": first_id, "b": last_id},
    )


def index_ids(conn: Connection, ids: list[int]) -> None:
    if ids:
        index_range(conn, min(ids), max(ids))


def rebuild(conn: Connection) -> None:
    """Rebuild the whole index from the table (haihe db reindex)."""
    if is_sqlite(conn.engine):
        conn.execute(text("INSERT INTO organisations_fts(organisations_fts) VALUES ('rebuild')"))
        conn.execute(
            text("INSERT INTO organisations_terms(organisations_terms) VALUES ('rebuild')")
        )
    else:
        conn.execute(text("REINDEX INDEX ix_organisations_name_trgm"))
        conn.execute(text("REINDEX INDEX ix_organisations_name_norm_trgm"))
        conn.execute(text("REINDEX INDEX ix_organisations_terms"))


@event.listens_for(Organisation, "after_insert")
def _index_orm_insert(mapper, connection: Connection, target: Organisation) -> None:  # noqa: ANN001
    if is_sqlite(connection.engine):
        connection.execute(
            text("INSERT INTO organisations_fts(rowid, name, name_norm) VALUES (:i, :n, :m)"),
            {"i": target.id, "n": target.name, "m": target.name_norm},
        )
        connection.execute(
            text("INSERT INTO organisations_terms(rowid, search_terms) VALUES (:i, :t)"),
            {"i": target.id, "t": target.search_terms or ""},
        )
