"""The local search over a schedule: each slot's meetings form a matching, so a request
is inserted directly, after a Kempe-chain swap (the meetings of two slots along an
alternating path change slots to free a common slot), or by ejecting the meetings in
its way and re-inserting them elsewhere; then agendas are compacted (fewer idle gaps at
equal weight) by moving meetings or swapping whole Kempe components of two slots."""

from __future__ import annotations

import random
import time

from haihe.fairs.scheduling.model import AWAY, FREE, Model, State


class Search:
    """The moves over a schedule under construction, with their random source."""

    def __init__(self, st: State, rng: random.Random, max_chain: int = 60) -> None:
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

    def kempe_from_meeting(self, r: int, s: int, t: int) -> list[int] | None:
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


def swap_sets(search: Search, order: list[int], s: int, t: int) -> None:
    st = search.st
    moves = [(c, t if st.slot_of[c] == s else s) for c in order]
    for c, _ in moves:
        st.unassign(c)
    for c, to in moves:
        st.assign(c, to)


def improve(st: State, m: Model, search: Search, bound: int, deadline: float) -> None:
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


def compact(st: State, m: Model, search: Search, deadline: float) -> None:
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
        comp = search.kempe_from_meeting(r, s, t)
        if not comp:
            continue
        touched = {m.A[c] for c in comp} | {m.B[c] for c in comp}
        old = sum(st.gaps_of(p) for p in touched)
        swap_sets(search, comp, s, t)
        if sum(st.gaps_of(p) for p in touched) >= old:
            st.rollback(mark)
        else:
            idle = 0
        st.log.clear()
    st.log.clear()
