"""The one family of errors a user can act on, and how each kind is answered.

Every error a user sees is a `HaiheError`: a message key (looked up in the Chinese and
English catalogues, see core/i18n.py) and the values it names. Raise the kind that says
what went wrong; the web shell and the command line answer it through `http_status` and
`exit_code` below — the one place where kinds meet HTTP statuses and exit codes.

    raise InvalidInput("value.negative", field="employees", value=n)
    raise NotFound("projects.unknown_code", code=code)
    raise NotAllowed("auth.forbidden")
    raise Conflict("chains.version_conflict", chain=key, expected=based_on, found=version)
"""

from __future__ import annotations

from haihe.core.i18n import t


class HaiheError(Exception):
    """An error shown to users as it is (no traceback), in their language."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, lang: str = "zh") -> str:
        return t(self.key, lang, **self.params)

    def details(self, lang: str = "zh") -> list[str]:
        """Each problem on its own (an error about a whole file may name several)."""
        return [self.message(lang)]

    def __reduce__(self):  # noqa: ANN204 - keep kind, key and params between processes
        return (_rebuild, (type(self), self.key, self.params))


def _rebuild(cls: type[HaiheError], key: str, params: dict[str, object]) -> HaiheError:
    return cls(key, **params)


class InvalidInput(HaiheError):
    """Bad input at the edge. `field`, when given, names where (a column, a form field)."""

    @property
    def field(self) -> str | None:
        value = self.params.get("field")
        return None if value is None else str(value)


class NotFound(HaiheError):
    """The thing named does not exist, or the reader may not know that it does."""


class NotAllowed(HaiheError):
    """The principal may not do this (or may see the object but not change it)."""


class AuthRequired(HaiheError):
    """Not signed in: the API answers 401, pages send the visitor to /login."""

    def __init__(self, key: str = "auth.required", /, **params: object) -> None:
        super().__init__(key, **params)


class Conflict(HaiheError):
    """Someone else changed the object since it was read; nothing was overwritten."""


class Unavailable(HaiheError):
    """A tool or resource outside Haihe failed (pg_dump missing, a file unreadable)."""


# Kind → (status of a JSON answer, status of a page, exit code of the command line).
# Most specific kind first. A page answers bad input with 400 and the form's message.
ANSWERS: tuple[tuple[type[HaiheError], int, int, int], ...] = (
    (AuthRequired, 401, 401, 4),
    (NotAllowed, 403, 403, 4),
    (NotFound, 404, 404, 3),
    (Conflict, 409, 409, 5),
    (InvalidInput, 422, 400, 2),
    (Unavailable, 503, 503, 1),
    (HaiheError, 400, 400, 1),
)


def _answer(exc: HaiheError) -> tuple[int, int, int]:
    return next(tuple(row[1:]) for row in ANSWERS if isinstance(exc, row[0]))  # type: ignore[misc]


def http_status(exc: HaiheError, page: bool = False) -> int:
    api, html, _ = _answer(exc)
    return html if page else api


def exit_code(exc: HaiheError) -> int:
    return _answer(exc)[2]
