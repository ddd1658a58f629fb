"""Benchmark: chains at 1,000,000 organisations, on SQLite and PostgreSQL.

Targets (issue 4, 2-core machine): classify every organisation ≤ 2 min; panorama +
diagnosis of one chain for one region ≤ 1 s; the chain page ≤ 300 ms.

The organisations are written with bulk inserts (their generation is not measured). Their
business scopes are drawn from the demo's phrases mixed with catch-all trading scopes and
scopes on no chain, and every scope is made unique (real scopes rarely repeat), so the
classifier's cache of parsed scopes does not flatter the figure.

    .venv/bin/python benchmarks/chains.py [--organisations 1000000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_organisations import drop_schema, pg_url  # noqa: E402

from haihe.accounts.scopes import command_line  # noqa: E402
from haihe.chains import queries, service  # noqa: E402
from haihe.chains.panorama import panorama  # noqa: E402
from haihe.chains.placements import classify_all  # noqa: E402
from haihe.codes import regions  # noqa: E402
from haihe.core.db import analyze, bulk_insert, make_engine, upgrade  # noqa: E402
from haihe.registry import demo  # noqa: E402
from haihe.registry.models import Organisation, OrganisationIndustry  # noqa: E402

OTHER = (
    "餐饮服务；食品销售",
    "房地产开发；物业管理",
    "道路货物运输；仓储服务",
    "企业管理咨询；会议服务；组织文化艺术交流活动",
    "销售服装、鞋帽、日用百货、五金交电、电子产品、化工产品（不含危险化学品）、建筑材料、医疗器械（I类）、汽车配件、计算机软硬件、机械设备",
    "建筑工程施工；室内装饰",
    "广告设计、制作、代理、发布",
)
EXTRA = ("技术开发、技术咨询、技术服务", "货物进出口", "会议服务", "日用百货销售", "")


def populate(engine, n: int, seed: int = 11) -> None:  # noqa: ANN001
    rng = random.Random(seed)
    counties = [
        r.code
        for r in regions.all_regions()
        if r.current and r.level == "county" and r.province_code in ("110000", "120000", "130000")
    ]
    elsewhere = [r.code for r in regions.all_regions() if r.current and r.level == "county"]
    batch = 50_000
    oid = 0
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for start in range(0, n, batch):
            orgs, inds = [], []
            for _ in range(min(batch, n - start)):
                oid += 1
                region = rng.choice(counties) if rng.random() < 0.9 else rng.choice(elsewhere)
                kind = "enterprise"
                if rng.random() < 0.55:  # on some chain
                    key, words, codes, makers, rnds, sellers = rng.choice(demo.DOMAINS)
                    role = rng.choices(("m", "r", "s"), (0.5, 0.3, 0.2))[0]
                    scope = rng.choice({"m": makers, "r": rnds, "s": sellers}[role])
                    code = rng.choice(codes) if role != "s" else "5179"
                    word = rng.choice(words)
                    if role == "r" and rng.random() < 0.1:
                        kind = "research_institute"
                else:
                    scope, code, word = (
                        rng.choice(OTHER),
                        rng.choice(("6190", "7212", "5211")),
                        "商贸",
                    )
                extra = rng.choice(EXTRA)
                desc = f"{scope}；{extra}；登记{oid}号" if extra else f"{scope}；登记{oid}号"
                orgs.append(
                    {
                        "id": oid,
                        "name": f"{word}{oid}有限公司",
                        "name_norm": f"{word}{oid}",
                        "kind": kind,
                        "region_code": region,
                        "employees": int(rng.lognormvariate(3.2, 1.2)) + 1,
                        "registered_capital": Decimal(rng.randint(10, 50000) * 10000),
                        "capital_currency": "CNY",
                        "description": desc,
                        "source": "bench",
                        "is_demo": False,
                        "named_in_source": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                inds.append({"organisation_id": oid, "industry_code": code})
            bulk_insert(conn, Organisation.__table__, orgs)
            bulk_insert(conn, OrganisationIndustry.__table__, inds)
        analyze(conn, "organisations", "organisation_industries")
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('organisations_id_seq', :n)"), {"n": n})
    with Session(engine) as s:
        service.do_install_shipped(s, command_line("benchmark"))
        s.commit()


def timed(fn, reps: int = 5) -> tuple[float, float]:  # noqa: ANN001
    """(first, median of the rest) in ms."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times[0], statistics.median(times[1:])


def run(label: str, url: str, n: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    populate(engine, n)
    print(
        f"{label}: {n:,} organisations written in {time.perf_counter() - t0:.0f} s (not measured)"
    )

    for run_name in ("classify all", "classify all again (replacing every placement)"):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            result = classify_all(conn)  # it analyzes what it wrote
        secs = time.perf_counter() - t0
        print(
            f"{label}: {run_name}: {result.organisations:,} in {secs:.1f} s "
            f"= {result.organisations / secs:,.0f} organisations/s; {result.placements:,} "
            f"placements on {result.placed_organisations:,} organisations (target ≤ 120 s); "
            f"placing {result.seconds_placing:.1f} s, chain_members {result.seconds_members:.1f} s"
        )

    with Session(engine) as s:
        chain = queries.get_chain(s, "biomedicine").definition
    for region in ("120000", "110000", "120116"):

        def pano_diag(region: str = region) -> None:
            with Session(engine) as s:  # a fresh session each time, as a request has
                panorama(s, chain, None)
                queries.diagnose(s, chain, region)

        first, p50 = timed(pano_diag)
        print(
            f"{label}: panorama + diagnosis, biomedicine, {region}: first {first:.0f} ms, "
            f"then p50 {p50:.0f} ms (target ≤ 1000 ms)"
        )

    from fastapi.testclient import TestClient

    from haihe.web.app import create_app

    client = TestClient(create_app(engine))
    for path in (
        "/chains/biomedicine?region=120000",
        "/chains/biomedicine?region=120000&compare=110000",
        "/chains/biomedicine/segments/implants?region=120000",
        "/api/v1/chains/biomedicine/diagnosis?region=120000",
        "/chains/biomedicine/lists?region=120000",
    ):

        def get(path: str = path) -> None:
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)

        first, p50 = timed(get)
        print(f"{label}: GET {path}: first {first:.0f} ms, then p50 {p50:.0f} ms (target ≤ 300 ms)")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.organisations)
    base = os.environ.get(
        "HAIHE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    if not args.skip_postgres:
        url, schema = pg_url(base)
        try:
            run("PostgreSQL", url, args.organisations)
        finally:
            drop_schema(base, schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
