"""The one database layer: engine, sessions and schema upgrades for SQLite and PostgreSQL.

SQLite is the embedded default (one file, WAL, foreign keys on); PostgreSQL is the
multi-user deployment. Everything that talks to storage gets its engine from here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.schema import CreateTable

from haihe.core.errors import Unavailable
from haihe.core.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


# Objects the migrations create for one dialect only (name search), which the models do
# not declare; autogenerate and the migration test leave them alone.
DIALECT_ONLY = {
    "ix_organisations_name_trgm",
    "ix_organisations_name_norm_trgm",
    "ix_organisations_uscc_prefix",
    "organisations_fts",
    "ix_organisations_terms",
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    return not (
        name in DIALECT_ONLY
        or (name or "").startswith(("organisations_fts", "organisations_terms"))
    )


class Base(DeclarativeBase):
    """Declarative base of every table; each context declares its own tables on it."""


# Values handed straight to the sqlite3 driver (bulk loads) are stored in the same text
# forms SQLAlchemy writes and reads back: Decimal as text, dates ISO, datetimes with a space.
sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f"))


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    # A writer waits this long for another's write to end (an import's one transaction
    # is short, see core/importing.py); past it the request is told to retry (503).
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cur.close()


BUSY_TIMEOUT_S = 60
RETRY_AFTER_S = 10

_BUSY = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock")
_READ_ONLY = ("readonly database", "read-only transaction", "read-only file system")


def storage_problem(exc: BaseException) -> Unavailable | None:
    """The refusal a user can act on behind a database error, or None for a bug: the
    database busy with another write past the wait (retry later), or read-only."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    text_ = str(exc.orig or exc).lower()
    if any(m in text_ for m in _BUSY):
        return Unavailable("db.busy", retry_after=RETRY_AFTER_S)
    if any(m in text_ for m in _READ_ONLY):
        return Unavailable("db.read_only")
    return None


def writable(engine: Engine) -> bool:
    """Whether the database takes writes, without waiting for the write lock (so a health
    check does not queue behind an import). SQLite: the file and its folder (WAL files)
    can be written and a write statement that changes nothing is accepted (a busy
    database counts as writable); PostgreSQL: the session is not read-only (a standby)."""
    import os

    if not is_sqlite(engine):
        with engine.connect() as conn:
            return conn.execute(text("SHOW transaction_read_only")).scalar() == "off"
    db = engine.url.database
    if db and db != ":memory:" and not db.startswith("file:"):
        path = Path(db).resolve()
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            return False
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute("PRAGMA busy_timeout=0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM alembic_version WHERE 0")
        except sqlite3.OperationalError as exc:
            return not any(m in str(exc).lower() for m in _READ_ONLY)
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        return True
    finally:
        raw.close()


def make_engine(url: str) -> Engine:
    """An engine for `url` with Haihe's connection settings applied."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine):  # noqa: ANN201
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine | None = None) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine or get_engine()), "head")


def current_revision(engine: Engine | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with (engine or get_engine()).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_sqlite(engine: Engine) -> bool:
    """The embedded default (one file), not a server (backups differ, for instance)."""
    return engine.dialect.name == "sqlite"


def insert_many_returning_ids(
    conn: Connection, table: Table, rows: list[dict[str, object]]
) -> list[int]:
    """Insert many rows fast and return their ids in order (bulk loads: imports, demo).

    Goes below SQLAlchemy's per-row parameter processing, which costs more than SQLite
    itself: on SQLite one driver executemany while this connection holds the write lock,
    so the rows get consecutive rowids ending at last_insert_rowid(); on PostgreSQL the
    ids are drawn from the table's sequence first and the rows go in with COPY.
    """
    if not rows:
        return []
    cols = [c.name for c in table.columns if c.name != "id" and c.name in rows[0]]
    if conn.dialect.name == "postgresql":
        ids = list(
            conn.execute(
                text(f"SELECT nextval('{table.name}_id_seq') FROM generate_series(1, :n)"),
                {"n": len(rows)},
            ).scalars()
        )
        bulk_copy(
            conn,
            table,
            ["id", *cols],
            ([oid, *(row[c] for c in cols)] for oid, row in zip(ids, rows, strict=True)),
        )
        return ids
    bulk_insert_tuples(conn, table, cols, ([row[c] for c in cols] for row in rows))
    last = conn.execute(text("SELECT last_insert_rowid()")).scalar_one()
    return list(range(last - len(rows) + 1, last + 1))


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, object]]) -> None:
    """Insert many rows without ids to return (link tables)."""
    if not rows:
        return
    cols = list(rows[0])
    values = ([row[c] for c in cols] for row in rows)
    if conn.dialect.name == "postgresql":
        bulk_copy(conn, table, cols, values)
    else:
        bulk_insert_tuples(conn, table, cols, values)


def bulk_insert_tuples(conn: Connection, table: Table, cols: list[str], values) -> None:  # noqa: ANN001
    """SQLite: one driver-level executemany (values stored as SQLAlchemy stores them)."""
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.executemany(sql, values)
    finally:
        cur.close()


def bulk_copy(conn: Connection, table: Table, cols: list[str], values) -> None:  # noqa: ANN001
    """PostgreSQL: COPY FROM STDIN on this transaction's connection."""
    cur = conn.connection.driver_connection.cursor()
    try:
        with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    finally:
        cur.close()


def analyze(conn: Connection, *tables: str) -> None:
    """Refresh planner statistics after a bulk load, so searches use their indexes."""
    if conn.dialect.name == "postgresql":
        for t in tables:
            conn.execute(text(f"ANALYZE {t}"))
    else:
        conn.execute(text("PRAGMA optimize"))


class UTCDateTime(TypeDecorator):
    """A moment in time, stored in UTC and always read back timezone-aware.

    SQLite keeps no offset and hands back naive datetimes; they are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if value is not None:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# --- backend differences, named (the only place that asks which database it is) ---------


def data_version(conn: Connection) -> int | None:
    """SQLite's data_version (it moves whenever another connection commits), or None on
    PostgreSQL, which has no such mark."""
    if conn.dialect.name != "sqlite":
        return None
    return conn.exec_driver_sql("PRAGMA data_version").scalar()


def take_write_lock(conn: Connection) -> None:
    """At the start of a transaction: on SQLite take the write lock now (BEGIN IMMEDIATE,
    waiting as every writer does) rather than at the first write; PostgreSQL needs none."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgresql(bind: Connection | Engine) -> bool:
    return bind.dialect.name == "postgresql"


def driver_placeholder(conn: Connection) -> str:
    """The parameter mark of SQL handed to the driver's own cursor: %s or ?."""
    return "%s" if is_postgresql(conn) else "?"


def lock_for_share(conn: Connection, tables: Iterable[str]) -> None:
    """Until this transaction ends, writes to `tables` wait for it; reads go on.

    PostgreSQL: SHARE locks. SQLite has one writer at a time anyway: nothing to do."""
    names = list(tables)
    if names and is_postgresql(conn):
        conn.execute(text(f"LOCK TABLE {', '.join(names)} IN SHARE MODE"))


def create_bare_copy(conn: Connection, table: Table, name: str) -> Table:
    """An empty table shaped like `table` under `name`, to fill before `swap_in`.

    PostgreSQL: its columns only; primary key, indexes and foreign keys are built by
    `swap_in` after the rows, each in one sorted pass instead of an insert (or a trigger
    call) per row. SQLite cannot add a key to a table later: there it is the table's own
    CREATE TABLE under the other name (SQLite keeps a composite key and checks references
    cheaply)."""
    if is_postgresql(conn):
        conn.execute(text(f"CREATE TABLE {name} (LIKE {table.name} INCLUDING DEFAULTS)"))
    else:
        ddl = str(CreateTable(table).compile(conn))
        head = f"CREATE TABLE {table.name} ("
        assert head in ddl, ddl
        conn.execute(text(ddl.replace(head, f"CREATE TABLE {name} (", 1)))
    return Table(name, MetaData(), *(Column(c.name, c.type) for c in table.columns))


def swap_in(conn: Connection, table: Table, fresh: str) -> None:
    """Replace `table` by the filled table `fresh` (made by `create_bare_copy`), under
    `table`'s names: its key, indexes and foreign keys as the model declares them.

    PostgreSQL: the key, indexes and foreign keys are built on the fresh table first
    (index names are unique per schema, so under temporary ones), then the old table is
    dropped and the fresh one renamed: the exclusive lock the drop takes lasts only from
    there to commit. SQLite (one writer, readers on their snapshot): drop, rename, index."""
    name = table.name
    if not is_postgresql(conn):
        conn.execute(text(f"DROP TABLE {name}"))
        conn.execute(text(f"ALTER TABLE {fresh} RENAME TO {name}"))
        for index in table.indexes:
            index.create(conn)
        return
    key = ", ".join(c.name for c in table.primary_key.columns)
    conn.execute(text(f"ALTER TABLE {fresh} ADD CONSTRAINT {fresh}_pkey PRIMARY KEY ({key})"))
    for index in table.indexes:
        cols = ", ".join(c.name for c in index.columns)
        conn.execute(text(f"CREATE INDEX {index.name}_next ON {fresh} ({cols})"))
    for fk in table.foreign_key_constraints:  # as the model says; constraint names are
        cols = ", ".join(c.name for c in fk.columns)  # per table, so the final one at once
        refs = ", ".join(e.column.name for e in fk.elements)
        conn.execute(
            text(
                f"ALTER TABLE {fresh} ADD CONSTRAINT {name}_{cols}_fkey FOREIGN KEY ({cols}) "
                f"REFERENCES {fk.referred_table.name} ({refs}) ON DELETE {fk.ondelete}"
            )
        )
    conn.execute(text(f"DROP TABLE {name}"))
    conn.execute(text(f"ALTER TABLE {fresh} RENAME TO {name}"))
    conn.execute(text(f"ALTER TABLE {name} RENAME CONSTRAINT {fresh}_pkey TO {name}_pkey"))
    for index in table.indexes:
        conn.execute(text(f"ALTER INDEX {index.name}_next RENAME TO {index.name}"))
