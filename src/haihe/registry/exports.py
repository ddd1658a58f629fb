"""Exporting organisations to CSV or XLSX in the columns the import reads back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from haihe.codes import regions
from haihe.core.errors import InvalidInput
from haihe.core.tabular import (
    WAN_FORMAT,
    append_row,
    made_at,
    prepare_sheet,
    width_of,
    write_csv,
)
from haihe.registry import queries
from haihe.registry.columns import EXPORT_COLUMNS
from haihe.registry.models import Organisation, Park
from haihe.registry.values import CURRENCIES

CURRENCY_NAMES = {code: name for name, code in CURRENCIES}
KIND_ZH = {
    "enterprise": "企业",
    "research_institute": "科研院所",
    "university": "高校",
    "hospital": "医院",
    "park_operator": "园区运营",
    "other": "其他",
}


CAPITAL_HEADER = "注册资本（万元）"  # the unit the import reads bare numbers in


def _capital(org: Organisation) -> object:
    """In 万元 as a number (the header's unit); another currency as text naming it."""
    if org.registered_capital is None:
        return None
    wan = (org.registered_capital / 10000).normalize()
    if org.capital_currency == "CNY":
        return wan
    name = CURRENCY_NAMES.get(org.capital_currency, org.capital_currency)
    return f"{wan:f}(万{name})"


def _region(code: str | None) -> str | None:
    """The region by its full name (the import reads names as well as codes)."""
    r = regions.get(code) if code else None
    return r.full_name_zh if r else code


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
            _region(org.region_code),
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
    headers = [CAPITAL_HEADER if k == "capital" else h for k, h in EXPORT_COLUMNS]
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput("file.unsupported", suffix=suffix or path.name)
    with Session(engine) as session:
        if suffix == ".csv":
            return write_csv(path, headers, _rows(session, f, limit))
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("组织 organisations")
        money = {i: WAN_FORMAT for i, (k, _) in enumerate(EXPORT_COLUMNS) if k == "capital"}
        widths = {"uscc": 22, "name": 40, "name_en": 36, "region": 24, "park": 30}
        prepare_sheet(ws, [widths.get(k, width_of([h])) for k, h in EXPORT_COLUMNS])
        append_row(ws, headers, bold=True)
        n = 0
        for row in _rows(session, f, limit):
            append_row(ws, row, money)
            n += 1
        about = wb.create_sheet("说明 about")
        for line in (
            f"组织名录导出 organisations export: {n}",
            f"筛选 filter: {_filter_text(f)}",
            "注册资本单位为万元 registered capital in 10,000 yuan (万元)",
            f"{made_at('zh')} · {made_at('en')}",
        ):
            append_row(about, [line])
        wb.save(path)
        return n


def _filter_text(f: queries.OrganisationFilter | None) -> str:
    if f is None:
        return "全部 all"
    words = {"q": "关键词", "region": "地区", "park_id": "园区", "industry": "行业", "kind": "类型"}
    given = {k: v for k, v in vars(f).items() if v not in (None, "", (), [])}
    return "；".join(f"{words.get(k, k)} {v}" for k, v in given.items()) or "全部 all"
