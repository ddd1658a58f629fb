"""The audit trail's pages, for administrators: /audit (browse, filter) and /audit.csv."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.orm import Session

from haihe.audit import queries, wording
from haihe.audit.recorder import AUDITED
from haihe.audit.schemas import AuditPage
from haihe.core.tabular import csv_text
from haihe.web.auth import AdminReader
from haihe.web.deps import db
from haihe.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    principal: AdminReader,
    session: Annotated[Session, Depends(db, scope="function")],
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=40)] = None,
    username: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):  # noqa: ANN201
    items, total = queries.list_entries(
        session,
        object_type=object_type or None,
        object_id=object_id or None,
        username=username or None,
        page=page,
        page_size=PAGE_SIZE,
    )
    result = AuditPage(items=items, total=total, page=page, page_size=PAGE_SIZE)
    lang = request.state.lang
    names = wording.actor_names(session, (e.user_id for e in items))
    rows = [
        (
            e,
            wording.actor_label(names, e.user_id, e.username, lang),
            wording.describe(
                e.action,
                e.object_type,
                e.object_id,
                e.changes,
                wording.actor_short(names, e.user_id, e.username, lang),
                lang,
            ),
        )
        for e in items
    ]
    types = sorted(set(AUDITED.values()))
    return render(request, "audit/trail.html", result=result, rows=rows, types=types)


@router.get("/audit.csv")
def audit_csv(
    principal: AdminReader, session: Annotated[Session, Depends(db, scope="function")]
) -> StreamingResponse:
    text = csv_text(list(queries.CSV_COLUMNS), queries.csv_rows(session))  # no live formulas
    return StreamingResponse(
        iter([text]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
