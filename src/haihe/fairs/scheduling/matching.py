"""The integer models the scheduler hands to solvers: the b-matching (which requests
each participant has room for, CP-SAT), whose optimum bounds every schedule and whose
requests are coloured into slots first, and the slot model as a MIP (SCIP in OR-Tools)
for when tables bind."""

from __future__ import annotations

import math

from haihe.fairs.scheduling.model import FREE, Model, State


def b_matching(
    m: Model, st: State, time_limit: float, num_workers: int, hint: set[int]
) -> tuple[set[int], int, str]:
    """The heaviest set of requests each participant has room for (its free slots or
    quota; all meetings within the tables of all slots), by CP-SAT. Its optimum bounds
    every schedule's weight; its requests are the ones to colour into slots first."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    free_rs = [r for r in m.placeable if not st.locked[r]]
    x = {r: model.new_bool_var("") for r in free_rs}
    rows: list[list] = [[] for _ in range(m.P)]
    for r, v in x.items():
        rows[m.A[r]].append(v)
        rows[m.B[r]].append(v)
    for p in range(m.P):
        room = m.cap[p] - st.load[p]
        if len(rows[p]) > room:
            model.add(sum(rows[p]) <= max(0, room))
    tables_left = sum(m.T - st.cnt[s] for s in range(m.S))
    if len(x) > tables_left:
        model.add(sum(x.values()) <= tables_left)
    model.maximize(sum(m.W[r] * v for r, v in x.items()))
    for r, v in x.items():
        model.add_hint(v, r in hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = num_workers
    status = solver.solve(model)
    locked_w = sum(m.W[r] for r in range(m.R) if st.locked[r])
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return set(), 10**12, ""
    chosen = {r for r, v in x.items() if solver.boolean_value(v)}
    bound = locked_w + math.floor(solver.best_objective_bound + 1e-6)
    how = "b-matching (each participant meets at most its free slots or quota), " + (
        "proven optimal by CP-SAT" if status == cp_model.OPTIMAL else "CP-SAT's bound"
    )
    return chosen, bound, how


def slot_mip(m: Model, st: State, time_limit: float) -> tuple[dict[int, int] | None, int, bool]:
    """The slot model (one 0/1 variable per request and common free slot; a participant
    in one meeting per slot, at most `tables` per slot, quotas) solved as a MIP by the
    SCIP that OR-Tools bundles, hinted with the current schedule: its requests' slots
    (or None), its proven bound, and whether it proved optimality."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        return None, 10**12, False
    locked_w = sum(m.W[r] for r in range(m.R) if st.locked[r])
    per_ps: dict[tuple[int, int], list] = {}
    per_s: list[list] = [[] for _ in range(m.S)]
    per_p: list[list] = [[] for _ in range(m.P)]
    obj = []
    xs: dict[tuple[int, int], object] = {}
    for r in m.placeable:
        if st.locked[r]:
            continue
        a, b = m.A[r], m.B[r]
        mine = []
        for s in m.common[r]:
            if (st.busy[a][s] == r or st.busy[a][s] == FREE or not st.locked[st.busy[a][s]]) and (
                st.busy[b][s] == r or st.busy[b][s] == FREE or not st.locked[st.busy[b][s]]
            ):
                v = solver.BoolVar("")
                xs[r, s] = v
                mine.append(v)
                per_ps.setdefault((a, s), []).append(v)
                per_ps.setdefault((b, s), []).append(v)
                per_s[s].append(v)
                per_p[a].append(v)
                per_p[b].append(v)
                obj.append(m.W[r] * v)
        if len(mine) > 1:
            solver.Add(sum(mine) <= 1)
    locked_cnt = [0] * m.S
    locked_load = [0] * m.P
    for r in range(m.R):
        if st.locked[r]:
            locked_cnt[st.slot_of[r]] += 1
            locked_load[m.A[r]] += 1
            locked_load[m.B[r]] += 1
    for vs in per_ps.values():
        if len(vs) > 1:
            solver.Add(sum(vs) <= 1)
    for s in range(m.S):
        if len(per_s[s]) > m.T - locked_cnt[s]:
            solver.Add(sum(per_s[s]) <= m.T - locked_cnt[s])
    for p in range(m.P):
        if len(per_p[p]) > m.cap[p] - locked_load[p]:
            solver.Add(sum(per_p[p]) <= m.cap[p] - locked_load[p])
    solver.Maximize(sum(obj))
    keys = list(xs)
    solver.SetHint([xs[k] for k in keys], [1.0 if st.slot_of[k[0]] == k[1] else 0.0 for k in keys])
    solver.SetNumThreads(1)
    solver.SetTimeLimit(max(1, int(time_limit * 1000)))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, 10**12, False
    bound = locked_w + math.floor(solver.Objective().BestBound() + 1e-6)
    chosen = {r: s for (r, s), v in xs.items() if v.solution_value() > 0.5}
    return chosen, bound, status == pywraplp.Solver.OPTIMAL
