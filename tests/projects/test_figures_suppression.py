"""Figures do not give away private sums (issue 11, point 11): a reader who may not read
some of the projects behind a figure gets contracted and in-place investment only over at
least HAIHE_FIGURES_MIN_PROJECTS of them; smaller cells are withheld and say so."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.projects import service
from haihe.projects.service import ProjectInput
from haihe.web.app import create_app
from tests.conftest import make_admin, signed_client

LONE_DAY, BUSY_DAY = "2023-03-07", "2023-05-09"


@pytest.fixture
def app(engine):  # noqa: ANN201
    make_admin(engine)
    operator = command_line("test")
    with Session(engine) as s:
        days = [date(2023, 3, 7)] + [date(2023, 5, 9)] * 3
        for n, day in enumerate(days):
            service.do_create_project(
                s,
                operator,
                ProjectInput(
                    code=f"SUP-{n}",
                    title=f"小格{n}",
                    intended_investment=Decimal(100_000_000),
                    contracted_investment=Decimal(87_654_321 + n),
                    invested_in_place=Decimal(12_345_678 + n),
                    landing_region_code="120116",
                    signed_on=day,
                ),
            )
        s.commit()
    return create_app(engine)


def _figures(client, day: str) -> dict:  # noqa: ANN001
    r = client.get("/api/v1/projects/figures", params={"from": day, "to": day})
    assert r.status_code == 200
    return r.json()


def test_one_projects_private_sums_are_withheld_from_anonymous_callers(app):
    body = _figures(signed_client(app, None), LONE_DAY)
    assert body["signed"] == 1 and body["intended_investment_yuan"] == "100000000.00"
    assert body["contracted_investment_yuan"] is None and body["invested_in_place_yuan"] is None
    assert body["suppressed"] == ["contracted_investment_yuan", "invested_in_place_yuan"]
    assert body["suppressed_note"] == "少于3个项目，不公开"
    en = signed_client(app, None).get(
        "/api/v1/projects/figures", params={"from": LONE_DAY, "to": LONE_DAY, "lang": "en"}
    )
    assert en.json()["suppressed_note"] == "fewer than 3 projects: not published"


def test_sums_over_enough_projects_are_published(app):
    body = _figures(signed_client(app, None), BUSY_DAY)
    assert body["signed"] == 3 and body["suppressed"] == []
    assert body["contracted_investment_yuan"] == str(Decimal(87_654_321 * 3 + 1 + 2 + 3)) + ".00"


def test_a_reader_who_may_read_the_project_sees_its_sums(app):
    body = _figures(signed_client(app, "admin"), LONE_DAY)
    assert body["contracted_investment_yuan"] == "87654321.00" and body["suppressed"] == []


def test_the_dashboard_and_its_workbook_do_not_show_the_withheld_sums(app):
    anonymous = signed_client(app, None)
    page = anonymous.get("/", params={"from": LONE_DAY, "to": LONE_DAY}).text
    assert "8765.43" not in page and "1234.57" not in page and "87654321" not in page
    xlsx = anonymous.get("/dashboard.xlsx", params={"from": LONE_DAY, "to": LONE_DAY})
    cells = [
        str(c)
        for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert not any("87654321" in c or "12345678" in c for c in cells)
    assert "少于3个项目，不公开" in cells
    admin = signed_client(app, "admin")
    xlsx = admin.get("/dashboard.xlsx", params={"from": LONE_DAY, "to": LONE_DAY})
    # the admin's workbook has the sum, in the 亿元 its header names (87,654,321 yuan)
    assert 0.8765 in [
        c
        for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
    ]
