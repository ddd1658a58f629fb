"""A schedule checked against every rule, in words (what the tests and benchmarks use)."""

from __future__ import annotations

from collections.abc import Sequence

from haihe.fairs.scheduling.model import Model
from haihe.fairs.scheduling.problem import Meeting, Problem


def check(problem: Problem, meetings: Sequence[Meeting]) -> list[str]:
    """Every broken rule of a schedule, in words (empty when it is valid)."""
    m = Model(problem)
    errors: list[str] = []
    busy: dict[tuple[int, int], int] = {}
    tables: dict[tuple[int, int], int] = {}
    per_slot: dict[int, int] = {}
    load: dict[int, int] = {}
    quotas = {p.id: p.quota for p in problem.participants}
    avail = {p.id: p.slots for p in problem.participants}
    reqs = {r.id: r for r in problem.requests}
    seen: set[int] = set()
    for mt in meetings:
        r = reqs.get(mt.request_id)
        if r is None:
            errors.append(f"meeting for unknown request {mt.request_id}")
            continue
        if mt.request_id in seen:
            errors.append(f"request {mt.request_id} scheduled twice")
        seen.add(mt.request_id)
        if mt.slot not in m.slot_index:
            errors.append(f"request {r.id} in unknown slot {mt.slot}")
        if not 1 <= mt.table <= problem.tables:
            errors.append(f"request {r.id} at unknown table {mt.table}")
        if (mt.slot, mt.table) in tables:
            errors.append(f"table {mt.table} twice in slot {mt.slot}")
        tables[mt.slot, mt.table] = r.id
        per_slot[mt.slot] = per_slot.get(mt.slot, 0) + 1
        for p in (r.a, r.b):
            if mt.slot not in avail[p]:
                errors.append(f"participant {p} not available in slot {mt.slot}")
            if (p, mt.slot) in busy:
                errors.append(f"participant {p} in two meetings in slot {mt.slot}")
            busy[p, mt.slot] = r.id
            load[p] = load.get(p, 0) + 1
    for s, n in per_slot.items():
        if n > problem.tables:
            errors.append(f"{n} meetings in slot {s} for {problem.tables} tables")
    for p, n in load.items():
        if quotas[p] is not None and n > quotas[p]:
            errors.append(f"participant {p} has {n} meetings, quota {quotas[p]}")
    kept = set(meetings)
    for mt in problem.locked:
        if mt not in kept:
            errors.append(f"locked meeting {mt} not kept")
    return errors
