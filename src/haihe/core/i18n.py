"""Messages in Chinese (first) and English, looked up by key.

Each context keeps its own messages in `<context>/locales/{zh,en}.json` (the shared ones
are in core/locales/), one key per message with `{name}` placeholders; the catalogue of a
language is all of them together. A key may be defined in one file only, and a test checks
both languages have the same keys and placeholders, so no page or error exists in one
language only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LANGUAGES = ("zh", "en")


@lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for package in sorted(resources.files("haihe").iterdir(), key=lambda p: p.name):
        found = package.joinpath("locales", f"{lang}.json")
        if not found.is_file():
            continue
        for key, text in json.loads(found.read_text("utf-8")).items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} is defined twice ({found})")
            merged[key] = text
    return merged


@dataclass(frozen=True)
class Words:
    """A message parameter that is itself a message (a field's name in words): filled in
    in the message's language."""

    key: str

    def message(self, lang: str = "zh") -> str:
        return t(self.key, lang)

    def __str__(self) -> str:
        return t(self.key, "zh")


def _is_message(value: object) -> bool:
    return not isinstance(value, str) and callable(getattr(value, "message", None))


def t(key: str, lang: str = "zh", **params: object) -> str:
    """The message `key` in `lang`, with params filled in; the key itself when unknown."""
    lang = lang if lang in LANGUAGES else "zh"
    # A parameter that is itself a message (Words, an error) is put in the same language.
    params = {k: v.message(lang) if _is_message(v) else v for k, v in params.items()}
    template = catalogue(lang).get(key) or catalogue("zh").get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
