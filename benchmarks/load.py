"""Load: 50 concurrent signed-in users for 2 minutes against `haihe serve --workers N` on
PostgreSQL holding 1,000,000 organisations and the demo's data.

The mix: organisation searches, organisation pages, recommended partners (an
organisation's matches through the API, a listing's page with its recommendations panel),
chain pages (with segment pages and the three lists), the dashboard, project lists and
pages, and project updates (each user edits a project of its own, so every update must
land exactly once). Users sign in as the demo's six accounts in turn (administrator, two
regional officers, park manager, fair organiser, enterprise), so scopes are checked as in
real use; those who may not edit projects read instead.
Target (issue 3): zero errors, p99 ≤ 300 ms, no lost or doubled writes. Prints the
figures; run on the machine, not in the test suite.

    .venv/bin/python benchmarks/load.py [--orgs 1000000] [--users 50] [--seconds 120]
        [--think 1-3]   # seconds between a user's requests; --think 0: never pausing
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.chains import queries as chains
from haihe.core.db import make_engine, upgrade
from haihe.demo import build_demo
from haihe.projects import service as projects
from haihe.projects.models import Project, ProjectHistory
from haihe.registry.schemas import OrganisationCreate
from haihe.registry.service import do_bulk_create_organisations

PASSWORD = "haihe-demo-2024"
# The demo's users, one of each role, taken in turn: scopes are checked (and cost) as in
# real use. Those who may edit the users' projects (landing in Binhai) update their own.
ACCOUNTS = ("admin", "tianjin", "binhai", "park", "fair", "winute")
WRITERS = {"admin", "tianjin", "binhai"}
WORDS = ["生物医药", "微电子", "智能装备", "新材料", "信息技术", "新能源", "精密机械", "医疗器械"]
BRAND = "华宏泰瑞恒博康安达鑫源盛通远创新科瀚睿智凯德信诚嘉晟航正合联天宇辰星海川明锐腾"
CHAIN_PAGES = [
    (c, r)
    for c in ("biomedicine", "integrated_circuits", "nev", "hydrogen", "xinchuang")
    for r in ("120000", "110000", "130000", "120116")
]
SLOW_MS = 300  # the target
COUNTIES = ["120116", "120104", "110108", "110105", "130602", "130203", "131002", "120111"]


def fill(engine, n: int) -> list[str]:  # noqa: ANN001
    """n organisations with business scopes from the demo's phrases, then classified onto
    the chains (so chain pages count a million organisations)."""
    from haihe.chains.placements import classify_all
    from haihe.registry.demo import DOMAINS

    rng = random.Random(1)
    queries = []
    scopes = [p for d in DOMAINS for group in d[3:] for p in group] + ["餐饮服务；会议服务"] * 20
    for start in range(0, n, 50_000):
        items = []
        for i in range(start, min(n, start + 50_000)):
            brand = "".join(rng.choice(BRAND) for _ in range(3))
            word = rng.choice(WORDS)
            if len(queries) < 300 and i % 3000 == 0:
                queries.append(brand + word)
            items.append(
                OrganisationCreate(
                    name=f"{brand}{word}{i}有限公司",
                    region_code=COUNTIES[i % len(COUNTIES)],
                    industry_codes=("3973",),
                    description=f"{rng.choice(scopes)}；登记{i}号",
                    source="load",
                )
            )
        with engine.begin() as conn:
            do_bulk_create_organisations(conn, command_line("bench"), items)
    with engine.begin() as conn:
        classify_all(conn)
    # A freshly bulk-loaded database: vacuum it now rather than have autovacuum do it in
    # the middle of the measured two minutes.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return queries


def own_projects(engine, users: int) -> list[int]:  # noqa: ANN001
    with Session(engine) as s:
        ids = []
        for i in range(users):
            p = projects.do_create_project(
                s,
                command_line("load"),
                projects.ProjectInput(
                    code=f"LOAD-{i:03d}",
                    title=f"负载测试项目{i}",
                    landing_region_code="120116",
                    intended_investment=Decimal(1),
                    signed_on=date(2024, 1, 1),
                ),
            )
            ids.append(p.id)
        s.commit()
    return ids


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.writes: dict[int, int] = defaultdict(int)
        self.slow: list[tuple[float, str, float]] = []  # (seconds into the run, kind, ms)


async def sign_in(base: str, username: str, project_id: int, stats: Stats) -> tuple | None:
    """Before the clock starts: sign in (argon2 is slow on purpose) and read one's project."""
    c = httpx.AsyncClient(base_url=base, timeout=60)
    try:
        form = (await c.get("/login")).text
        token = re.search(r'name="login_csrf" value="([^"]+)"', form).group(1)
        data = {"username": username, "password": PASSWORD, "login_csrf": token}
        r = await c.post("/login", data=data)
        page = (await c.get("/account")).text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if found is None:
            stats.errors.append(f"sign-in of {username} failed: HTTP {r.status_code}")
            await c.aclose()
            return None
        version = None
        if username in WRITERS:
            version = (await c.get(f"/api/v1/projects/{project_id}")).json()["version"]
        listed = (await c.get("/api/v1/projects", params={"page_size": 500})).json()["items"]
        visible = [p["id"] for p in listed]  # the projects this account may open
        offers = (await c.get("/api/v1/listings", params={"page_size": 100})).json()["items"]
        listings = [x["id"] for x in offers]  # the listings this account may open
        return c, found.group(1), version, visible, listings
    except httpx.HTTPError as exc:
        stats.errors.append(f"sign-in: {exc!r}")
        await c.aclose()
        return None


async def user(
    session: tuple,
    n: int,
    deadline: float,
    queries: list[str],
    project_id: int,
    stats: Stats,
    think: tuple[float, float] = (0.0, 0.0),
    seconds: float = 0.0,
    segments: dict[str, list[str]] | None = None,
) -> None:
    rng = random.Random(n)
    c, csrf, version, visible, listings = session
    segments = segments or {}
    try:
        while time.perf_counter() < deadline:
            if think[1]:  # a person reads the page before the next click
                await asyncio.sleep(rng.uniform(*think))
                if time.perf_counter() >= deadline:
                    break
            roll = rng.random()
            if roll < 0.04:
                kind = "recommendations"
                org = rng.randint(1, 5000)
                req = c.get(f"/api/v1/organisations/{org}/matches")
            elif roll < 0.06 and listings:
                kind, req = "listing page", c.get(f"/listings/{rng.choice(listings)}")
            elif roll < 0.30:
                kind, req = (
                    "search",
                    c.get(
                        "/api/v1/organisations", params={"q": rng.choice(queries), "page_size": 20}
                    ),
                )
            elif roll < 0.45:
                kind, req = "organisation page", c.get(f"/organisations/{rng.randint(1, 5000)}")
            elif roll < 0.51:
                chain, region = rng.choice(CHAIN_PAGES)
                kind, req = "chain page", c.get(f"/chains/{chain}", params={"region": region})
            elif roll < 0.53:
                chain, region = rng.choice(CHAIN_PAGES)
                seg = rng.choice(segments[chain])
                kind = "segment page"
                req = c.get(f"/chains/{chain}/segments/{seg}", params={"region": region})
            elif roll < 0.55:
                chain, region = rng.choice(CHAIN_PAGES)
                kind = "chain lists"
                req = c.get(f"/chains/{chain}/lists", params={"region": region})
            elif roll < 0.65:
                kind, req = "dashboard", c.get("/?fair=1")
            elif roll < 0.75 or (roll >= 0.85 and version is None):  # a reader lists instead
                kind, req = "project list", c.get("/projects", params={"figure": "stalled"})
            elif roll < 0.85 and visible:
                kind, req = "project page", c.get(f"/projects/{rng.choice(visible)}")
            elif roll < 0.85:
                kind, req = "project list", c.get("/projects")
            else:
                kind = "project update"
                req = c.patch(
                    f"/api/v1/projects/{project_id}",
                    json={"version": version, "changes": {"notes": f"{n}-{version}"}},
                    headers={"X-CSRF-Token": csrf},
                )
            t0 = time.perf_counter()
            try:
                r = await req
            except httpx.HTTPError as exc:
                stats.errors.append(f"{kind}: {exc!r}")
                continue
            ms = (time.perf_counter() - t0) * 1000
            stats.times[kind].append(ms)
            if ms > SLOW_MS:
                stats.slow.append((t0 - (deadline - seconds), kind, ms))
            if r.status_code != 200:
                stats.errors.append(f"{kind}: HTTP {r.status_code}")
            elif kind == "project update":
                stats.writes[project_id] += 1
                version = r.json()["version"]
    finally:
        await c.aclose()


def write_counts(engine, ids: list[int]) -> dict[int, tuple[int, int]]:  # noqa: ANN001
    """Each project's (update entries in its history, version)."""
    with Session(engine) as s:
        return {
            pid: (
                s.scalar(
                    select(func.count()).where(
                        ProjectHistory.project_id == pid, ProjectHistory.action == "update"
                    )
                ),
                s.get(Project, pid).version,
            )
            for pid in ids
        }


def reused(engine, users: int) -> tuple[list[str], list[int]]:  # noqa: ANN001
    """The queries and the users' own projects of a kept database."""
    with Session(engine) as s:
        queries = list(s.scalars(text("SELECT q FROM load_queries")))
        ids = list(
            s.scalars(select(Project.id).where(Project.code.like("LOAD-%")).order_by(Project.code))
        )
    if len(ids) < users:
        raise SystemExit(f"the kept database has projects for {len(ids)} users, not {users}")
    return queries, ids[:users]


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument(
        "--settle",
        type=float,
        default=10,
        help="seconds between the server answering and the users arriving (a deployed "
        "server is up before its users; each process warms its figures as it starts)",
    )
    ap.add_argument(
        "--think",
        default="1-3",
        help="seconds each user waits between requests, 'MIN-MAX' (as locust's between); "
        "'0' for users that never pause (a saturation test)",
    )
    ap.add_argument(
        "--keep",
        metavar="SCHEMA",
        help="keep the database in this PostgreSQL schema; a later run given the same name "
        "reuses it instead of building it again (for repeated measurements)",
    )
    ap.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "HAIHE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = ap.parse_args()
    lo, _, hi = args.think.partition("-")
    think = (float(lo), float(hi or lo))

    if args.keep and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.keep):
        ap.error(f"--keep {args.keep!r}: a schema name is lower-case letters, digits and _")
    schema = args.keep or "load_" + uuid.uuid4().hex[:8]
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        reuse = bool(
            args.keep
            and conn.execute(
                text(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                    "AND table_name = 'load_queries'"
                ),
                {"s": schema},
            ).first()
        )
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    url = (
        make_url(args.postgres_url)
        .update_query_dict({"options": f"-csearch_path={schema},public"})
        .render_as_string(hide_password=False)
    )
    proc = None
    try:
        engine = make_engine(url)
        if reuse:
            queries, ids = reused(engine, args.users)
            print(f"database: reused schema {schema}; {os.cpu_count()} cores")
        else:
            upgrade(engine)
            t0 = time.perf_counter()
            build_demo(engine)
            queries = fill(engine, args.orgs)
            ids = own_projects(engine, args.users)
            with engine.begin() as conn:  # for a later run with --keep
                conn.execute(text("CREATE TABLE load_queries (q text)"))
                conn.execute(
                    text("INSERT INTO load_queries VALUES (:q)"), [{"q": q} for q in queries]
                )
            print(
                f"database: demo + {args.orgs:,} organisations in "
                f"{time.perf_counter() - t0:.0f} s; {os.cpu_count()} cores"
            )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "haihe.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env={**os.environ, "HAIHE_DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(args.settle)
        stats = Stats()
        before = write_counts(engine, ids)
        with Session(engine) as s:
            segments = {
                c.key: [seg.id for seg in c.definition.segments] for c in chains.all_chains(s)
            }

        async def run() -> None:
            gate = asyncio.Semaphore(4)

            async def gated(pid: int):  # noqa: ANN202
                async with gate:
                    return await sign_in(base, ACCOUNTS[pid_index[pid]], pid, stats)

            pid_index = {pid: i % len(ACCOUNTS) for i, pid in enumerate(ids)}
            sessions = await asyncio.gather(*(gated(ids[i]) for i in range(args.users)))
            deadline = time.perf_counter() + args.seconds
            await asyncio.gather(
                *(
                    user(
                        sessions[i],
                        i,
                        deadline,
                        queries,
                        ids[i],
                        stats,
                        think,
                        args.seconds,
                        segments,
                    )
                    for i in range(args.users)
                    if sessions[i] is not None
                )
            )

        asyncio.run(run())
        every = [x for xs in stats.times.values() for x in xs]
        print(
            f"{args.users} users (think {args.think} s; signed in in turn as "
            f"{', '.join(ACCOUNTS)}), {args.seconds} s, "
            f"{args.workers} server workers, users {args.settle:g} s after the server is up: "
            f"{len(every):,} requests ({len(every) / args.seconds:.0f}/s), "
            f"{len(stats.errors)} errors"
        )
        print(
            f"  all requests     p50 {statistics.median(every):6.0f} ms  "
            f"p99 {percentile(every, 0.99):6.0f} ms"
        )
        for kind, xs in sorted(stats.times.items()):
            print(
                f"  {kind:<16} n={len(xs):>6}  p50 {statistics.median(xs):6.0f} ms  "
                f"p99 {percentile(xs, 0.99):6.0f} ms"
            )
        if stats.slow:  # when the slow ones came: all at once (a stall) or spread out
            buckets: dict[int, list[str]] = defaultdict(list)
            for at, kind, _ms in stats.slow:
                buckets[int(at // 10) * 10].append(kind)
            print(f"  over {SLOW_MS} ms, by 10 s of the run:")
            for at, kinds in sorted(buckets.items()):
                counts = ", ".join(f"{k} {kinds.count(k)}" for k in sorted(set(kinds)))
                print(f"    {at:>4}-{at + 10:<4} s: {len(kinds):>3}  ({counts})")
        for e in sorted(set(stats.errors))[:10]:
            print("  error:", e)
        after = write_counts(engine, ids)
        lost = doubled = wrong_version = 0
        for pid in ids:
            made = stats.writes[pid]
            landed = after[pid][0] - before[pid][0]
            lost += max(0, made - landed)
            doubled += max(0, landed - made)
            wrong_version += after[pid][1] - before[pid][1] != made
        print(
            f"  project updates: {sum(stats.writes.values())} acknowledged, "
            f"{lost} lost, {doubled} doubled, {wrong_version} projects whose version moved "
            "by other than their updates"
        )
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
