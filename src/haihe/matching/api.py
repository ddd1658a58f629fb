"""Matching API: listings (list, one, publish, change, take away), the partners recommended
to a listing or an organisation with their score's parts and reasons in both languages,
users' marks on them, expressions of interest and their answers, notifications.

Reading: public listings anyone; a private listing only its owner and the officers in
whose scope the owner is (404 to anyone else). Writing: whoever may manage the
organisation (accounts.scopes.can_manage_listings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.core.errors import InvalidInput
from haihe.core.i18n import t
from haihe.matching import queries, service
from haihe.matching.models import Listing
from haihe.matching.schemas import (
    FeedbackCreate,
    FeedbackPublic,
    InterestAnswer,
    InterestCreate,
    InterestPublic,
    ListingCreate,
    ListingList,
    ListingPublic,
    ListingUpdate,
    MatchList,
    MatchPublic,
    NotificationList,
    NotificationPublic,
    PartPublic,
    SegmentPublic,
)
from haihe.web.auth import Reader, SignedIn, Writer
from haihe.web.deps import Id, db

router = APIRouter(prefix="/api/v1", tags=["matching"])
DB = Annotated[Session, Depends(db, scope="function")]
MAX_ID = 2_147_483_647


def listing_public(session: Session, listing: Listing) -> ListingPublic:
    row = queries.row(session, listing)
    p = ListingPublic.model_validate(listing)
    return p.model_copy(
        update={
            "organisation_name": row.organisation_name,
            "segments": [SegmentPublic.model_validate(s) for s in row.segments],
        }
    )


@router.get("/listings", response_model=ListingList)
def list_listings(
    session: DB,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=100)] = None,
    direction: Annotated[str | None, Query(max_length=8)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    chain: Annotated[str | None, Query(max_length=64)] = None,
    segment: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    park: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    organisation_kind: Annotated[str | None, Query(max_length=32)] = None,
    min_maturity: Annotated[int | None, Query(ge=1, le=9)] = None,
    organisation: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ListingList:
    f = queries.listing_filter(
        q=q,
        direction=direction,
        kind=kind,
        chain=chain,
        segment=segment,
        region=region,
        park_id=park,
        organisation_kind=organisation_kind,
        min_maturity=min_maturity,
        organisation_id=organisation,
    )
    rows, total = queries.list_listings(session, principal, f, page=page, page_size=page_size)
    return ListingList(
        items=[listing_public(session, r.listing) for r in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.get("/listings/{listing_id}", response_model=ListingPublic)
def get_listing(listing_id: Id, session: DB, principal: Reader) -> ListingPublic:
    return listing_public(session, queries.readable_listing(session, principal, listing_id))


def _input(body: ListingCreate, principal: Principal) -> service.ListingInput:
    d = body.model_dump()
    return service.ListingInput(
        organisation_id=d.pop("organisation_id") or principal.organisation_id,
        amount=d.pop("amount_yuan"),
        **d,
    )


@router.post("/listings", response_model=ListingPublic, status_code=201)
def create_listing(body: ListingCreate, session: DB, principal: Writer) -> ListingPublic:
    listing = service.do_create_listing(session, principal, _input(body, principal))
    return listing_public(session, listing)


@router.patch("/listings/{listing_id}", response_model=ListingPublic)
def update_listing(
    listing_id: Id, body: ListingUpdate, session: DB, principal: Writer
) -> ListingPublic:
    """Change the fields given; the others stay as they are."""
    listing = queries.readable_listing(session, principal, listing_id)
    given = body.model_dump(exclude_unset=True)
    version = given.pop("version", None)
    current = {
        "direction": listing.direction,
        "kind": listing.kind,
        "title": listing.title,
        "title_en": listing.title_en,
        "abstract": listing.abstract,
        "field": listing.field,
        "maturity": listing.maturity,
        "ip": listing.ip,
        "keywords": listing.keywords,
        "amount": listing.amount_yuan,
        "capacity": listing.capacity,
        "region_preference": listing.region_preference,
        "park_preference": listing.park_preference,
        "public": listing.public,
        "segments": None,
    }
    if "amount_yuan" in given:
        given["amount"] = given.pop("amount_yuan")
    given.pop("organisation_id", None)
    for k in ("direction", "kind", "title", "public"):
        if k in given and given[k] is None:
            raise InvalidInput("listings.field_required", field=k)
    data = service.ListingInput(organisation_id=listing.organisation_id, **{**current, **given})
    listing = service.do_update_listing(session, principal, listing_id, data, version=version)
    return listing_public(session, listing)


@router.delete("/listings/{listing_id}", status_code=204)
def delete_listing(listing_id: Id, session: DB, principal: Writer) -> Response:
    service.do_delete_listing(session, principal, listing_id)
    return Response(status_code=204)


def _matches(views: list[queries.RecommendationView]) -> list[MatchPublic]:
    return [
        MatchPublic(
            rank=v.rank,
            partner_kind=v.partner_kind,
            partner_id=v.partner_id,
            organisation_id=v.organisation_id,
            organisation_name=v.organisation_name,
            organisation_name_en=v.organisation_name_en,
            region_code=v.region_code,
            title=v.title,
            score=v.score,
            parts=[
                PartPublic(
                    key=p.key,
                    label_zh=t(f"listings.part.{p.key}", "zh"),
                    label_en=t(f"listings.part.{p.key}", "en"),
                    value=p.value,
                )
                for p in v.parts
            ],
            reasons_zh=v.reasons,
            reasons_en=v.reasons_en,
        )
        for v in views
    ]


class MatchQuery:
    def __init__(
        self,
        region: Annotated[str | None, Query(max_length=40)] = None,
        park: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        chain: Annotated[str | None, Query(max_length=64)] = None,
        segment: Annotated[str | None, Query(max_length=64)] = None,
        organisation_kind: Annotated[str | None, Query(max_length=32)] = None,
        min_maturity: Annotated[int | None, Query(ge=1, le=9)] = None,
        partner_kind: Annotated[str | None, Query(max_length=16)] = None,
        include_existing: bool = False,
        k: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> None:
        self.k = k
        self.filters = queries.match_filters(
            region=region,
            park_id=park,
            chain=chain,
            segment=segment,
            organisation_kind=organisation_kind,
            min_maturity=min_maturity,
            partner_kind=partner_kind,
            include_existing=include_existing,
        )


Matching = Annotated[MatchQuery, Depends()]


@router.get("/listings/{listing_id}/matches", response_model=MatchList)
def listing_matches(listing_id: Id, session: DB, principal: Reader, m: Matching) -> MatchList:
    """The partners recommended to a listing, best first: each with its score's parts
    (text, chain, city, scale, preference; they add up to the score) and reasons in words."""
    views = queries.recommendations(session, principal, "listing", listing_id, m.filters, m.k)
    return MatchList(subject_kind="listing", subject_id=listing_id, items=_matches(views))


@router.get("/organisations/{org_id}/matches", response_model=MatchList)
def organisation_matches(org_id: Id, session: DB, principal: Reader, m: Matching) -> MatchList:
    """The partners recommended to an organisation, as for a listing."""
    views = queries.recommendations(session, principal, "organisation", org_id, m.filters, m.k)
    return MatchList(subject_kind="organisation", subject_id=org_id, items=_matches(views))


@router.post("/matches/feedback", response_model=FeedbackPublic, status_code=201)
def mark(body: FeedbackCreate, session: DB, principal: Writer) -> FeedbackPublic:
    """Mark a recommendation useful or not (again: the mark changes)."""
    fb = service.do_mark_recommendation(
        session,
        principal,
        body.subject_kind,
        body.subject_id,
        body.partner_kind,
        body.partner_id,
        body.useful,
        note=body.note,
        rank=body.rank,
        score=body.score,
    )
    return FeedbackPublic.model_validate(fb)


@router.get("/interests", response_model=list[InterestPublic])
def list_interests(session: DB, principal: SignedIn) -> list[InterestPublic]:
    """Interests your organisations sent or received, newest first."""
    return [
        InterestPublic.model_validate(v.interest) for v in queries.interests_of(session, principal)
    ]


@router.post("/interests", response_model=InterestPublic, status_code=201)
def express_interest(body: InterestCreate, session: DB, principal: Writer) -> InterestPublic:
    """Tell the owner of a listing (or an organisation) you are interested: they are
    notified and may accept or decline."""
    i = service.do_express_interest(session, principal, **body.model_dump())
    return InterestPublic.model_validate(i)


@router.post("/interests/{interest_id}/answer", response_model=InterestPublic)
def answer_interest(
    interest_id: Id, body: InterestAnswer, session: DB, principal: Writer
) -> InterestPublic:
    i = service.do_answer_interest(session, principal, interest_id, body.accept)
    return InterestPublic.model_validate(i)


@router.get("/notifications", response_model=NotificationList)
def list_notifications(session: DB, principal: SignedIn) -> NotificationList:
    items = queries.notifications(session, principal)
    return NotificationList(
        items=[
            NotificationPublic(
                id=n.notification.id,
                kind=n.notification.kind,
                text_zh=n.text,
                text_en=n.text_en,
                link=n.notification.link,
                read=n.notification.read_at is not None,
                created_at=n.notification.created_at,
            )
            for n in items
        ],
        unread=queries.unread_count(session, principal),
    )
