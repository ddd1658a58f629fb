"""The three ways to schedule: the scheduler (bounds, b-matching, colouring, local search,
the slot MIP when tables bind, compaction), the greedy baseline and the plain CP-SAT model."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence

from haihe.fairs.scheduling.bounds import lp_bounds
from haihe.fairs.scheduling.matching import b_matching, slot_mip
from haihe.fairs.scheduling.model import Model, fill_greedy, finish, locked_weight, start_state
from haihe.fairs.scheduling.problem import Meeting, Problem, Schedule
from haihe.fairs.scheduling.search import Search, compact, improve

MIP_SIZE = 60_000  # the slot model is solved as a MIP when tables bind and it is this small


def schedule(
    problem: Problem,
    *,
    time_limit: float = 5.0,
    seed: int = 0,
    slot_lp: bool | None = None,
    compact_share: float = 0.1,
    num_workers: int = 1,
    mip_seconds: float = 15.0,
) -> Schedule:
    """The best schedule found within `time_limit` seconds, with its upper bound.
    When tables bind, the slot model goes to SCIP if `mip_seconds` or more are left."""
    t0 = time.perf_counter()
    deadline = t0 + max(0.0, time_limit)
    m = Model(problem)
    st, fixed = start_state(m, problem.locked)
    bound, how, tables_bind, chosen, slot_choice = lp_bounds(m, st, slot_lp)
    rng = random.Random(seed)
    search = Search(st, rng)
    heavy_first = sorted(m.placeable, key=lambda r: (-m.W[r], len(m.common[r]), r))
    # The requests to colour first: those of the degree LP's optimum at 1, and the
    # integer b-matching's optimum (CP-SAT, hinted with the LP's) if time allows; each
    # set is coloured and the heavier schedule goes on.
    candidates = [chosen]
    budget = (deadline - time.perf_counter()) * 0.25
    if budget > 0.5 + len(m.placeable) / 8000:  # else building the model costs too much
        b_chosen, b_bound, b_how = b_matching(m, st, budget, num_workers, chosen)
        if b_bound < bound:
            bound, how = b_bound, b_how
        if b_chosen and b_chosen != chosen:
            candidates.append(b_chosen)
    best: tuple[int, list[int]] | None = None
    for cand in candidates:
        for r in range(m.R):
            if st.slot_of[r] >= 0 and not st.locked[r]:
                st.unassign(r)
        # The slot LP's integral part (when it was solved) is a schedule as it stands.
        for r in sorted(slot_choice, key=lambda r: -m.W[r]):
            if st.fits(r, slot_choice[r]):
                st.assign(r, slot_choice[r])
        # Colour the chosen requests (each slot a matching): greedy, then Kempe swaps.
        fill_greedy(st, m, [r for r in heavy_first if r in cand])
        for i, r in enumerate(heavy_first):
            if r in cand and st.slot_of[r] < 0:
                search.insert(r)
            if i % 256 == 0 and time.perf_counter() > deadline:
                break
        fill_greedy(st, m, heavy_first)
        if best is None or st.weight > best[0]:
            best = (st.weight, list(st.slot_of))
    if list(st.slot_of) != best[1]:
        for r in range(m.R):
            if st.slot_of[r] >= 0 and not st.locked[r]:
                st.unassign(r)
        for r, s in enumerate(best[1]):
            if s >= 0 and not st.locked[r]:
                st.assign(r, s)
    st.log.clear()
    end = t0 + (deadline - t0) * (1 - compact_share)
    if (
        tables_bind
        and st.weight < bound
        and end - time.perf_counter() >= mip_seconds
        and sum(len(m.common[r]) for r in m.placeable) <= MIP_SIZE
    ):
        # Tables bind: the slot model as a MIP (its LP is near tight), from the search's
        # schedule; whichever is heavier goes on.
        improve(st, m, search, bound, time.perf_counter() + (end - time.perf_counter()) * 0.2)
        # SCIP may overrun its limit (presolve); leave it a margin.
        chosen, mip_bound, optimal = slot_mip(m, st, (end - time.perf_counter()) * 0.8)
        if mip_bound < bound:
            bound = mip_bound
            how = "slot model MIP (SCIP in OR-Tools), " + (
                "proven optimal" if optimal else "its proven bound"
            )
        if chosen is not None and sum(m.W[r] for r in chosen) > st.weight - locked_weight(m, st):
            for r in range(m.R):
                if st.slot_of[r] >= 0 and not st.locked[r]:
                    st.unassign(r)
            for r, s in chosen.items():
                st.assign(r, s)
            st.log.clear()
    improve(st, m, search, bound, end)
    compact(st, m, search, deadline)
    return finish(m, st, fixed, bound, how, t0)


def greedy(problem: Problem) -> Schedule:
    """The baseline: highest weight first, each request in its least used common free
    slot (no search). Its bound is the degree LP's."""
    t0 = time.perf_counter()
    m = Model(problem)
    st, fixed = start_state(m, problem.locked)
    fill_greedy(st, m)
    return finish(m, st, fixed, st.weight, "none (greedy)", t0)


def exact(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    hint: Sequence[Meeting] | None = None,
    num_workers: int = 1,
) -> Schedule:
    """The plain CP-SAT model: one boolean per request and common slot, hinted with a
    schedule if given. Proven optimal when CP-SAT says so; its bound is CP-SAT's."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    m = Model(problem)
    st, fixed = start_state(m, problem.locked)
    model = cp_model.CpModel()
    xs: dict[tuple[int, int], object] = {}
    per_ps: dict[tuple[int, int], list] = {}
    per_s: list[list] = [[] for _ in range(m.S)]
    per_p: list[list] = [[] for _ in range(m.P)]
    for r in m.placeable:
        mine = []
        for s in m.common[r]:
            v = model.new_bool_var("")
            xs[r, s] = v
            mine.append(v)
            per_ps.setdefault((m.A[r], s), []).append(v)
            per_ps.setdefault((m.B[r], s), []).append(v)
            per_s[s].append(v)
            per_p[m.A[r]].append(v)
            per_p[m.B[r]].append(v)
            if st.locked[r]:
                model.add(v == (1 if st.slot_of[r] == s else 0))
        model.add_at_most_one(mine)
    for vs in per_ps.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for s in range(m.S):
        if len(per_s[s]) > m.T:
            model.add(sum(per_s[s]) <= m.T)
    for p in range(m.P):
        if len(per_p[p]) > m.cap[p]:
            model.add(sum(per_p[p]) <= m.cap[p])
    model.maximize(sum(m.W[r] * v for (r, _s), v in xs.items()))
    if hint:
        chosen = {(m.rindex[h.request_id], m.slot_index[h.slot]) for h in hint}
        for key, v in xs.items():
            model.add_hint(v, key in chosen)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - t0))
    solver.parameters.num_workers = num_workers
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (r, s), v in xs.items():
            if not st.locked[r] and solver.boolean_value(v):
                st.assign(r, s)
        bound = math.floor(solver.best_objective_bound + 1e-6)
        how = "CP-SAT proven optimal" if status == cp_model.OPTIMAL else "CP-SAT's own bound"
    else:
        bound, how = -1, "CP-SAT found no solution in the time"
    out = finish(m, st, fixed, bound, how, t0)
    if bound < 0:  # no answer: no bound either
        out.upper_bound, out.proven_optimal = -1, False
    return out
