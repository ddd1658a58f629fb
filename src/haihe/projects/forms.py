"""The projects' forms: add a project, correct one, and import a file of them on the web
as organisations are imported. A refused form comes back with what was typed and the
field named in words; nothing is saved. Amounts as people type them (1.2亿, 500万,
5,000,000). Who may do what is the projects service's to decide."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.chains.queries import chain_choices
from haihe.codes import regions
from haihe.core import importing, uploads
from haihe.core.errors import (
    Conflict,
    HaiheError,
    InvalidInput,
    NotAllowed,
    NotFound,
    Unavailable,
    http_status,
)
from haihe.core.i18n import t
from haihe.core.limits import is_digits
from haihe.fairs import queries as fairs
from haihe.matching import queries as matching
from haihe.projects import queries, service, transfer
from haihe.projects.models import TYPES
from haihe.projects.service import PartyInput, ProjectInput
from haihe.registry import panels as registry_panels
from haihe.registry import queries as registry
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]

LIMITS = {"code": 40, "title": 300, "title_en": 300, "officer": 100, "notes": 5000, "party": 300}
FIELDS = (
    "code",
    "title",
    "title_en",
    "project_type",
    "chain",
    "segment",
    "intended_investment",
    "contracted_investment",
    "invested_in_place",
    "landing_region",
    "landing_park_id",
    "fair_id",
    "officer",
    "notes",
    "signed_on",
    "party_1",
    "role_1",
    "party_2",
    "role_2",
)
ROLES = ("investor", "host", "partner")


def field_label(field: str | None, lang: str) -> str:
    if not field:
        return ""
    base = field.split("[")[0]
    key = f"projform.field.{'party_1' if base == 'parties' else base}"
    label = t(key, lang)
    return "" if label == key else label


def refusal(exc: HaiheError, lang: str) -> str:
    label = field_label(getattr(exc, "field", None), lang)
    if not label:
        return exc.message(lang)
    return f"{label}{'：' if lang == 'zh' else ': '}{exc.message(lang)}"


def _typed(form: dict) -> dict[str, str]:
    return {k: str(form.get(k) or "")[: LIMITS.get(k, 60) * 2] for k in FIELDS}


def _text(typed: dict[str, str], f: str) -> str | None:
    value = "".join(ch for ch in typed[f] if ch.isprintable() or ch in "\n\t").strip()
    if len(value) > LIMITS.get(f, 60):
        raise InvalidInput("registry.too_long", field=f, max=LIMITS.get(f, 60))
    return value or None


def _int(typed: dict[str, str], f: str, key: str) -> int | None:
    v = typed[f].strip()
    if not v:
        return None
    if not (is_digits(v) and 0 < int(v) < 2**31):
        raise InvalidInput(key, field=f, park=v[:12], value=v[:12])
    return int(v)


def _party(session: Session, typed: dict[str, str], n: int) -> PartyInput | None:
    """A party by USCC or registered name (then it is that organisation), else by name."""
    text = _text(typed, f"party_{n}")
    role = typed[f"role_{n}"] or "partner"
    if role not in ROLES:
        raise InvalidInput("projform.role_unknown", field=f"role_{n}", value=role[:20])
    if not text:
        return None
    org = registry.find_by_uscc(session, text) if len(text) == 18 else None
    if org is None:
        found = registry.find_by_name(session, text)
        org = found[0] if len(found) == 1 else None
    if org is not None:
        return PartyInput(organisation_id=org.id, role=role)
    return PartyInput(name=text, role=role)


def _input(session: Session, typed: dict[str, str]) -> ProjectInput:
    landing = typed["landing_region"].strip()
    landing_code = None
    if landing:
        found = regions.lookup(landing)
        if found is None:
            raise InvalidInput("projects.region_unknown", field="landing_region", value=landing)
        landing_code = found.code
    signed_on = None
    if typed["signed_on"].strip():
        try:
            signed_on = date.fromisoformat(typed["signed_on"].strip())
        except ValueError:
            raise InvalidInput(
                "projects.date_unreadable", field="signed_on", value=typed["signed_on"][:20]
            ) from None
    return ProjectInput(
        code=_text(typed, "code") or "",
        title=_text(typed, "title") or "",
        title_en=_text(typed, "title_en"),
        project_type=typed["project_type"] or "other",
        chain=typed["chain"] or None,
        segment=typed["segment"] or None,
        intended_investment=typed["intended_investment"] or None,  # type: ignore[arg-type]
        contracted_investment=typed["contracted_investment"] or None,  # type: ignore[arg-type]
        invested_in_place=typed["invested_in_place"] or None,  # type: ignore[arg-type]
        landing_region_code=landing_code,
        landing_park_id=_int(typed, "landing_park_id", "projects.park_unknown"),
        fair_id=_int(typed, "fair_id", "projform.fair_unknown"),
        officer=_text(typed, "officer"),
        notes=_text(typed, "notes"),
        signed_on=signed_on,
        parties=[p for p in (_party(session, typed, 1), _party(session, typed, 2)) if p],
    )


def _form(
    request: Request,
    session: Session,
    *,
    project: object | None,
    typed: dict[str, str],
    problem: str | None = None,
    problem_field: str | None = None,
    status: int = 200,
):  # noqa: ANN202
    return render(
        request,
        "projects/form.html",
        status_code=status,
        project=project,
        typed=typed,
        problem=problem,
        problem_field=(problem_field or "").split("[")[0],
        types=TYPES,
        roles=ROLES,
        chain_choices=chain_choices(session),
        parks=registry.list_parks(session),
        fairs=fairs.list_fairs(session),
        limits=LIMITS,
    )


def _require_creator(principal: Principal) -> None:
    if not scopes.can_import_projects(principal):  # whoever may edit some projects
        raise NotAllowed("projects.create_not_allowed")


@router.get("/projects/new", response_class=HTMLResponse)
def new_form(request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    _require_creator(principal)
    typed = dict.fromkeys(FIELDS, "")
    typed.update(role_1="investor", role_2="host", project_type="other")
    if principal.region_codes:
        typed["landing_region"] = principal.region_codes[0]
    if principal.park_id:
        typed["landing_park_id"] = str(principal.park_id)
    interest = request.query_params.get("interest", "")
    if is_digits(interest) and len(interest) < 10:  # from an accepted match: its two sides
        found = matching.interest_parties(session, principal, int(interest))
        if found:
            typed.update(match_interest_id=interest, party_1=found[0], party_2=found[1])
    return _form(request, session, project=None, typed=typed)


@router.post("/projects/new", response_class=HTMLResponse)
async def new_submit(request: Request, session: DB, principal: Writer):  # noqa: ANN201
    _require_creator(principal)
    form = dict(await request.form())
    typed = _typed(form)
    interest = str(form.get("match_interest_id") or "")[:10]
    typed["match_interest_id"] = interest
    try:
        data = _input(session, typed)
        if interest:
            if not is_digits(interest):
                raise InvalidInput(
                    "listings.interest_unknown", field="match_interest_id", id=interest
                )
            data.match_interest_id = int(interest)
        project = service.do_create_project(session, principal, data)
    except (InvalidInput, NotFound) as exc:
        session.rollback()
        return _form(
            request,
            session,
            project=None,
            typed=typed,
            problem=refusal(exc, request.state.lang),
            problem_field=getattr(exc, "field", None),
            status=400,
        )
    return RedirectResponse(f"/projects/{project.id}", status_code=303)


def _editable(session: Session, principal: Principal, project_id: int):  # noqa: ANN202
    view = queries.project_view(session, principal, project_id)
    if not view.can_edit:
        raise NotAllowed("projects.not_allowed", code=view.project.code)
    return view.project


def _typed_of(p) -> dict[str, str]:  # noqa: ANN001
    def amount(v: object) -> str:
        return "" if v is None else f"{v:f}"

    return dict.fromkeys(FIELDS, "") | {
        "code": p.code,
        "title": p.title,
        "title_en": p.title_en or "",
        "project_type": p.project_type,
        "chain": p.chain or "",
        "segment": p.segment or "",
        "contracted_investment": amount(p.contracted_investment),
        "invested_in_place": amount(p.invested_in_place),
        "landing_park_id": str(p.landing_park_id or ""),
        "officer": p.officer or "",
        "notes": p.notes or "",
        "version": str(p.version),
    }


@router.get("/projects/{project_id}/correct", response_class=HTMLResponse)
def edit_form(project_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    project = _editable(session, principal, project_id)
    return _form(request, session, project=project, typed=_typed_of(project))


@router.post("/projects/{project_id}/correct", response_class=HTMLResponse)
async def edit_submit(project_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    project = _editable(session, principal, project_id)
    form = dict(await request.form())
    typed = _typed(form) | {"code": project.code}
    version = str(form.get("version") or "")
    try:
        if not is_digits(version):
            raise InvalidInput("projform.version_missing", field="version")
        changes: dict[str, object] = {
            "title": _text(typed, "title") or "",
            "title_en": _text(typed, "title_en"),
            "project_type": typed["project_type"] or "other",
            "chain": typed["chain"] or None,
            "segment": typed["segment"] or None,
            "contracted_investment": typed["contracted_investment"] or None,
            "invested_in_place": typed["invested_in_place"] or None,
            "officer": _text(typed, "officer"),
            "notes": _text(typed, "notes"),
            "landing_park_id": _int(typed, "landing_park_id", "projects.park_unknown"),
        }
        service.do_update_project(session, principal, project_id, changes, version=int(version))
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        project = _editable(session, principal, project_id)
        return _form(
            request,
            session,
            project=project,
            typed=typed | {"version": version},
            problem=refusal(exc, request.state.lang),
            problem_field=getattr(exc, "field", None),
            status=http_status(exc, page=True),
        )
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


# The projects import, as the organisation import (registry/pages.py) -----------------

ALLOWED = (".xlsx", ".csv")


@router.get("/projects/import", response_class=HTMLResponse)
def import_form(request: Request, principal: SignedIn):  # noqa: ANN201
    transfer.require_project_importer(principal)
    return render(request, "projects/import.html", report=None)


@router.post("/projects/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    principal: Writer,
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[bool, Form()] = False,
):  # noqa: ANN201
    transfer.require_project_importer(principal)  # before the upload is stored
    name = Path(file.filename or "upload.xlsx").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED:
        return render(
            request,
            "projects/import.html",
            status_code=400,
            report=None,
            problem=InvalidInput("file.unsupported", suffix=suffix or name),
        )
    engine = request.app.state.engine
    upload = uploads.store(file.file, name, principal.user_id, engine)
    try:
        with importing.import_slot(engine, principal.username or "?", name):
            report = transfer.do_import_projects(
                engine, principal, upload.path, skip_invalid=skip_invalid
            )
    except Unavailable as busy:  # another import is running: the form again, saying so
        page = render(request, "projects/import.html", status_code=503, report=None, problem=busy)
        page.headers["Retry-After"] = str(busy.params.get("retry_after", 30))
        return page
    finally:
        upload.discard()
    token = upload.token
    status = 200 if report.ok or report.committed else 400
    return render(
        request,
        "projects/import.html",
        status_code=status,
        report=report,
        token=token,
        filename=name,
    )


@router.get("/projects/import/template.xlsx")
def import_template(request: Request, principal: SignedIn) -> FileResponse:
    """The columns the projects import reads, as an empty workbook to fill in."""
    transfer.require_project_importer(principal)
    from openpyxl import Workbook

    folder = Path(tempfile.mkdtemp(prefix="haihe-template-"))
    path = folder / "projects-template.xlsx"
    wb = Workbook()
    wb.active.append(list(transfer.EXPORT_HEADERS))
    wb.save(path)
    return FileResponse(
        path,
        filename="haihe-projects-template.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


# A park's projects and their figures, on the park's page -------------------------------


@registry_panels.register_park
def park_projects_panel(session: Session, principal, park, lang: str):  # noqa: ANN001, ANN201
    """The cluster figures of the projects landing in the park (published figures), and
    for a signed-in reader the first of those projects they may read."""
    from haihe.projects import figures

    f = figures.compute(
        session,
        figures.FigureFilter(park_id=park.id),
        thresholds=figures.stall_thresholds(),
        private_scope=queries.read_scope(principal),  # in-place sums: whole cells only
    )
    items, total = ([], 0)
    if principal.authenticated:
        items, total = queries.list_projects(
            session, principal, figures.FigureFilter(park_id=park.id), None, page=1, page_size=10
        )
    return registry_panels.Panel(
        "projects/park_panel.html",
        {
            "park_figures": f,
            "park_projects": items,
            "park_projects_total": total,
            "park_id": park.id,
        },
    )
