"""The matching context's read side: listings as each reader may see them, the partners
recommended to a listing or an organisation (through matching.index) with their reasons
in words, expressions of interest, notifications, and the figures of users' marks.

A private listing is matched like any other but shown only to its owner and the officers
in whose scope the owner is (accounts.scopes.can_read_listing): to anyone else its id is
unknown (404) and it is left out of lists, totals and recommendations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotFound
from haihe.core.i18n import t
from haihe.core.limits import clean_text
from haihe.matching import text
from haihe.matching.models import (
    DIRECTIONS,
    KINDS,
    Interest,
    Listing,
    ListingSegment,
    MatchFeedback,
    Notification,
)
from haihe.matching.ranking import PARTS, MatchFilters, Reason, Recommendation
from haihe.registry import queries as registry

MIN_QUERY = 2  # a one-character query finds everything and nothing


# --- words -----------------------------------------------------------------------------


def simplified(text_: str) -> str:
    """Traditional characters as simplified (資訊安全 → 资讯安全), so both find the same."""
    return text.simplify(text_)


def words(text_: str) -> list[str]:
    """The words of a text as it is searched and matched (matching.text)."""
    return text.words(text_)


def search_terms(
    title: str, title_en: str | None, keywords: str | None, field: str | None,
    abstract: str | None, capacity: str | None,
) -> str:  # fmt: skip
    """The words a listing is found and matched by, as the ranking reads them."""
    return text.listing_terms(
        title=title, title_en=title_en, keywords=keywords, field=field, abstract=abstract,
        capacity=capacity,
    )  # fmt: skip


def check_query(q: str | None) -> str | None:
    """A search text: None for nothing; InvalidInput for one character (or only spaces and
    signs); cleaned and bounded otherwise."""
    cleaned = clean_text(q, "search.q", where="q")
    if not cleaned:
        return None
    if len([c for c in cleaned if c.isalnum()]) < MIN_QUERY:
        raise InvalidInput("matching.query_too_short", field="q")
    return cleaned


# --- listings --------------------------------------------------------------------------


def _org(session: Session, org_id: int):  # noqa: ANN202
    return registry.get_organisation(session, org_id)


def get_listing(session: Session, listing_id: int) -> Listing:
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound("listings.listing_not_found", field="listing_id", id=listing_id)
    return listing


def may_read(session: Session, principal: scopes.Principal, listing: Listing) -> bool:
    if listing.public:
        return True
    org = _org(session, listing.organisation_id)
    return scopes.can_read_listing(principal, False, org.region_code, org.park_id, org.id)


def may_manage(session: Session, principal: scopes.Principal, listing: Listing) -> bool:
    org = _org(session, listing.organisation_id)
    return scopes.can_manage_listings(principal, org.region_code, org.park_id, org.id)


def readable_listing(session: Session, principal: scopes.Principal, listing_id: int) -> Listing:
    """The listing if `principal` may see it; NotFound otherwise (existence not leaked)."""
    listing = get_listing(session, listing_id)
    if not may_read(session, principal, listing):
        raise NotFound("listings.listing_not_found", field="listing_id", id=listing_id)
    return listing


def segments_of(session: Session, listing_id: int) -> list[ListingSegment]:
    return list(
        session.execute(
            select(ListingSegment)
            .where(ListingSegment.listing_id == listing_id)
            .order_by(ListingSegment.confirmed.desc(), ListingSegment.confidence.desc())
        ).scalars()
    )


def confirmed_segments(session: Session, listing_id: int) -> list[ListingSegment]:
    return [s for s in segments_of(session, listing_id) if s.confirmed]


def _within(column, code: str) -> ColumnElement[bool]:  # noqa: ANN001
    lo, hi = registry.region_range(code)
    return (column >= lo) & (column < hi)


def private_scope(principal: scopes.Principal) -> ColumnElement[bool]:
    """SQL: the listings `principal` may read (public ones, and the private ones of the
    organisations in their scope) — the rule of scopes.can_read_listing for lists."""
    if principal.is_admin:
        return true()
    orgs = registry.organisation_facts()
    mine: list[ColumnElement[bool]] = [Listing.public.is_(True)]
    if principal.role == "enterprise" and principal.organisation_id is not None:
        mine.append(Listing.organisation_id == principal.organisation_id)
    elif principal.role == "regional_officer" and principal.region_codes:
        inside = or_(*(_within(orgs.c.region_code, r) for r in principal.region_codes))
        mine.append(Listing.organisation_id.in_(select(orgs.c.id).where(inside)))
    elif principal.role == "park_manager" and principal.park_id is not None:
        mine.append(
            Listing.organisation_id.in_(
                select(orgs.c.id).where(orgs.c.park_id == principal.park_id)
            )
        )
    return or_(*mine)


@dataclass(frozen=True)
class ListingFilter:
    q: str | None = None
    direction: str | None = None
    kind: str | None = None
    chain: str | None = None
    segment: str | None = None
    region: str | None = None  # the owner's region, its districts included
    park_id: int | None = None
    organisation_kind: str | None = None
    min_maturity: int | None = None
    organisation_id: int | None = None
    status: str | None = "open"  # "open", "closed" or None for both


def listing_filter(
    *,
    q: str | None = None,
    direction: str | None = None,
    kind: str | None = None,
    chain: str | None = None,
    segment: str | None = None,
    region: str | None = None,
    park_id: int | None = None,
    organisation_kind: str | None = None,
    min_maturity: int | None = None,
    organisation_id: int | None = None,
    status: str | None = "open",
) -> ListingFilter:
    """A filter from what a user typed; InvalidInput naming a bad region, kind or level."""
    if direction and direction not in DIRECTIONS:
        raise InvalidInput("listings.direction_unknown", field="direction", value=direction)
    if kind and kind not in KINDS:
        raise InvalidInput("listings.kind_unknown", field="kind", value=kind)
    reg = None
    if region:
        r = regions.get(region) or regions.lookup(region)
        if r is None:
            raise InvalidInput("listings.region_unknown", field="region", value=region)
        reg = r.code
    if min_maturity is not None and not 1 <= min_maturity <= 9:
        raise InvalidInput("listings.maturity_range", field="min_maturity", value=min_maturity)
    return ListingFilter(
        q=check_query(q),
        direction=direction or None,
        kind=kind or None,
        chain=chain or None,
        segment=segment or None,
        region=reg,
        park_id=park_id,
        organisation_kind=organisation_kind or None,
        min_maturity=min_maturity,
        organisation_id=organisation_id,
        status=status if status in ("open", "closed") else None,
    )


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def conditions(principal: scopes.Principal, f: ListingFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [private_scope(principal)]
    orgs = registry.organisation_facts()
    if f.status:
        conds.append(Listing.status == f.status)
    if f.direction:
        conds.append(Listing.direction == f.direction)
    if f.kind:
        conds.append(Listing.kind == f.kind)
    if f.organisation_id is not None:
        conds.append(Listing.organisation_id == f.organisation_id)
    if f.min_maturity is not None:
        conds.append(Listing.maturity >= f.min_maturity)
    if f.chain:
        seg = select(ListingSegment.listing_id).where(ListingSegment.chain == f.chain)
        if f.segment:
            seg = seg.where(ListingSegment.segment == f.segment)
        conds.append(Listing.id.in_(seg))
    org_conds = []
    if f.region:
        org_conds.append(_within(orgs.c.region_code, f.region))
    if f.park_id is not None:
        org_conds.append(orgs.c.park_id == f.park_id)
    if f.organisation_kind:
        org_conds.append(orgs.c.kind == f.organisation_kind)
    if org_conds:
        conds.append(Listing.organisation_id.in_(select(orgs.c.id).where(*org_conds)))
    if f.q:
        for w in words(f.q)[:8] or [simplified(f.q).lower()]:
            conds.append(
                or_(
                    Listing.search_terms.like(_like(w), escape="\\"),
                    func.lower(Listing.title).like(_like(w), escape="\\"),
                )
            )
    return conds


@dataclass
class ListingRow:
    listing: Listing
    organisation_name: str
    organisation_name_en: str | None
    region_code: str | None
    segments: list[ListingSegment]


def list_listings(
    session: Session,
    principal: scopes.Principal,
    f: ListingFilter,
    *,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[ListingRow], int]:
    """The listings the reader may see matching `f`, newest first, and how many."""
    conds = conditions(principal, f)
    total = session.execute(select(func.count(Listing.id)).where(*conds)).scalar_one()
    items = list(
        session.execute(
            select(Listing)
            .where(*conds)
            .order_by(Listing.updated_at.desc(), Listing.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).scalars()
    )
    return [row(session, x) for x in items], total


def row(session: Session, listing: Listing) -> ListingRow:
    org = _org(session, listing.organisation_id)
    return ListingRow(
        listing, org.name, org.name_en, org.region_code, segments_of(session, listing.id)
    )


def iter_listings(session: Session, principal: scopes.Principal, f: ListingFilter):  # noqa: ANN201
    """Every listing the reader may see matching `f` (for the export), oldest first."""
    yield from session.execute(
        select(Listing).where(*conditions(principal, f)).order_by(Listing.id)
    ).scalars()


# --- recommendations -------------------------------------------------------------------


@dataclass(frozen=True)
class PartView:
    key: str
    label: str
    value: float


@dataclass
class RecommendationView:
    """A recommendation as a page or the API shows it: the partner named, the score in
    its parts with their labels, the reasons in the reader's language."""

    rank: int
    partner_kind: str
    partner_id: int
    organisation_id: int
    organisation_name: str
    organisation_name_en: str | None
    organisation_kind: str
    region_code: str | None
    title: str | None  # the partner listing's title
    listing_kind: str | None
    listing_direction: str | None
    score: float
    parts: list[PartView]
    reasons: list[str]
    reasons_en: list[str]
    public: bool
    my_mark: bool | None = None  # the reader's own mark (useful / not), if any
    extra: dict = field(default_factory=dict)

    def parts_text(self, lang: str) -> str:
        return " · ".join(f"{p.label} {p.value:.2f}" for p in self.parts if p.value)


def _english(value: str, segments: dict[str, str]) -> str:
    """A Chinese name in a reason's parameter, in English when it is a region's or a
    segment's name (天津市 → Tianjin, 工控安全 → Industrial control security)."""
    if value in segments:
        return segments[value]
    r = regions.lookup(value) if value and not value.isascii() else None
    return r.name_en if r is not None and r.name_en else value


def reason_text(reason: Reason, lang: str, segments: dict[str, str] | None = None) -> str:
    """A reason in words. In English a parameter given as "<name>_en" is used for <name>,
    and region and segment names are put in English."""
    params = dict(reason.params)
    if lang == "en":
        params = {
            k: params.get(f"{k}_en") or _english(str(v), segments or {})
            for k, v in params.items()
            if not k.endswith("_en")
        }
    return t(f"reason.{reason.key}", lang, **params)


def segment_names_en(session: Session) -> dict[str, str]:
    """Every segment's Chinese name → its English name (for reasons in English)."""
    from haihe.chains.queries import chain_choices

    out: dict[str, str] = {}
    for c in chain_choices(session):
        for g in c.segments:
            if g.name_en:
                out.setdefault(g.name_zh, g.name_en)
    return out


def _filters(
    *,
    region: str | None = None,
    park_id: int | None = None,
    chain: str | None = None,
    segment: str | None = None,
    organisation_kind: str | None = None,
    min_maturity: int | None = None,
    partner_kind: str | None = None,
    include_existing: bool = False,
) -> MatchFilters:
    reg = None
    if region:
        r = regions.get(region) or regions.lookup(region)
        if r is None:
            raise InvalidInput("listings.region_unknown", field="region", value=region)
        reg = r.code
    if min_maturity is not None and not 1 <= min_maturity <= 9:
        raise InvalidInput("listings.maturity_range", field="min_maturity", value=min_maturity)
    if partner_kind not in (None, "", "listing", "organisation"):
        raise InvalidInput("listings.subject_unknown", field="partner_kind", value=partner_kind)
    return MatchFilters(
        region=reg,
        park_id=park_id,
        chain=chain or None,
        segment=segment or None,
        organisation_kind=organisation_kind or None,
        min_maturity=min_maturity,
        partner_kind=partner_kind or None,
        include_existing=include_existing,
    )


match_filters = _filters


def _views(
    session: Session,
    principal: scopes.Principal,
    recs: list[Recommendation],
    k: int,
    subject: tuple[str, int] | None,
) -> list[RecommendationView]:
    marks: dict[tuple[str, int], bool] = {}
    if subject and principal.user_id is not None:
        for fb in session.execute(
            select(MatchFeedback).where(
                MatchFeedback.subject_kind == subject[0],
                MatchFeedback.subject_id == subject[1],
                MatchFeedback.by_user_id == principal.user_id,
            )
        ).scalars():
            marks[(fb.partner_kind, fb.partner_id)] = fb.useful
    out: list[RecommendationView] = []
    names_en = segment_names_en(session) if recs else {}
    for rec in recs:
        listing = None
        if rec.partner_kind == "listing":
            listing = session.get(Listing, rec.partner_id)
            if listing is None or not may_read(session, principal, listing):
                continue  # a private listing is matched, never shown to others
        try:
            org = _org(session, rec.organisation_id)
        except NotFound:
            continue
        out.append(
            RecommendationView(
                rank=len(out) + 1,
                partner_kind=rec.partner_kind,
                partner_id=rec.partner_id,
                organisation_id=org.id,
                organisation_name=org.name,
                organisation_name_en=org.name_en,
                organisation_kind=org.kind,
                region_code=org.region_code,
                title=listing.title if listing else None,
                listing_kind=listing.kind if listing else None,
                listing_direction=listing.direction if listing else None,
                score=round(rec.score, 4),
                parts=[
                    PartView(p, t(f"listings.part.{p}", "zh"), round(rec.parts.get(p, 0.0), 4))
                    for p in PARTS
                ],
                reasons=[reason_text(r, "zh") for r in rec.reasons],
                reasons_en=[reason_text(r, "en", names_en) for r in rec.reasons],
                public=listing.public if listing else True,
                my_mark=marks.get((rec.partner_kind, rec.partner_id)),
            )
        )
        if len(out) >= k:
            break
    return out


def warm(session: Session) -> None:
    """Build this database's matching index now (a server process does it as it starts, so
    that its first recommendation request does not wait for it)."""
    from haihe.matching import index

    index.get_index(session)


def recommendations(
    session: Session,
    principal: scopes.Principal,
    subject_kind: str,
    subject_id: int,
    filters: MatchFilters | None = None,
    k: int = 10,
) -> list[RecommendationView]:
    """The partners recommended to a listing or an organisation the reader may see, best
    first, with their score's parts and reasons; private listings the reader may not see
    are left out (the ranking is asked for a few more to make up for them)."""
    from haihe.matching import index

    check_subject(session, principal, subject_kind, subject_id)
    private = True
    if subject_kind == "organisation":  # its private listings' words only to who may read them
        org = _org(session, subject_id)
        private = scopes.can_read_listing(principal, False, org.region_code, org.park_id, org.id)
    recs = index.recommend(
        session,
        subject_kind,
        subject_id,
        filters=filters or MatchFilters(),
        k=k + 10,
        private_words=private,
    )
    return _views(session, principal, recs, k, (subject_kind, subject_id))


def recommendations_for_text(
    session: Session,
    principal: scopes.Principal,
    q: str | None,
    filters: MatchFilters | None = None,
    k: int = 10,
) -> list[RecommendationView]:
    """Partners for a typed need ("寻找工控安全合作伙伴"); InvalidInput for no text or one
    character."""
    from haihe.matching import index

    text = check_query(q)
    if text is None:
        raise InvalidInput("matching.query_too_short", field="q")
    recs = index.recommend_for_text(session, text, filters or MatchFilters(), k + 10)
    return _views(session, principal, recs, k, None)


def part_label(key: str, lang: str) -> str:
    return t(f"listings.part.{key}", lang)


def check_subject(
    session: Session,
    principal: scopes.Principal,
    kind: str,
    subject_id: int,
    field: str = "subject_id",
) -> None:
    """The listing or organisation exists and the reader may see it; NotFound otherwise."""
    if kind == "listing":
        readable_listing(session, principal, subject_id)
    elif kind == "organisation":
        try:
            _org(session, subject_id)
        except NotFound:
            raise NotFound("listings.organisation_not_found", field=field, id=subject_id) from None
    else:
        raise InvalidInput("listings.subject_unknown", field="subject_kind", value=kind)


# --- feedback --------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    key: str  # a chain key, or "" for recommendations on no chain
    useful: int
    not_useful: int

    @property
    def total(self) -> int:
        return self.useful + self.not_useful

    @property
    def share(self) -> float:
        return self.useful / self.total if self.total else 0.0


def _subject_chain(session: Session, kind: str, subject_id: int) -> str:
    if kind != "listing":
        return ""
    seg = session.execute(
        select(ListingSegment.chain)
        .where(ListingSegment.listing_id == subject_id)
        .order_by(ListingSegment.confirmed.desc(), ListingSegment.confidence.desc())
        .limit(1)
    ).scalar_one_or_none()
    return seg or ""


def feedback_figures(session: Session) -> tuple[FeedbackRow, list[FeedbackRow]]:
    """Users' marks: all of them, and by the chain of the listing they were about (the
    useful share of each), for officers."""
    by: dict[str, list[int]] = {}
    for fb in session.execute(select(MatchFeedback)).scalars():
        key = _subject_chain(session, fb.subject_kind, fb.subject_id)
        counts = by.setdefault(key, [0, 0])
        counts[0 if fb.useful else 1] += 1
    rows = sorted(
        (FeedbackRow(k, u, n) for k, (u, n) in by.items()), key=lambda r: (-r.total, r.key)
    )
    total = FeedbackRow("", sum(r.useful for r in rows), sum(r.not_useful for r in rows))
    return total, rows


@dataclass(frozen=True)
class FeedbackLabel:
    subject_kind: str
    subject_id: int
    partner_kind: str
    partner_id: int
    useful: bool
    rank: int | None


def feedback_labels(session: Session) -> list[FeedbackLabel]:
    """Every mark users gave, as labelled pairs (for the quality benchmark): a pair marked
    by several users counts as useful when most of them found it so."""
    votes: dict[tuple[str, int, str, int], list[int]] = {}
    ranks: dict[tuple[str, int, str, int], int | None] = {}
    for fb in session.execute(select(MatchFeedback).order_by(MatchFeedback.id)).scalars():
        key = (fb.subject_kind, fb.subject_id, fb.partner_kind, fb.partner_id)
        v = votes.setdefault(key, [0, 0])
        v[0 if fb.useful else 1] += 1
        ranks.setdefault(key, fb.rank)
    return [FeedbackLabel(*key, useful=v[0] > v[1], rank=ranks[key]) for key, v in votes.items()]


# --- interests and notifications -------------------------------------------------------


def _may_act_for(session: Session, principal: scopes.Principal, org_id: int) -> bool:
    try:
        org = _org(session, org_id)
    except NotFound:
        return False
    return scopes.can_manage_listings(principal, org.region_code, org.park_id, org.id)


def readable_interest(session: Session, principal: scopes.Principal, interest_id: int) -> Interest:
    """The interest if the reader acts for one of its two sides; NotFound otherwise."""
    interest = session.get(Interest, interest_id)
    if interest is None or not (
        _may_act_for(session, principal, interest.from_organisation_id)
        or _may_act_for(session, principal, interest.to_organisation_id)
    ):
        raise NotFound("listings.interest_not_found", field="interest_id", id=interest_id)
    return interest


def check_convertible_interest(
    session: Session, principal: scopes.Principal, interest_id: int
) -> Interest:
    """The interest, when it may become a meeting request, a lead or a project now:
    accepted, not yet converted, readable by the principal. leads.service and
    projects.service call this before they create what it becomes."""
    interest = session.get(Interest, interest_id)
    if interest is None:
        raise InvalidInput("listings.interest_unknown", field="match_interest_id", id=interest_id)
    visible = (  # officers only for the interests of organisations in their scope
        principal.is_admin
        or _may_act_for(session, principal, interest.from_organisation_id)
        or _may_act_for(session, principal, interest.to_organisation_id)
    )
    if not visible:
        raise InvalidInput("listings.interest_unknown", field="match_interest_id", id=interest_id)
    if interest.status != "accepted":
        raise InvalidInput(
            "listings.interest_not_accepted", field="match_interest_id", id=interest_id
        )
    if interest.became_kind is not None:
        raise InvalidInput(
            "listings.interest_converted",
            field="match_interest_id",
            id=interest_id,
            kind=interest.became_kind,
        )
    return interest


@dataclass
class InterestView:
    interest: Interest
    from_name: str
    to_name: str
    from_name_en: str | None
    to_name_en: str | None
    to_listing_title: str | None
    from_listing_title: str | None
    incoming: bool  # the reader answers it
    outgoing: bool  # the reader sent it


def interest_view(
    session: Session, principal: scopes.Principal, interest: Interest
) -> InterestView:
    a, b = _org(session, interest.from_organisation_id), _org(session, interest.to_organisation_id)

    def title(listing_id: int | None) -> str | None:  # a private one's only to who may read it
        listing = session.get(Listing, listing_id) if listing_id else None
        return listing.title if listing and may_read(session, principal, listing) else None

    return InterestView(
        interest,
        a.name,
        b.name,
        a.name_en,
        b.name_en,
        title(interest.to_listing_id),
        title(interest.from_listing_id),
        incoming=_may_act_for(session, principal, b.id),
        outgoing=_may_act_for(session, principal, a.id),
    )


def interests_of(
    session: Session, principal: scopes.Principal, limit: int = 100
) -> list[InterestView]:
    """The interests the reader's organisations sent or received, newest first."""
    cond = _org_scope(principal, Interest.from_organisation_id)
    cond_to = _org_scope(principal, Interest.to_organisation_id)
    stmt = select(Interest).order_by(Interest.id.desc()).limit(limit)
    if cond is not None:
        stmt = stmt.where(or_(cond, cond_to))  # type: ignore[arg-type]
    return [interest_view(session, principal, i) for i in session.execute(stmt).scalars()]


def interest_label(session: Session, principal: scopes.Principal, interest_id: int) -> str | None:
    """How a project's or lead's page names the match it came from: '甲 → 乙（成果名）',
    or None when there is no such interest."""
    interest = session.get(Interest, interest_id)
    if interest is None:
        return None
    v = interest_view(session, principal, interest)
    what = v.to_listing_title or v.from_listing_title
    return f"{v.from_name} → {v.to_name}" + (f"（{what}）" if what else "")


def _org_scope(principal: scopes.Principal, column) -> ColumnElement[bool] | None:  # noqa: ANN001
    """SQL: `column` (an organisation id) is one the principal acts for (None: any)."""
    if principal.is_admin:
        return None
    orgs = registry.organisation_facts()
    if principal.role == "enterprise" and principal.organisation_id is not None:
        return column == principal.organisation_id
    if principal.role == "regional_officer" and principal.region_codes:
        inside = or_(*(_within(orgs.c.region_code, r) for r in principal.region_codes))
        return column.in_(select(orgs.c.id).where(inside))
    if principal.role == "park_manager" and principal.park_id is not None:
        return column.in_(select(orgs.c.id).where(orgs.c.park_id == principal.park_id))
    return column == -1


def notification_scope(principal: scopes.Principal) -> ColumnElement[bool] | None:
    """SQL: the notifications the principal reads (those of the organisations they act
    for; None: all)."""
    return _org_scope(principal, Notification.organisation_id)


def _inbox(principal: scopes.Principal) -> ColumnElement[bool] | None:
    """The header's unread count and the inbox are an organisation's: enterprise users see
    their organisation's; officers and administrators the ones of organisations in their
    scope."""
    return notification_scope(principal)


@dataclass
class NotificationView:
    notification: Notification
    text: str
    text_en: str


def notification_text(n: Notification, lang: str) -> str:
    params = json.loads(n.params or "{}")
    if lang == "en":
        params = {k.removesuffix("_en"): v for k, v in params.items() if k.endswith("_en")} | {
            k: v for k, v in params.items() if not k.endswith("_en") and f"{k}_en" not in params
        }
    return t(f"listings.notice.{n.kind}", lang, **params)


def notifications(
    session: Session, principal: scopes.Principal, *, limit: int = 100, unread_only: bool = False
) -> list[NotificationView]:
    if not principal.authenticated:
        return []
    stmt = select(Notification).order_by(Notification.id.desc()).limit(limit)
    cond = _inbox(principal)
    if cond is not None:
        stmt = stmt.where(cond)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return [
        NotificationView(n, notification_text(n, "zh"), notification_text(n, "en"))
        for n in session.execute(stmt).scalars()
    ]


def unread_count(session: Session, principal: scopes.Principal) -> int:
    if not principal.authenticated or principal.role == "fair_organiser":
        return 0
    stmt = select(func.count(Notification.id)).where(Notification.read_at.is_(None))
    cond = _inbox(principal)
    if cond is not None:
        stmt = stmt.where(cond)
    return session.execute(stmt).scalar_one()


def interest_parties(
    session: Session, principal: scopes.Principal, interest_id: int
) -> tuple[str, str] | None:
    """The registered names of an interest's two sides (sender first), for the project
    form it becomes; None when the reader may not see it."""
    try:
        interest = readable_interest(session, principal, interest_id)
    except NotFound:  # officers see the interests of organisations in their scope only
        return None
    a, b = _org(session, interest.from_organisation_id), _org(session, interest.to_organisation_id)
    return a.name, b.name
