"""Domain events between contexts without imports between them.

A context that changes something others derive data from emits an event; the contexts
that care subscribe (in haihe.models.load_all). E.g. the registry's import emits
"organisations_updated" and the chains context refreshes its members of those
organisations, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable

_LISTENERS: dict[str, list[Callable[..., None]]] = {}


def subscribe(name: str, fn: Callable[..., None]) -> None:
    fns = _LISTENERS.setdefault(name, [])
    if fn not in fns:
        fns.append(fn)


def emit(name: str, *args: object) -> None:
    for fn in _LISTENERS.get(name, ()):
        fn(*args)


def gather(name: str, *args: object) -> list[object]:
    """What each listener of `name` answers (e.g. the preparers of an import's read phase)."""
    return [fn(*args) for fn in _LISTENERS.get(name, ())]
