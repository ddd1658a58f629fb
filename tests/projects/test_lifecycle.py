"""The lifecycle's rules, and a property: any sequence of operations keeps the invariants
or is refused and changes nothing."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haihe.projects import lifecycle as lc
from haihe.projects.lifecycle import LifecycleError, State

TODAY = date(2024, 2, 8)
D = date(2023, 6, 15)


def test_signed_to_operation_without_construction():
    s = lc.advance(State(), "signed", D, TODAY)
    s = lc.advance(s, "in_operation", D + timedelta(days=30), TODAY)
    assert s.stage == "in_operation"
    s = lc.advance(s, lc.PAYING_TAX, D + timedelta(days=60), TODAY)
    assert s.paying_tax_on == D + timedelta(days=60)


def test_the_usual_path():
    s = State()
    for i, stage in enumerate(
        (
            "negotiating",
            "signed",
            "construction_started",
            "under_construction",
            "in_operation",
            "at_capacity",
        )
    ):
        s = lc.advance(s, stage, D + timedelta(days=i), TODAY)
    assert s.stage == "at_capacity" and s.signed_on == D + timedelta(days=1)


@pytest.mark.parametrize(
    ("ops", "key"),
    [
        ([("signed", D), ("at_capacity", D)], "lifecycle.not_next"),
        (
            [("signed", D), ("construction_started", D - timedelta(days=1))],
            "lifecycle.out_of_order",
        ),
        ([("signed", TODAY + timedelta(days=1))], "lifecycle.future"),
        ([("signed", D), (lc.PAYING_TAX, D)], "lifecycle.tax_needs_operation"),
        ([("signed", D), ("bogus", D)], "lifecycle.unknown_stage"),
    ],
)
def test_refusals_name_the_rule(ops, key):
    s = State()
    with pytest.raises(LifecycleError) as exc:
        for stage, on in ops:
            s = lc.advance(s, stage, on, TODAY)
    assert exc.value.key == key
    assert exc.value.message("zh") and exc.value.message("en")


def test_going_back_needs_a_reason_and_keeps_history():
    s = lc.advance(State(), "signed", D, TODAY)
    s = lc.advance(s, "construction_started", D + timedelta(days=10), TODAY)
    with pytest.raises(LifecycleError):
        lc.go_back(s, "signed", "  ")
    back = lc.go_back(s, "signed", "开工许可被撤销")
    assert back.stage == "signed"
    assert len(back.milestones) == 2 and back.milestones[1].reverted


def test_cancelled_projects_take_no_more_milestones():
    s = lc.cancel(lc.advance(State(), "signed", D, TODAY), D, "投资方撤资", TODAY)
    with pytest.raises(LifecycleError):
        lc.advance(s, "in_operation", TODAY, TODAY)
    assert s.cancelled_on == D and s.signed_on == D


def test_stalled_after_the_configured_days():
    s = lc.advance(State(), "signed", D, TODAY)
    th = lc.parse_stall_days("signed=180")
    assert lc.stalled_days(s, D + timedelta(days=180), th) is None
    assert lc.stalled_days(s, D + timedelta(days=200), th) == 20
    assert lc.parse_stall_days("signed=30,bogus=1,in_operation=x")["signed"] == 30


OPS = st.one_of(
    st.tuples(
        st.just("advance"),
        st.sampled_from([*lc.STAGES, lc.PAYING_TAX, "bogus"]),
        st.integers(-30, 400),
    ),
    st.tuples(st.just("back"), st.sampled_from(lc.STAGES), st.sampled_from(["", "原因"])),
    st.tuples(st.just("cancel"), st.integers(-30, 400), st.sampled_from(["", "原因"])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(OPS, max_size=14))
def test_any_sequence_keeps_the_invariants_or_changes_nothing(ops):
    s = State()
    day = D
    for op in ops:
        before = s
        try:
            if op[0] == "advance":
                day = D + timedelta(days=op[2])
                s = lc.advance(s, op[1], day, TODAY)
            elif op[0] == "back":
                s = lc.go_back(s, op[1], op[2])
            else:
                s = lc.cancel(s, D + timedelta(days=op[1]), op[2], TODAY)
        except LifecycleError:
            assert s is before  # refused: nothing changed
        assert lc.invariants(s, TODAY) == []
        assert len(s.milestones) >= len(before.milestones)  # history is never lost
