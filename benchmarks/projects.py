"""Benchmark: cluster figures and the dashboard at 100,000 projects with 1,000,000 milestones.

Targets (issue 5, 2-core machine): figures with any filter ≤ 200 ms on SQLite and
PostgreSQL; dashboard page ≤ 500 ms. The data is written with bulk inserts (its
generation is not what is measured); figures and pages go through the real code.

    .venv/bin/python benchmarks/projects.py [--projects 100000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from haihe.core.db import analyze, bulk_insert, make_engine, upgrade
from haihe.fairs.models import Fair
from haihe.projects import figures, lifecycle
from haihe.projects.figures import FigureFilter
from haihe.projects.models import Project, ProjectMilestone

CHAINS = (
    "biomedicine",
    "integrated_circuits",
    "xinchuang",
    "nev",
    "robots",
    "machine_tools",
    "new_materials",
    "hydrogen",
    "aerospace",
)
LANDINGS = ("120116", "120104", "130600", "131000", "110108", "110115")
ORIGINS = ("110108", "110105", "120116", "130100")


def populate(engine, n_projects: int, per_project: int = 10, seed: int = 3) -> None:  # noqa: ANN001
    rng = random.Random(seed)
    today = date.today()
    with engine.begin() as conn:
        bulk_insert(
            conn,
            Fair.__table__,
            [
                {
                    "id": i,
                    "name": f"对接会{i}",
                    "starts_on": date(2018 + i, 5, 20),
                    "ends_on": date(2018 + i, 5, 21),
                    "is_demo": True,
                }
                for i in range(1, 8)
            ],
        )
        pid = 0
        mid = 0
        for start in range(0, n_projects, 10000):
            projects, milestones = [], []
            for _ in range(min(10000, n_projects - start)):
                pid += 1
                signed = date(2018, 1, 1) + timedelta(
                    days=rng.randrange((today - date(2018, 1, 1)).days)
                )
                path = rng.choice(
                    (
                        [
                            "construction_started",
                            "under_construction",
                            "in_operation",
                            "at_capacity",
                        ],
                        ["in_operation"],
                        ["construction_started"],
                        [],
                    )
                )
                state = lifecycle.State((lifecycle.Milestone("signed", signed),))
                day = signed
                kinds = ["signed"]
                for kind in path:
                    day = day + timedelta(days=rng.randrange(20, 200))
                    if day > today:
                        break
                    state = lifecycle.advance(state, kind, day, today)
                    kinds.append(kind)
                # Milestones of a real project's life: the stages, plus re-recorded and
                # reverted entries (corrections), to reach about `per_project` each.
                rows = [(m.kind, m.on, False) for m in state.milestones]
                while len(rows) < per_project:
                    k, on, _ = rng.choice(rows)
                    rows.append((k, on, True))
                for k, on, rev in rows:
                    mid += 1
                    milestones.append(
                        {
                            "id": mid,
                            "project_id": pid,
                            "kind": k,
                            "reached_on": on,
                            "reverted": rev,
                            "recorded_by": "bench",
                            "recorded_at": None,
                        }
                    )
                origin, landing = rng.choice(ORIGINS), rng.choice(LANDINGS)
                amount = Decimal(rng.randrange(100, 500000)) * 10000
                projects.append(
                    {
                        "id": pid,
                        "code": f"B{pid:07d}",
                        "title": f"项目{pid}",
                        "project_type": "other",
                        "chain": rng.choice(CHAINS),
                        "intended_investment": amount,
                        "contracted_investment": amount,
                        "invested_in_place": amount / 2
                        if state.stage in lifecycle.OPERATING
                        else None,
                        "origin_region_code": origin,
                        "origin_province": origin[:2] + "0000",
                        "landing_region_code": landing,
                        "landing_province": landing[:2] + "0000",
                        "fair_id": rng.choice((None, 1, 2, 3, 4, 5, 6, 7)),
                        "stage": state.stage,
                        "stage_on": state.stage_on,
                        "signed_on": signed,
                        "paying_tax_on": None,
                        "cancelled_on": None,
                        "version": 1,
                        "is_demo": True,
                        "created_at": None,
                        "updated_at": None,
                    }
                )
            now = __import__("datetime").datetime.now(__import__("datetime").UTC)
            for r in projects:
                r["created_at"] = r["updated_at"] = now
            for m in milestones:
                m["recorded_at"] = now
            bulk_insert(conn, Project.__table__, projects)
            bulk_insert(conn, ProjectMilestone.__table__, milestones)
        if conn.dialect.name == "postgresql":
            for t in ("projects", "project_milestones", "fairs"):
                conn.execute(text(f"SELECT setval('{t}_id_seq', (SELECT max(id) FROM {t}))"))
        analyze(conn, "projects", "project_milestones")


FILTERS = {
    "no filter": FigureFilter(),
    "fair": FigureFilter(fair_id=3),
    "chain": FigureFilter(chain="nev"),
    "period": FigureFilter(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)),
    "region pair": FigureFilter(origin="110000", landing="120000"),
    "all filters": FigureFilter(
        fair_id=3, chain="nev", origin="北京", landing="天津", date_from=date(2019, 1, 1)
    ),
}


def measure(label: str, engine, runs: int = 7) -> None:  # noqa: ANN001
    with Session(engine) as s:
        for name, f in FILTERS.items():
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                figures.compute(s, f)
                times.append((time.perf_counter() - t0) * 1000)
            print(
                f"{label:<11} figures [{name:<11}] p50 {statistics.median(times):7.1f} ms"
                f"  max {max(times):7.1f} ms"
            )
    from fastapi.testclient import TestClient

    from haihe.accounts import service as accounts
    from haihe.accounts.schemas import UserCreate
    from haihe.accounts.scopes import command_line
    from haihe.web.app import create_app

    with Session(engine) as s:  # an officer who reads everything, as on a real dashboard
        accounts.do_create_user(
            s,
            command_line("bench"),
            UserCreate(
                username="bench",
                password="bench-password-1",
                role="regional_officer",
                regions=["120000"],
            ),
        )
        s.commit()
    client = TestClient(create_app(engine))
    token = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post(
        "/login",
        data={"username": "bench", "password": "bench-password-1", "login_csrf": token},
    )
    assert r.status_code == 200, r.text[:200]
    for url in ("/", "/?fair=3", "/projects?figure=stalled"):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text[:300]
        print(
            f"{label:<11} page {url:<26} p50 {statistics.median(times):7.1f} ms"
            f"  max {max(times):7.1f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=100_000)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "HAIHE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = ap.parse_args()
    print(f"{args.projects:,} projects, {args.projects * 10:,} milestones; {os.cpu_count()} cores")
    work = Path(tempfile.mkdtemp(prefix="haihe-bench-"))
    engine = make_engine(f"sqlite:///{work / 'projects.db'}")
    upgrade(engine)
    t0 = time.perf_counter()
    populate(engine, args.projects)
    print(f"SQLite      populated in {time.perf_counter() - t0:.0f} s")
    measure("SQLite", engine)
    engine.dispose()
    if not args.skip_postgres:
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = make_url(args.postgres_url).update_query_dict(
            {"options": f"-csearch_path={schema},public"}
        )
        pg = make_engine(url.render_as_string(hide_password=False))
        try:
            upgrade(pg)
            t0 = time.perf_counter()
            populate(pg, args.projects)
            print(f"PostgreSQL  populated in {time.perf_counter() - t0:.0f} s")
            measure("PostgreSQL", pg)
        finally:
            pg.dispose()
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()
    for p in work.iterdir():
        p.unlink()
    work.rmdir()


if __name__ == "__main__":
    sys.exit(main())
