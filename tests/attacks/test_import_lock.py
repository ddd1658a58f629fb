"""Issue 11, point 7: a long import must not keep other users from saving.

Replays the finding with real threads on a real SQLite file: an organisation import is
paused halfway through its file (inside its progress callback, on its own thread) and
another user saves meanwhile, on their own connection, without waiting for any lock
(busy timeout 0). Before the fix the import held SQLite's write lock from its first batch
of rows to its commit, so that save was refused ("database is locked"); now the file is
read, checked and matched without writing and the rows go in in one short transaction at
the end. Imports stay all or nothing, also when the registry changes while one runs.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.registry.imports import do_import_organisations
from haihe.registry.models import Organisation, Park
from tests.registry.helpers import ADMIN, code, row, write_csv

ROWS = 5000  # more than two of the old code's batches (2000 rows)


class Paused:
    """An on_bytes callback that stops the import's thread once most of the file has been
    read (past its first batches), until the test lets it go on."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read = 0
        self.halfway = threading.Event()
        self.go_on = threading.Event()

    def __call__(self, n: int) -> None:
        self.read += n
        if self.read >= self.size * 0.8 and not self.halfway.is_set():
            self.halfway.set()
            assert self.go_on.wait(120), "the test never let the import go on"


def _run(engine, principal: Principal, path: Path, paused: Paused) -> tuple[threading.Thread, list]:  # noqa: ANN001
    out: list = []

    def work() -> None:
        try:
            out.append(do_import_organisations(engine, principal, path, on_bytes=paused, workers=1))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            out.append(exc)
            paused.halfway.set()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    assert paused.halfway.wait(120)
    return thread, out


def _save_without_waiting(db: Path, sql: str, params: tuple = ()) -> str:
    """Another user's save on its own connection: 'saved', or SQLite's refusal."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, params)
        conn.execute("COMMIT")
        return "saved"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        conn.close()


def _db(engine) -> Path:  # noqa: ANN001
    return Path(engine.url.database)


def test_another_users_save_during_a_large_import_is_not_kept_waiting(sqlite_engine, tmp_path):
    with Session(sqlite_engine) as s:
        s.add(Park(name="测试园区", region_code="120116"))
        s.commit()
    path = write_csv(tmp_path / "big.csv", [row(i) for i in range(ROWS)])
    paused = Paused(path.stat().st_size)
    thread, out = _run(sqlite_engine, ADMIN, path, paused)
    try:
        saved = _save_without_waiting(
            _db(sqlite_engine), "UPDATE parks SET name = ? WHERE name = ?", ("改名园区", "测试园区")
        )
    finally:
        paused.go_on.set()
        thread.join(300)
    assert saved == "saved"
    report = out[0]
    assert not isinstance(report, BaseException), report
    assert report.committed and report.created == ROWS
    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == ROWS
        assert s.scalar(select(Park.name)) == "改名园区"  # the other save is kept


def test_an_organisation_taken_out_of_scope_while_the_import_runs_is_refused(
    sqlite_engine, tmp_path
):
    """The import checked its rows against the registry as it was; a change committed
    meanwhile (here: the organisation a row names moves to another city) is seen before
    anything is written, and the whole file stays out."""
    with Session(sqlite_engine) as s:
        s.add(
            Organisation(
                uscc=code(7),
                name="天津测试7号科技有限公司",
                name_norm="天津测试7号科技",
                kind="enterprise",
                region_code="120116",
                source="manual",
            )
        )
        s.commit()
    officer = Principal(username="tj", role="regional_officer", region_codes=("120000",))
    path = write_csv(tmp_path / "moved.csv", [row(i) for i in range(ROWS)])
    paused = Paused(path.stat().st_size)
    thread, out = _run(sqlite_engine, officer, path, paused)
    try:
        saved = _save_without_waiting(
            _db(sqlite_engine),
            "UPDATE organisations SET region_code = '110108' WHERE uscc = ?",
            (code(7),),
        )
    finally:
        paused.go_on.set()
        thread.join(300)
    assert saved == "saved"
    report = out[0]
    assert not isinstance(report, BaseException), report
    assert not report.committed
    assert [e.row for e in report.errors] == [9]  # data row 7 is line 9 (header, row 0)
    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == 1
        assert s.scalar(select(Organisation.region_code)) == "110108"


def test_an_organisation_registered_while_the_import_runs_is_matched_not_duplicated(
    sqlite_engine, tmp_path
):
    path = write_csv(tmp_path / "late.csv", [row(i) for i in range(ROWS)])
    paused = Paused(path.stat().st_size)
    thread, out = _run(sqlite_engine, ADMIN, path, paused)
    try:
        saved = _save_without_waiting(
            _db(sqlite_engine),
            "INSERT INTO organisations (uscc, name, name_norm, kind, region_code, source,"
            " is_demo, named_in_source, high_tech, listed, above_scale, capital_currency,"
            " created_at, updated_at) VALUES (?, '旧名称有限公司', '旧名称', 'enterprise',"
            " '120116', 'manual', 0, 0, 0, 0, 0, 'CNY', '2026-01-01 00:00:00.000000',"
            " '2026-01-01 00:00:00.000000')",
            (code(4321),),
        )
    finally:
        paused.go_on.set()
        thread.join(300)
    assert saved == "saved"
    report = out[0]
    assert not isinstance(report, BaseException), report
    assert report.committed and report.created == ROWS - 1 and report.updated == 1
    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == ROWS
        name = s.scalar(select(Organisation.name).where(Organisation.uscc == code(4321)))
        assert name == "天津测试4321号科技有限公司"
