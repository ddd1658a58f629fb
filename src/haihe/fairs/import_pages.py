"""The organiser's import page for a fair (participants, requests), the six-month survey
page (a participant answers its own questions; the organiser sees all and opens it) and
the "six months on" section of the fair's page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import Principal
from haihe.core import importing, uploads
from haihe.core.errors import InvalidInput, NotAllowed, NotFound, Unavailable
from haihe.core.i18n import t
from haihe.fairs import api, imports, panels, queries, surveys
from haihe.fairs.service import OUTCOMES
from haihe.web.auth import SignedIn, Writer
from haihe.web.deps import Id, db
from haihe.web.templating import render


def _labels(lang: str) -> dict[str, str]:
    """Each outcome in words."""
    return {o: t(f"fairs.outcome_{o}", lang) for o in OUTCOMES}


router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]


def _organiser(session: Session, principal: Principal, fair_id: int):  # noqa: ANN202
    fair = queries.get_fair(session, fair_id)  # NotFound
    if not scopes.can_organise_fair(principal, fair_id):
        raise NotAllowed("fairs.organise_not_allowed")
    return fair


@router.get("/fairs/{fair_id}/import", response_class=HTMLResponse)
def import_form(fair_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    fair = _organiser(session, principal, fair_id)
    return render(request, "fairs/import.html", fair=fair, report=None, kind="participants")


@router.post("/fairs/{fair_id}/import", response_class=HTMLResponse)
def import_upload(
    fair_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(max_length=20)] = "participants",
):  # noqa: ANN201
    fair = _organiser(session, principal, fair_id)  # before the upload is stored
    kind = kind if kind in imports.KINDS else "participants"
    name = Path(file.filename or "upload.xlsx").name
    suffix = Path(name).suffix.lower()
    page = {"fair": fair, "kind": kind, "report": None}
    if suffix not in (".xlsx", ".csv"):
        problem = InvalidInput("file.unsupported", suffix=suffix[:10] or name[:40])
        return render(request, "fairs/import.html", status_code=400, problem=problem, **page)
    engine = request.app.state.engine
    upload = uploads.store(file.file, name, principal.user_id, engine)
    try:
        with importing.import_slot(engine, principal.username or "?", name):
            report = imports.do_import(engine, principal, fair_id, kind, upload.path)
    except Unavailable as busy:
        out = render(request, "fairs/import.html", status_code=503, problem=busy, **page)
        out.headers["Retry-After"] = str(busy.params.get("retry_after", 30))
        return out
    finally:
        upload.discard()
    page["report"] = report
    status = 200 if report.committed else 400
    return render(request, "fairs/import.html", status_code=status, **page)


@router.get("/fairs/{fair_id}/survey", response_class=HTMLResponse)
def survey_page(fair_id: Id, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    who = api._who(session, principal, fair_id)
    fair = queries.get_fair(session, fair_id)
    return render(
        request,
        "fairs/survey.html",
        fair=fair,
        items=surveys.list_surveys(session, fair_id, who),
        organiser=who is None,
        outcomes=OUTCOMES,
        labels=_labels(request.state.lang),
        opens=surveys.survey_opens_on(fair.ends_on),
        problem=None,
    )


@router.post("/fairs/{fair_id}/survey", response_class=HTMLResponse)
def survey_open(fair_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    surveys.do_open_survey(session, principal, fair_id)
    return RedirectResponse(f"/fairs/{fair_id}/survey", status_code=303)


@router.post("/fairs/{fair_id}/survey/{survey_id}", response_class=HTMLResponse)
def survey_answer(
    fair_id: Id,
    survey_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    outcome: Annotated[str, Form(max_length=40)],
    note: Annotated[str | None, Form(max_length=4_000)] = None,
):  # noqa: ANN201
    who = api._who(session, principal, fair_id)
    if not any(v.id == survey_id for v in surveys.list_surveys(session, fair_id, who)):
        raise NotFound("fairs.survey_unknown", field="survey", survey=survey_id)
    surveys.do_answer_survey(session, principal, survey_id, outcome, note=note or None)
    return RedirectResponse(f"/fairs/{fair_id}/survey#survey-{survey_id}", status_code=303)


@panels.register
def six_months_panel(session: Session, principal: Principal, fair, lang: str):  # noqa: ANN001, ANN201
    """On the fair's page: what the participants said six months on (when surveyed), and
    the links to the survey and the import for those they concern."""
    figures = surveys.six_months_on(session, fair.id)
    organiser = scopes.can_organise_fair(principal, fair.id)
    mine = api._mine(session, principal, fair.id)
    if figures is None and not organiser and mine is None:
        return None
    return panels.Panel(
        "fairs/six_months_panel.html",
        {
            "six": figures,
            "fair_id": fair.id,
            "organiser": organiser,
            "participant": mine,
            "labels": _labels(lang),
        },
    )
