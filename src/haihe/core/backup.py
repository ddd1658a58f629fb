"""Backups and restores of the whole database.

SQLite: the online backup API, page by page under SQLite's own locks, so a backup is
consistent even while the app is serving. PostgreSQL: pg_dump's custom format and
pg_restore (the client tools of the server's major version must be installed). A
database kept in one schema (HAIHE_DATABASE_URL with `options=-csearch_path=...`) is
backed up and restored as that schema.

What goes wrong is a `HaiheError`: a file that is missing or not a backup is bad input; a
client tool that is missing or fails, or a target that cannot be written, is `Unavailable`.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from haihe.core.db import is_sqlite
from haihe.core.errors import Conflict, InvalidInput, Unavailable

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def _libpq(engine: Engine) -> tuple[str, str | None]:
    url = make_url(engine.url.render_as_string(hide_password=False))
    options = url.query.get("options")
    schema = None
    if options:
        m = re.search(r"search_path=([A-Za-z0-9_]+)", str(options))
        schema = m.group(1) if m else None
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    return plain.render_as_string(hide_password=False), schema


def known_revisions() -> set[str]:
    """Every schema version Haihe's migrations know."""
    from alembic.script import ScriptDirectory

    from haihe.core.db import MIGRATIONS

    return {r.revision for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def check_sqlite_backup(path: Path) -> str:
    """The schema version of the Haihe database in `path`, or InvalidInput saying why it is
    not one: empty, not SQLite, no schema version (not Haihe's), or one Haihe does not
    know (a newer Haihe's)."""
    if path.stat().st_size == 0:
        raise InvalidInput("backup.empty", field="file", path=str(path))
    with path.open("rb") as f:
        if f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise InvalidInput(
                "backup.not_sqlite", field="file", path=str(path), reason="no SQLite header"
            )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            raise InvalidInput("backup.not_haihe", field="file", path=str(path)) from exc
        raise InvalidInput(
            "backup.not_sqlite", field="file", path=str(path), reason=str(exc)
        ) from exc
    return _known(rows[0][0] if rows else None, path)


def _known(revision: str | None, path: Path) -> str:
    if revision is None:
        raise InvalidInput("backup.not_haihe", field="file", path=str(path))
    if revision not in known_revisions():
        raise InvalidInput("backup.unknown_revision", field="file", path=str(path), rev=revision)
    return revision


def check_pg_backup(path: Path) -> None:
    """A pg_dump custom-format file holding Haihe's schema version table."""
    if path.stat().st_size == 0:
        raise InvalidInput("backup.empty", field="file", path=str(path))
    with path.open("rb") as f:
        if f.read(len(PGDUMP_MAGIC)) != PGDUMP_MAGIC:
            raise InvalidInput("backup.not_pgdump", field="file", path=str(path))
    try:
        out = subprocess.run(
            ["pg_restore", "--list", str(path)], capture_output=True, text=True, timeout=600
        )
    except FileNotFoundError as exc:
        raise Unavailable("backup.tool_missing", tool="pg_restore") from exc
    if out.returncode != 0:
        raise InvalidInput("backup.not_pgdump", field="file", path=str(path))
    if not re.search(r"TABLE DATA \S+ alembic_version ", out.stdout):
        raise InvalidInput("backup.not_haihe", field="file", path=str(path))


# -- the running server ---------------------------------------------------------------------


def serving_lock_path(engine: Engine) -> Path:
    """The file a running server holds a shared lock on: beside the SQLite database, else
    in the instance's private folder (a server on another machine is not seen)."""
    if is_sqlite(engine) and engine.url.database and engine.url.database != ":memory:":
        db = Path(engine.url.database).resolve()
        return db.with_name(db.name + ".serving")
    from haihe.core.uploads import data_dir

    folder = data_dir(engine)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / "server.serving"


@contextmanager
def serving(engine: Engine) -> Iterator[None]:
    """Held by a server for as long as it serves the database (shared: several workers)."""
    path = serving_lock_path(engine)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _not_serving(engine: Engine) -> Iterator[None]:
    """Refuse (Conflict) while a server holds the database; hold it off meanwhile."""
    path = serving_lock_path(engine)
    if not path.parent.is_dir():
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("backup.server_running", lock=str(path)) from None
        yield
    finally:
        os.close(fd)


def backup(engine: Engine, target: str | Path) -> Path:
    target = Path(target)
    if is_sqlite(engine):
        source = Path(engine.url.database or "")
        if not engine.url.database or not source.is_file():
            raise InvalidInput("backup.no_database", path=str(source))
        check_sqlite_backup(source)  # a Haihe database, not some other file
        try:
            _sqlite_copy(engine.url.database, target)
        except sqlite3.Error as exc:
            raise Unavailable("backup.cannot_write", path=str(target), reason=str(exc)) from exc
        return target
    url, schema = _libpq(engine)
    cmd = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", url]
    if schema:
        cmd.insert(1, f"--schema={schema}")
    _run(cmd)
    return target


def restore(engine: Engine, source: str | Path) -> None:
    """Replace the database's contents with the backup's (stop the app first)."""
    source = Path(source)
    if not source.is_file():
        raise InvalidInput("file.not_found", field="file", path=str(source))
    if is_sqlite(engine):
        check_sqlite_backup(source)
    else:
        check_pg_backup(source)
    with _not_serving(engine):
        engine.dispose()
        if is_sqlite(engine):
            try:
                _sqlite_copy(source, engine.url.database)
            except sqlite3.Error as exc:
                raise Unavailable(
                    "backup.cannot_write", path=str(engine.url.database), reason=str(exc)
                ) from exc
            return
        _pg_restore(engine, source)


def _pg_restore(engine: Engine, source: Path) -> None:
    url, schema = _libpq(engine)
    cmd = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={url}",
        str(source),
    ]
    if schema:
        cmd.insert(1, f"--schema={schema}")
    _run(cmd)


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    """SQLite's online backup, page by page under its own locks."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _run(cmd: list[str]) -> None:
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    except FileNotFoundError as exc:
        raise Unavailable("backup.tool_missing", tool=cmd[0]) from exc
    if out.returncode != 0:
        raise Unavailable("backup.tool_failed", tool=cmd[0], reason=out.stderr.strip()[:500])
