"""The import page: upload an organisation file, see the result or fetch the error report."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from haihe.accounts import scopes
from haihe.core.errors import NotAllowed, NotFound
from haihe.registry.imports import import_organisations
from haihe.web.auth import SignedIn, Writer
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
UPLOADS = Path(tempfile.gettempdir()) / "haihe-uploads"
ALLOWED = (".csv", ".xlsx", ".txt")


def import_scope(principal):  # noqa: ANN001, ANN201
    """Which rows this importer may write: all for administrators; officers their regions;
    park managers their park."""
    if principal.is_admin:
        return None
    if principal.role == "regional_officer":
        return lambda region, park: principal.in_my_regions(region)
    return lambda region, park: park is not None and park == principal.park_id


def _check(principal) -> None:  # noqa: ANN001
    if not scopes.can_import_organisations(principal):
        raise NotAllowed("auth.forbidden")


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, principal: SignedIn):  # noqa: ANN201
    _check(principal)
    return render(request, "registry/import.html", report=None)


@router.post("/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    principal: Writer,
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[bool, Form()] = False,
):  # noqa: ANN201
    _check(principal)
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED:
        return render(
            request,
            "registry/import.html",
            status_code=400,
            report=None,
            problem=f"{name}: .csv / .xlsx",
        )
    token = secrets.token_hex(8)
    folder = UPLOADS / token
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with target.open("wb") as out:
        shutil.copyfileobj(file.file, out)
    report = import_organisations(
        request.app.state.engine, target, skip_invalid=skip_invalid, allowed=import_scope(principal)
    )
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
def import_report(token: str, principal: SignedIn) -> FileResponse:
    if not token.isalnum():
        raise NotFound("report", token)
    reports = list((UPLOADS / token).glob("*.errors.xlsx"))
    if not reports:
        raise NotFound("report", token)
    return FileResponse(
        reports[0],
        filename=reports[0].name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
