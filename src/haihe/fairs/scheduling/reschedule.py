"""Scheduling again after changes, keeping every previous meeting that can stay."""

from __future__ import annotations

from collections.abc import Sequence

from haihe.fairs.scheduling.model import Model, start_state
from haihe.fairs.scheduling.problem import Meeting, Problem, Schedule
from haihe.fairs.scheduling.solve import schedule


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
    m = Model(problem)
    st, _ = start_state(m, problem.locked)
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


def _weight_of(m: Model, mt: Meeting) -> int:
    r = m.rindex.get(mt.request_id)
    return 0 if r is None else m.W[r]
