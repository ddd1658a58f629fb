"""A project's history in words: who (the signed-in user by name and organisation, never
the officer-in-charge field) did what, as a sentence in the reader's language, amounts in
万元/亿元 (million/billion yuan), stages, chains and parks by their names.

Also names the users behind any change for the audit trail's pages (audit.wording), as
projects is the context that can read users, organisations, parks and fairs together."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy.orm import Session

from haihe.accounts import queries as accounts
from haihe.audit import wording as audit_wording
from haihe.audit.wording import ActorName
from haihe.chains.queries import chain_choices
from haihe.codes import regions
from haihe.core.errors import NotFound
from haihe.core.i18n import t
from haihe.core.money import format_yuan
from haihe.fairs import queries as fairs
from haihe.registry import queries as registry


def _region_names(codes: str | None) -> tuple[str, str]:
    found = [regions.get(c) for c in (codes or "").split(",") if c]
    found = [r for r in found if r]
    return "、".join(r.full_name_zh for r in found), ", ".join(r.full_name_en for r in found)


@audit_wording.name_actors_by
def actor_names(session: Session, user_ids: Iterable[int]) -> dict[int, ActorName]:
    """Users by display name, role and where they work (regions, park, organisation, fair)."""
    out: dict[int, ActorName] = {}
    for u in accounts.users_by_id(session, set(user_ids)):
        zh = en = ""
        try:
            if u.role == "regional_officer":
                zh, en = _region_names(u.region_codes)
            elif u.role == "park_manager" and u.park_id:
                park = registry.get_park(session, u.park_id)
                zh, en = park.name, park.name_en or park.name
            elif u.role == "enterprise" and u.organisation_id:
                org = registry.get_organisation(session, u.organisation_id)
                zh, en = org.name, org.name_en or org.name
            elif u.role == "fair_organiser" and u.fair_id:
                fair = fairs.get_fair(session, u.fair_id)
                zh, en = fair.title("zh"), fair.title("en")
        except NotFound:
            pass
        out[u.id] = ActorName(u.display_name or u.username, u.role, zh, en)
    return out


class Names:
    """Chains, segments and parks by name, looked up once per page."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._chains = {c.key: c for c in chain_choices(session)}
        self._parks: dict[int, tuple[str, str]] = {}

    def chain(self, key: str, lang: str) -> str:
        c = self._chains.get(key)
        return c.name(lang) if c else key

    def segment(self, chain: str | None, segment: str, lang: str) -> str:
        c = self._chains.get(chain or "")
        s = c.segment(segment) if c else None
        if s is None:  # the segment's chain changed in the same edit: look in every chain
            s = next(
                (c.segment(segment) for c in self._chains.values() if c.segment(segment)), None
            )
        return s.name(lang) if s else segment

    def park(self, park_id: int, lang: str) -> str:
        if park_id not in self._parks:
            try:
                p = registry.get_park(self.session, int(park_id))
                self._parks[park_id] = (p.name, p.name_en or p.name)
            except (NotFound, TypeError, ValueError):
                self._parks[park_id] = (str(park_id), str(park_id))
        zh, en = self._parks[park_id]
        return en if lang == "en" else zh


MONEY = ("intended_investment", "contracted_investment", "invested_in_place", "amount")


def _value(name: str, value: object, lang: str, names: Names, context: dict) -> str:
    if value is None or value == "":
        return t("history.empty", lang)
    if name in MONEY:
        return format_yuan(Decimal(str(value)), "CNY", lang)
    if name == "chain":
        return names.chain(str(value), lang)
    if name == "segment":
        return names.segment(context.get("chain"), str(value), lang)
    if name == "landing_park_id":
        return names.park(value, lang)  # type: ignore[arg-type]
    if name == "project_type":
        return t(f"ptype.{value}", lang)
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _stage(kind: str, lang: str) -> str:
    return t(f"stage.{kind}", lang)


def sentence(action: str, detail: dict, who: str, lang: str, names: Names) -> str:
    """'李娜 将阶段改为 已投产（2024-05-01）' / 'Li Na changed the stage to In operation
    (2024-05-01)'."""
    d = detail
    if action == "milestone":
        key = "history.paying_tax" if d.get("kind") == "paying_tax" else "history.milestone"
        text = t(key, lang, who=who, stage=_stage(str(d.get("kind")), lang), on=d.get("on", ""))
        if d.get("evidence"):
            text += t("history.evidence", lang, evidence=d["evidence"])
        return text
    if action == "go_back":
        return t(
            "history.go_back",
            lang,
            who=who,
            before=_stage(str(d.get("from")), lang),
            after=_stage(str(d.get("to")), lang),
            reason=d.get("reason") or "—",
        )
    if action == "cancel":
        return t("history.cancel", lang, who=who, on=d.get("on", ""), reason=d.get("reason") or "—")
    if action == "increment":
        text = t(
            "history.increment",
            lang,
            who=who,
            amount=_value("amount", d.get("amount"), lang, names, d),
            on=d.get("on", ""),
        )
        return text + (t("history.note", lang, note=d["note"]) if d.get("note") else "")
    if action == "attachment":
        return t("history.attachment", lang, who=who, file=d.get("file", ""), size=d.get("size", 0))
    if action == "create":
        text = t(
            "history.create",
            lang,
            who=who,
            code=d.get("code", ""),
            title=d.get("title", ""),
            amount=_value("intended_investment", d.get("intended_investment"), lang, names, d),
        )
        if d.get("signed_on"):
            text += t("history.create_signed", lang, on=d["signed_on"])
        return text
    if action == "update":
        before, after = d.get("before") or {}, d.get("after") or {}
        context = {**before, **after}
        parts = [
            t(
                "history.change",
                lang,
                field=t(f"history.field.{k}", lang),
                before=_value(k, before.get(k), lang, names, before),
                after=_value(k, after.get(k), lang, names, context),
            )
            for k in after
        ]
        if not parts:
            return t("history.update_private", lang, who=who)
        return t("history.update", lang, who=who, changes=t("history.joiner", lang).join(parts))
    return t("history.other", lang, who=who, action=t(f"action.{action}", lang))
