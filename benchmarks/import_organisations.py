"""Benchmark: import N organisations from CSV into SQLite and PostgreSQL, then search them.

Prints rows/second, the importing process's peak memory (RSS), how long the import kept
other users from writing to SQLite (a probe tries a one-row write every 20 ms without
waiting: the longest run of refusals and their sum) and the latency of 200 name
searches (p50/p99) on the result. Targets on a 2-core machine (issue 2): ≥ 50,000
rows/s into SQLite with peak memory under 1 GB; name search p50 ≤ 50 ms at 1M rows.

    .venv/bin/python benchmarks/import_organisations.py                 # 1,000,000 rows
    .venv/bin/python benchmarks/import_organisations.py --rows 100000 --skip-postgres
    .venv/bin/python benchmarks/import_organisations.py --keep /tmp/b1m --skip-postgres
    .venv/bin/python benchmarks/import_organisations.py --keep /tmp/b1m --search-only

--keep DIR keeps the CSV, the SQLite file, the queries and the PostgreSQL schema (its name is
written to DIR/pg_schema) so that --search-only can measure the searches again (after a change
to the search, or with EXPLAIN) without importing a million rows once more.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from haihe.codes import regions, uscc

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所属地区",
    "行业代码",
    "成立日期",
    "注册资本",
    "从业人数",
    "经营范围",
]
WORDS = [
    "生物医药",
    "微电子",
    "智能装备",
    "新材料",
    "信息技术",
    "新能源",
    "精密机械",
    "医疗器械",
    "机器人",
    "氢能科技",
    "航空科技",
    "数据科技",
    "半导体",
    "汽车零部件",
    "化工",
]
BRAND = "华宏泰瑞恒博康安达鑫源盛通远创新科瀚睿智凯德信诚嘉晟航正合联天宇辰星海川明锐腾飞跃金银"
INDUSTRIES = [
    "2761",
    "2720",
    "3973",
    "6520",
    "3491",
    "3421",
    "2651",
    "6513",
    "3612",
    "3670",
    "3841",
    "3581",
    "7340",
    "7320",
    "5179",
]
SCOPES = [
    "研发、生产、销售{w}产品；技术开发、技术转让、技术咨询、技术服务；货物进出口。",
    "{w}技术开发、技术推广；销售电子产品、机械设备；软件开发。",
    "生产{w}相关设备及零部件（不含危险化学品）；道路货物运输；仓储服务。",
]


def generate(path: Path, rows: int, seed: int = 7) -> list[str]:
    """Write `rows` organisations; return 200 name fragments to search for."""
    rng = random.Random(seed)
    counties = [
        r
        for r in regions.all_regions()
        if r.current and r.level == "county" and r.province_code in regions.HOME_PROVINCES
    ]
    queries: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            region = counties[i % len(counties)]
            brand = "".join(rng.choice(BRAND) for _ in range(3))
            word = WORDS[rng.randrange(len(WORDS))]
            prov = regions.require(region.province_code).short_zh
            name = f"{prov}{brand}{word}{i}有限公司"
            code = uscc.make(f"91{region.code}{i:09d}")
            if len(queries) < 200 and i % max(1, rows // 200) == 0:
                queries.append(f"{brand}{word}")
            w.writerow(
                [
                    code,
                    name,
                    region.short_zh,
                    INDUSTRIES[i % len(INDUSTRIES)],
                    f"{1990 + i % 34}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    f"{rng.randint(10, 50000)}万元",
                    rng.randint(3, 5000),
                    SCOPES[i % len(SCOPES)].format(w=word),
                ]
            )
    return queries


def _import_child(url: str, path: str) -> None:
    """Run in a fresh process so that its peak RSS is the import's alone."""
    import resource

    from haihe.accounts.scopes import command_line
    from haihe.core.db import make_engine, upgrade
    from haihe.registry.imports import do_import_organisations

    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    report = do_import_organisations(engine, command_line("bench"), path, write_report=False)
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rows": report.rows,
                "created": report.created,
                "seconds": seconds,
                "errors": len(report.errors),
                "peak_rss_mb": rss_mb,
                "worker_rss_mb": worker_mb,
            }
        )
    )


class LockProbe:
    """Another writer during the import: every 20 ms it tries to take SQLite's write lock
    without waiting (BEGIN IMMEDIATE, busy timeout 0) and notes when it is refused. The
    longest run of refusals is how long a user's save would have waited for the import."""

    def __init__(self, db_path: Path, every_s: float = 0.02) -> None:
        import threading

        self.db_path = db_path
        self.every_s = every_s
        self.stop = threading.Event()
        self.longest = 0.0
        self.total = 0.0
        self.tries = 0
        self.refused = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import sqlite3

        conn = sqlite3.connect(self.db_path, timeout=0, isolation_level=None)
        blocked_since: float | None = None
        last = time.perf_counter()
        while not self.stop.is_set():
            now = time.perf_counter()
            self.tries += 1
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                if blocked_since is not None:
                    self.longest = max(self.longest, now - blocked_since)
                    blocked_since = None
            except sqlite3.OperationalError:
                self.refused += 1
                self.total += now - last if blocked_since is not None else 0.0
                if blocked_since is None:
                    blocked_since = now
            last = now
            time.sleep(self.every_s)
        if blocked_since is not None:
            self.longest = max(self.longest, time.perf_counter() - blocked_since)
        conn.close()

    def __enter__(self) -> LockProbe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def run_import(url: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def search_latency(url: str, asked: list[str]) -> tuple[float, float, float]:
    """p50 and p99 in ms of one list page (50 rows and the total), and the share of hits."""
    from sqlalchemy.orm import Session

    from haihe.core.db import make_engine
    from haihe.registry import queries

    engine = make_engine(url)
    times = []
    hits = 0
    with Session(engine) as s:
        for q in asked:
            t0 = time.perf_counter()
            page = queries.search_organisations(s, queries.OrganisationFilter(q=q), page_size=50)
            times.append((time.perf_counter() - t0) * 1000)
            hits += page.total > 0
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.99) - 1)], hits / len(asked)


def word_queries(names: list[str], seed: int = 11) -> list[str]:
    """Searches by what officers type (issue 12): a word of the business scope, a scope
    word and a region, a brand and a scope word, in either order."""
    rng = random.Random(seed)
    places = ["滨海", "北京", "石家庄", "海淀", "天津", "保定"]
    scope = ["技术转让", "零部件", "货物进出口", "软件开发", "仓储服务"]
    out = []
    for i in range(200):
        word = rng.choice(WORDS)
        kind = i % 4
        if kind == 0:
            out.append(word)
        elif kind == 1:
            out.append(f"{rng.choice(places)} {word}")
        elif kind == 2:
            out.append(f"{rng.choice(scope)} {word}")
        else:
            out.append(f"{word} {names[i % len(names)][:3]}")
    return out


def pg_url(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def report_words(label: str, latency: tuple[float, float, float]) -> None:
    print(
        f"{label:<11} word search (scope, region, several words) p50 {latency[0]:6.1f} ms"
        f" p99 {latency[1]:6.1f} ms (hits {latency[2]:.0%})"
    )


def report(label: str, res: dict, latency: tuple[float, float, float], size_mb: float) -> None:
    rate = res["created"] / res["seconds"]
    print(
        f"{label:<11} {res['created']:>9,} rows in {res['seconds']:7.1f} s = {rate:>8,.0f} rows/s"
        f" | peak RSS {res['peak_rss_mb']:5.0f} MB (+ parser workers {res['worker_rss_mb']:.0f} MB"
        f" each) | file {size_mb:.0f} MB"
        f" | name search p50 {latency[0]:6.1f} ms p99 {latency[1]:6.1f} ms"
        f" (hits {latency[2]:.0%})"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _import_child(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--keep", type=Path, help="work in DIR and keep what was made there")
    ap.add_argument(
        "--search-only", action="store_true", help="measure the searches of a kept run (--keep)"
    )
    ap.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "HAIHE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = ap.parse_args()
    if args.search_only:
        if not args.keep:
            ap.error("--search-only needs --keep DIR")
        search_again(args)
        return

    work = args.keep or Path(tempfile.mkdtemp(prefix="haihe-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"orgs-{args.rows}.csv"
    t0 = time.perf_counter()
    queries = generate(csv_path, args.rows)
    (work / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), "utf-8")
    size_mb = csv_path.stat().st_size / 1e6
    print(
        f"generated {args.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f} s;"
        f" machine: {os.cpu_count()} cores",
        flush=True,
    )

    words = word_queries(queries)
    if not args.skip_sqlite:
        sqlite_url = f"sqlite:///{work / 'bench.db'}"
        (work / "bench.db").unlink(missing_ok=True)
        from haihe.core.db import make_engine, upgrade

        upgrade(make_engine(sqlite_url))  # the schema first: only the import is probed
        with LockProbe(work / "bench.db") as probe:
            res = run_import(sqlite_url, csv_path)
        report("SQLite", res, search_latency(sqlite_url, queries), size_mb)
        print(
            f"SQLite      write lock held by the import: longest {probe.longest:6.2f} s"
            f" without another write, {probe.total:6.2f} s in all"
            f" ({probe.refused} of {probe.tries} probe writes refused) of {res['seconds']:.1f} s"
        )
        report_words("SQLite", search_latency(sqlite_url, words))
    if not args.skip_postgres:
        url, schema = pg_url(args.postgres_url)
        if args.keep:
            (work / "pg_schema").write_text(schema, "utf-8")
        try:
            res = run_import(url, csv_path)
            report("PostgreSQL", res, search_latency(url, queries), size_mb)
            report_words("PostgreSQL", search_latency(url, words))
        finally:
            if not args.keep:
                drop_schema(args.postgres_url, schema)
    if not args.keep:
        for p in work.iterdir():
            p.unlink()
        work.rmdir()


def search_again(args: argparse.Namespace) -> None:
    """The searches of a run kept with --keep, on what that run imported."""
    from sqlalchemy.engine import make_url

    queries = json.loads((args.keep / "queries.json").read_text("utf-8"))
    words = word_queries(queries)
    db = args.keep / "bench.db"
    if not args.skip_sqlite and db.exists():
        url = f"sqlite:///{db}"
        print_latency("SQLite", "name search", search_latency(url, queries))
        report_words("SQLite", search_latency(url, words))
    schema_file = args.keep / "pg_schema"
    if not args.skip_postgres and schema_file.exists():
        schema = schema_file.read_text("utf-8").strip()
        url = make_url(args.postgres_url).update_query_dict(
            {"options": f"-csearch_path={schema},public"}
        )
        url = url.render_as_string(hide_password=False)
        print_latency("PostgreSQL", "name search", search_latency(url, queries))
        report_words("PostgreSQL", search_latency(url, words))


def print_latency(label: str, what: str, latency: tuple[float, float, float]) -> None:
    print(
        f"{label:<11} {what} p50 {latency[0]:6.1f} ms p99 {latency[1]:6.1f} ms"
        f" (hits {latency[2]:.0%})"
    )


if __name__ == "__main__":
    main()
