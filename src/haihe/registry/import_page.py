"""The import page: upload an organisation file, see the result or fetch the error report.

The page only parses and formats: who may import which rows is the registry's door
(`imports.do_import_organisations`) to decide.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from haihe.core.errors import InvalidInput, NotFound
from haihe.registry import imports
from haihe.web.auth import SignedIn, Writer
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
UPLOADS = Path(tempfile.gettempdir()) / "haihe-uploads"
ALLOWED = (".csv", ".xlsx", ".txt")


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, principal: SignedIn):  # noqa: ANN201
    imports.require_importer(principal)
    return render(request, "registry/import.html", report=None)


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
    token = secrets.token_hex(8)
    folder = UPLOADS / token
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with target.open("wb") as out:
        shutil.copyfileobj(file.file, out)
    report = imports.do_import_organisations(
        request.app.state.engine, principal, target, skip_invalid=skip_invalid
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
    reports = list((UPLOADS / token).glob("*.errors.xlsx")) if token.isalnum() else []
    if not reports:
        raise NotFound("import.report_gone")
    return FileResponse(
        reports[0],
        filename=reports[0].name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
