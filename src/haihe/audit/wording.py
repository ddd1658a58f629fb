"""Who did what, in words: the actor of a change named by display name and organisation,
and an audit entry as a sentence (field names and stored JSON never reach a page).

The audit trail knows users only by id and username (it sits below accounts); the context
that can name them (their organisation, park, regions, fair) registers a namer here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from haihe.core.i18n import t
from haihe.core.money import format_yuan


@dataclass(frozen=True)
class ActorName:
    """A user as pages name them: '天津市工信局（区域主管部门 · 天津市）'."""

    name: str
    role: str | None = None
    where_zh: str = ""
    where_en: str = ""

    def label(self, lang: str) -> str:
        where = self.where_en if lang == "en" else self.where_zh
        parts = [t(f"role_name.{self.role}", lang)] if self.role else []
        parts += [where] if where else []
        if not parts:
            return self.name
        if lang == "en":
            return f"{self.name} ({', '.join(parts)})"
        return f"{self.name}（{' · '.join(parts)}）"


Namer = Callable[[Session, Iterable[int]], dict[int, ActorName]]
_NAMERS: list[Namer] = []


def name_actors_by(namer: Namer) -> Namer:
    """Register the function that names users by id (the last one registered wins)."""
    if namer not in _NAMERS:
        _NAMERS.append(namer)
    return namer


def actor_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, ActorName]:
    ids = {i for i in user_ids if i is not None}
    if not ids or not _NAMERS:
        return {}
    return _NAMERS[-1](session, ids)


def actor_label(
    names: dict[int, ActorName], user_id: int | None, username: str | None, lang: str
) -> str:
    """The signed-in user who acted, by name and organisation; the command line's operator,
    the demo builder and the system by what they are."""
    if user_id is not None and user_id in names:
        return names[user_id].label(lang)
    if username and username.startswith("cli:"):
        return t("audit.actor_cli", lang, operator=username[4:])
    if username in ("demo", "system"):
        return t(f"audit.actor_{username}", lang)
    return username or "—"


def actor_short(
    names: dict[int, ActorName], user_id: int | None, username: str | None, lang: str
) -> str:
    """The actor's name alone, to start a sentence with."""
    if user_id is not None and user_id in names:
        return names[user_id].name
    return actor_label(names, user_id, username, lang)


# Audit entries as sentences ---------------------------------------------------------------

# Fields never shown: bookkeeping and derived copies.
HIDDEN = {
    "id",
    "version",
    "updated_at",
    "created_at",
    "name_norm",
    "content_hash",
    "definition",
    "origin_province",
    "landing_province",
    "recorded_at",
    "uploaded_at",
    "password_hash",
    "token_hash",
    "data",
    "search_terms",  # derived words for search, not a fact anyone edits
    "sequence",  # a calendar event's revision counter
}
MONEY = {"intended_investment", "contracted_investment", "invested_in_place", "amount"}
IDENTIFYING = ("code", "title", "name", "key", "username", "filename", "kind")
STAGE_FIELDS = {"stage", "kind"}


def field_label(name: str, lang: str) -> str:
    key = f"audit.field.{name}"
    text = t(key, lang)
    return t("audit.field.other", lang) if text == key else text


def value_text(name: str, value: object, lang: str) -> str:
    if value is None or value == "":
        return t("audit.empty", lang)
    if isinstance(value, bool):
        return t("audit.yes" if value else "audit.no", lang)
    if name in MONEY or name == "registered_capital":
        try:
            return format_yuan(Decimal(str(value)), "CNY", lang)
        except InvalidOperation:
            return str(value)
    if name in STAGE_FIELDS or name == "stage":
        key = f"stage.{value}"
        text = t(key, lang)
        return str(value) if text == key else text
    if name == "status":
        key = f"leads.status.{value}"
        text = t(key, lang)
        return str(value) if text == key else text
    if name == "project_type":
        key = f"ptype.{value}"
        text = t(key, lang)
        return str(value) if text == key else text
    if name == "role":
        key = f"role_name.{value}"
        text = t(key, lang)
        if text == key:
            other = t(f"role.{value}", lang)
            return str(value) if other == f"role.{value}" else other
        return text
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


@dataclass(frozen=True)
class Described:
    who: str
    sentence: str
    details: list[str]


def describe(
    action: str,
    object_type: str,
    object_id: str | None,
    changes: dict,
    who_short: str,
    lang: str,
) -> Described:
    """'李娜 修改了 项目 12' with details '阶段：已签约 → 已开工'."""
    kind = t(f"audit.type.{object_type}", lang)
    if kind == f"audit.type.{object_type}":
        kind = t("audit.type.other", lang)
    verb_key = f"audit.verb.{action}"
    verb = t(verb_key, lang)
    if verb == verb_key:
        verb = t("audit.verb.other", lang)
    details: list[str] = []
    sep = ": " if lang == "en" else "："
    if action == "update":
        for name, pair in changes.items():
            if name in HIDDEN or not isinstance(pair, list) or len(pair) != 2:
                continue
            before, after = (value_text(name, v, lang) for v in pair)
            details.append(f"{field_label(name, lang)}{sep}{before} → {after}")
    elif action in ("create", "delete"):
        for name in IDENTIFYING:
            if changes.get(name) not in (None, ""):
                details.append(
                    f"{field_label(name, lang)}{sep}{value_text(name, changes[name], lang)}"
                )
                break
    else:
        for name, value in changes.items():
            if name in HIDDEN or isinstance(value, (dict, list)):
                continue
            details.append(f"{field_label(name, lang)}{sep}{value_text(name, value, lang)}")
    number = f" {object_id}" if object_id else ""
    if lang == "en":
        sentence = f"{who_short} {verb} {kind}{number}"
    else:
        sentence = f"{who_short} {verb}{kind}{number}"
    return Described(who_short, sentence, details)
