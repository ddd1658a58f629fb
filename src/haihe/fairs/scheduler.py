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

This module is the scheduler's one door; its parts live in haihe.fairs.scheduling
(problem, model, bounds, matching, search, solve, check, reschedule).
"""

from __future__ import annotations

from haihe.fairs.scheduling.check import check
from haihe.fairs.scheduling.problem import (
    Meeting,
    Participant,
    Problem,
    Request,
    Schedule,
    request_weight,
)
from haihe.fairs.scheduling.reschedule import reschedule
from haihe.fairs.scheduling.solve import MIP_SIZE, exact, greedy, schedule

__all__ = [
    "MIP_SIZE",
    "Meeting",
    "Participant",
    "Problem",
    "Request",
    "Schedule",
    "check",
    "exact",
    "greedy",
    "request_weight",
    "reschedule",
    "schedule",
]
