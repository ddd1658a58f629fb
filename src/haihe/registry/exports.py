"""Exporting organisations to CSV or XLSX in the columns the import reads back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from haihe.core.errors import InvalidInput
from haihe.core.tabular import write_csv
from haihe.registry import queries
from haihe.registry.columns import EXPORT_COLUMNS
from haihe.registry.models import Organisation, Park

KIND_ZH = {
    "enterprise": "企业",
    "research_institute": "科研院所",
    "university": "高校",
    "hospital": "医院",
    "park_operator": "园区运营",
    "other": "其他",
}


def _capital(org: Organisation) -> str:
    if org.registered_capital is None:
        return ""
    amount = f"{org.registered_capital.normalize():f}"
    return amount if org.capital_currency == "CNY" else f"{amount}({org.capital_currency})"


def _rows(
    session: Session, f: queries.OrganisationFilter | None, limit: int | None = None
) -> Iterator[list[object]]:
    parks = dict(session.execute(select(Park.id, Park.name)).all())
    for n, org in enumerate(queries.iter_organisations(session, f)):
        if limit is not None and n >= limit:
            return
        yield [
            org.uscc,
            org.name,
            org.name_en,
            KIND_ZH.get(org.kind, org.kind),
            org.region_code,
            parks.get(org.park_id) if org.park_id else None,
            " ".join(org.industry_codes),
            org.founded.isoformat() if org.founded else None,
            _capital(org),
            org.employees,
            org.website,
            org.address,
            org.description,
            "是" if org.high_tech else None,
            {"little_giant": "专精特新小巨人", "srdi": "专精特新"}.get(org.specialised or ""),
            "是" if org.listed else None,
            org.stock_code,
            "是" if org.above_scale else None,
        ]


def export_organisations(
    engine: Engine,
    path: str | Path,
    f: queries.OrganisationFilter | None = None,
    limit: int | None = None,
) -> int:
    """Write the organisations to `path` (.csv or .xlsx); returns the number of rows."""
    path = Path(path)
    headers = [h for _, h in EXPORT_COLUMNS]
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput("file.unsupported", suffix=suffix or path.name)
    with Session(engine) as session:
        if suffix == ".csv":
            return write_csv(path, headers, _rows(session, f, limit))
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("组织 organisations")
        ws.append(headers)
        n = 0
        for row in _rows(session, f, limit):
            ws.append(row)
            n += 1
        wb.save(path)
        return n
