"""The lifecycle of a cooperation project, as plain data and pure functions.

Stages follow the ones officials use: planned → negotiating → signed → construction
started → under construction → in operation → at design capacity. Construction is
optional (a licence, or a move into existing premises, goes from signed straight to
in operation). Paying tax is a milestone an operating project reaches. A project may be
cancelled; it keeps its history. Every operation either returns a new valid state or
raises LifecycleError and changes nothing; dates are never in the future nor before
the milestone they follow; going back needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from haihe.core.errors import InvalidInput
from haihe.core.limits import is_digits

STAGES = (
    "planned",
    "negotiating",
    "signed",
    "construction_started",
    "under_construction",
    "in_operation",
    "at_capacity",
)
PAYING_TAX = "paying_tax"
CANCELLED = "cancelled"
ORDER = {s: i for i, s in enumerate(STAGES)}
NEXT: dict[str, tuple[str, ...]] = {
    "planned": ("negotiating", "signed"),
    "negotiating": ("signed",),
    "signed": ("construction_started", "in_operation"),
    "construction_started": ("under_construction", "in_operation"),
    "under_construction": ("in_operation",),
    "in_operation": ("at_capacity",),
    "at_capacity": (),
}
OPERATING = ("in_operation", "at_capacity")
CONSTRUCTION = ("construction_started", "under_construction")
SIGNED_OR_LATER = STAGES[2:]

# Days a project may stay at a stage before it counts as stalled (configurable).
DEFAULT_STALL_DAYS = {
    "negotiating": 180,
    "signed": 180,
    "construction_started": 365,
    "under_construction": 730,
    "in_operation": 540,
}


class LifecycleError(InvalidInput):
    """An operation the lifecycle refuses; nothing changed."""


@dataclass(frozen=True)
class Milestone:
    kind: str  # a stage, PAYING_TAX or CANCELLED
    on: date
    reverted: bool = False


@dataclass(frozen=True)
class State:
    milestones: tuple[Milestone, ...] = ()

    @property
    def active(self) -> tuple[Milestone, ...]:
        return tuple(m for m in self.milestones if not m.reverted)

    @property
    def stage(self) -> str:
        stages = [m.kind for m in self.active if m.kind in ORDER]
        return stages[-1] if stages else "planned"

    @property
    def stage_on(self) -> date | None:
        dated = [m.on for m in self.active if m.kind in ORDER]
        return dated[-1] if dated else None

    def reached_on(self, kind: str) -> date | None:
        for m in self.active:
            if m.kind == kind:
                return m.on
        return None

    @property
    def signed_on(self) -> date | None:
        for m in self.active:
            if m.kind in SIGNED_OR_LATER:
                return m.on
        return None

    @property
    def paying_tax_on(self) -> date | None:
        return self.reached_on(PAYING_TAX)

    @property
    def cancelled_on(self) -> date | None:
        return self.reached_on(CANCELLED)

    @property
    def last_on(self) -> date | None:
        return self.active[-1].on if self.active else None


def _check_date(state: State, on: date, today: date) -> None:
    if on > today:
        raise LifecycleError("lifecycle.future", date=on.isoformat())
    last = state.last_on
    if last and on < last:
        raise LifecycleError("lifecycle.out_of_order", date=on.isoformat(), last=last.isoformat())


def _not_cancelled(state: State) -> None:
    if state.cancelled_on:
        raise LifecycleError("lifecycle.cancelled")


def advance(state: State, stage: str, on: date, today: date) -> State:
    """Record that the project reached `stage` on `on`."""
    _not_cancelled(state)
    if stage == PAYING_TAX:
        if state.stage not in OPERATING:
            raise LifecycleError("lifecycle.tax_needs_operation", stage=state.stage)
        if state.paying_tax_on:
            raise LifecycleError("lifecycle.already", stage=stage)
        _check_date(state, on, today)
        return replace(state, milestones=(*state.milestones, Milestone(PAYING_TAX, on)))
    if stage not in ORDER:
        raise LifecycleError("lifecycle.unknown_stage", stage=stage)
    if stage not in NEXT[state.stage]:
        raise LifecycleError(
            "lifecycle.not_next",
            stage=stage,
            current=state.stage,
            allowed=", ".join(NEXT[state.stage]) or "—",
        )
    _check_date(state, on, today)
    return replace(state, milestones=(*state.milestones, Milestone(stage, on)))


def go_back(state: State, stage: str, reason: str) -> State:
    """Undo the milestones after `stage` (kept in history, marked reverted); needs a reason."""
    _not_cancelled(state)
    if not reason or not reason.strip():
        raise LifecycleError("lifecycle.reason_needed")
    if stage not in ORDER:
        raise LifecycleError("lifecycle.unknown_stage", stage=stage)
    if ORDER[stage] >= ORDER[state.stage]:
        raise LifecycleError("lifecycle.not_back", stage=stage, current=state.stage)
    reached = {m.kind for m in state.active}
    if stage != "planned" and stage not in reached:
        raise LifecycleError("lifecycle.never_reached", stage=stage)
    out = []
    keep = True
    for m in state.milestones:
        if m.reverted:
            out.append(m)
            continue
        if not keep or (m.kind in ORDER and ORDER[m.kind] > ORDER[stage]):
            keep = False
            out.append(replace(m, reverted=True))
        else:
            out.append(m)
    return State(tuple(out))


def cancel(state: State, on: date, reason: str, today: date) -> State:
    _not_cancelled(state)
    if not reason or not reason.strip():
        raise LifecycleError("lifecycle.reason_needed")
    _check_date(state, on, today)
    return replace(state, milestones=(*state.milestones, Milestone(CANCELLED, on)))


def next_steps(state: State) -> list[str]:
    """What may be recorded next: the stages that may follow, and paying tax once the
    project operates (nothing once it is cancelled)."""
    if state.cancelled_on:
        return []
    steps = list(NEXT[state.stage])
    if state.stage in OPERATING and not state.paying_tax_on:
        steps.append(PAYING_TAX)
    return steps


def back_steps(state: State) -> list[str]:
    """The earlier stages the project may go back to: planned, or a stage it reached."""
    if state.cancelled_on:
        return []
    return [
        s
        for s in STAGES
        if ORDER[s] < ORDER[state.stage] and (s == "planned" or state.reached_on(s))
    ]


def stalled_days(state: State, today: date, thresholds: dict[str, int]) -> int | None:
    """Days past the allowed time at the current stage, or None when not stalled."""
    if state.cancelled_on or state.stage == "at_capacity" or state.stage == "planned":
        return None
    if state.stage == "in_operation" and state.paying_tax_on:
        return None
    limit = thresholds.get(state.stage)
    since = state.stage_on
    if limit is None or since is None:
        return None
    over = (today - since).days - limit
    return over if over > 0 else None


def invariants(state: State, today: date) -> list[str]:
    """What must always hold (checked by the property tests)."""
    problems = []
    active = state.active
    dates = [m.on for m in active]
    if dates != sorted(dates):
        problems.append("dates out of order")
    if any(d > today for d in dates):
        problems.append("date in the future")
    stages = [m.kind for m in active if m.kind in ORDER]
    prev = "planned"
    for s in stages:
        if s not in NEXT[prev]:
            problems.append(f"{prev} → {s} is not a transition")
        prev = s
    if state.paying_tax_on and not any(m.kind in OPERATING for m in active):
        problems.append("paying tax without operation")
    kinds = [m.kind for m in active]
    if kinds.count(CANCELLED) > 1 or (CANCELLED in kinds and kinds[-1] != CANCELLED):
        problems.append("milestone after cancellation")
    return problems


def parse_stall_days(text: str | None) -> dict[str, int]:
    """'signed=180,construction_started=365' → thresholds over the defaults."""
    out = dict(DEFAULT_STALL_DAYS)
    for part in (text or "").split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            if k.strip() in ORDER and is_digits(v.strip()):
                out[k.strip()] = int(v)
    return out
