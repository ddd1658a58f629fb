"""Organisation and park pages: the organisation list (search, filters, paging), an
organisation's page (with the panels contexts above add, see registry/panels.py), the park
list and a park's page; the organisation import page (upload a file, see the report, fetch
the rows to fix) — who may import which rows is the registry's door
(`imports.do_import_organisations`) to decide."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core import importing, uploads
from haihe.core.errors import InvalidInput, Unavailable
from haihe.core.limits import is_digits
from haihe.core.settings import get_settings
from haihe.registry import imports, panels, queries
from haihe.web.auth import Reader, SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and is_digits(value) and int(value) <= 2_147_483_647 else None


@router.get("/organisations", response_class=HTMLResponse)
def organisation_list(
    request: Request,
    session: DB,
    q: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    park: Annotated[str | None, Query(max_length=12)] = None,
    industry: Annotated[str | None, Query(max_length=4)] = None,
    attribute: Annotated[str | None, Query(max_length=16)] = None,
    sort: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    f = queries.OrganisationFilter(
        q=q or None,
        region=region or None,
        park_id=_int_or_none(park),
        industry=industry or None,
        attribute=attribute or None,
        sort=sort or None,
    )
    result = queries.search_organisations(session, f, page=page, page_size=get_settings().page_size)
    lang = request.state.lang
    columns = panels.list_columns(session, [o.id for o in result.items], lang)
    return render(
        request,
        "registry/organisations.html",
        result=result,
        f=f,
        parks=queries.list_parks(session),
        chains_of=columns[0] if columns else {},
        attributes=queries.ATTRIBUTES,
        sorts=queries.SORTS,
    )


@router.get("/organisations/{org_id}", response_class=HTMLResponse)
def organisation_page(
    org_id: Id,
    request: Request,
    session: DB,
    principal: Reader,
    claimed: Annotated[str | None, Query(max_length=2)] = None,
    claim_problem: Annotated[str | None, Query(max_length=40)] = None,
):  # noqa: ANN201
    org = queries.get_organisation(session, org_id)
    claims = queries.claims_of(session, principal, org)
    return render(
        request,
        "registry/organisation.html",
        org=org,
        can_edit=scopes.can_edit_organisation(principal, org.region_code, org.park_id, org.id),
        can_claim=scopes.can_claim_organisation(principal, org.id)
        and not any(c.status == "pending" and c.user_id == principal.user_id for c in claims),
        can_decide=scopes.can_decide_claim(principal, org.region_code, org.park_id),
        claims=claims,
        claimants=queries.claimant_names(session, claims),
        claim_sent=bool(claimed),
        claim_problem=claim_problem if (claim_problem or "").startswith("registry.") else None,
        history=queries.organisation_history(session, principal, org),
        panels=panels.panels_for(session, principal, org, request.state.lang),
    )


@router.get("/parks", response_class=HTMLResponse)
def park_list(request: Request, session: DB):  # noqa: ANN201
    return render(request, "registry/parks.html", parks=queries.list_parks(session))


@router.get("/parks/{park_id}", response_class=HTMLResponse)
def park_page(
    park_id: Id,
    request: Request,
    session: DB,
    principal: Reader,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    summary = queries.get_park(session, park_id)
    result = queries.search_organisations(
        session,
        queries.OrganisationFilter(park_id=park_id),
        page=page,
        page_size=get_settings().page_size,
    )
    return render(
        request,
        "registry/park.html",
        summary=summary,
        result=result,
        key_enterprises=queries.key_enterprises(session, park_id),
        panels=panels.park_panels_for(session, principal, summary, request.state.lang),
    )


# The organisation import ----------------------------------------------------------

ALLOWED = (".csv", ".xlsx", ".txt")


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, principal: SignedIn):  # noqa: ANN201
    imports.require_importer(principal)
    running = importing.running_import(request.app.state.engine)
    return render(request, "registry/import.html", report=None, running=running)


@router.post("/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    principal: Writer,
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[bool, Form()] = False,
):  # noqa: ANN201
    imports.require_importer(principal)  # before the upload is stored
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED:
        return render(
            request,
            "registry/import.html",
            status_code=400,
            report=None,
            problem=InvalidInput("file.unsupported", suffix=suffix or name),
        )
    engine = request.app.state.engine
    upload = uploads.store(file.file, name, principal.user_id, engine)
    try:
        with importing.import_slot(engine, principal.username or "?", name):
            report = imports.do_import_organisations(
                engine, principal, upload.path, skip_invalid=skip_invalid
            )
    except Unavailable as busy:  # another import is running: the form again, saying so
        page = render(
            request,
            "registry/import.html",
            status_code=503,
            report=None,
            problem=busy,
            running=importing.running_import(engine),
        )
        page.headers["Retry-After"] = str(busy.params.get("retry_after", 30))
        return page
    finally:
        upload.discard()
    token = upload.token
    status = 200 if report.ok or report.committed else 400
    return render(
        request,
        "registry/import.html",
        status_code=status,
        report=report,
        token=token,
        filename=name,
    )


@router.get("/import/{token}/report.xlsx")
def import_report(request: Request, token: str, principal: SignedIn) -> FileResponse:
    """The rows to fix of an import, for the one who uploaded it (others: not found)."""
    path = uploads.report(token, principal.user_id, request.app.state.engine)
    return FileResponse(
        path,
        filename=path.name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
