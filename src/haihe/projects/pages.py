"""The projects' pages: the dashboard (the home page) with its briefing and XLSX, the
project list (the projects behind a figure), a project's page with its milestones, and
the projects panels on a chain's and an organisation's page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import panels
from haihe.chains.queries import chain_choices
from haihe.core import attachments
from haihe.core.errors import Conflict, InvalidInput, http_status
from haihe.core.i18n import t
from haihe.core.limits import is_digits
from haihe.fairs import panels as fair_panels
from haihe.fairs import queries as fairs
from haihe.leads import pages as lead_pages
from haihe.leads import queries as lead_queries
from haihe.matching import queries as matching
from haihe.projects import figures, lifecycle, queries, report, service
from haihe.projects.figures import FigureFilter
from haihe.projects.schemas import FigureQuery
from haihe.registry import panels as organisation_panels
from haihe.web.auth import Reader, SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import embedded_json, render

router = APIRouter(include_in_schema=False)
Filters = Annotated[FigureQuery, Query()]
DB = Annotated[Session, Depends(db, scope="function")]
PAGE_SIZE = 50


class ProjectPage:
    """One page of a project list, as the pager template reads it."""

    def __init__(self, items: list, total: int, page: int, page_size: int) -> None:
        self.items, self.total, self.page, self.page_size = items, total, page, page_size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# The dashboard ---------------------------------------------------------------------------


def _yi(amount: Decimal | None) -> float | None:
    """Hundred millions of yuan for a chart; None (no bar) for a withheld private sum."""
    return None if amount is None else float(amount / 10**8)


def _dashboard(session: Session, params: FigureQuery, lang: str, principal: Principal) -> dict:
    view = queries.dashboard(session, principal, params.parsed())
    board = view.board
    names = {c.key: c.name(lang) for c in chain_choices(session)}
    yi = 10**9 if lang == "en" else 10**8  # the unit the labels name: billion yuan / 亿元
    charts = {
        "funnel": [{"name": t(f"funnel.{k}", lang), "value": v} for k, v in view.funnel],
        "chains": {
            "labels": [names.get(b.key, b.key) if b.key else "—" for b in board.chains],
            "intended": [float(b.intended / yi) for b in board.chains],
            "in_place": [_yi(b.in_place) for b in board.chains],
        },
        "pairs": {
            "labels": [report.pair_label(b.key, lang) for b in board.pairs],
            "intended": [float(b.intended / yi) for b in board.pairs],
            "in_place": [_yi(b.in_place) for b in board.pairs],
        },
        "months": {
            "labels": [b.key for b in board.months],
            "signed": [b.signed for b in board.months],
            "intended": [float(b.intended / yi) for b in board.months],
        },
        "labels": {
            "intended": t("figures.intended_investment", lang) + t("unit.yi", lang),
            "in_place": t("figures.invested_in_place", lang) + t("unit.yi", lang),
            "signed": t("figures.signed", lang),
        },
    }
    return {
        "fig": board.figures,
        "stalled": view.stalled,
        "stalled_total": view.stalled_total,
        "stalled_scope": view.stalled_scope,
        "chains": board.chains,
        "pairs": board.pairs,
        "months": board.months,
        "funnel": view.funnel,
        "charts_json": embedded_json(charts),
        "params": params,
        "fairs": fairs.list_fairs(session),
        "chain_choices": chain_choices(session),
        "pair_label": lambda k: report.pair_label(k, lang),
        "today": date.today().isoformat(),
        "covers": report.filter_description(session, params.parsed(), lang),
    }


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: DB, params: Filters, principal: Reader):  # noqa: ANN201
    state = request.app.state  # the registry's totals, kept by the shell (web/kept.py)
    return render(
        request,
        "projects/dashboard.html",
        **_dashboard(session, params, request.state.lang, principal),
        overview=state.registry_counts.get(state.engine),
        lead_panel=lead_pages.dashboard_panel(session, principal, request.state.lang),
    )


@router.get("/briefing", response_class=HTMLResponse)
def briefing(request: Request, session: DB, params: Filters, principal: Reader):  # noqa: ANN201
    """A printable one-page briefing (Chinese by default, like the reports officials file)."""
    return render(
        request,
        "projects/briefing.html",
        **_dashboard(session, params, request.state.lang, principal),
    )


@router.get("/dashboard.xlsx")
def dashboard_xlsx(request: Request, session: DB, params: Filters, principal: Reader) -> Response:
    content = report.dashboard_workbook(session, principal, params.parsed(), request.state.lang)
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="haihe-dashboard.xlsx"'},
    )


# Projects --------------------------------------------------------------------------------


@router.get("/projects", response_class=HTMLResponse)
def project_list(
    request: Request,
    session: DB,
    params: Filters,
    principal: SignedIn,
    figure: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    items, total = queries.list_projects(
        session, principal, params.parsed(), figure or None, page=page, page_size=PAGE_SIZE
    )
    return render(
        request,
        "projects/list.html",
        result=ProjectPage(items, total, page, PAGE_SIZE),
        figure=figure,
        params=params,
        fairs=fairs.list_fairs(session),
        chain_choices=chain_choices(session),
    )


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    project_id: int,
    problem: str | None = None,
    status: int = 200,
):  # noqa: ANN202
    view = queries.project_view(session, principal, project_id, lang=request.state.lang)
    return render(
        request,
        "projects/project.html",
        status_code=status,
        p=view.project,
        view=view,
        allowed=view.allowed,
        back=view.back,
        stalled_over=view.stalled_over,
        history=view.history,
        attachments=view.attachments,
        problem=problem,
        today=date.today().isoformat(),
        can_edit=view.can_edit,
        private=view.private,
        from_lead=lead_queries.lead_label(session, principal, view.project.lead_id)
        if view.project.lead_id
        else None,
        from_match=matching.interest_label(session, principal, view.project.match_interest_id)
        if view.project.match_interest_id
        else None,
    )


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    project_id: int,
    exc: InvalidInput | Conflict,
):  # noqa: ANN202
    """The project page again, saying why the change was refused (nothing was saved)."""
    session.rollback()
    message = exc.message(request.state.lang)
    return _page(request, session, principal, project_id, message, http_status(exc, page=True))


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(project_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    return _page(request, session, principal, project_id)


@router.post("/projects/{project_id}/milestones", response_class=HTMLResponse)
def project_milestone(
    project_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    kind: Annotated[str, Form()],
    on: Annotated[str, Form()],
    version: Annotated[int, Form()],
    evidence: Annotated[str | None, Form()] = None,
    reason: Annotated[str | None, Form()] = None,
    target: Annotated[str | None, Form()] = None,
):  # noqa: ANN201
    """Record a milestone, go back to a stage, or cancel, as the signed-in user."""
    try:
        try:
            day = date.fromisoformat(on)
        except ValueError as exc:
            raise InvalidInput("projects.date_unreadable", field="on", value=on) from exc
        if kind == "go_back":
            service.do_go_back_to_stage(
                session, principal, project_id, target or "", reason or "", version=version
            )
        elif kind == lifecycle.CANCELLED:
            service.do_cancel_project(
                session, principal, project_id, day, reason or "", version=version
            )
        else:
            service.do_record_milestone(
                session, principal, project_id, kind, day, evidence=evidence, version=version
            )
    except (InvalidInput, Conflict) as exc:
        return _refused(request, session, principal, project_id, exc)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/edit", response_class=HTMLResponse)
def project_edit(
    project_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    version: Annotated[int, Form()],
    officer: Annotated[str | None, Form()] = None,
    invested_in_place: Annotated[str | None, Form()] = None,
    notes: Annotated[str | None, Form()] = None,
):  # noqa: ANN201
    changes: dict[str, object] = {"officer": officer or None, "notes": notes or None}
    if invested_in_place:
        changes["invested_in_place"] = invested_in_place
    try:
        service.do_update_project(session, principal, project_id, changes, version=version)
    except (InvalidInput, Conflict) as exc:
        return _refused(request, session, principal, project_id, exc)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/attachments", response_class=HTMLResponse)
async def project_attach(
    project_id: Id,
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
            project_id,
            file.filename or "",
            file.content_type or "application/octet-stream",
            data,
        )
    except InvalidInput as exc:
        return _refused(request, session, principal, project_id, exc)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.get("/projects/{project_id}/attachments/{attachment_id}")
def project_attachment(
    project_id: Id, attachment_id: Id, session: DB, principal: SignedIn
) -> Response:
    """The file as a download, never as a page or script of this site: a content type from
    a short list of inert ones (else application/octet-stream; never the uploader's word
    for HTML, SVG or script), nosniff, and a policy that lets it run nothing even if a
    browser opened it in place."""
    att = queries.attachment(session, principal, project_id, attachment_id)
    return Response(
        att.data,
        media_type=attachments.served_type(att.content_type),
        headers=attachments.download_headers(att.filename),
    )


# The projects on a chain's page ----------------------------------------------------------


@panels.register
def chain_panel(session: Session, principal: Principal, chain_key: str, lang: str) -> panels.Panel:
    """The projects on the chain that the reader may read, with their count; anonymous
    visitors get a hint to sign in (project lists need an account)."""
    if not principal.authenticated:
        context = {"signed_in": False, "chain": chain_key, "items": [], "total": 0}
    else:
        items, total = queries.chain_projects(session, principal, chain_key)
        context = {"signed_in": True, "chain": chain_key, "items": items, "total": total}
    return panels.Panel("projects/chain_panel.html", {"chain_projects": context})


@organisation_panels.register
def organisation_panel(
    session: Session,
    principal: Principal,
    org,
    lang: str,  # noqa: ANN001
) -> organisation_panels.Panel:
    """The cooperation projects the organisation is a party to (its role in each), those
    the reader may read; anonymous visitors get a hint to sign in."""
    items, total = queries.organisation_projects(session, principal, org.id)
    fair_ids = {p.fair_id for p, _ in items if p.fair_id}
    context = {
        "signed_in": principal.authenticated,
        "org_id": org.id,
        "items": items,
        "total": total,
        "fairs": {f.id: f for f in fairs.list_fairs(session) if f.id in fair_ids},
    }
    return organisation_panels.Panel("projects/organisation_panel.html", {"org_projects": context})


# A signed investment lead becomes a project ----------------------------------------------


@router.post("/leads/{lead_id}/convert", response_class=HTMLResponse)
def convert_lead(
    lead_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    code: Annotated[str, Form(max_length=40)],
    title: Annotated[str, Form(max_length=300)],
    intended_investment: Annotated[str, Form(max_length=30)] = "0",
    project_type: Annotated[str, Form(max_length=32)] = "other",
    host_organisation_id: Annotated[str | None, Form(max_length=12)] = None,
):  # noqa: ANN201
    """The lead's page converts it; refused (the lead page again, saying why) when the
    lead is not signed, already a project, or the project's fields are wrong."""
    try:
        host = None
        if host_organisation_id and host_organisation_id.strip():
            if not is_digits(host_organisation_id.strip()):
                raise InvalidInput(
                    "leads.host_unreadable",
                    field="host_organisation_id",
                    value=host_organisation_id,
                )
            host = int(host_organisation_id)
        project = service.do_convert_lead(
            session,
            principal,
            lead_id,
            service.ConversionInput(
                code=code,
                title=title,
                intended_investment=intended_investment or "0",
                project_type=project_type,
                host_organisation_id=host,
            ),
        )
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return lead_pages.lead_page(
            request,
            session,
            principal,
            lead_id,
            exc.message(request.state.lang),
            http_status(exc, page=True),
        )
    return RedirectResponse(f"/projects/{project.id}", status_code=303)


# The figures of the projects signed at a fair, on the fair's page -------------------------


@fair_panels.register
def fair_panel(session: Session, principal: Principal, fair, lang: str) -> fair_panels.Panel:  # noqa: ANN001
    """The published figures of the projects signed at the fair (the same rules as the
    dashboard's cards); signed-in readers also get the link to the list behind them."""
    f = FigureFilter(fair_id=fair.id)
    fig = figures.compute(session, f, thresholds=figures.stall_thresholds())
    context = {"fair_id": fair.id, "fig": fig, "signed_in": principal.authenticated}
    return fair_panels.Panel("projects/fair_panel.html", {"fair_projects": context})
