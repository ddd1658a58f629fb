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

import os
import re
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from haihe.core.db import is_sqlite
from haihe.core.errors import InvalidInput, Unavailable


def _libpq(engine: Engine) -> tuple[str, str | None]:
    url = make_url(engine.url.render_as_string(hide_password=False))
    options = url.query.get("options")
    schema = None
    if options:
        m = re.search(r"search_path=([A-Za-z0-9_]+)", str(options))
        schema = m.group(1) if m else None
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    return plain.render_as_string(hide_password=False), schema


def backup(engine: Engine, target: str | Path) -> Path:
    target = Path(target)
    if is_sqlite(engine):
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
    engine.dispose()
    if is_sqlite(engine):
        src = sqlite3.connect(source)
        try:
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(
                "backup.not_sqlite", field="file", path=str(source), reason=str(exc)
            ) from exc
        finally:
            src.close()
        try:
            _sqlite_copy(source, engine.url.database)
        except sqlite3.Error as exc:
            raise Unavailable(
                "backup.cannot_write", path=str(engine.url.database), reason=str(exc)
            ) from exc
        return
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
