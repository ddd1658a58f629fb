"""The registry's forms: add an organisation, correct one, claim one's own, decide a
claim; and the organisation list exported as filtered. A refused form comes back with
what was typed and the field named in words; nothing is saved (the request's session is
rolled back). Who may do what is the registry service's to decide."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.codes import regions
from haihe.core.errors import HaiheError, InvalidInput, NotAllowed, http_status
from haihe.core.i18n import t
from haihe.core.limits import is_digits
from haihe.registry import exports, queries, service
from haihe.registry.models import KINDS, SPECIALISED, Organisation
from haihe.registry.schemas import LIMITS
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]

TEXT_FIELDS = ("name", "name_en", "uscc", "website", "address", "description", "stock_code")
FLAGS = ("high_tech", "listed", "above_scale")
FIELDS = (
    *TEXT_FIELDS,
    "kind",
    "region",
    "park_id",
    "industry_codes",
    "founded",
    "registered_capital",
    "employees",
    "specialised",
    *FLAGS,
)


def field_label(field: str | None, lang: str) -> str:
    """A field in words (名称, Registered capital), never its name in the code."""
    if not field:
        return ""
    key = f"regform.field.{field}"
    label = t(key, lang)
    return label if label != key else t("regform.field.claim", lang)


def refusal(exc: HaiheError, lang: str) -> str:
    field = getattr(exc, "field", None)
    label = field_label(field, lang)
    return (
        f"{label}：{exc.message(lang)}"
        if label and lang == "zh"
        else (f"{label}: {exc.message(lang)}" if label else exc.message(lang))
    )


def _typed(form: dict[str, str]) -> dict[str, str]:
    """What the form sent, as typed (kept for the form shown again)."""
    return {k: str(form.get(k, ""))[: LIMITS.get(k, 20000) + 1] for k in FIELDS} | {
        f: "on" if form.get(f) else "" for f in FLAGS
    }


def _changes(typed: dict[str, str], allowed: frozenset[str]) -> dict[str, object]:
    """The form's values as the service takes them; InvalidInput naming a field that is
    not a date, a number or a region."""
    out: dict[str, object] = {}
    for f in TEXT_FIELDS:
        out[f] = typed[f].strip() or None
    out["kind"] = typed["kind"] or "enterprise"
    region = typed["region"].strip()
    if region:
        found = regions.lookup(region)
        if found is None:
            raise InvalidInput("registry.region_unknown", field="region", value=region[:40])
        out["region_code"] = found.code
    else:
        out["region_code"] = None
    park = typed["park_id"].strip()
    if park and not (is_digits(park) and 0 < int(park) <= 2_147_483_647):
        raise InvalidInput("registry.park_missing", field="park_id", id=park[:12])
    out["park_id"] = int(park) if park else None
    out["industry_codes"] = tuple(
        c for c in typed["industry_codes"].replace("，", " ").replace(",", " ").split() if c
    )
    for c in out["industry_codes"]:  # type: ignore[union-attr]
        if len(c) > 4:
            raise InvalidInput("registry.industry_unknown", field="industry_codes", value=c[:12])
    from haihe.registry import values

    try:
        out["founded"] = values.parse_date(typed["founded"])
    except InvalidInput as exc:
        raise InvalidInput(exc.key, field="founded", **exc.params) from None
    try:
        out["employees"] = values.parse_int(typed["employees"])
    except InvalidInput as exc:
        raise InvalidInput(exc.key, field="employees", **exc.params) from None
    if out["employees"] is not None and out["employees"] > 10_000_000:  # type: ignore[operator]
        raise InvalidInput("value.int_unreadable", field="employees", value=typed["employees"])
    out["registered_capital"] = typed["registered_capital"].strip() or None
    out["specialised"] = typed["specialised"] or None
    for f in FLAGS:
        out[f] = bool(typed[f])
    return {k: v for k, v in out.items() if k in allowed}


def _form(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    org: Organisation | None,
    typed: dict[str, str],
    problem: str | None = None,
    problem_field: str | None = None,
    status: int = 200,
):  # noqa: ANN202
    owner = principal.role == "enterprise"
    return render(
        request,
        "registry/form.html",
        status_code=status,
        org=org,
        typed=typed,
        problem=problem,
        problem_field=problem_field,
        owner_only=owner,
        owner_fields=service.OWNER_FIELDS,
        kinds=KINDS,
        specialised=SPECIALISED,
        parks=queries.list_parks(session),
        limits=LIMITS,
    )


def _typed_of(org: Organisation) -> dict[str, str]:
    return {
        "name": org.name,
        "name_en": org.name_en or "",
        "uscc": org.uscc or "",
        "website": org.website or "",
        "address": org.address or "",
        "description": org.description or "",
        "stock_code": org.stock_code or "",
        "kind": org.kind,
        "region": org.region_code or "",
        "park_id": str(org.park_id or ""),
        "industry_codes": " ".join(org.industry_codes),
        "founded": org.founded.isoformat() if org.founded else "",
        "registered_capital": (
            f"{org.registered_capital.normalize():f}"
            + ("" if org.capital_currency == "CNY" else org.capital_currency.lower())
            if org.registered_capital is not None
            else ""
        ),
        "employees": "" if org.employees is None else str(org.employees),
        "specialised": org.specialised or "",
        "high_tech": "on" if org.high_tech else "",
        "listed": "on" if org.listed else "",
        "above_scale": "on" if org.above_scale else "",
    }


def _require_creator(principal: Principal) -> None:
    if not (principal.is_admin or principal.role in ("regional_officer", "park_manager")):
        raise NotAllowed("registry.not_in_scope", region="—", park="—")


@router.get("/organisations/new", response_class=HTMLResponse)
def new_form(request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    _require_creator(principal)
    typed = dict.fromkeys(FIELDS, "")
    if principal.role == "park_manager" and principal.park_id:
        typed["park_id"] = str(principal.park_id)
    if principal.role == "regional_officer" and principal.region_codes:
        typed["region"] = principal.region_codes[0]
    return _form(request, session, principal, org=None, typed=typed)


@router.post("/organisations/new", response_class=HTMLResponse)
async def new_submit(request: Request, session: DB, principal: Writer):  # noqa: ANN201
    _require_creator(principal)
    typed = _typed(dict(await request.form()))
    try:
        from haihe.registry.schemas import OrganisationCreate

        data = _changes(typed, service.UPDATABLE)
        org = service.do_create_organisation(session, principal, OrganisationCreate(**data))
    except InvalidInput as exc:
        session.rollback()
        return _form(
            request,
            session,
            principal,
            org=None,
            typed=typed,
            problem=refusal(exc, request.state.lang),
            problem_field=exc.field,
            status=http_status(exc, page=True),
        )
    return RedirectResponse(f"/organisations/{org.id}", status_code=303)


def _editable(session: Session, principal: Principal, org_id: int) -> Organisation:
    org = queries.get_organisation(session, org_id)
    if not scopes.can_edit_organisation(principal, org.region_code, org.park_id, org.id):
        raise NotAllowed("registry.edit_not_allowed", name=org.name)
    return org


@router.get("/organisations/{org_id}/edit", response_class=HTMLResponse)
def edit_form(org_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    org = _editable(session, principal, org_id)
    return _form(request, session, principal, org=org, typed=_typed_of(org))


@router.post("/organisations/{org_id}/edit", response_class=HTMLResponse)
async def edit_submit(org_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    org = _editable(session, principal, org_id)
    form = dict(await request.form())
    typed = _typed(form)
    allowed = service.OWNER_FIELDS if principal.role == "enterprise" else service.UPDATABLE
    # Only what the form carried changes (a field left out is not emptied); unticked
    # boxes send nothing, so the attributes' fieldset says it was there.
    sent = {("region_code" if k == "region" else k) for k in form}
    if "attributes_shown" in form:
        sent |= set(FLAGS)
    try:
        changes = {k: v for k, v in _changes(typed, allowed).items() if k in sent}
        service.do_update_organisation(session, principal, org_id, changes)
    except InvalidInput as exc:
        session.rollback()
        org = queries.get_organisation(session, org_id)
        return _form(
            request,
            session,
            principal,
            org=org,
            typed=typed,
            problem=refusal(exc, request.state.lang),
            problem_field=exc.field,
            status=http_status(exc, page=True),
        )
    return RedirectResponse(f"/organisations/{org_id}", status_code=303)


@router.post("/organisations/{org_id}/claim", response_class=HTMLResponse)
async def claim(org_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    form = await request.form()
    message = str(form.get("message") or "")[: LIMITS["message"] + 1]
    try:
        service.do_claim_organisation(session, principal, org_id, message or None)
    except InvalidInput as exc:
        session.rollback()
        return RedirectResponse(
            f"/organisations/{org_id}?claim_problem={exc.key}#claims", status_code=303
        )
    return RedirectResponse(f"/organisations/{org_id}?claimed=1#claims", status_code=303)


@router.post("/organisations/{org_id}/claims/{claim_id}", response_class=HTMLResponse)
async def decide_claim(org_id: Id, claim_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    form = await request.form()
    decision = str(form.get("decision") or "")
    if decision not in ("approve", "reject"):
        raise InvalidInput("registry.claim_decided", field="claim", status=decision[:20])
    claim = service.do_decide_claim(session, principal, claim_id, decision == "approve")
    return RedirectResponse(f"/organisations/{claim.organisation_id}#claims", status_code=303)


@router.get("/organisations.xlsx")
def organisations_xlsx(
    q: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    park: Annotated[str | None, Query(max_length=12)] = None,
    industry: Annotated[str | None, Query(max_length=4)] = None,
    attribute: Annotated[str | None, Query(max_length=16)] = None,
    sort: Annotated[str | None, Query(max_length=16)] = None,
    request: Request = None,  # type: ignore[assignment]
) -> FileResponse:
    """The organisation list as the visitor filtered and sorted it, in the import's columns
    (at most 100,000 rows: the published profiles, as the list shows them)."""
    f = queries.OrganisationFilter(
        q=q or None,
        region=region or None,
        park_id=int(park) if park and is_digits(park) and int(park) < 2**31 else None,
        industry=industry or None,
        attribute=attribute or None,
        sort=sort or None,
    )
    folder = Path(tempfile.mkdtemp(prefix="haihe-export-"))
    path = folder / "organisations.xlsx"
    exports.export_organisations(request.app.state.engine, path, f, limit=100_000)
    return FileResponse(
        path,
        filename="haihe-organisations.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(lambda: (path.unlink(missing_ok=True), folder.rmdir())),
    )
