"""The matching pages: listings (list and search, a listing with its recommended partners,
the form), the technology-transfer view, users' marks, expressions of interest, the
notifications with the header's unread count, the import and export of listings, the
figures of the marks for officers, and the recommended-partners section of an
organisation's page."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.chains.queries import chain_choices
from haihe.codes import uscc
from haihe.core.db import session_scope
from haihe.core.errors import HaiheError, InvalidInput, NotAllowed, NotFound, http_status
from haihe.core.limits import is_digits
from haihe.core.panels import Panel
from haihe.matching import queries, service, transfer
from haihe.matching.models import DIRECTIONS, KINDS
from haihe.registry import panels as organisation_panels
from haihe.registry import queries as registry
from haihe.registry.queries import KINDS as ORG_KINDS
from haihe.web.auth import Reader, SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import TEMPLATES, render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]
PAGE_SIZE = 30
MAX_ID = 2_147_483_647
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OptInt = Annotated[int | None, Query(ge=1, le=MAX_ID)]
OptStr = Annotated[str | None, Query(max_length=64)]
REC_FILTERS = ("region", "park", "chain", "organisation_kind", "min_maturity", "partner_kind")


def _unread(request: Request) -> int:
    """The header's count of unread notifications (0 for visitors)."""
    me = getattr(request.state, "principal", None)
    if me is None or not me.authenticated:
        return 0
    with session_scope(request.app.state.engine) as s:
        return queries.unread_count(s, me)


def _segment_names(chains: dict, segments: list, lang: str, most: int = 3) -> list[str]:
    """A listing's segments by name, each name once (two chains may name a segment alike)."""
    out: list[str] = []
    for s in segments:
        c = chains.get(s.chain)
        g = c.segment(s.segment) if c else None
        name = g.name(lang) if g else s.segment
        if name not in out:
            out.append(name)
    return out[:most]


TEMPLATES.env.globals["unread_notifications"] = _unread
TEMPLATES.env.globals["listing_segment_names"] = _segment_names


def _back(url: str | None, default: str) -> str:
    """A local path to go back to after a form (never another site)."""
    if not url:
        return default
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc or not url.startswith("/") or url.startswith("//"):
        return default
    return url


def _chains(session: Session) -> dict:
    return {c.key: c for c in chain_choices(session)}


class ListingPage:
    def __init__(self, items: list, total: int, page: int, page_size: int) -> None:
        self.items, self.total, self.page, self.page_size = items, total, page, page_size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _int(value: str | None, field: str) -> int | None:
    v = (value or "").strip()
    if not v:
        return None
    if not is_digits(v) or int(v) > MAX_ID or int(v) < 1:
        raise InvalidInput("listings.number_unreadable", field=field, value=v[:20])
    return int(v)


@router.get("/listings", response_class=HTMLResponse)
def listing_list(
    request: Request,
    session: DB,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=100)] = None,
    direction: Annotated[str | None, Query(max_length=8)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    chain: OptStr = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    park: Annotated[str | None, Query(max_length=12)] = None,
    organisation_kind: Annotated[str | None, Query(max_length=32)] = None,
    min_maturity: Annotated[str | None, Query(max_length=2)] = None,
    organisation: OptInt = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    """Listings anyone may see (and the private ones of the reader's scope), searched by
    words and filtered by kind, chain, region, park, organisation kind and maturity."""
    params = {
        "q": q or "",
        "direction": direction or "",
        "kind": kind or "",
        "chain": chain or "",
        "region": region or "",
        "park": park or "",
        "organisation_kind": organisation_kind or "",
        "min_maturity": min_maturity or "",
    }
    problem, rows, total = None, [], 0
    try:
        f = queries.listing_filter(
            q=q,
            direction=direction,
            kind=kind,
            chain=chain,
            region=region,
            park_id=_int(park, "park"),
            organisation_kind=organisation_kind,
            min_maturity=_int(min_maturity, "min_maturity"),
            organisation_id=organisation,
        )
        rows, total = queries.list_listings(session, principal, f, page=page, page_size=PAGE_SIZE)
    except InvalidInput as exc:
        problem = exc.message(request.state.lang)
    return render(
        request,
        "matching/list.html",
        status_code=400 if problem else 200,
        result=ListingPage(rows, total, page, PAGE_SIZE),
        params=params,
        problem=problem,
        chains=_chains(session),
        parks=registry.list_parks(session),
        kinds=KINDS,
        directions=DIRECTIONS,
        org_kinds=ORG_KINDS,
        can_publish=_can_publish(principal),
    )


def _can_publish(p: Principal) -> bool:
    return (
        p.is_admin
        or p.role in ("regional_officer", "park_manager")
        or (p.role == "enterprise" and p.organisation_id is not None)
    )


def _form(
    request: Request,
    session: Session,
    principal: Principal,
    values: dict,
    problem: HaiheError | None = None,
    listing=None,  # noqa: ANN001
):  # noqa: ANN202
    org = None
    if principal.role == "enterprise" and principal.organisation_id:
        org = registry.get_organisation(session, principal.organisation_id)
    elif listing is not None:
        org = registry.get_organisation(session, listing.organisation_id)
    return render(
        request,
        "matching/form.html",
        status_code=http_status(problem, page=True) if problem else 200,
        v=values,
        org=org,
        listing=listing,
        kinds=KINDS,
        directions=DIRECTIONS,
        problem=problem.message(request.state.lang) if problem else None,
        problem_field=getattr(problem, "field", None) if problem else None,
    )


@router.get("/listings/new", response_class=HTMLResponse)
def new_listing(
    request: Request,
    session: DB,
    principal: SignedIn,
    organisation: OptInt = None,
    direction: Annotated[str | None, Query(max_length=8)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
):  # noqa: ANN201
    if not _can_publish(principal):
        raise NotAllowed("listings.publish_not_for_you")
    return _form(
        request,
        session,
        principal,
        {
            "organisation": str(organisation or ""),
            "direction": direction if direction in DIRECTIONS else "offer",
            "kind": kind if kind in KINDS else "technology",
            "public": True,
        },
    )


def _find_org(session: Session, principal: Principal, typed: str) -> int | None:
    """The organisation a form names: the enterprise user's own, else an id, a USCC or the
    registered name as typed."""
    if principal.role == "enterprise":
        return principal.organisation_id
    typed = (typed or "").strip()
    if not typed:
        return None
    if is_digits(typed) and len(typed) < 12:
        return int(typed)
    code = typed.upper()
    if len(code) == 18 and uscc.is_valid(code):
        org = registry.find_by_uscc(session, code)
        if org is None:
            raise InvalidInput("listings.organisation_unknown", field="organisation", value=code)
        return org.id
    found = registry.find_by_name(session, typed)
    if len(found) != 1:
        raise InvalidInput(
            "listings.organisation_unknown" if not found else "listings.organisation_ambiguous",
            field="organisation",
            value=typed[:100],
        )
    return found[0].id


def _listing_input(session: Session, principal: Principal, v: dict, org_id: int | None):  # noqa: ANN202
    return service.ListingInput(
        organisation_id=org_id,
        direction=v["direction"],
        kind=v["kind"],
        title=v["title"],
        title_en=v["title_en"] or None,
        abstract=v["abstract"] or None,
        field=v["field"] or None,
        maturity=v["maturity"] or None,
        ip=v["ip"] or None,
        keywords=v["keywords"] or None,
        amount=v["amount"] or None,
        capacity=v["capacity"] or None,
        region_preference=v["region_preference"] or None,
        park_preference=v["park_preference"] or None,
        public=v["public"],
    )


FormText = Annotated[str, Form()]


def _values(
    organisation: str,
    direction: str,
    kind: str,
    title: str,
    title_en: str,
    abstract: str,
    field: str,
    maturity: str,
    ip: str,
    keywords: str,
    amount: str,
    capacity: str,
    region_preference: str,
    park_preference: str,
    public: str,
) -> dict:
    return {
        "organisation": organisation,
        "direction": direction,
        "kind": kind,
        "title": title,
        "title_en": title_en,
        "abstract": abstract,
        "field": field,
        "maturity": maturity,
        "ip": ip,
        "keywords": keywords,
        "amount": amount,
        "capacity": capacity,
        "region_preference": region_preference,
        "park_preference": park_preference,
        "public": public != "private",
    }


@router.post("/listings", response_class=HTMLResponse)
def create_listing(
    request: Request,
    session: DB,
    principal: Writer,
    title: FormText = "",
    direction: Annotated[str, Form(max_length=8)] = "offer",
    kind: Annotated[str, Form(max_length=16)] = "technology",
    organisation: Annotated[str, Form(max_length=300)] = "",
    title_en: FormText = "",
    abstract: FormText = "",
    field: FormText = "",
    maturity: Annotated[str, Form(max_length=20)] = "",
    ip: FormText = "",
    keywords: FormText = "",
    amount: Annotated[str, Form(max_length=60)] = "",
    capacity: FormText = "",
    region_preference: FormText = "",
    park_preference: FormText = "",
    public: Annotated[str, Form(max_length=8)] = "public",
):  # noqa: ANN201
    v = _values(
        organisation, direction, kind, title, title_en, abstract, field, maturity, ip,
        keywords, amount, capacity, region_preference, park_preference, public,
    )  # fmt: skip
    try:
        org_id = _find_org(session, principal, organisation)
        listing = service.do_create_listing(
            session, principal, _listing_input(session, principal, v, org_id)
        )
    except (InvalidInput, NotAllowed) as exc:
        session.rollback()
        return _form(request, session, principal, v, exc)
    return RedirectResponse(f"/listings/{listing.id}", status_code=303)


def _rec_filters(
    region: str | None,
    park: str | None,
    chain: str | None,
    organisation_kind: str | None,
    min_maturity: str | None,
    partner_kind: str | None,
):  # noqa: ANN202
    return queries.match_filters(
        region=region or None,
        park_id=_int(park, "park"),
        chain=chain or None,
        organisation_kind=organisation_kind or None,
        min_maturity=_int(min_maturity, "min_maturity"),
        partner_kind=partner_kind or None,
    )


def listing_page(
    request: Request,
    session: Session,
    principal: Principal,
    listing_id: int,
    problem: str | None = None,
    status: int = 200,
):  # noqa: ANN201
    listing = queries.readable_listing(session, principal, listing_id)
    org = registry.get_organisation(session, listing.organisation_id)
    qp = request.query_params
    rec_params = {k: qp.get(k, "") for k in REC_FILTERS}
    recs, rec_problem = [], None
    try:
        recs = queries.recommendations(
            session, principal, "listing", listing.id, _rec_filters(**rec_params), k=10
        )
    except InvalidInput as exc:
        rec_problem = exc.message(request.state.lang)
    can_manage = queries.may_manage(session, principal, listing)
    return render(
        request,
        "matching/listing.html",
        status_code=status if not rec_problem else 400,
        listing=listing,
        org=org,
        segments=queries.segments_of(session, listing.id),
        chains=_chains(session),
        recs=recs,
        rec_params=rec_params,
        rec_problem=rec_problem,
        parks=registry.list_parks(session),
        org_kinds=ORG_KINDS,
        can_manage=can_manage,
        acts_for=_acts_for(session, principal, org.id),
        subject=("listing", listing.id),
        here=str(request.url.path) + (("?" + str(request.url.query)) if request.url.query else ""),
        problem=problem,
    )


def _acts_for(session: Session, principal: Principal, owner_id: int) -> int | None:
    """The organisation the reader expresses interest for from this page: the owner, if
    they manage it; else their own (an enterprise user); None when they act for none."""
    try:
        owner = registry.get_organisation(session, owner_id)
    except NotFound:
        return None
    if scopes.can_manage_listings(principal, owner.region_code, owner.park_id, owner.id):
        return owner.id
    if principal.role == "enterprise" and principal.organisation_id:
        return principal.organisation_id
    return None


@router.get("/listings/{listing_id}", response_class=HTMLResponse)
def listing_detail(listing_id: Id, request: Request, session: DB, principal: Reader):  # noqa: ANN201
    return listing_page(request, session, principal, listing_id)


def _refused(request, session, principal, listing_id, exc):  # noqa: ANN001, ANN202
    session.rollback()
    return listing_page(
        request, session, principal, listing_id, exc.message(request.state.lang),
        http_status(exc, page=True),
    )  # fmt: skip


@router.get("/listings/{listing_id}/edit", response_class=HTMLResponse)
def edit_form(listing_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    listing = queries.readable_listing(session, principal, listing_id)
    if not queries.may_manage(session, principal, listing):
        raise NotAllowed("listings.not_allowed_here")
    v = {
        "direction": listing.direction,
        "kind": listing.kind,
        "title": listing.title,
        "title_en": listing.title_en or "",
        "abstract": listing.abstract or "",
        "field": listing.field or "",
        "maturity": listing.maturity or "",
        "ip": listing.ip or "",
        "keywords": listing.keywords or "",
        "amount": f"{listing.amount_yuan:f}" if listing.amount_yuan is not None else "",
        "capacity": listing.capacity or "",
        "region_preference": listing.region_preference or "",
        "park_preference": listing.park_preference or "",
        "public": listing.public,
        "version": listing.version,
    }
    return _form(request, session, principal, v, listing=listing)


@router.post("/listings/{listing_id}/edit", response_class=HTMLResponse)
def edit_listing(
    listing_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    title: FormText = "",
    direction: Annotated[str, Form(max_length=8)] = "offer",
    kind: Annotated[str, Form(max_length=16)] = "technology",
    title_en: FormText = "",
    abstract: FormText = "",
    field: FormText = "",
    maturity: Annotated[str, Form(max_length=20)] = "",
    ip: FormText = "",
    keywords: FormText = "",
    amount: Annotated[str, Form(max_length=60)] = "",
    capacity: FormText = "",
    region_preference: FormText = "",
    park_preference: FormText = "",
    public: Annotated[str, Form(max_length=8)] = "public",
    version: Annotated[str, Form(max_length=12)] = "",
):  # noqa: ANN201
    listing = queries.readable_listing(session, principal, listing_id)
    v = _values(
        "", direction, kind, title, title_en, abstract, field, maturity, ip,
        keywords, amount, capacity, region_preference, park_preference, public,
    )  # fmt: skip
    v["version"] = version
    try:
        service.do_update_listing(
            session,
            principal,
            listing_id,
            _listing_input(session, principal, v, listing.organisation_id),
            version=int(version) if is_digits(version) else None,
        )
    except HaiheError as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        return _form(request, session, principal, v, exc, listing=listing)
    return RedirectResponse(f"/listings/{listing_id}", status_code=303)


@router.post("/listings/{listing_id}/segments", response_class=HTMLResponse)
async def listing_segments(listing_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    """Confirm or change the chain segments (none chosen: the classifier's again)."""
    form = await request.form()
    chosen = [str(x) for x in form.getlist("segments")][:20]
    try:
        service.do_set_listing_segments(session, principal, listing_id, chosen)
    except (InvalidInput, NotAllowed) as exc:
        return _refused(request, session, principal, listing_id, exc)
    return RedirectResponse(f"/listings/{listing_id}#segments", status_code=303)


@router.post("/listings/{listing_id}/close", response_class=HTMLResponse)
def close_listing(
    listing_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    reopen: Annotated[str, Form(max_length=2)] = "",
):  # noqa: ANN201
    try:
        service.do_close_listing(session, principal, listing_id, reopen=bool(reopen))
    except (InvalidInput, NotAllowed) as exc:
        return _refused(request, session, principal, listing_id, exc)
    return RedirectResponse(f"/listings/{listing_id}", status_code=303)


# --- technology transfer -----------------------------------------------------------------


def _other_city(views: list, home: str | None, same_city: bool) -> list:
    if same_city or not home:
        return views
    return [v for v in views if (v.region_code or "")[:2] != home[:2]]


@router.get("/transfer/listings/{listing_id}", response_class=HTMLResponse)
def transfer_for_achievement(
    listing_id: Id,
    request: Request,
    session: DB,
    principal: Reader,
    same_city: Annotated[str | None, Query(max_length=2)] = None,
):  # noqa: ANN201
    """For a technology achievement: the manufacturers that could industrialise it (in
    another city unless asked)."""
    listing = queries.readable_listing(session, principal, listing_id)
    org = registry.get_organisation(session, listing.organisation_id)
    views = queries.recommendations(
        session,
        principal,
        "listing",
        listing.id,
        queries.match_filters(organisation_kind="enterprise"),
        k=40,
    )
    views = [v for v in views if v.listing_direction != "offer" or v.listing_kind != "technology"]
    views = _other_city(views, org.region_code, bool(same_city))[:15]
    return render(
        request,
        "matching/transfer.html",
        mode="achievement",
        listing=listing,
        org=org,
        recs=views,
        same_city=bool(same_city),
        acts_for=_acts_for(session, principal, org.id),
        subject=("listing", listing.id),
        here=str(request.url.path) + (("?" + str(request.url.query)) if request.url.query else ""),
    )


@router.get("/transfer/organisations/{org_id}", response_class=HTMLResponse)
def transfer_for_manufacturer(
    org_id: Id,
    request: Request,
    session: DB,
    principal: Reader,
    same_city: Annotated[str | None, Query(max_length=2)] = None,
    min_maturity: Annotated[str | None, Query(max_length=2)] = None,
):  # noqa: ANN201
    """For a manufacturer: the technology achievements it could adopt (from another city
    unless asked), the most mature first among equals."""
    org = registry.get_organisation(session, org_id)
    problem = None
    views: list = []
    try:
        views = queries.recommendations(
            session,
            principal,
            "organisation",
            org.id,
            queries.match_filters(
                partner_kind="listing", min_maturity=_int(min_maturity, "min_maturity")
            ),
            k=40,
        )
    except InvalidInput as exc:
        problem = exc.message(request.state.lang)
    views = [v for v in views if v.listing_kind == "technology" and v.listing_direction == "offer"]
    views = _other_city(views, org.region_code, bool(same_city))[:15]
    return render(
        request,
        "matching/transfer.html",
        status_code=400 if problem else 200,
        mode="manufacturer",
        listing=None,
        org=org,
        recs=views,
        same_city=bool(same_city),
        min_maturity=min_maturity or "",
        problem=problem,
        acts_for=_acts_for(session, principal, org.id),
        subject=("organisation", org.id),
        here=str(request.url.path) + (("?" + str(request.url.query)) if request.url.query else ""),
    )


# --- marks, interests, notifications ------------------------------------------------------


@router.post("/matches/feedback")
def mark(
    request: Request,
    session: DB,
    principal: Writer,
    subject_kind: Annotated[str, Form(max_length=16)],
    subject_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    partner_kind: Annotated[str, Form(max_length=16)],
    partner_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    useful: Annotated[str, Form(max_length=4)],
    rank: Annotated[int | None, Form(ge=1, le=10_000)] = None,
    score: Annotated[float | None, Form(ge=-1000, le=1000)] = None,
    back: Annotated[str, Form(max_length=500)] = "",
):  # noqa: ANN201
    service.do_mark_recommendation(
        session, principal, subject_kind, subject_id, partner_kind, partner_id,
        useful == "1", rank=rank, score=score,
    )  # fmt: skip
    return RedirectResponse(_back(back, "/listings") + "#recommendations", status_code=303)


@router.post("/interests")
def express_interest(
    request: Request,
    session: DB,
    principal: Writer,
    to_listing_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    to_organisation_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    from_listing_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    from_organisation_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    message: FormText = "",
):  # noqa: ANN201
    interest = service.do_express_interest(
        session,
        principal,
        to_listing_id=to_listing_id,
        to_organisation_id=to_organisation_id,
        from_listing_id=from_listing_id,
        from_organisation_id=from_organisation_id,
        message=message or None,
    )
    return RedirectResponse(f"/interests/{interest.id}", status_code=303)


@router.get("/interests", response_class=HTMLResponse)
def interest_list(request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    return render(
        request, "matching/interests.html", items=queries.interests_of(session, principal)
    )


@router.get("/interests/{interest_id}", response_class=HTMLResponse)
def interest_detail(interest_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    interest = queries.readable_interest(session, principal, interest_id)
    view = queries.interest_view(session, principal, interest)
    became = None
    if interest.became_kind and interest.became_id:
        became = {"lead": "/leads/", "project": "/projects/"}.get(interest.became_kind)
    return render(
        request,
        "matching/interest.html",
        v=view,
        became_link=f"{became}{interest.became_id}" if became else None,
        may_lead=scopes.can_work_leads(principal),
        may_project=scopes.can_import_projects(principal),
    )


@router.post("/interests/{interest_id}/answer")
def answer_interest(
    interest_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    accept: Annotated[str, Form(max_length=2)],
):  # noqa: ANN201
    service.do_answer_interest(session, principal, interest_id, accept == "1")
    return RedirectResponse(f"/interests/{interest_id}", status_code=303)


@router.get("/notifications", response_class=HTMLResponse)
def notification_list(request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    items = queries.notifications(session, principal)
    return render(
        request,
        "matching/notifications.html",
        items=items,
        unread=sum(1 for n in items if n.notification.read_at is None),
    )


@router.post("/notifications/read")
def notifications_read(request: Request, session: DB, principal: Writer):  # noqa: ANN201
    service.do_read_notifications(session, principal)
    return RedirectResponse("/notifications", status_code=303)


@router.get("/match-feedback", response_class=HTMLResponse)
def feedback_figures(request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    """Officers: how many recommendations users marked, and the useful share by chain."""
    if not scopes.can_read_match_feedback(principal):
        raise NotAllowed("listings.feedback_not_for_you")
    total, rows = queries.feedback_figures(session)
    return render(
        request, "matching/feedback.html", total=total, rows=rows, chains=_chains(session)
    )


# --- import and export ------------------------------------------------------------------------


@router.get("/listings-import", response_class=HTMLResponse)
def import_form(request: Request, principal: SignedIn):  # noqa: ANN201
    if not _can_publish(principal):
        raise NotAllowed("listings.publish_not_for_you")
    return render(request, "matching/import.html", report=None)


@router.post("/listings-import", response_class=HTMLResponse)
async def import_file(
    request: Request,
    principal: Writer,
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[str | None, Form(max_length=2)] = None,
):  # noqa: ANN201
    if not _can_publish(principal):
        raise NotAllowed("listings.publish_not_for_you")
    name = Path((file.filename or "listings.xlsx").replace("\\", "/")).name or "listings.xlsx"
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("upload" + (suffix if suffix in (".xlsx", ".csv") else ".xlsx"))
        path.write_bytes(await file.read(50 * 2**20))
        report = transfer.do_import_listings(
            request.app.state.engine, principal, path, skip_invalid=bool(skip_invalid)
        )
        report.report_path = None
    status = 200 if report.ok or report.committed else 400
    return render(request, "matching/import.html", status_code=status, report=report)


@router.get("/listings.xlsx")
def export(request: Request, session: DB, principal: Reader):  # noqa: ANN201
    """The listings the reader may see, as the import reads them back."""
    data = transfer.export_workbook(session, principal, queries.ListingFilter(status=None))
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="listings.xlsx"'},
    )


# --- the section on an organisation's page ----------------------------------------------------


@organisation_panels.register
def organisation_panel(session: Session, principal: Principal, org, lang: str) -> Panel | None:  # noqa: ANN001
    """On an organisation's page: its listings, the partners recommended to it with the
    reasons, and (for a manufacturer) the way to the achievements it could adopt."""
    rows, total = queries.list_listings(
        session, principal, queries.ListingFilter(organisation_id=org.id), page_size=10
    )
    try:
        recs = queries.recommendations(session, principal, "organisation", org.id, k=5)
    except HaiheError:
        recs = []
    return Panel(
        "matching/organisation_panel.html",
        {
            "rows": rows,
            "total": total,
            "recs": recs,
            "can_manage": scopes.can_manage_listings(
                principal, org.region_code, org.park_id, org.id
            ),
            "acts_for": _acts_for(session, principal, org.id),
            "subject": ("organisation", org.id),
            "here": f"/organisations/{org.id}",
        },
    )
