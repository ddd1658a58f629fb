"""The problem in indices (Model) and a schedule under construction over it (State, with
an undo log for tentative moves); the state with the locked meetings in place, the greedy
fill, and the finished Schedule with its tables and figures."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from haihe.core.errors import InvalidInput
from haihe.fairs.scheduling.problem import Meeting, Problem, Schedule

FREE = -1  # busy[p][s]: the participant is free in the slot and has no meeting in it
AWAY = -2  # the participant is not available in the slot


class Model:
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


class State:
    """A schedule under construction, with an undo log for tentative moves."""

    def __init__(self, m: Model) -> None:
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


def start_state(m: Model, locked: Iterable[Meeting]) -> tuple[State, dict[int, int]]:
    """The state with the locked meetings in place (checked); their tables by request."""
    st = State(m)
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


def fill_greedy(st: State, m: Model, order: Sequence[int] | None = None) -> None:
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


def finish(
    m: Model,
    st: State,
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


def locked_weight(m: Model, st: State) -> int:
    return sum(m.W[r] for r in range(m.R) if st.locked[r])
