"""Figures a server process keeps: served as kept, recounted in the background, warmed
when `haihe serve` starts a process."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.registry.models import Organisation
from haihe.registry.schemas import OrganisationCreate
from haihe.registry.service import do_bulk_create_organisations
from haihe.web.kept import Kept
from tests.registry.helpers import OPERATOR


def _add(engine, name: str) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        do_bulk_create_organisations(
            conn, OPERATOR, [OrganisationCreate(name=name, region_code="120116")]
        )


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Organisation))


def _wait_for(kept: Kept, engine, want: int) -> int:  # noqa: ANN001
    for _ in range(200):
        got = kept.get(engine)
        if got == want:
            return got
        time.sleep(0.02)
    return got


def test_a_kept_figure_is_served_as_kept_and_recounted_in_the_background(engine):
    _add(engine, "天津甲有限公司")
    kept = Kept(_count, max_age=3600)
    assert kept.get(engine) == 1  # the first request counts
    _add(engine, "天津乙有限公司")
    assert kept.get(engine) == 1  # young enough: served as kept
    kept.max_age = 0
    assert kept.get(engine) == 1  # stale: still served at once, recounted behind it
    assert _wait_for(kept, engine, 2) == 2


def test_a_failed_recount_keeps_the_old_figure_and_the_next_one_retries(engine):
    calls = []

    def flaky(session: Session) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return _count(session)

    kept = Kept(flaky, max_age=0)
    assert kept.get(engine) == 0
    _add(engine, "天津丙有限公司")
    assert kept.get(engine) == 0  # starts the recount that fails
    assert _wait_for(kept, engine, 1) == 1  # the old value meanwhile; then a good recount
    assert len(calls) >= 3


def test_nothing_counted_yet_and_the_count_fails_is_an_error(engine):
    def broken(session: Session) -> int:
        raise RuntimeError("no database")

    with pytest.raises(RuntimeError):
        Kept(broken, max_age=30).get(engine)


def test_a_starting_server_process_warms_the_dashboard_and_every_chains_figures(engine):
    from haihe.accounts.scopes import command_line
    from haihe.chains import panorama, queries, service
    from haihe.chains.placements import classify_all
    from haihe.web.app import create_app
    from haihe.web.warm import warm

    _add(engine, "天津丁生物医药有限公司")
    with Session(engine) as s:
        service.do_install_shipped(s, command_line("test"))
        s.commit()
        keys = {c.key for c in queries.all_chains(s)}
    with engine.begin() as conn:
        classify_all(conn)
    panorama._KEPT.clear()
    app = create_app(engine)
    assert app.state.registry_counts._value is None  # nothing counted before the warm-up
    warm(app)
    assert app.state.registry_counts._value.organisations == 1
    url = str(engine.url)
    assert {k[1] for k in panorama._KEPT if k[0] == url and k[3] == "province"} == keys


def test_the_app_haihe_serve_runs_warms_itself_in_the_background(engine, monkeypatch):
    from haihe.core import db
    from haihe.core.settings import get_settings
    from haihe.web.warm import serving_app

    url = engine.url.render_as_string(hide_password=False)
    if not url.startswith("sqlite"):
        pytest.skip("drives the SQLite file the settings name")
    _add(engine, "天津戊有限公司")
    monkeypatch.setenv("HAIHE_DATABASE_URL", url)
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    try:
        app = serving_app()
        warming = [t for t in threading.enumerate() if t.name == "haihe-warm"]
        assert warming
        for t in warming:
            t.join(timeout=30)
        kept = app.state.registry_counts  # counted by the warm-up, not by a request
        assert kept._value is not None and kept.get(app.state.engine).organisations == 1
    finally:
        get_settings.cache_clear()
        db.engine_for.cache_clear()
