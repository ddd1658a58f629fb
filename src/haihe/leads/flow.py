"""A lead's status rules, as plain functions over plain data.

new → contacted → visited → negotiating → signed, or dropped (with its reason) from any
open status. Steps forward may skip a status; a step backwards (including reopening a
dropped lead) needs a reason; a converted lead stays signed. Each step is dated: not in
the future, not before the previous step. A next step's date may not lie in the past.
"""

from __future__ import annotations

from datetime import date

from haihe.core.errors import InvalidInput
from haihe.core.i18n import t

STATUSES = ("new", "contacted", "visited", "negotiating", "signed", "dropped")
OPEN = ("new", "contacted", "visited", "negotiating")
SIGNED, DROPPED = "signed", "dropped"
NEXT_STEP_YEARS = 5  # a next step further off is a typing error, not a plan
RANK = {s: i for i, s in enumerate(STATUSES[:-1])}


class StatusRefused(InvalidInput):
    """A refused step: its message names the statuses in the reader's language."""

    def message(self, lang: str = "zh") -> str:
        named = {
            k: t(f"leads.status.{v}", lang) if k in ("status", "current") else v
            for k, v in self.params.items()
        }
        return t(self.key, lang, **named)


def needs_reason(current: str, target: str) -> bool:
    """Whether going from `current` to `target` needs a reason: dropping, or going back."""
    if target == DROPPED:
        return True
    if current == DROPPED:
        return True  # reopening
    return RANK[target] < RANK[current]


def check_step(
    current: str,
    target: str,
    on: date,
    last_on: date | None,
    today: date,
    *,
    reason: str | None = None,
    converted: bool = False,
) -> None:
    """Raise InvalidInput naming what is wrong with moving a lead to `target` on `on`."""
    if target not in STATUSES:
        raise InvalidInput("leads.status_unknown", field="status", value=target)
    if target == current:
        raise StatusRefused("leads.status_same", field="status", status=target)
    if converted:
        raise InvalidInput("leads.converted_stays", field="status")
    if needs_reason(current, target) and not (reason or "").strip():
        key = "leads.drop_needs_reason" if target == DROPPED else "leads.back_needs_reason"
        raise StatusRefused(key, field="reason", status=target, current=current)
    if on > today:
        raise InvalidInput("leads.date_future", field="on", date=on.isoformat())
    if last_on is not None and on < last_on:
        raise InvalidInput(
            "leads.date_before_last", field="on", date=on.isoformat(), last=last_on.isoformat()
        )


def check_next_step(on: date | None, text: str | None, today: date) -> None:
    """A next step needs what and when; its date may not lie in the past."""
    if on is None and not (text or "").strip():
        return
    if not (text or "").strip():
        raise InvalidInput("leads.next_step_missing", field="next_step")
    if on is None:
        raise InvalidInput("leads.next_step_date_missing", field="next_step_on")
    if on < today:
        raise InvalidInput("leads.next_step_past", field="next_step_on", date=on.isoformat())
    if on > today.replace(year=today.year + NEXT_STEP_YEARS, day=min(today.day, 28)):
        raise InvalidInput(
            "leads.next_step_far", field="next_step_on", date=on.isoformat(), years=NEXT_STEP_YEARS
        )


def is_overdue(status: str, next_step_on: date | None, today: date) -> bool:
    """An open lead whose next step's date has passed."""
    return status in OPEN and next_step_on is not None and next_step_on < today


def next_statuses(current: str, converted: bool = False) -> list[str]:
    """The statuses a lead may be moved to from `current` (backwards ones need a reason)."""
    if converted:
        return []
    others = [s for s in STATUSES if s != current]
    return sorted(others, key=lambda s: (needs_reason(current, s), STATUSES.index(s)))
