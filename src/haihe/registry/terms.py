"""Words to search an organisation by: its names, English name, business scope and
products, and its region, segmented with jieba (rjieba, the Rust port) so that a word of
the business scope such as 单克隆抗体 or CAR-T is found, and several words may be given at
once (each must match, in any order).

Plain functions over text: the registry stores `terms_for(...)` in the organisation's
`search_terms` column (an FTS5 table on SQLite, a tsvector GIN index on PostgreSQL index
it) and turns a query into the terms each word needs with `query_words`.
"""

from __future__ import annotations

import re
import unicodedata

import rjieba

from haihe.codes import regions
from haihe.core.limits import is_digits

# Anything that is not a letter, digit or CJK character separates words (both backends'
# tokenisers split there too), so "CAR-T" is stored and asked for as "car t".
_SEPARATOR = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"^[0-9a-z]+$")
MAX_WORDS = 8


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    return [t for t in _SEPARATOR.split(" ".join(rjieba.cut_for_search(folded))) if t]


def region_words(code: str | None) -> str:
    """The names of a region and of the divisions it lies in (天津市 滨海新区 滨海)."""
    r = regions.get(code) if code else None
    if r is None:
        return ""
    names = [r.name_zh, r.short_zh, r.name_en]
    for a in regions.ancestors(r.code):
        names += [a.name_zh, a.short_zh, a.name_en]
    return " ".join(n for n in names if n)


def terms_for(
    name: str | None,
    name_en: str | None = None,
    description: str | None = None,
    region_code: str | None = None,
) -> str:
    """The space-separated, de-duplicated words an organisation is found by."""
    text = " ".join(
        p for p in (name, name_en, (description or "")[:4000], region_words(region_code)) if p
    )
    return " ".join(dict.fromkeys(_tokens(text)))


def query_words(q: str) -> list[list[tuple[str, bool]]]:
    """Per word of the query (split at spaces), the terms an organisation must all have:
    (term, prefix) — a Latin term of three letters or more matches as a prefix (Natong,
    Nat). A word is
    split into its smallest dictionary words (生物医药 → 生物, 医药), which every text
    holding the word holds too, however it was segmented."""
    words = []
    for word in unicodedata.normalize("NFKC", q).split()[:MAX_WORDS]:
        tokens = list(dict.fromkeys(_tokens(word)))
        smallest = [t for t in tokens if not any(o != t and o in t for o in tokens)]
        if smallest:
            words.append(
                [(t, bool(_LATIN.match(t)) and len(t) >= 3 and not is_digits(t)) for t in smallest]
            )
    return words
