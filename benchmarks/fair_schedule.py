"""Benchmark of the fair scheduler against two baselines on seeded instances.

    python benchmarks/fair_schedule.py                      # A, B, C and D
    python benchmarks/fair_schedule.py --instance A --seed 3 --budgets 5,60
    python benchmarks/fair_schedule.py --instance B --participants 2000 --requests 20000

Instances (as issue 16 describes them): a few popular participants get many requests
(Zipf-like popularity), 20% of participants have limited availability (a window of a
third to two thirds of the slots), a quarter of requests are mutual, priorities 20% high,
60% normal, 20% low; tables are not the bottleneck, participants' time is:
A) 300 participants, 3,000 requests, 12 slots, 150 tables; B) 1,000 / 12,000 / 16 / 1,000;
C) 3,000 / 40,000 / 20 / 3,000; D) 1,000 / 12,000 / 16 / 120 with each participant free
in only 3 to 6 slots (tables and availability both bind).

For each instance and budget it prints the scheduler's weight, its upper bound and how
that was proven, the gap, the time; greedy and plain CP-SAT (one boolean per request and
common slot, hinted with greedy, the same time, one worker by default); and the secondary
objectives: the share of participants with a schedulable request who got a meeting, and
the mean idle gaps per agenda.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from haihe.fairs.scheduler import (  # noqa: E402
    Participant,
    Problem,
    Request,
    Schedule,
    check,
    exact,
    greedy,
    request_weight,
    schedule,
)

SIZES = {
    "A": dict(participants=300, requests=3000, slots=12, tables=150),
    "B": dict(participants=1000, requests=12000, slots=16, tables=1000),
    "C": dict(participants=3000, requests=40000, slots=20, tables=3000),
    "D": dict(participants=1000, requests=12000, slots=16, tables=120, free_min=3, free_max=6),
}
BUDGETS = {"A": (5, 60), "B": (5, 60), "C": (5, 300), "D": (5, 60)}


def make_instance(
    *,
    participants: int,
    requests: int,
    slots: int,
    tables: int,
    seed: int,
    free_min: int | None = None,
    free_max: int | None = None,
    limited_share: float = 0.2,
    mutual_share: float = 0.25,
) -> Problem:
    rng = random.Random(seed)
    slot_ids = list(range(1, slots + 1))
    people = []
    for pid in range(1, participants + 1):
        if free_min is not None:
            n = rng.randint(free_min, min(free_max or slots, slots))
            if rng.random() < 0.5:  # a window of the day
                start = rng.randint(0, slots - n)
                free = slot_ids[start : start + n]
            else:  # here and there
                free = rng.sample(slot_ids, n)
        elif rng.random() < limited_share:
            n = rng.randint(max(1, slots // 3), max(1, 2 * slots // 3))
            start = rng.randint(0, slots - n)
            free = slot_ids[start : start + n]
        else:
            free = slot_ids
        people.append(Participant(pid, frozenset(free)))
    # Zipf-like popularity: participant k (in a shuffled order) has weight 1/k^0.9.
    order = list(range(1, participants + 1))
    rng.shuffle(order)
    pop = [0.0] * (participants + 1)
    for k, pid in enumerate(order, start=1):
        pop[pid] = 1.0 / k**0.9
    ids = list(range(1, participants + 1))
    cum = []
    acc = 0.0
    for pid in ids:
        acc += pop[pid]
        cum.append(acc)
    pairs: set[tuple[int, int]] = set()
    reqs = []
    max_pairs = participants * (participants - 1) // 2
    target = min(requests, max_pairs)
    while len(reqs) < target:
        a = rng.randint(1, participants)
        b = rng.choices(ids, cum_weights=cum)[0]
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        if key in pairs:
            continue
        pairs.add(key)
        mutual = rng.random() < mutual_share
        priority = rng.choices((1, 2, 3), weights=(2, 6, 2))[0]
        reqs.append(Request(len(reqs) + 1, a, b, request_weight(mutual=mutual, priority=priority)))
    return Problem(slots=slot_ids, tables=tables, participants=people, requests=reqs)


def line(name: str, out: Schedule, bound: int, seconds: float) -> str:
    gap = 100.0 * (bound - out.weight) / bound if bound else 0.0
    return (
        f"  {name:<10} weight {out.weight:>7}  gap {gap:5.2f}%  time {seconds:6.1f} s  "
        f"met {100 * out.covered_share:5.1f}% of participants  "
        f"idle gaps {out.mean_idle_gaps:.2f}/agenda"
    )


def run(key: str, args: argparse.Namespace) -> None:
    size = dict(SIZES[key])
    for opt in ("participants", "requests", "slots", "tables"):
        if getattr(args, opt) is not None:
            size[opt] = getattr(args, opt)
    t0 = time.perf_counter()
    problem = make_instance(seed=args.seed, **size)
    print(
        f"Instance {key} (seed {args.seed}): {size['participants']} participants, "
        f"{len(problem.requests)} requests, {size['slots']} slots, {size['tables']} tables"
        f" — built in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    budgets = args.budgets or BUDGETS[key]
    t0 = time.perf_counter()
    base = greedy(problem)
    g_time = time.perf_counter() - t0
    for budget in budgets:
        t0 = time.perf_counter()
        ours = schedule(problem, time_limit=budget, seed=args.seed)
        o_time = time.perf_counter() - t0
        assert not check(problem, ours.meetings), check(problem, ours.meetings)[:3]
        bound = ours.upper_bound
        print(f" budget {budget} s — upper bound {bound}: {ours.bound_method}", flush=True)
        state = "proven optimal" if ours.proven_optimal else f"gap {100 * ours.gap:.2f}%"
        print(line("scheduler", ours, bound, o_time) + f"  [{state}]", flush=True)
        print(line("greedy", base, bound, g_time), flush=True)
        if not args.no_cpsat:
            t0 = time.perf_counter()
            cp = exact(problem, time_limit=budget, hint=base.meetings, num_workers=args.workers)
            c_time = time.perf_counter() - t0
            assert not check(problem, cp.meetings)
            if cp.upper_bound < 0:
                print(f"  {'CP-SAT':<10} no solution within {c_time:.1f} s", flush=True)
            else:
                print(
                    line("CP-SAT", cp, bound, c_time) + f"  (its own bound {cp.upper_bound})",
                    flush=True,
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instance", choices=sorted(SIZES), action="append")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--participants", type=int)
    ap.add_argument("--requests", type=int)
    ap.add_argument("--slots", type=int)
    ap.add_argument("--tables", type=int)
    ap.add_argument(
        "--budgets", type=lambda s: tuple(float(x) for x in s.split(",")), help="e.g. 5,60"
    )
    ap.add_argument("--time", type=float, help="one budget in seconds (same as --budgets N)")
    ap.add_argument("--workers", type=int, default=1, help="CP-SAT threads (machine shared)")
    ap.add_argument("--no-cpsat", action="store_true", help="skip the CP-SAT baseline")
    args = ap.parse_args()
    if args.time is not None:
        args.budgets = (args.time,)
    for key in args.instance or sorted(SIZES):
        run(key, args)


if __name__ == "__main__":
    main()
