"""The leads' pages: the officer's list (overdue next steps first), a lead's page with its
steps, next step, attachments and history, the form to start one, the figures with their
XLSX, the import, and the sections leads add to the chain page, the organisation page and
the dashboard."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.chains import panels as chain_panels
from haihe.chains.queries import chain_choices
from haihe.codes import regions
from haihe.core import attachments
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, http_status
from haihe.core.i18n import t
from haihe.core.limits import is_digits
from haihe.core.panels import Panel
from haihe.leads import figures, flow, queries, service, transfer
from haihe.leads.models import SOURCES
from haihe.leads.schemas import LeadQuery
from haihe.registry import panels as organisation_panels
from haihe.registry import queries as registry
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]
Filters = Annotated[LeadQuery, Query()]
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _worker(principal: Principal) -> None:
    if not scopes.can_work_leads(principal):
        raise NotAllowed("leads.not_for_you")


class LeadPage:
    def __init__(self, items: list, total: int, page: int, page_size: int) -> None:
        self.items, self.total, self.page, self.page_size = items, total, page, page_size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _names(session: Session, lang: str) -> dict:
    """Chain and segment names for the templates: chain key → choice."""
    return {c.key: c for c in chain_choices(session)}


@router.get("/leads", response_class=HTMLResponse)
def lead_list(
    request: Request,
    session: DB,
    params: Filters,
    principal: SignedIn,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    _worker(principal)
    today = date.today()
    items, total = queries.list_leads(
        session, principal, params.parsed(), page=page, page_size=PAGE_SIZE, today=today
    )
    return render(
        request,
        "leads/list.html",
        result=LeadPage(items, total, page, PAGE_SIZE),
        params=params,
        chains=_names(session, request.state.lang),
        overdue={x.id for x in items if queries.is_overdue(x, today)},
        statuses=flow.STATUSES,
    )


def _form(
    request: Request,
    session: Session,
    values: dict,
    problem: str | None = None,
    status: int = 200,
):  # noqa: ANN202
    org = None
    if values.get("organisation_id"):
        try:
            org = registry.get_organisation(session, int(values["organisation_id"]))
        except Exception:  # noqa: BLE001 - a bad id in the query: the form asks for one
            org = None
    return render(
        request,
        "leads/new.html",
        status_code=status,
        v=values,
        org=org,
        chains=chain_choices(session),
        parks=registry.list_parks(session),
        sources=SOURCES,
        problem=problem,
        today=date.today().isoformat(),
    )


@router.get("/leads/new", response_class=HTMLResponse)
def new_lead(
    request: Request,
    session: DB,
    principal: SignedIn,
    organisation: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    chain: Annotated[str | None, Query(max_length=64)] = None,
    segment: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=6)] = None,
    source: Annotated[str | None, Query(max_length=16)] = None,
    interest: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
):  # noqa: ANN201
    """The form to start a lead, filled in from where it was started (a gap's candidate,
    an organisation's page) or empty (by hand)."""
    _worker(principal)
    default_region = next(iter(principal.region_codes), None) or "120000"
    return _form(
        request,
        session,
        {
            "organisation_id": organisation or "",
            "chain": chain or "",
            "segment": segment or "",
            "region_code": region or default_region,
            "source": source if source in SOURCES else ("gap_list" if chain else "manual"),
            "officer": principal.username,
            "match_interest_id": interest or "",
        },
    )


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("leads.date_unreadable", field=field, value=value) from None


@router.post("/leads", response_class=HTMLResponse)
def create_lead(
    request: Request,
    session: DB,
    principal: Writer,
    organisation_id: Annotated[str, Form(max_length=12)] = "",
    target: Annotated[str, Form(max_length=200)] = "",
    chain_segment: Annotated[str, Form(max_length=130)] = "",
    region_code: Annotated[str, Form(max_length=40)] = "",
    park_id: Annotated[str, Form(max_length=12)] = "",
    officer: Annotated[str, Form()] = "",
    source: Annotated[str, Form(max_length=16)] = "manual",
    notes: Annotated[str, Form()] = "",
    next_step: Annotated[str, Form()] = "",
    next_step_on: Annotated[str, Form(max_length=10)] = "",
    match_interest_id: Annotated[str, Form(max_length=10)] = "",
):  # noqa: ANN201
    chain, _, segment = chain_segment.partition("/")
    values = {
        "organisation_id": organisation_id,
        "target": target,
        "chain": chain,
        "segment": segment,
        "region_code": region_code,
        "park_id": park_id,
        "officer": officer,
        "source": source,
        "notes": notes,
        "next_step": next_step,
        "next_step_on": next_step_on,
        "match_interest_id": match_interest_id,
    }
    try:
        org_id: object = organisation_id.strip() or None
        if org_id is None and target.strip():
            found = registry.find_by_name(session, target.strip())
            if len(found) != 1:
                raise InvalidInput(
                    "leads.organisation_unknown" if not found else "leads.organisation_ambiguous",
                    field="organisation_id",
                    value=target.strip(),
                )
            org_id = found[0].id
        elif org_id is not None and not is_digits(str(org_id)):
            raise InvalidInput("leads.organisation_unknown", field="organisation_id", value=org_id)
        lead = service.do_create_lead(
            session,
            principal,
            service.LeadInput(
                organisation_id=int(org_id) if org_id is not None else None,
                chain=chain,
                segment=segment,
                region_code=region_code,
                park_id=park_id or None,
                officer=officer or None,
                source=source,
                notes=notes or None,
                next_step=next_step or None,
                next_step_on=_date(next_step_on, "next_step_on"),
                match_interest_id=int(match_interest_id) if is_digits(match_interest_id) else None,
            ),
        )
    except InvalidInput as exc:
        session.rollback()
        return _form(request, session, values, exc.message(request.state.lang), 400)
    return RedirectResponse(f"/leads/{lead.id}", status_code=303)


def lead_page(
    request: Request,
    session: Session,
    principal: Principal,
    lead_id: int,
    problem: str | None = None,
    status: int = 200,
):  # noqa: ANN201
    """A lead's page (also shown again, with `problem`, when a change was refused)."""
    view = queries.lead_view(session, principal, lead_id)
    lead = view.lead
    choice = next((c for c in chain_choices(session) if c.key == lead.chain), None)
    park = None
    if lead.park_id:
        park = next((p for p in registry.list_parks(session) if p.id == lead.park_id), None)
    return render(
        request,
        "leads/lead.html",
        status_code=status,
        view=view,
        lead=lead,
        chain=choice,
        segment=choice.segment(lead.segment) if choice else None,
        park=park,
        problem=problem,
        today=date.today().isoformat(),
        needs_reason={s: flow.needs_reason(lead.status, s) for s in view.next_statuses},
        history_lines=[(h, _said(h, request.state.lang)) for h in view.history],
    )


def _said(h, lang: str) -> str:  # noqa: ANN001
    """A history row in words (statuses and dates, never field names)."""
    import json

    d = json.loads(h.detail or "{}")
    name = lambda s: t(f"leads.status.{s}", lang) if s else ""  # noqa: E731
    if h.action == "status":
        said = f"{name(d.get('from'))} → {name(d.get('to'))} · {d.get('on')}"
        extra = "；".join(x for x in (d.get("reason"), d.get("note")) if x)
        return f"{said} · {extra}" if extra else said
    if h.action == "next_step":
        after = d.get("after") or {}
        return f"{after.get('next_step') or '—'} · {after.get('next_step_on') or ''}"
    if h.action == "attachment":
        return str(d.get("file", ""))
    if h.action == "converted":
        return str(d.get("code", ""))
    if h.action == "update":
        after = d.get("after") or {}
        return " · ".join(str(v) for v in after.values() if v)
    return ""


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_detail(lead_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    return lead_page(request, session, principal, lead_id)


def _refused(request, session, principal, lead_id, exc):  # noqa: ANN001, ANN202
    session.rollback()
    return lead_page(
        request,
        session,
        principal,
        lead_id,
        exc.message(request.state.lang),
        http_status(exc, page=True),
    )


@router.post("/leads/{lead_id}/status", response_class=HTMLResponse)
def lead_status(
    lead_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    status: Annotated[str, Form(max_length=16)],
    on: Annotated[str, Form(max_length=10)],
    version: Annotated[int, Form()],
    note: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
):  # noqa: ANN201
    try:
        day = _date(on, "on")
        if day is None:
            raise InvalidInput("leads.date_unreadable", field="on", value=on)
        service.do_change_status(
            session, principal, lead_id, status, day, note=note, reason=reason, version=version
        )
    except (InvalidInput, Conflict) as exc:
        return _refused(request, session, principal, lead_id, exc)
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.post("/leads/{lead_id}/next-step", response_class=HTMLResponse)
def lead_next_step(
    lead_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    version: Annotated[int, Form()],
    next_step: Annotated[str, Form()] = "",
    on: Annotated[str, Form(max_length=10)] = "",
):  # noqa: ANN201
    try:
        service.do_set_next_step(
            session, principal, lead_id, next_step or None, _date(on, "on"), version=version
        )
    except (InvalidInput, Conflict) as exc:
        return _refused(request, session, principal, lead_id, exc)
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.post("/leads/{lead_id}/edit", response_class=HTMLResponse)
def lead_edit(
    lead_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    version: Annotated[int, Form()],
    officer: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
):  # noqa: ANN201
    try:
        service.do_update_lead(
            session, principal, lead_id, officer=officer or None, notes=notes, version=version
        )
    except (InvalidInput, Conflict) as exc:
        return _refused(request, session, principal, lead_id, exc)
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.post("/leads/{lead_id}/attachments", response_class=HTMLResponse)
async def lead_attach(
    lead_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    file: Annotated[UploadFile, File()],
):  # noqa: ANN201
    data = await file.read(service.MAX_ATTACHMENT_BYTES + 1)
    try:
        service.do_add_attachment(
            session,
            principal,
            lead_id,
            file.filename or "",
            file.content_type or "application/octet-stream",
            data,
        )
    except InvalidInput as exc:
        return _refused(request, session, principal, lead_id, exc)
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.get("/leads/{lead_id}/attachments/{attachment_id}")
def lead_attachment(lead_id: Id, attachment_id: Id, session: DB, principal: SignedIn) -> Response:
    att = queries.attachment(session, principal, lead_id, attachment_id)
    return Response(
        att.data,
        media_type=attachments.served_type(att.content_type),
        headers=attachments.download_headers(att.filename),
    )


# Figures, export, import -----------------------------------------------------------------


def figure_sheets(f: figures.LeadFigures, lang: str) -> dict:
    """The figures as sheets: the same numbers as the page and the API."""
    cols = ["total", "open", "overdue", "signed", "dropped", "converted"]
    head = [t(f"leads.fig.{c}", lang) for c in cols]

    def rows(rs: list[figures.Row]) -> list[list]:
        return [[r.key, *(getattr(r, c) for c in cols)] for r in rs]

    summary = [
        [t("leads.fig.conversion_share", lang), round(f.conversion_share, 4)],
        [t("leads.fig.days_median", lang), f.days_to_signing_median],
        [t("leads.fig.days_mean", lang), f.days_to_signing_mean],
        *([[t(f"leads.fig.{c}", lang), getattr(f.total, c)] for c in cols]),
    ]
    cover = [
        [c.chain, c.region, len(c.gaps), len(c.worked), round(c.share, 4), " ".join(c.worked)]
        for c in f.coverage
    ]
    return {
        t("leads.fig.summary", lang): (
            [t("leads.fig.what", lang), t("leads.fig.value", lang)],
            summary,
        ),
        t("leads.by_chain", lang): ([t("leads.chain", lang), *head], rows(f.by_chain)),
        t("leads.by_segment", lang): ([t("leads.segment", lang), *head], rows(f.by_segment)),
        t("leads.by_region", lang): ([t("leads.region", lang), *head], rows(f.by_region)),
        t("leads.by_officer", lang): ([t("leads.officer", lang), *head], rows(f.by_officer)),
        t("leads.coverage", lang): (
            [
                t("leads.chain", lang),
                t("leads.region", lang),
                t("leads.fig.gaps", lang),
                t("leads.fig.worked", lang),
                t("leads.fig.share", lang),
                t("leads.segment", lang),
            ],
            cover,
        ),
    }


GapRegion = Annotated[str | None, Query(max_length=6, pattern=r"^\d{6}$")]


@router.get("/leads-figures", response_class=HTMLResponse)
def lead_figures(
    request: Request,
    session: DB,
    params: Filters,
    principal: SignedIn,
    gap_region: GapRegion = None,
):  # noqa: ANN201
    _worker(principal)
    f = figures.compute(session, principal, params.parsed(), gap_region=gap_region)
    return render(
        request,
        "leads/figures.html",
        f=f,
        params=params,
        chains=_names(session, request.state.lang),
        gap_region=f.gap_region,
    )


@router.get("/leads-figures.xlsx")
def lead_figures_xlsx(
    request: Request,
    session: DB,
    params: Filters,
    principal: SignedIn,
    gap_region: GapRegion = None,
) -> Response:
    _worker(principal)
    f = figures.compute(session, principal, params.parsed(), gap_region=gap_region)
    return Response(
        transfer.text_workbook(figure_sheets(f, request.state.lang)),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="haihe-lead-figures.xlsx"'},
    )


@router.get("/leads.xlsx")
def leads_xlsx(session: DB, params: Filters, principal: SignedIn) -> Response:
    _worker(principal)
    content = transfer.export_workbook(session, principal, params.parsed())
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="haihe-leads.xlsx"'},
    )


@router.get("/leads-import", response_class=HTMLResponse)
def import_form(request: Request, principal: SignedIn):  # noqa: ANN201
    _worker(principal)
    return render(request, "leads/import.html", report=None)


@router.post("/leads-import", response_class=HTMLResponse)
async def import_file(
    request: Request,
    principal: Writer,
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[str | None, Form(max_length=2)] = None,
):  # noqa: ANN201
    _worker(principal)
    name = Path((file.filename or "leads.xlsx").replace("\\", "/")).name or "leads.xlsx"
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("upload" + (suffix if suffix in (".xlsx", ".csv") else ".xlsx"))
        path.write_bytes(await file.read(50 * 2**20))
        report = transfer.do_import_leads(
            request.app.state.engine, principal, path, skip_invalid=bool(skip_invalid)
        )
        report.report_path = None  # the page lists the rows to fix itself
    status = 200 if report.ok or report.committed else 400
    return render(request, "leads/import.html", status_code=status, report=report)


# What leads add to other pages -------------------------------------------------------------


@chain_panels.register
def chain_panel(session: Session, principal: Principal, chain_key: str, lang: str) -> Panel | None:
    """Beside a chain's gaps: how many of them are being worked on, in each home province,
    and the open leads on the chain (for those who work leads)."""
    if not scopes.can_work_leads(principal):
        return None
    provinces = [r.code for r in regions.home_provinces()]
    cover = [figures.chain_coverage(session, principal, p, chain_key)[0] for p in provinces]
    items, total = queries.list_leads(
        session, principal, queries.LeadFilter(chain=chain_key, status="open"), page_size=10
    )
    return Panel(
        "leads/chain_panel.html",
        {"chain": chain_key, "coverage": cover, "items": items, "total": total},
    )


@organisation_panels.register
def organisation_panel(session: Session, principal: Principal, org, lang: str) -> Panel | None:  # noqa: ANN001
    """On an organisation's page: its leads and the button to start one (for those who
    work leads; enterprises never see leads, their own or others')."""
    if not scopes.can_work_leads(principal):
        return None
    items, total = queries.list_leads(
        session, principal, queries.LeadFilter(organisation_id=org.id), page_size=20
    )
    return Panel("leads/organisation_panel.html", {"items": items, "total": total})


def dashboard_panel(session: Session, principal: Principal, lang: str) -> Panel | None:
    """The dashboard's leads section: open, overdue, signed, converted, gaps worked on
    (Tianjin by default), for those who work leads."""
    if not scopes.can_work_leads(principal):
        return None
    f = figures.compute(session, principal, queries.LeadFilter())
    return Panel(
        "leads/dashboard_panel.html", {"f": f, "chains": {c.key: c for c in chain_choices(session)}}
    )
