"""The fair's meeting scheduler: plain functions over plain data.

A fair has time slots (in time order) and tables; participants are free in some slots and
may have a meeting quota; accepted requests (a, b, weight) ask for a meeting of a and b.
A schedule gives requests a slot and a table such that no participant is in two meetings
in a slot, both are free in it, no table is used twice in a slot (at most `tables`
meetings per slot), no quota is exceeded and every locked meeting stays as it is.

Objective, in order: the total weight of the scheduled requests; then the number of
participants with at least one meeting; then compact agendas (fewest idle gaps: runs of
free slots a participant waits between two of its meetings).

How: each slot's meetings form a matching in the request graph restricted to the
participants free in that slot, so a schedule is a list edge colouring. A greedy start
(highest weight first, each in the least used common free slot) is improved by a local
search over that structure: a request is inserted directly, or after a Kempe-chain swap
(the meetings of two slots along an alternating path change slots to free a common
slot), or by ejecting the meetings in its way and re-inserting them elsewhere (accepted
when the weight does not drop and, at equal weight, coverage does not drop). The upper
bound is the degree LP (each participant meets at most its free slots or quota, solved
with OR-Tools' GLOP; rounded down since weights are integers); when tables may bind, the
slot-indexed LP (one variable per request and common slot, at most `tables` per slot) is
solved as well and the lower of the two is the bound. The result says whether the
schedule is proven optimal (its weight reaches the bound) or how far it can be from it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from haihe.core.errors import InvalidInput

MIP_SIZE = 60_000  # the slot model is solved as a MIP when tables bind and it is this small
FREE = -1  # busy[p][s]: the participant is free in the slot and has no meeting in it
AWAY = -2  # the participant is not available in the slot


def request_weight(*, mutual: bool, priority: int = 2) -> int:
    """A request's weight: priority 1 (low), 2 (normal) or 3 (high); a mutual request
    (both asked for the meeting) outweighs every one-sided one."""
    if priority not in (1, 2, 3):
        raise InvalidInput("fairs.schedule_priority", field="priority", value=priority)
    return priority + (3 if mutual else 0)


@dataclass(frozen=True)
class Participant:
    id: int
    slots: frozenset[int]  # the slots it is available in
    quota: int | None = None  # at most this many meetings


@dataclass(frozen=True)
class Request:
    id: int
    a: int
    b: int
    weight: int


@dataclass(frozen=True, order=True)
class Meeting:
    request_id: int
    slot: int
    table: int  # 1 .. tables


@dataclass
class Problem:
    slots: Sequence[int]  # slot ids in time order
    tables: int
    participants: Sequence[Participant]
    requests: Sequence[Request]
    locked: Sequence[Meeting] = ()


@dataclass
class Schedule:
    meetings: list[Meeting]
    weight: int
    upper_bound: int
    bound_method: str
    proven_optimal: bool
    covered: int  # participants with at least one meeting
    coverable: int  # participants with at least one schedulable request
    idle_gaps: int  # over all agendas
    agendas: int  # participants with at least one meeting
    seconds: float
    unscheduled: list[int] = field(default_factory=list)  # request ids left out
    # Re-scheduling only: what happened to the previous meetings.
    kept: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """How far the weight can be from the optimum, as a share of the bound."""
        return 0.0 if self.upper_bound <= 0 else (self.upper_bound - self.weight) / self.upper_bound

    @property
    def covered_share(self) -> float:
        return 1.0 if self.coverable == 0 else self.covered / self.coverable

    @property
    def mean_idle_gaps(self) -> float:
        return 0.0 if self.agendas == 0 else self.idle_gaps / self.agendas


# ---------------------------------------------------------------------------- the model


class _Model:
    """The problem in indices: participants 0..P-1, slots 0..S-1, requests 0..R-1."""

    def __init__(self, problem: Problem) -> None:
        if problem.tables < 0:
            raise InvalidInput("fairs.schedule_tables", field="tables", value=problem.tables)
        self.problem = problem
        self.slot_ids = list(problem.slots)
        if len(set(self.slot_ids)) != len(self.slot_ids):
            raise InvalidInput("fairs.schedule_slot_twice", field="slots")
        self.slot_index = {s: i for i, s in enumerate(self.slot_ids)}
        self.S = len(self.slot_ids)
        self.T = problem.tables
        self.pids = [p.id for p in problem.participants]
        if len(set(self.pids)) != len(self.pids):
            raise InvalidInput("fairs.schedule_participant_twice", field="participants")
        self.pindex = {pid: i for i, pid in enumerate(self.pids)}
        self.P = len(self.pids)
        self.avail: list[list[int]] = []
        self.cap: list[int] = []
        for p in problem.participants:
            unknown = [s for s in p.slots if s not in self.slot_index]
            if unknown:
                raise InvalidInput(
                    "fairs.schedule_unknown_slot", field="slots", participant=p.id, slot=unknown[0]
                )
            if p.quota is not None and p.quota < 0:
                raise InvalidInput(
                    "fairs.schedule_quota", field="quota", participant=p.id, value=p.quota
                )
            av = sorted(self.slot_index[s] for s in p.slots)
            self.avail.append(av)
            self.cap.append(len(av) if p.quota is None else min(p.quota, len(av)))
        self.rids = [r.id for r in problem.requests]
        if len(set(self.rids)) != len(self.rids):
            raise InvalidInput("fairs.schedule_request_twice", field="requests")
        self.rindex = {rid: i for i, rid in enumerate(self.rids)}
        self.R = len(self.rids)
        self.A: list[int] = []
        self.B: list[int] = []
        self.W: list[int] = []
        self.common: list[list[int]] = []
        for r in problem.requests:
            if r.a not in self.pindex or r.b not in self.pindex:
                who = r.a if r.a not in self.pindex else r.b
                raise InvalidInput(
                    "fairs.schedule_unknown_participant",
                    field="requests",
                    request=r.id,
                    participant=who,
                )
            if r.a == r.b:
                raise InvalidInput("fairs.schedule_self_request", field="requests", request=r.id)
            if r.weight <= 0:
                raise InvalidInput(
                    "fairs.schedule_weight", field="weight", request=r.id, value=r.weight
                )
            a, b = self.pindex[r.a], self.pindex[r.b]
            self.A.append(a)
            self.B.append(b)
            self.W.append(int(r.weight))
            sb = set(self.avail[b])
            self.common.append([s for s in self.avail[a] if s in sb])
        self.placeable = [r for r in range(self.R) if self.common[r]]
        self.by_p: list[list[int]] = [[] for _ in range(self.P)]
        for r in self.placeable:
            self.by_p[self.A[r]].append(r)
            self.by_p[self.B[r]].append(r)


class _State:
    """A schedule under construction, with an undo log for tentative moves."""

    def __init__(self, m: _Model) -> None:
        self.m = m
        self.busy = [[AWAY] * m.S for _ in range(m.P)]
        for p in range(m.P):
            for s in m.avail[p]:
                self.busy[p][s] = FREE
        self.slot_of = [-1] * m.R
        self.cnt = [0] * m.S
        self.load = [0] * m.P
        self.weight = 0
        self.covered = 0
        self.locked = [False] * m.R
        self.log: list[tuple[int, int]] = []

    def assign(self, r: int, s: int) -> None:
        m = self.m
        a, b = m.A[r], m.B[r]
        self.busy[a][s] = r
        self.busy[b][s] = r
        self.slot_of[r] = s
        self.cnt[s] += 1
        self.load[a] += 1
        self.load[b] += 1
        self.covered += (self.load[a] == 1) + (self.load[b] == 1)
        self.weight += m.W[r]
        self.log.append((r, -1))

    def unassign(self, r: int) -> None:
        m = self.m
        a, b, s = m.A[r], m.B[r], self.slot_of[r]
        self.busy[a][s] = FREE
        self.busy[b][s] = FREE
        self.slot_of[r] = -1
        self.cnt[s] -= 1
        self.load[a] -= 1
        self.load[b] -= 1
        self.covered -= (self.load[a] == 0) + (self.load[b] == 0)
        self.weight -= m.W[r]
        self.log.append((r, s))

    def rollback(self, mark: int) -> None:
        log = self.log
        while len(log) > mark:
            r, prev = log.pop()
            if prev == -1:
                self.unassign(r)
            else:
                self.assign(r, prev)
            log.pop()

    def fits(self, r: int, s: int) -> bool:
        """Can r go to slot s as things are (both free, a table left, quotas)?"""
        m = self.m
        a, b = m.A[r], m.B[r]
        return (
            self.busy[a][s] == FREE
            and self.busy[b][s] == FREE
            and self.cnt[s] < m.T
            and self.load[a] < m.cap[a]
            and self.load[b] < m.cap[b]
        )

    def gaps_of(self, p: int) -> int:
        """Idle gaps of p's agenda: runs of free (available, meeting-less) slots between
        two of its meetings; slots it is away in do not count as waiting."""
        row = self.busy[p]
        gaps = 0
        seen = False
        run = False
        for v in row:
            if v >= 0:
                if run and seen:
                    gaps += 1
                seen = True
                run = False
            elif v == FREE:
                run = True
        return gaps


# --------------------------------------------------------------------------- the moves


class _Search:
    def __init__(self, st: _State, rng: random.Random, max_chain: int = 60) -> None:
        self.st = st
        self.m = st.m
        self.rng = rng
        self.max_chain = max_chain

    def kempe(self, x: int, s: int, t: int, forbid: int) -> list[int] | None:
        """The s/t alternating path of meetings starting at x (which meets in s and is
        free in t), if all of them may swap slots without `forbid` meeting in s."""
        st, m = self.st, self.m
        busy, locked, A, B = st.busy, st.locked, m.A, m.B
        chain: list[int] = []
        cur, to = x, t
        r = busy[x][s]
        while True:
            if locked[r]:
                return None
            chain.append(r)
            if len(chain) > self.max_chain:
                return None
            y = A[r] if B[r] == cur else B[r]
            nxt = busy[y][to]
            if nxt == AWAY:
                return None
            if nxt == FREE:
                if y == forbid and to == s:
                    return None
                return chain
            if y == forbid and to == s:
                return None
            cur = y
            r = nxt
            to = s if to == t else t

    def swap(self, chain: list[int], s: int, t: int) -> None:
        st = self.st
        for r in chain:
            st.unassign(r)
        for i, r in enumerate(chain):
            st.assign(r, t if i % 2 == 0 else s)

    def insert(self, r: int) -> bool:
        """Place r without taking anything out: directly, or after a Kempe swap."""
        st, m = self.st, self.m
        a, b = m.A[r], m.B[r]
        if st.load[a] >= m.cap[a] or st.load[b] >= m.cap[b]:
            return False
        busy_a, busy_b, cnt, T = st.busy[a], st.busy[b], st.cnt, m.T
        best = -1
        best_cnt = T
        for s in m.common[r]:
            if busy_a[s] == FREE and busy_b[s] == FREE and cnt[s] < best_cnt:
                best, best_cnt = s, cnt[s]
        if best >= 0:
            st.assign(r, best)
            return True
        common = m.common[r]
        order = self.rng.sample(common, len(common)) if len(common) > 1 else common
        for s in order:
            fa, fb = busy_a[s] == FREE, busy_b[s] == FREE
            if fa and fb:
                if self.make_room(s):
                    st.assign(r, s)
                    return True
                continue
            if fa:
                x, forbid = b, a
            elif fb:
                x, forbid = a, b
            else:
                continue
            row = st.busy[x]
            for t in range(m.S):
                if t == s or row[t] != FREE:
                    continue
                chain = self.kempe(x, s, t, forbid)
                if chain is None:
                    continue
                if len(chain) % 2:
                    if cnt[t] >= T:
                        continue
                elif cnt[s] >= T:
                    continue
                self.swap(chain, s, t)
                st.assign(r, s)
                return True
        return False

    def refill(self, p: int, tries: int = 12) -> bool:
        """Give p (which has room) one more meeting among its unscheduled requests."""
        st, m, rng = self.st, self.m, self.rng
        mine = m.by_p[p]
        if not mine:
            return False
        if len(mine) > tries:
            cands = rng.sample(mine, tries)
        else:
            cands = list(mine)
        cands.sort(key=lambda r: -m.W[r])
        for r in cands:
            if st.slot_of[r] < 0 and self.insert(r):
                return True
        return False

    def make_room(self, s: int) -> bool:
        """Free a table in the full slot s by moving one of its meetings elsewhere."""
        st, m = self.st, self.m
        if st.cnt[s] < m.T:
            return True
        rows = [r for r in self._meetings_in(s) if not st.locked[r]]
        self.rng.shuffle(rows)
        for r in rows[:8]:
            a, b = m.A[r], m.B[r]
            for t in m.common[r]:
                if t != s and st.busy[a][t] == FREE and st.busy[b][t] == FREE and st.cnt[t] < m.T:
                    st.unassign(r)
                    st.assign(r, t)
                    return True
        return False

    def _meetings_in(self, s: int) -> list[int]:
        # Meetings of slot s: scanned through participants (cheap enough: P per call).
        st = self.st
        seen = []
        for p in range(self.m.P):
            r = st.busy[p][s]
            if r >= 0 and self.m.A[r] == p:
                seen.append(r)
        return seen

    def eject_move(self, r: int, plateau: float) -> list[int] | None:
        """Place r in a common slot, ejecting what is in its way, re-insert the ejected
        where possible; keep the result if the weight rises (or stays, with coverage not
        falling, with probability `plateau`)."""
        st, m, rng = self.st, self.m, self.rng
        a, b, w = m.A[r], m.B[r], m.W[r]
        W, busy, locked = m.W, st.busy, st.locked
        best_s, best_cost = -1, w + 1
        for s in m.common[r]:
            ca, cb = busy[a][s], busy[b][s]
            cost = 0
            if ca >= 0:
                if locked[ca]:
                    continue
                cost += W[ca]
            if cb >= 0 and cb != ca:
                if locked[cb]:
                    continue
                cost += W[cb]
            if cost < best_cost or (cost == best_cost and rng.random() < 0.5):
                best_s, best_cost = s, cost
        if best_s < 0 or best_cost > w:
            return None
        s = best_s
        mark = len(st.log)
        w0, c0 = st.weight, st.covered
        ejected = []
        for c in {busy[a][s], busy[b][s]}:
            if c >= 0:
                st.unassign(c)
                ejected.append(c)
        if st.cnt[s] >= m.T and not self.make_room(s):
            victims = [v for v in self._meetings_in(s) if not locked[v]]
            if not victims:
                st.rollback(mark)
                return None
            low = min(W[v] for v in victims)
            v = rng.choice([v for v in victims if W[v] == low])
            st.unassign(v)
            ejected.append(v)
        for p in (a, b):
            if st.load[p] >= m.cap[p]:
                mine = [v for v in busy[p] if v >= 0 and not locked[v]]
                if not mine:
                    st.rollback(mark)
                    return None
                low = min(W[v] for v in mine)
                v = rng.choice([v for v in mine if W[v] == low])
                st.unassign(v)
                ejected.append(v)
        if not st.fits(r, s):
            st.rollback(mark)
            return None
        st.assign(r, s)
        ejected.sort(key=lambda v: -W[v])
        for v in ejected:
            self.insert(v)
        # Those who lost a meeting take up another request of theirs (an augmenting path).
        for v in ejected:
            if st.slot_of[v] < 0:
                for p in (m.A[v], m.B[v]):
                    if p != a and p != b and st.load[p] < m.cap[p]:
                        self.refill(p)
        dw, dc = st.weight - w0, st.covered - c0
        if dw > 0 or (dw == 0 and dc > 0) or (dw == 0 and dc == 0 and rng.random() < plateau):
            return ejected
        st.rollback(mark)
        return None


# ------------------------------------------------------------------------------- bounds


def _lp_bounds(
    m: _Model, st: _State, slot_lp: bool | None
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


def _slot_mip(m: _Model, st: _State, time_limit: float) -> tuple[dict[int, int] | None, int, bool]:
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


def _locked_weight(m: _Model, st: _State) -> int:
    return sum(m.W[r] for r in range(m.R) if st.locked[r])


def _b_matching(
    m: _Model, st: _State, time_limit: float, num_workers: int, hint: set[int]
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


# ------------------------------------------------------------------------------ helpers


def _start(m: _Model, locked: Iterable[Meeting]) -> tuple[_State, dict[int, int]]:
    """The state with the locked meetings in place (checked); their tables by request."""
    st = _State(m)
    tables: dict[int, int] = {}
    used: set[tuple[int, int]] = set()
    for mt in locked:
        if mt.request_id not in m.rindex:
            raise InvalidInput(
                "fairs.schedule_locked_unknown", field="locked", request=mt.request_id
            )
        r = m.rindex[mt.request_id]
        if st.slot_of[r] >= 0:
            raise InvalidInput("fairs.schedule_locked_twice", field="locked", request=mt.request_id)
        if mt.slot not in m.slot_index:
            raise InvalidInput(
                "fairs.schedule_unknown_slot", field="locked", participant="-", slot=mt.slot
            )
        s = m.slot_index[mt.slot]
        if not (1 <= mt.table <= m.T) or (s, mt.table) in used:
            raise InvalidInput(
                "fairs.schedule_locked_table", field="locked", request=mt.request_id, table=mt.table
            )
        if not st.fits(r, s):
            raise InvalidInput(
                "fairs.schedule_locked_clash", field="locked", request=mt.request_id, slot=mt.slot
            )
        st.assign(r, s)
        st.locked[r] = True
        used.add((s, mt.table))
        tables[r] = mt.table
    st.log.clear()
    return st, tables


def _greedy(st: _State, m: _Model, order: Sequence[int] | None = None) -> None:
    """Highest weight first, each request in its least used common free slot."""
    if order is None:
        order = sorted(m.placeable, key=lambda r: (-m.W[r], r))
    for r in order:
        if st.slot_of[r] >= 0:
            continue
        best, best_cnt = -1, m.T
        a, b = m.A[r], m.B[r]
        if st.load[a] >= m.cap[a] or st.load[b] >= m.cap[b]:
            continue
        for s in m.common[r]:
            if st.busy[a][s] == FREE and st.busy[b][s] == FREE and st.cnt[s] < best_cnt:
                best, best_cnt = s, st.cnt[s]
        if best >= 0:
            st.assign(r, best)
    st.log.clear()


def _finish(
    m: _Model,
    st: _State,
    fixed_tables: dict[int, int],
    bound: int,
    how: str,
    t0: float,
) -> Schedule:
    """Tables for every meeting (fixed ones keep theirs), and the figures."""
    meetings: list[Meeting] = []
    by_slot: list[list[int]] = [[] for _ in range(m.S)]
    for r in range(m.R):
        if st.slot_of[r] >= 0:
            by_slot[st.slot_of[r]].append(r)
    for s, rs in enumerate(by_slot):
        taken = {fixed_tables[r] for r in rs if r in fixed_tables}
        free = (t for t in range(1, m.T + 1) if t not in taken)
        for r in sorted(rs, key=lambda r: (r not in fixed_tables, r)):
            table = fixed_tables[r] if r in fixed_tables else next(free)
            meetings.append(Meeting(m.rids[r], m.slot_ids[s], table))
    coverable = sum(1 for p in range(m.P) if m.by_p[p])
    agendas = sum(1 for p in range(m.P) if st.load[p] > 0)
    gaps = sum(st.gaps_of(p) for p in range(m.P) if st.load[p] > 1)
    bound = max(bound, st.weight)
    return Schedule(
        meetings=sorted(meetings),
        weight=st.weight,
        upper_bound=bound,
        bound_method=how,
        proven_optimal=st.weight >= bound,
        covered=agendas,
        coverable=coverable,
        idle_gaps=gaps,
        agendas=agendas,
        seconds=time.perf_counter() - t0,
        unscheduled=[m.rids[r] for r in range(m.R) if st.slot_of[r] < 0],
    )


def _kempe_from_meeting(self: _Search, r: int, s: int, t: int) -> list[int] | None:
    """The whole s/t Kempe component of meeting r (in slot s), if it is a path or cycle
    whose meetings may all swap slots (availability, locks, length)."""
    st, m = self.st, self.m
    busy = st.busy
    comp = [r]
    seen = {r}
    # Walk both ways from r.
    for start in (m.A[r], m.B[r]):
        cur, frm = start, s
        while True:
            other = t if frm == s else s
            nxt = busy[cur][other]
            if nxt == AWAY:
                # cur is away in `other`: the meeting arriving from frm cannot move there.
                return None
            if nxt == FREE or nxt in seen:
                break
            if st.locked[nxt]:
                return None
            seen.add(nxt)
            comp.append(nxt)
            if len(comp) > self.max_chain:
                return None
            cur = m.A[nxt] if m.B[nxt] == cur else m.B[nxt]
            frm = other
    # Each meeting must be available in the other slot: endpoints checked above through
    # AWAY at each vertex of the walk (every vertex of the component is visited).
    order = [c for c in comp if st.slot_of[c] == s] + [c for c in comp if st.slot_of[c] == t]
    n_s = sum(1 for c in comp if st.slot_of[c] == s)
    n_t = len(comp) - n_s
    if st.cnt[t] - n_t + n_s > m.T or st.cnt[s] - n_s + n_t > m.T:
        return None
    return order


_Search.kempe_from_meeting = _kempe_from_meeting  # type: ignore[attr-defined]


def _swap_sets(search: _Search, order: list[int], s: int, t: int) -> None:
    st = search.st
    moves = [(c, t if st.slot_of[c] == s else s) for c in order]
    for c, _ in moves:
        st.unassign(c)
    for c, to in moves:
        st.assign(c, to)


# ------------------------------------------------------------------------------- solving


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
    m = _Model(problem)
    st, fixed = _start(m, problem.locked)
    bound, how, tables_bind, chosen, slot_choice = _lp_bounds(m, st, slot_lp)
    rng = random.Random(seed)
    search = _Search(st, rng)
    heavy_first = sorted(m.placeable, key=lambda r: (-m.W[r], len(m.common[r]), r))
    # The requests to colour first: those of the degree LP's optimum at 1, and the
    # integer b-matching's optimum (CP-SAT, hinted with the LP's) if time allows; each
    # set is coloured and the heavier schedule goes on.
    candidates = [chosen]
    budget = (deadline - time.perf_counter()) * 0.25
    if budget > 0.5 + len(m.placeable) / 8000:  # else building the model costs too much
        b_chosen, b_bound, b_how = _b_matching(m, st, budget, num_workers, chosen)
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
        _greedy(st, m, [r for r in heavy_first if r in cand])
        for i, r in enumerate(heavy_first):
            if r in cand and st.slot_of[r] < 0:
                search.insert(r)
            if i % 256 == 0 and time.perf_counter() > deadline:
                break
        _greedy(st, m, heavy_first)
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
        _improve(st, m, search, bound, time.perf_counter() + (end - time.perf_counter()) * 0.2)
        # SCIP may overrun its limit (presolve); leave it a margin.
        chosen, mip_bound, optimal = _slot_mip(m, st, (end - time.perf_counter()) * 0.8)
        if mip_bound < bound:
            bound = mip_bound
            how = "slot model MIP (SCIP in OR-Tools), " + (
                "proven optimal" if optimal else "its proven bound"
            )
        if chosen is not None and sum(m.W[r] for r in chosen) > st.weight - _locked_weight(m, st):
            for r in range(m.R):
                if st.slot_of[r] >= 0 and not st.locked[r]:
                    st.unassign(r)
            for r, s in chosen.items():
                st.assign(r, s)
            st.log.clear()
    _improve(st, m, search, bound, end)
    _compact2(st, m, search, deadline)
    return _finish(m, st, fixed, bound, how, t0)


def _improve(st: _State, m: _Model, search: _Search, bound: int, deadline: float) -> None:
    rng = search.rng
    pool = [r for r in m.placeable if st.slot_of[r] < 0]
    if not pool:
        return
    wmax = max(m.W)
    # First pass: every unscheduled request once, heaviest first, directly or by Kempe.
    for r in sorted(pool, key=lambda r: -m.W[r]):
        if st.slot_of[r] < 0:
            search.insert(r)
        if time.perf_counter() > deadline:
            return
    it = 0
    while st.weight < bound:
        it += 1
        if it % 128 == 0:
            if time.perf_counter() > deadline:
                return
            if it % 4096 == 0:
                pool = [r for r in m.placeable if st.slot_of[r] < 0]
                if not pool:
                    return
        r = pool[rng.randrange(len(pool))]
        if st.slot_of[r] >= 0 or rng.random() * wmax > m.W[r]:
            continue
        if search.insert(r):
            st.log.clear()
            continue
        out = search.eject_move(r, plateau=0.3)
        if out is not None:
            pool.extend(v for v in out if st.slot_of[v] < 0)
        st.log.clear()


def _compact2(st: _State, m: _Model, search: _Search, deadline: float) -> None:
    """At equal weight and coverage, fewer idle gaps: a meeting moves to another common
    free slot, or its whole Kempe component of two slots swaps, when gaps fall."""
    rng = search.rng
    meetings = [r for r in range(m.R) if st.slot_of[r] >= 0 and not st.locked[r]]
    if not meetings:
        return
    it = idle = 0
    while True:
        it += 1
        if it % 64 == 0 and time.perf_counter() > deadline:
            break
        if idle > 50 * len(meetings) + 10_000:
            break  # nothing found for long: the agendas are as compact as this gets
        idle += 1
        r = meetings[rng.randrange(len(meetings))]
        a, b, s = m.A[r], m.B[r], st.slot_of[r]
        ga, gb = st.gaps_of(a), st.gaps_of(b)
        if ga + gb == 0:
            continue
        t = m.common[r][rng.randrange(len(m.common[r]))]
        if t == s:
            continue
        mark = len(st.log)
        if st.busy[a][t] == FREE and st.busy[b][t] == FREE and st.cnt[t] < m.T:
            st.unassign(r)
            st.assign(r, t)
            if st.gaps_of(a) + st.gaps_of(b) >= ga + gb:
                st.rollback(mark)
            else:
                idle = 0
            st.log.clear()
            continue
        comp = search.kempe_from_meeting(r, s, t)  # type: ignore[attr-defined]
        if not comp:
            continue
        touched = {m.A[c] for c in comp} | {m.B[c] for c in comp}
        old = sum(st.gaps_of(p) for p in touched)
        _swap_sets(search, comp, s, t)
        if sum(st.gaps_of(p) for p in touched) >= old:
            st.rollback(mark)
        else:
            idle = 0
        st.log.clear()
    st.log.clear()


def greedy(problem: Problem) -> Schedule:
    """The baseline: highest weight first, each request in its least used common free
    slot (no search). Its bound is the degree LP's."""
    t0 = time.perf_counter()
    m = _Model(problem)
    st, fixed = _start(m, problem.locked)
    _greedy(st, m)
    return _finish(m, st, fixed, st.weight, "none (greedy)", t0)


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
    m = _Model(problem)
    st, fixed = _start(m, problem.locked)
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
    out = _finish(m, st, fixed, bound, how, t0)
    if bound < 0:  # no answer: no bound either
        out.upper_bound, out.proven_optimal = -1, False
    return out


def check(problem: Problem, meetings: Sequence[Meeting]) -> list[str]:
    """Every broken rule of a schedule, in words (empty when it is valid)."""
    m = _Model(problem)
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


def reschedule(
    problem: Problem,
    previous: Sequence[Meeting],
    *,
    time_limit: float = 5.0,
    seed: int = 0,
) -> Schedule:
    """Schedule again after changes: every previous meeting that can stay where it was
    (its request still there, both still free in that slot, its table still there, no
    clash with a locked or an earlier kept meeting, quotas) stays; the rest is scheduled
    around them. Says what was kept, moved, removed and added."""
    m = _Model(problem)
    st, _ = _start(m, problem.locked)
    locked_ids = {mt.request_id for mt in problem.locked}
    used = {(mt.slot, mt.table) for mt in problem.locked}
    keep: list[Meeting] = []
    for mt in sorted(previous, key=lambda mt: (-_weight_of(m, mt), mt)):
        if mt.request_id in locked_ids or mt.request_id not in m.rindex:
            continue
        r = m.rindex[mt.request_id]
        s = m.slot_index.get(mt.slot)
        if s is None or st.slot_of[r] >= 0 or not 1 <= mt.table <= m.T:
            continue
        if (mt.slot, mt.table) in used or not st.fits(r, s):
            continue
        st.assign(r, s)
        used.add((mt.slot, mt.table))
        keep.append(mt)
    pinned = Problem(
        slots=problem.slots,
        tables=problem.tables,
        participants=problem.participants,
        requests=problem.requests,
        locked=[*problem.locked, *keep],
    )
    out = schedule(pinned, time_limit=time_limit, seed=seed)
    before = {mt.request_id: mt for mt in previous}
    after = {mt.request_id: mt for mt in out.meetings}
    out.kept = sorted(mt.request_id for mt in keep)
    out.moved = sorted(r for r in before if r in after and after[r] != before[r])
    out.removed = sorted(r for r in before if r not in after)
    out.added = sorted(r for r in after if r not in before)
    return out


def _weight_of(m: _Model, mt: Meeting) -> int:
    r = m.rindex.get(mt.request_id)
    return 0 if r is None else m.W[r]
