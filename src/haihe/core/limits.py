"""How long each text field may be, and the one cleaning every text goes through.

One table (`LIMITS`) bounds every text field the same way in the API (pydantic types made
by `Text`), in the forms (`clean_text` in the handler or the service) and in the imports
(`clean_text` on the cell): a field is named "<record>.<field>", its limit is at most the
column's length, and its label (a locale key) names it in words in the message.

    title: Text("project.title")                       # a pydantic field
    title = clean_text(form_value, "project.title")    # a form or an import cell
    name = clean_text(cell, "organisation.name", name=True)

Cleaning (`clean_text`): characters nobody can see (zero-width space, joiners, word
joiner, byte-order mark, soft hyphen) are removed, so two names that look the same are
the same (duplicate detection); control characters other than tab and line breaks are
removed (PostgreSQL refuses NUL); a name (`name=True`) carrying a bidirectional control
(which makes text read differently from how it is stored) is refused; text longer than its
limit is refused with a message naming the field and the limit. Leading and trailing
spaces go. Nothing is truncated silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator

from haihe.core.errors import InvalidInput
from haihe.core.i18n import Words


@dataclass(frozen=True)
class Limit:
    max: int
    label: str  # locale key naming the field in words


NOTES = 10_000  # free text kept in the history for good: notes, descriptions

LIMITS: dict[str, Limit] = {
    # registry
    "organisation.name": Limit(300, "limits.org_name"),
    "organisation.name_en": Limit(300, "limits.org_name_en"),
    "organisation.website": Limit(300, "limits.website"),
    "organisation.address": Limit(500, "limits.address"),
    "organisation.description": Limit(NOTES, "limits.org_description"),
    "park.name": Limit(200, "limits.park_name"),
    "park.name_en": Limit(200, "limits.park_name_en"),
    "park.operator": Limit(200, "limits.park_operator"),
    "park.description": Limit(NOTES, "limits.park_description"),
    # projects
    "project.code": Limit(40, "limits.project_code"),
    "project.title": Limit(300, "limits.project_title"),
    "project.title_en": Limit(300, "limits.project_title_en"),
    "project.officer": Limit(100, "limits.officer"),
    "project.notes": Limit(NOTES, "limits.notes"),
    "project.party_name": Limit(300, "limits.party_name"),
    "project.evidence": Limit(2_000, "limits.evidence"),
    "project.increment_note": Limit(2_000, "limits.increment_note"),
    "project.attachment_name": Limit(255, "limits.attachment_name"),
    # fairs
    "fair.name": Limit(200, "limits.fair_name"),
    "fair.name_en": Limit(200, "limits.fair_name_en"),
    "fair.place": Limit(200, "limits.fair_place"),
    "fair.description": Limit(NOTES, "limits.fair_description"),
    "fair.survey_note": Limit(2_000, "limits.fair_survey_note"),
    "fair.representatives": Limit(2_000, "limits.fair_representatives"),
    "fair.representative": Limit(100, "limits.fair_representative"),
    "fair.table_label": Limit(40, "limits.fair_table_label"),
    "fair.request_note": Limit(2_000, "limits.fair_request_note"),
    "fair.outcome_note": Limit(2_000, "limits.fair_outcome_note"),
    # chains
    "chain.name_zh": Limit(120, "limits.chain_name_zh"),
    "chain.name_en": Limit(200, "limits.chain_name_en"),
    "chain.segment_name": Limit(200, "limits.segment_name"),
    "chain.note": Limit(500, "limits.chain_note"),
    "chain.technology": Limit(200, "limits.technology"),
    # leads
    "lead.notes": Limit(NOTES, "limits.notes"),
    "lead.note": Limit(2_000, "limits.lead_note"),
    "lead.reason": Limit(2_000, "limits.lead_reason"),
    "lead.next_step": Limit(500, "limits.lead_next_step"),
    "lead.officer": Limit(64, "limits.officer"),
    "lead.attachment_name": Limit(255, "limits.attachment_name"),
    # matching: a listing (what an organisation offers or seeks) and its answers
    "listing.title": Limit(300, "limits.listing_title"),
    "listing.title_en": Limit(300, "limits.listing_title_en"),
    "listing.abstract": Limit(20_000, "limits.listing_abstract"),
    "listing.field": Limit(200, "limits.listing_field"),
    "listing.ip": Limit(2_000, "limits.listing_ip"),
    "listing.keywords": Limit(500, "limits.listing_keywords"),
    "listing.capacity": Limit(300, "limits.listing_capacity"),
    "listing.region_preference": Limit(200, "limits.listing_region_preference"),
    "listing.park_preference": Limit(200, "limits.listing_park_preference"),
    "match.note": Limit(500, "limits.match_note"),
    "interest.message": Limit(2_000, "limits.interest_message"),
    # accounts
    "user.username": Limit(64, "limits.username"),
    "user.display_name": Limit(100, "limits.display_name"),
    "token.name": Limit(100, "limits.token_name"),
    # searches
    "search.q": Limit(100, "limits.search"),
}

# Invisible in every font: zero-width space, non-joiner, joiner, word joiner, byte-order
# mark (zero-width no-break space) and the soft hyphen.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), and the marks.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# C0 and C1 controls but tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_invisible(text: str) -> str:
    """`text` without the characters nobody can see (and without control characters)."""
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


def has_bidi_control(text: str) -> bool:
    return _BIDI.search(text) is not None


def limit_of(field: str) -> Limit:
    return LIMITS[field]


def label(field: str) -> Words:
    """The field named in words (in the message's language)."""
    return Words(LIMITS[field].label)


def clean_text(
    value: object, field: str, *, name: bool = False, where: str | None = None
) -> str | None:
    """The text as stored: invisible and control characters gone, spaces trimmed; None
    for None. InvalidInput naming the field when too long or (a name) with a bidi control.

    `where` is the InvalidInput's `field` (the form field or column); the field's
    own name by default."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    limit = LIMITS[field]
    at = where or field.split(".", 1)[1]
    text = strip_invisible(value).strip()
    if name and has_bidi_control(text):
        raise InvalidInput("limits.bidi", field=at, label=Words(limit.label))
    if len(text) > limit.max:
        raise InvalidInput(
            "limits.too_long", field=at, label=Words(limit.label), max=limit.max, n=len(text)
        )
    return text


def Text(field: str, *, name: bool = False):  # noqa: ANN201, N802 - a type, used like one
    """A pydantic string type bounded and cleaned as `clean_text(…, field)`."""
    LIMITS[field]  # a KeyError at import time for a field missing from the table
    return Annotated[str, BeforeValidator(lambda v: clean_text(v, field, name=name))]


_ASCII_DIGITS = re.compile(r"[0-9]+")


def is_digits(text: object) -> bool:
    """Whether `text` is ASCII digits only, as int() reads them. str.isdigit is not that
    check: it accepts superscripts and other digits (²) that int() refuses."""
    return isinstance(text, str) and _ASCII_DIGITS.fullmatch(text) is not None
