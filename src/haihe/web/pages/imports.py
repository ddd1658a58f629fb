"""The import page: upload an organisation file, see the result or fetch the error report."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from haihe.core.errors import NotFound
from haihe.registry.imports import import_organisations
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
UPLOADS = Path(tempfile.gettempdir()) / "haihe-uploads"
ALLOWED = (".csv", ".xlsx", ".txt")


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request):  # noqa: ANN201
    return render(request, "registry/import.html", report=None)


@router.post("/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[bool, Form()] = False,
):  # noqa: ANN201
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
    report = import_organisations(request.app.state.engine, target, skip_invalid=skip_invalid)
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
def import_report(token: str) -> FileResponse:
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
