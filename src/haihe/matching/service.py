"""The matching context's writes: listings (what an organisation offers and seeks) and
their chain segments, users' marks on recommendations, expressions of interest and their
answers, notifications read.

Each change is one do_<verb>_<noun>(session, principal, ...) that checks the principal's
scope (accounts.scopes.can_manage_listings: the organisation's own users, the officers in
whose region or park it is), validates what was typed (a clear message naming the field,
nothing changed), writes in the caller's transaction (audited by audit.recorder) and tells
the partner index what changed (matching.index.note_change), so recommendations follow
an edit without a rebuild.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from haihe.accounts import scopes
from haihe.chains import queries as chains
from haihe.codes import regions
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from haihe.core.limits import clean_text, is_digits
from haihe.matching import queries
from haihe.matching.models import (
    DIRECTIONS,
    KINDS,
    SUBJECTS,
    Interest,
    Listing,
    ListingSegment,
    MatchFeedback,
    Notification,
)
from haihe.registry import queries as registry
from haihe.registry import values

MAX_SEGMENTS = 6  # a listing placed on more is about everything, so about nothing
PLACE_AT = 0.45  # the classifier's confidence needed to propose a segment
BECOMES = ("meeting_request", "lead", "project")


class ListingVersionConflict(Conflict):
    """Someone changed the listing since it was loaded; nothing was overwritten."""


def text(value: object, name: str) -> str | None:
    """A user's text cleaned and bounded by the shared table ("listing.<name>"): invisible
    and control characters removed, refused naming the field when too long. None for
    nothing."""
    return clean_text(value, f"listing.{name}") or None


_TRL = re.compile(r"^\s*(?:trl|技术成熟度|成熟度)?\s*[:：]?\s*(-?\d+)\s*(?:级)?\s*$", re.I)


def maturity(value: object) -> int | None:
    """A technology readiness level 1–9 as people write it (6, "TRL 6", "6级"); None for
    nothing; InvalidInput naming maturity otherwise."""
    if value is None or (isinstance(value, str) and values.is_missing(value)):
        return None
    if isinstance(value, bool):
        raise InvalidInput("listings.maturity_range", field="maturity", value=value)
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        m = _TRL.match(values.clean(value))
        if not m:
            raise InvalidInput("listings.maturity_range", field="maturity", value=str(value)[:40])
        n = int(m.group(1))
    if not 1 <= n <= 9:
        raise InvalidInput("listings.maturity_range", field="maturity", value=n)
    return n


def amount(value: object) -> Decimal | None:
    """Investment in yuan as people type it (500万, 1.2亿元, 5,000,000); None for nothing."""
    if value is None or (isinstance(value, str) and values.is_missing(value)):
        return None
    try:
        parsed = values.parse_capital(value)
    except InvalidInput as exc:
        raise InvalidInput(
            "listings.amount_unreadable", field="amount_yuan", value=str(value)[:40]
        ) from exc
    if parsed is None:
        return None
    yuan, currency = parsed
    if currency != "CNY":
        raise InvalidInput("listings.amount_not_yuan", field="amount_yuan", value=str(value)[:40])
    return yuan


def _codes(value: object, field_name: str) -> str | None:
    """Region preferences: codes or names (滨海新区, Tianjin), kept as codes, comma-separated."""
    raw = text(value, field_name)
    if not raw:
        return None
    out = []
    for part in re.split(r"[,，、;；\s]+", raw):
        if not part:
            continue
        r = regions.get(part) or regions.lookup(part)
        if r is None:
            raise InvalidInput("listings.region_unknown", field=field_name, value=part)
        out.append(r.code)
    return ",".join(dict.fromkeys(out)) or None


def _parks(session: Session, value: object) -> str | None:
    """Park preferences: ids or names, kept as ids, comma-separated."""
    raw = text(value, "park_preference")
    if not raw:
        return None
    out = []
    for part in re.split(r"[,，、;；]+", raw):
        part = part.strip()
        if not part:
            continue
        park = None
        if is_digits(part):
            try:
                park = registry.get_park(session, int(part))
            except NotFound:
                park = None
        else:
            park = registry.find_park(session, part)
        if park is None:
            raise InvalidInput("listings.park_unknown", field="park_preference", value=part)
        out.append(str(park.id))
    return ",".join(dict.fromkeys(out)) or None


@dataclass
class ListingInput:
    """A listing as typed (a form, the API, an import row): validated by the service."""

    organisation_id: int | None
    direction: str
    kind: str
    title: str
    title_en: str | None = None
    abstract: str | None = None
    field: str | None = None
    maturity: object = None  # 1–9, or as typed ("TRL 6")
    ip: str | None = None
    keywords: str | None = None
    amount: object = None  # yuan, or as typed ("500万")
    capacity: str | None = None
    region_preference: str | None = None
    park_preference: str | None = None
    public: bool = True
    # chain segments chosen by the user ("chain/segment"); the classifier's when None
    segments: list[str] | None = None
    is_demo: bool = False


def _organisation(session: Session, org_id: object):  # noqa: ANN202
    if org_id in (None, ""):
        raise InvalidInput("listings.organisation_missing", field="organisation_id")
    try:
        return registry.get_organisation(session, int(org_id))  # type: ignore[arg-type]
    except (NotFound, TypeError, ValueError):
        raise InvalidInput(
            "listings.organisation_unknown", field="organisation_id", value=str(org_id)[:40]
        ) from None


def _may_manage(principal: scopes.Principal, org) -> None:  # noqa: ANN001
    if not scopes.can_manage_listings(principal, org.region_code, org.park_id, org.id):
        raise NotAllowed("listings.not_allowed", organisation=org.name)


def _fields(session: Session, data: ListingInput) -> dict:
    """The listing's columns from what was typed; InvalidInput naming the first bad field."""
    if data.direction not in DIRECTIONS:
        raise InvalidInput("listings.direction_unknown", field="direction", value=data.direction)
    if data.kind not in KINDS:
        raise InvalidInput("listings.kind_unknown", field="kind", value=data.kind)
    title = text(data.title, "title")
    if not title:
        raise InvalidInput("listings.title_missing", field="title")
    out = {
        "direction": data.direction,
        "kind": data.kind,
        "title": title,
        "title_en": text(data.title_en, "title_en"),
        "abstract": text(data.abstract, "abstract") or "",
        "field": text(data.field, "field"),
        "maturity": maturity(data.maturity),
        "ip": text(data.ip, "ip"),
        "keywords": text(data.keywords, "keywords"),
        "amount_yuan": amount(data.amount),
        "capacity": text(data.capacity, "capacity"),
        "region_preference": _codes(data.region_preference, "region_preference"),
        "park_preference": _parks(session, data.park_preference),
        "public": bool(data.public),
    }
    out["search_terms"] = queries.search_terms(
        title, out["title_en"], out["keywords"], out["field"], out["abstract"], out["capacity"]
    )
    if not out["search_terms"].strip():
        raise InvalidInput("listings.no_text", field="title")
    return out


def _parse_segments(session: Session, chosen: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in chosen:
        item = (item or "").strip()
        if not item:
            continue
        chain, _, segment = item.partition("/")
        if not segment:
            raise InvalidInput("listings.segment_unknown", field="segments", value=item[:130])
        try:
            c, s = chains.check_reference(session, chain, segment)
        except InvalidInput:
            raise InvalidInput(
                "listings.segment_unknown", field="segments", value=item[:130]
            ) from None
        if (c, s) not in out:
            out.append((c, s))  # type: ignore[arg-type]
    if len(out) > MAX_SEGMENTS:
        raise InvalidInput("listings.too_many_segments", field="segments", max=MAX_SEGMENTS)
    return out


def _classified(session: Session, listing: Listing, org_kind: str) -> list[ListingSegment]:
    """The segments the chains context's classifier proposes for the listing's text."""
    body = " ".join(x for x in (listing.field, listing.keywords, listing.abstract) if x)
    guesses = chains.classify_text(session, listing.title, body, org_kind)
    return [
        ListingSegment(chain=g.chain, segment=g.segment, confidence=round(g.confidence, 3))
        for g in guesses
        if g.confidence >= PLACE_AT
    ][:MAX_SEGMENTS]


def _set_segments(
    session: Session,
    principal: scopes.Principal,
    listing: Listing,
    chosen: list[tuple[str, str]] | None,
    org_kind: str,
) -> None:
    session.execute(delete(ListingSegment).where(ListingSegment.listing_id == listing.id))
    if chosen is None:
        rows = _classified(session, listing, org_kind)
    else:
        rows = [
            ListingSegment(
                chain=c, segment=s, confirmed=True, confirmed_by=principal.username or None
            )
            for c, s in chosen
        ]
    for row in rows:
        row.listing_id = listing.id
        session.add(row)


def _note(session: Session, listing_id: int) -> None:
    """Tell the partner index the listing changed (it applies the change, no rebuild)."""
    from haihe.matching import index

    index.note_change(session, "listing", listing_id)


def do_create_listing(session: Session, principal: scopes.Principal, data: ListingInput) -> Listing:
    """Publish a listing for an organisation the principal may manage; placed on chain
    segments by the classifier unless the user chose them."""
    org = _organisation(session, data.organisation_id)
    _may_manage(principal, org)
    values_ = _fields(session, data)
    chosen = None if data.segments is None else _parse_segments(session, data.segments)
    listing = Listing(
        organisation_id=org.id,
        created_by=principal.username,
        is_demo=data.is_demo,
        status="open",
        **values_,
    )
    session.add(listing)
    session.flush()
    _set_segments(session, principal, listing, chosen or None, org.kind)
    session.flush()
    _note(session, listing.id)
    return listing


def _editable(session: Session, principal: scopes.Principal, listing_id: int) -> Listing:
    listing = queries.readable_listing(session, principal, listing_id)
    org = registry.get_organisation(session, listing.organisation_id)
    _may_manage(principal, org)
    return listing


def _write(session: Session, listing: Listing, version: int | None) -> None:
    if version is not None and version != listing.version:
        raise ListingVersionConflict("listings.conflict", id=listing.id)
    read = listing.version
    listing.version += 1
    listing.updated_at = datetime.now(UTC)
    try:
        session.flush()
    except StaleDataError:
        raise ListingVersionConflict("listings.conflict", id=listing.id, version=read) from None


def do_update_listing(
    session: Session,
    principal: scopes.Principal,
    listing_id: int,
    data: ListingInput,
    *,
    version: int | None = None,
) -> Listing:
    """Change a listing's text, figures and visibility (its organisation stays); segments
    are proposed again from the new text unless confirmed ones are kept or chosen."""
    listing = _editable(session, principal, listing_id)
    if version is not None and version != listing.version:
        raise ListingVersionConflict("listings.conflict", id=listing.id)
    org = registry.get_organisation(session, listing.organisation_id)
    changes = _fields(session, data)
    text_changed = any(
        getattr(listing, k) != changes[k] for k in ("title", "abstract", "field", "keywords")
    )
    for k, v in changes.items():
        setattr(listing, k, v)
    _write(session, listing, version)
    if data.segments is not None:
        _set_segments(
            session, principal, listing, _parse_segments(session, data.segments), org.kind
        )
    elif text_changed and not queries.confirmed_segments(session, listing.id):
        _set_segments(session, principal, listing, None, org.kind)
    session.flush()
    _note(session, listing.id)
    return listing


def do_set_listing_segments(
    session: Session, principal: scopes.Principal, listing_id: int, chosen: list[str]
) -> Listing:
    """The owner or an officer confirms or changes the chain segments ("chain/segment");
    an empty choice gives the listing back to the classifier."""
    listing = _editable(session, principal, listing_id)
    org = registry.get_organisation(session, listing.organisation_id)
    parsed = _parse_segments(session, chosen)
    _set_segments(session, principal, listing, parsed or None, org.kind)
    _write(session, listing, None)
    _note(session, listing.id)
    return listing


def do_close_listing(
    session: Session, principal: scopes.Principal, listing_id: int, *, reopen: bool = False
) -> Listing:
    """Close a listing (found no more, recommended no more) or open it again."""
    listing = _editable(session, principal, listing_id)
    listing.status = "open" if reopen else "closed"
    _write(session, listing, None)
    _note(session, listing.id)
    return listing


def do_delete_listing(session: Session, principal: scopes.Principal, listing_id: int) -> None:
    """Take a listing away for good (its segments with it); interests that named it keep
    the organisations."""
    listing = _editable(session, principal, listing_id)
    session.execute(delete(ListingSegment).where(ListingSegment.listing_id == listing.id))
    session.delete(listing)
    session.flush()
    _note(session, listing_id)


# --- feedback on recommendations -------------------------------------------------------


def do_mark_recommendation(
    session: Session,
    principal: scopes.Principal,
    subject_kind: str,
    subject_id: int,
    partner_kind: str,
    partner_id: int,
    useful: bool,
    *,
    note: str | None = None,
    rank: int | None = None,
    score: float | None = None,
) -> MatchFeedback:
    """A signed-in user marks a recommendation useful or not (one mark per user and pair:
    marking again changes it)."""
    if not principal.authenticated or principal.user_id is None:
        raise NotAllowed("auth.required")
    if subject_kind not in SUBJECTS or partner_kind not in SUBJECTS:
        raise InvalidInput("listings.subject_unknown", field="subject_kind", value=subject_kind)
    queries.check_subject(session, principal, subject_kind, subject_id)
    queries.check_subject(session, principal, partner_kind, partner_id, field="partner_id")
    found = session.execute(
        select(MatchFeedback).where(
            MatchFeedback.subject_kind == subject_kind,
            MatchFeedback.subject_id == subject_id,
            MatchFeedback.partner_kind == partner_kind,
            MatchFeedback.partner_id == partner_id,
            MatchFeedback.by_user_id == principal.user_id,
        )
    ).scalar_one_or_none()
    if found is None:
        found = MatchFeedback(
            subject_kind=subject_kind,
            subject_id=subject_id,
            partner_kind=partner_kind,
            partner_id=partner_id,
            by=principal.username,
            by_user_id=principal.user_id,
        )
        session.add(found)
    found.useful = bool(useful)
    found.note = clean_text(note, "match.note") or None
    found.rank = rank if rank is None or 1 <= rank <= 10_000 else None
    found.score = score
    found.at = datetime.now(UTC)
    session.flush()
    return found


# --- expressions of interest and notifications -----------------------------------------


def _notify(
    session: Session, organisation_id: int, kind: str, params: dict, link: str | None
) -> None:
    session.add(
        Notification(
            organisation_id=organisation_id,
            kind=kind,
            params=json.dumps(params, ensure_ascii=False),
            link=link,
        )
    )


def do_express_interest(
    session: Session,
    principal: scopes.Principal,
    *,
    to_listing_id: int | None = None,
    to_organisation_id: int | None = None,
    from_listing_id: int | None = None,
    from_organisation_id: int | None = None,
    message: str | None = None,
    is_demo: bool = False,
) -> Interest:
    """Tell another organisation (or the owner of a listing) that the principal's
    organisation is interested: the other side is notified and may accept or decline."""
    if from_listing_id is not None:
        mine = queries.readable_listing(session, principal, from_listing_id)
        from_organisation_id = mine.organisation_id
    if from_organisation_id is None:
        from_organisation_id = principal.organisation_id
    if from_organisation_id is None:
        raise InvalidInput("listings.interest_from_missing", field="from_organisation_id")
    sender = _organisation(session, from_organisation_id)
    _may_manage(principal, sender)
    target_listing = None
    if to_listing_id is not None:
        target_listing = queries.readable_listing(session, principal, to_listing_id)
        to_organisation_id = target_listing.organisation_id
    if to_organisation_id is None:
        raise InvalidInput("listings.interest_to_missing", field="to_listing_id")
    receiver = _organisation(session, to_organisation_id)
    if receiver.id == sender.id:
        raise InvalidInput("listings.interest_self", field="to_listing_id")
    same = session.execute(
        select(Interest.id).where(
            Interest.from_organisation_id == sender.id,
            Interest.to_organisation_id == receiver.id,
            Interest.to_listing_id.is_(None)
            if to_listing_id is None
            else Interest.to_listing_id == to_listing_id,
            Interest.status == "sent",
        )
    ).first()
    if same:
        raise InvalidInput("listings.interest_pending", field="to_listing_id", id=same[0])
    interest = Interest(
        from_organisation_id=sender.id,
        from_listing_id=from_listing_id,
        to_organisation_id=receiver.id,
        to_listing_id=to_listing_id,
        message=clean_text(message, "interest.message") or None,
        status="sent",
        created_by=principal.username,
        is_demo=is_demo,
    )
    session.add(interest)
    session.flush()
    _notify(
        session,
        receiver.id,
        "interest_received_listing" if target_listing else "interest_received",
        {
            "from": sender.name,
            "from_en": sender.name_en or sender.name,
            "listing": target_listing.title if target_listing else "",
        },
        f"/interests/{interest.id}",
    )
    session.flush()
    return interest


def _answerable(session: Session, principal: scopes.Principal, interest_id: int) -> Interest:
    interest = queries.readable_interest(session, principal, interest_id)
    receiver = registry.get_organisation(session, interest.to_organisation_id)
    if not scopes.can_manage_listings(
        principal, receiver.region_code, receiver.park_id, receiver.id
    ):
        raise NotAllowed("listings.answer_not_allowed")
    return interest


def do_answer_interest(
    session: Session, principal: scopes.Principal, interest_id: int, accept: bool
) -> Interest:
    """The other side accepts or declines; the sender is notified."""
    interest = _answerable(session, principal, interest_id)
    if interest.status != "sent":
        raise InvalidInput(
            "listings.interest_answered", field="status", status=interest.status, id=interest.id
        )
    interest.status = "accepted" if accept else "declined"
    interest.answered_at = datetime.now(UTC)
    receiver = registry.get_organisation(session, interest.to_organisation_id)
    _notify(
        session,
        interest.from_organisation_id,
        "interest_accepted" if accept else "interest_declined",
        {"to": receiver.name, "to_en": receiver.name_en or receiver.name},
        f"/interests/{interest.id}",
    )
    session.flush()
    return interest


def do_withdraw_interest(
    session: Session, principal: scopes.Principal, interest_id: int
) -> Interest:
    interest = queries.readable_interest(session, principal, interest_id)
    sender = registry.get_organisation(session, interest.from_organisation_id)
    _may_manage(principal, sender)
    if interest.status != "sent":
        raise InvalidInput(
            "listings.interest_answered", field="status", status=interest.status, id=interest.id
        )
    interest.status = "withdrawn"
    session.flush()
    return interest


def do_record_interest_outcome(
    session: Session, principal: scopes.Principal, interest_id: int, kind: str, made_id: int
) -> Interest:
    """Note what an accepted interest became (a fair meeting request, a lead, a project):
    called by the context that made it, after queries.check_convertible_interest."""
    if kind not in BECOMES:
        raise InvalidInput("listings.became_unknown", field="kind", value=kind)
    interest = queries.check_convertible_interest(session, principal, interest_id)
    interest.became_kind, interest.became_id = kind, made_id
    session.flush()
    return interest


def do_read_notifications(
    session: Session, principal: scopes.Principal, ids: list[int] | None = None
) -> int:
    """Mark the principal's notifications read (those named, or all): how many changed."""
    if not principal.authenticated:
        raise NotAllowed("auth.required")
    cond = queries.notification_scope(principal)
    stmt = update(Notification).where(Notification.read_at.is_(None))
    if cond is not None:
        stmt = stmt.where(cond)
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    result = session.execute(
        stmt.values(read_at=datetime.now(UTC)).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
