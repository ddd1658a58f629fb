"""Messages in Chinese (first) and English, looked up by key.

Catalogues live in core/locales/{zh,en}.json, one key per message with
`{name}` placeholders; a test checks both catalogues have the same keys and
placeholders, so no page or error exists in one language only.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

LANGUAGES = ("zh", "en")


@lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files("haihe.core").joinpath(f"locales/{lang}.json").read_text("utf-8")
    return json.loads(text)


def t(key: str, lang: str = "zh", **params: object) -> str:
    """The message `key` in `lang`, with params filled in; the key itself when unknown."""
    lang = lang if lang in LANGUAGES else "zh"
    template = catalogue(lang).get(key) or catalogue("zh").get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


class Problem(ValueError):
    """A user-facing problem with a message key, readable in either language."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, lang: str = "zh") -> str:
        return t(self.key, lang, **self.params)

    def __reduce__(self):  # noqa: ANN204 - keep key and params when sent between processes
        return (_problem, (self.key, self.params))


def _problem(key: str, params: dict[str, object]) -> Problem:
    return Problem(key, **params)
