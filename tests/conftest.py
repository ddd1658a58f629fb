"""Shared fixtures: a migrated database on every backend, real data, a running server.

Every test that takes `engine` runs on SQLite and, when HAIHE_TEST_POSTGRES_URL is set,
on PostgreSQL too (each test in a schema of its own, dropped afterwards).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from haihe.core.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HAIHE_SHARED_DATA", ROOT.parent / "shared" / "data"))
PG_URL = os.environ.get("HAIHE_TEST_POSTGRES_URL")

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_ready() -> str:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need HAIHE_TEST_POSTGRES_URL (set by .ci/run)")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    admin.dispose()
    return PG_URL


def _pg_engine(url: str):  # noqa: ANN202
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    from sqlalchemy.engine import make_url

    u = make_url(url).update_query_dict({"options": f"-csearch_path={schema},public"})
    return make_engine(u.render_as_string(hide_password=False)), schema


def _drop_schema(url: str, schema: str) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path):  # noqa: ANN201
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "haihe.db"
        shutil.copy(sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        url = request.getfixturevalue("pg_ready")
        eng, schema = _pg_engine(url)
        upgrade(eng)
        yield eng
        eng.dispose()
        _drop_schema(url, schema)


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path):  # noqa: ANN201
    path = tmp_path / "haihe.db"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "eval").is_dir():
        pytest.skip(f"real evaluation data not found at {SHARED_DATA} (a newcomer's machine)")
    return SHARED_DATA


@pytest.fixture(scope="module", params=BACKENDS)
def demo_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
):  # noqa: ANN201
    """A demo database shared by the read-only tests of one module (building it takes a while)."""
    from haihe.demo import build_demo

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copy(sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        build_demo(eng)
        yield eng
        eng.dispose()
    else:
        url = request.getfixturevalue("pg_ready")
        eng, schema = _pg_engine(url)
        upgrade(eng)
        build_demo(eng)
        yield eng
        eng.dispose()
        _drop_schema(url, schema)


DEMO_PASSWORD = "haihe-demo-2024"


def login(client, username: str, password: str, **extra: str):  # noqa: ANN001, ANN201
    """Sign in as the login form does: open it (its token and cookie), then post it."""
    import re

    found = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
    data = {"username": username, "password": password, **extra}
    if found:
        data["login_csrf"] = found.group(1)
    return client.post("/login", data=data, follow_redirects=False)


def signed_client(app, username: str | None):  # noqa: ANN001, ANN201
    """A TestClient signed in as a demo user (None: anonymous), sending its CSRF token."""
    import re

    from fastapi.testclient import TestClient

    client = TestClient(app)
    if username is None:
        return client
    r = login(client, username, DEMO_PASSWORD)
    assert r.status_code == 303, r.text[:300]
    page = client.get("/account").text
    client.headers["X-CSRF-Token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client


def make_admin(engine) -> None:  # noqa: ANN001
    """An administrator with the demo password, for tests on a database without the demo."""
    from sqlalchemy.orm import Session

    from haihe.accounts import service
    from haihe.accounts.schemas import UserCreate
    from haihe.accounts.scopes import command_line

    with Session(engine) as s:
        service.do_create_user(
            s,
            command_line("test"),
            UserCreate(username="admin", password=DEMO_PASSWORD, role="admin"),
        )
        s.commit()
