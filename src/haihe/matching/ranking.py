"""Partner ranking: plain functions over plain data (no session, no web).

The types below are the contract between the ranking (`index.py`, `ranking.py`) and the
pages, API, exports and bulk run that show its results (`queries.py`, `service.py`).
A recommendation's score is the sum of its parts, each a number a person can read, and
its reasons say in words (through matching/locales) why the partner was suggested.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The score's parts, in the order they are shown.
PARTS = ("text", "chain", "city", "scale", "preference")


@dataclass(frozen=True)
class Reason:
    """One reason in words: `key` names a message in matching/locales ("reason.<key>"),
    `params` fills it (e.g. {"words": "单克隆抗体、细胞培养"})."""

    key: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchFilters:
    region: str | None = None  # a region code (its districts included)
    park_id: int | None = None
    chain: str | None = None
    segment: str | None = None
    organisation_kind: str | None = None  # registry kinds: enterprise, research, ...
    min_maturity: int | None = None  # technology readiness level 1–9
    partner_kind: str | None = None  # "listing" | "organisation" | None for both
    include_existing: bool = False  # also existing partners and the own group


@dataclass(frozen=True)
class Recommendation:
    partner_kind: str  # "listing" | "organisation"
    partner_id: int
    organisation_id: int  # the partner organisation (the listing's owner)
    score: float
    parts: dict[str, float]  # PARTS → value; they add up to `score`
    reasons: tuple[Reason, ...]
    public: bool = True  # a private listing: shown only to its owner and officers in scope
