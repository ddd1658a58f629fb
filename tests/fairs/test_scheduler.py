"""The fair scheduler on random instances: every schedule keeps every rule, locked
meetings stay, re-scheduling keeps what can stay, never below greedy, small instances
proven optimal against CP-SAT's exact answer, and the bound is never below the optimum."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haihe.core.errors import InvalidInput
from haihe.fairs.scheduler import (
    Meeting,
    Participant,
    Problem,
    Request,
    check,
    exact,
    greedy,
    request_weight,
    reschedule,
    schedule,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw, max_people: int = 7, max_slots: int = 4, with_locked: bool = True):
    n_slots = draw(st.integers(1, max_slots))
    slots = list(range(10, 10 + n_slots))
    tables = draw(st.integers(1, 3))
    n = draw(st.integers(2, max_people))
    people = []
    for pid in range(1, n + 1):
        free = draw(st.sets(st.sampled_from(slots), max_size=n_slots))
        quota = draw(st.one_of(st.none(), st.integers(0, 3)))
        people.append(Participant(pid, frozenset(free), quota))
    pairs = [(a, b) for a in range(1, n + 1) for b in range(a + 1, n + 1)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=14))
    reqs = [
        Request(
            100 + i,
            *(pair if draw(st.booleans()) else pair[::-1]),
            request_weight(mutual=draw(st.booleans()), priority=draw(st.integers(1, 3))),
        )
        for i, pair in enumerate(chosen)
    ]
    problem = Problem(slots=slots, tables=tables, participants=people, requests=reqs)
    if with_locked and reqs:
        # Lock a few meetings of a valid schedule (so that the locks are feasible).
        base = greedy(problem).meetings
        locked = draw(st.lists(st.sampled_from(base), unique=True, max_size=3)) if base else []
        problem = Problem(slots, tables, people, reqs, locked)
    return problem


@SETTINGS
@given(problems())
def test_every_schedule_keeps_every_rule_and_the_locks(problem):
    out = schedule(problem, time_limit=0.05)
    assert check(problem, out.meetings) == []
    assert set(problem.locked) <= set(out.meetings)
    assert out.weight == sum(
        r.weight for r in problem.requests if r.id in {m.request_id for m in out.meetings}
    )
    assert out.weight >= greedy(problem).weight
    assert out.upper_bound >= out.weight


@SETTINGS
@given(problems(max_people=6, max_slots=3))
def test_small_instances_reach_the_exact_optimum_and_the_bound_holds(problem):
    best = exact(problem, time_limit=10)
    assert best.bound_method == "CP-SAT proven optimal"
    assert check(problem, best.meetings) == []
    out = schedule(problem, time_limit=0.3)
    assert out.upper_bound >= best.weight  # the bound is valid
    assert out.weight == best.weight
    if out.proven_optimal:
        assert out.upper_bound == best.weight


@SETTINGS
@given(problems(max_people=6, max_slots=3))
def test_the_slot_mip_keeps_the_rules_and_a_valid_bound(problem):
    # The MIP the scheduler runs when tables bind (1 to 3 tables here), on its own.
    from haihe.fairs.scheduling.matching import slot_mip
    from haihe.fairs.scheduling.model import Model, finish, start_state

    best = exact(problem, time_limit=10)
    m = Model(problem)
    state, fixed = start_state(m, problem.locked)
    chosen, bound, optimal = slot_mip(m, state, 10)
    assert optimal and chosen is not None
    for r, s in chosen.items():
        state.assign(r, s)
    out = finish(m, state, fixed, bound, "mip", 0.0)
    assert check(problem, out.meetings) == []
    assert bound >= best.weight == out.weight


@SETTINGS
@given(problems(with_locked=False), st.data())
def test_rescheduling_keeps_every_meeting_that_can_stay(problem, data):
    first = schedule(problem, time_limit=0.05)
    ids = [p.id for p in problem.participants]
    leaving = data.draw(st.sets(st.sampled_from(ids), max_size=1))
    cancelled = data.draw(st.sets(st.sampled_from([r.id for r in problem.requests] or [0])))
    people = []
    for p in problem.participants:
        if p.id in leaving:
            continue
        # Someone becomes unavailable in one more slot.
        lost = data.draw(st.sets(st.sampled_from(sorted(p.slots) or [0]), max_size=1))
        people.append(Participant(p.id, p.slots - lost, p.quota))
    here = {p.id for p in people}
    reqs = [r for r in problem.requests if r.id not in cancelled and r.a in here and r.b in here]
    if len(here) >= 2:
        a, b = sorted(here)[:2]
        if not any({r.a, r.b} == {a, b} for r in reqs):
            reqs.append(Request(999, a, b, request_weight(mutual=True, priority=3)))
    changed = Problem(problem.slots, problem.tables, people, reqs)
    out = reschedule(changed, first.meetings, time_limit=0.05)
    assert check(changed, out.meetings) == []
    by_id = {r.id: r for r in reqs}
    avail = {p.id: p.slots for p in people}
    can_stay = [
        mt
        for mt in first.meetings
        if mt.request_id in by_id
        and mt.slot in avail[by_id[mt.request_id].a]
        and mt.slot in avail[by_id[mt.request_id].b]
    ]
    assert set(can_stay) <= set(out.meetings)
    assert sorted(mt.request_id for mt in can_stay) == out.kept
    before = {mt.request_id: mt for mt in first.meetings}
    after = {mt.request_id: mt for mt in out.meetings}
    assert out.removed == sorted(set(before) - set(after))
    assert out.added == sorted(set(after) - set(before))
    assert out.moved == sorted(r for r in set(before) & set(after) if before[r] != after[r])
    assert not set(out.moved) & set(out.kept)


def _two_slot_kempe_case() -> Problem:
    # Greedy puts 1-2 in slot 1 and 3-4 in the less used slot 2; then 2-3 has no common
    # free slot. Swapping 1-2 to slot 2 (a Kempe chain) makes room in slot 1.
    people = [Participant(i, frozenset({1, 2})) for i in range(1, 5)]
    reqs = [Request(1, 1, 2, 6), Request(2, 3, 4, 6), Request(3, 2, 3, 5)]
    return Problem(slots=[1, 2], tables=2, participants=people, requests=reqs)


def test_the_search_beats_greedy_where_slots_must_be_swapped():
    problem = _two_slot_kempe_case()
    g = greedy(problem)
    out = schedule(problem, time_limit=0.5)
    assert check(problem, out.meetings) == []
    assert out.weight == 17 and out.proven_optimal
    assert g.weight < out.weight


def test_check_names_every_broken_rule():
    problem = _two_slot_kempe_case()
    bad = [
        Meeting(1, 1, 1),
        Meeting(2, 1, 1),  # table 1 twice
        Meeting(3, 1, 2),  # participant 2 twice in slot 1, 3 meetings for 2 tables
        Meeting(3, 3, 9),  # no slot 3, no table 9, request 3 twice
    ]
    errors = check(problem, bad)
    assert any("participant 2 in two meetings" in e for e in errors)
    assert any("table 1 twice" in e for e in errors)
    assert any("unknown slot 3" in e for e in errors)
    assert any("unknown table 9" in e for e in errors)
    assert any("3 meetings in slot 1 for 2 tables" in e for e in errors)
    assert any("request 3 scheduled twice" in e for e in errors)
    limited = Problem(
        [1, 2],
        1,
        [Participant(1, frozenset({1}), quota=0), Participant(2, frozenset({1, 2}))],
        [Request(1, 1, 2, 3)],
        locked=[Meeting(1, 1, 1)],
    )
    errors = check(limited, [Meeting(1, 2, 1)])
    assert any("participant 1 not available in slot 2" in e for e in errors)
    assert any("quota 0" in e for e in errors)
    assert any("locked meeting" in e for e in errors)


@pytest.mark.parametrize(
    ("problem", "key"),
    [
        (
            Problem([1], 1, [Participant(1, frozenset({1}))], [Request(1, 1, 2, 1)]),
            "unknown_participant",
        ),
        (Problem([1], 1, [Participant(1, frozenset({1}))], [Request(1, 1, 1, 1)]), "self_request"),
        (Problem([1], 1, [Participant(1, frozenset({7}))], []), "unknown_slot"),
        (
            Problem(
                [1],
                1,
                [Participant(1, frozenset({1})), Participant(2, frozenset())],
                [Request(1, 1, 2, 1)],
                locked=[Meeting(1, 1, 1)],
            ),
            "locked_clash",
        ),
        (
            Problem(
                [1],
                1,
                [Participant(i, frozenset({1})) for i in (1, 2, 3, 4)],
                [Request(1, 1, 2, 1), Request(2, 3, 4, 1)],
                locked=[Meeting(1, 1, 1), Meeting(2, 1, 1)],
            ),
            "locked_table",
        ),
    ],
)
def test_bad_input_is_refused_with_its_reason(problem, key):
    with pytest.raises(InvalidInput) as err:
        schedule(problem, time_limit=0.05)
    assert err.value.key == f"fairs.schedule_{key}"
    assert "schedule_" not in err.value.message("zh")


def test_weights_put_mutual_above_one_sided():
    one_sided = [request_weight(mutual=False, priority=p) for p in (1, 2, 3)]
    mutual = [request_weight(mutual=True, priority=p) for p in (1, 2, 3)]
    assert one_sided == sorted(one_sided) and mutual == sorted(mutual)
    assert max(one_sided) < min(mutual)
    with pytest.raises(InvalidInput):
        request_weight(mutual=True, priority=4)


def test_compact_agendas_at_equal_weight():
    # One participant meets three others; slots 1..4 free for all: no idle gap needed.
    people = [Participant(i, frozenset({1, 2, 3, 4})) for i in range(1, 5)]
    reqs = [Request(i, 1, i + 1, 2) for i in range(1, 4)]
    out = schedule(Problem([1, 2, 3, 4], 4, people, reqs), time_limit=0.3)
    assert out.weight == 6 and out.idle_gaps == 0
    slots = sorted(mt.slot for mt in out.meetings)
    assert slots[-1] - slots[0] == 2
