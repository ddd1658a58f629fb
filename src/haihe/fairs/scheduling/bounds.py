"""Upper bounds on a schedule's weight by linear programs (GLOP in OR-Tools): the degree
LP (each participant meets at most its free slots or quota) and, when tables may bind,
the slot LP (one variable per request and common free slot, tables per slot)."""

from __future__ import annotations

import math

from haihe.fairs.scheduling.model import FREE, Model, State


def lp_bounds(
    m: Model, st: State, slot_lp: bool | None
) -> tuple[int, str, bool, set[int], dict[int, int]]:
    """The degree LP bound and, when tables may bind, the slot LP bound (GLOP)."""
    from ortools.linear_solver import pywraplp

    locked_w = sum(m.W[r] for r in range(m.R) if st.locked[r])
    free_rs = [r for r in m.placeable if not st.locked[r]]
    cap_left = [m.cap[p] - st.load[p] for p in range(m.P)]
    total_cap = sum(max(0, c) for c in cap_left) // 2
    tables_left = [m.T - st.cnt[s] for s in range(m.S)]

    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = [solver.NumVar(0.0, 1.0, "") for _ in free_rs]
    rows: list[list[int]] = [[] for _ in range(m.P)]
    for i, r in enumerate(free_rs):
        rows[m.A[r]].append(i)
        rows[m.B[r]].append(i)
    inf = solver.infinity()
    for p in range(m.P):
        if len(rows[p]) > cap_left[p]:
            row = solver.Constraint(-inf, max(0, cap_left[p]))
            for i in rows[p]:
                row.SetCoefficient(x[i], 1)
    if len(x) > sum(tables_left):
        row = solver.Constraint(-inf, sum(tables_left))
        for v in x:
            row.SetCoefficient(v, 1)
    objective = solver.Objective()
    for i, r in enumerate(free_rs):
        objective.SetCoefficient(x[i], m.W[r])
    objective.SetMaximization()
    solver.Solve()
    lp_chosen = {r for i, r in enumerate(free_rs) if x[i].solution_value() > 0.99}
    deg = locked_w + math.floor(solver.Objective().Value() + 1e-6)
    bound, how = deg, "degree LP (each participant meets at most its free slots or quota), GLOP"
    if slot_lp is None:
        # Tables may bind when a slot's free participants could fill more than its tables.
        slot_lp = sum(tables_left) < total_cap or any(
            sum(1 for p in range(m.P) if st.busy[p][s] == FREE) // 2 > tables_left[s]
            for s in range(m.S)
        )
    slot_choice: dict[int, int] = {}
    if slot_lp:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        per_ps: dict[tuple[int, int], list] = {}
        per_s: list[list] = [[] for _ in range(m.S)]
        per_p: list[list] = [[] for _ in range(m.P)]
        keyed: list[tuple[int, int, object]] = []
        objective = solver.Objective()
        inf = solver.infinity()

        def at_most(vs: list, limit: int) -> None:
            row = solver.Constraint(-inf, limit)
            for v in vs:
                row.SetCoefficient(v, 1)

        for r in free_rs:
            a, b = m.A[r], m.B[r]
            xs = []
            for s in m.common[r]:
                if st.busy[a][s] != FREE or st.busy[b][s] != FREE:
                    continue
                v = solver.NumVar(0.0, 1.0, "")
                xs.append(v)
                keyed.append((r, s, v))
                per_ps.setdefault((a, s), []).append(v)
                per_ps.setdefault((b, s), []).append(v)
                per_s[s].append(v)
                per_p[a].append(v)
                per_p[b].append(v)
                objective.SetCoefficient(v, m.W[r])
            if len(xs) > 1:
                at_most(xs, 1)
        for vs in per_ps.values():
            if len(vs) > 1:
                at_most(vs, 1)
        for s in range(m.S):
            if len(per_s[s]) > tables_left[s]:
                at_most(per_s[s], tables_left[s])
        for p in range(m.P):
            if len(per_p[p]) > cap_left[p]:
                at_most(per_p[p], cap_left[p])
        objective.SetMaximization()
        solver.Solve()
        slot = locked_w + math.floor(solver.Objective().Value() + 1e-6)
        slot_choice = {r: s for r, s, v in keyed if v.solution_value() > 0.99}
        if slot < bound:
            bound = slot
            how = "slot LP (one variable per request and common free slot, tables per slot), GLOP"
    return bound, how, bool(slot_lp), lp_chosen, slot_choice
