"""Errors a user can act on. Each names what was wrong and where."""

from __future__ import annotations


class HaiheError(Exception):
    """Base of errors shown to users as they are (no traceback)."""


class NotFound(HaiheError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} not found: {key}")
        self.what = what
        self.key = key


class InvalidInput(HaiheError):
    """Bad input at the edge: `field` names where, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
