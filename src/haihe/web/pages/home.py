"""The home page. Until the cluster dashboard lands it shows the registry at a glance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from haihe.registry import service
from haihe.web.deps import db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Annotated[Session, Depends(db)]):  # noqa: ANN201
    overview = service.registry_overview(session)
    return render(request, "home.html", overview=overview)
