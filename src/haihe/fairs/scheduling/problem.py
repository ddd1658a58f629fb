"""What the scheduler is given and what it answers: participants with the slots they are
free in and a quota, weighted requests, locked meetings; a schedule with its bound and
figures. Plain data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from haihe.core.errors import InvalidInput


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
