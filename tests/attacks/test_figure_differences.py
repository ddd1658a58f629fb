"""Issue 11, point 11, its last part: the difference of two published figures must not give
away one project's private sums either. The attacker (not signed in) asks for two
overlapping date ranges, or for Tianjin and for one district of it, each over enough
projects to be published, and subtracts: before the fix the difference was exactly the
one project the ranges do not share. Now private sums are built from fixed cells (a day,
a chain, the regions, a park, a fair) and a cell of too few projects never counts, in any
figure, so differences are sums of whole cells of at least the minimum of projects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.projects import service
from haihe.projects.service import ProjectInput
from haihe.web.app import create_app
from tests.conftest import make_admin, signed_client

BUSY, LONE = date(2023, 5, 9), date(2023, 5, 12)
LONE_CONTRACTED, LONE_IN_PLACE = Decimal("76543210.00"), Decimal("23456789.00")


@pytest.fixture
def app(engine):  # noqa: ANN201
    make_admin(engine)
    operator = command_line("test")
    with Session(engine) as s:
        # three projects signed together in Binhai, then one alone, days later and in Heping
        rows = [
            (BUSY, "120116", Decimal(87_654_321 + n), Decimal(12_345_678 + n)) for n in range(3)
        ]
        rows.append((LONE, "120101", LONE_CONTRACTED, LONE_IN_PLACE))
        for n, (day, landing, contracted, in_place) in enumerate(rows):
            service.do_create_project(
                s,
                operator,
                ProjectInput(
                    code=f"DIFF-{n}",
                    title=f"差分{n}",
                    intended_investment=Decimal(100_000_000),
                    contracted_investment=contracted,
                    invested_in_place=in_place,
                    landing_region_code=landing,
                    signed_on=day,
                ),
            )
        s.commit()
    return create_app(engine)


def _sums(client, **params) -> tuple[Decimal, Decimal, dict]:  # noqa: ANN001, ANN003
    body = client.get("/api/v1/projects/figures", params=params).json()
    assert body["signed"] >= 3, body
    return (
        Decimal(body["contracted_investment_yuan"] or 0),
        Decimal(body["invested_in_place_yuan"] or 0),
        body,
    )


def test_two_overlapping_date_ranges_do_not_give_away_the_project_they_do_not_share(app):
    anonymous = signed_client(app, None)
    wide = _sums(anonymous, **{"from": "2023-05-01", "to": "2023-05-31"})
    narrow = _sums(anonymous, **{"from": "2023-05-01", "to": "2023-05-10"})
    assert wide[0] - narrow[0] != LONE_CONTRACTED
    assert wide[1] - narrow[1] != LONE_IN_PLACE
    # the wide range says what it leaves out, in words
    assert wide[2]["partial"] == ["contracted_investment_yuan", "invested_in_place_yuan"]
    assert wide[2]["left_out"] == {"contracted_investment_yuan": 1, "invested_in_place_yuan": 1}
    assert "不含1个项目的金额" in wide[2]["partial_note"]


def test_a_region_and_a_district_of_it_do_not_give_away_the_project_outside_the_district(app):
    anonymous = signed_client(app, None)
    city = _sums(anonymous, landing="天津")
    district = _sums(anonymous, landing="滨海新区")
    assert city[0] - district[0] != LONE_CONTRACTED
    assert city[1] - district[1] != LONE_IN_PLACE


def test_the_dashboard_and_its_breakdowns_are_built_of_the_same_cells(app):
    anonymous = signed_client(app, None)
    page = anonymous.get("/", params={"from": "2023-05-01", "to": "2023-05-31"}).text
    assert "不含1个项目的金额" in page
    for amount in ("7654.32", "2345.68", "76543210", "23456789"):  # 万元 and yuan
        assert amount not in page


def test_a_reader_who_may_read_every_project_gets_the_whole_sums(app):
    admin = signed_client(app, "admin")
    wide = _sums(admin, **{"from": "2023-05-01", "to": "2023-05-31"})
    narrow = _sums(admin, **{"from": "2023-05-01", "to": "2023-05-10"})
    assert wide[0] - narrow[0] == LONE_CONTRACTED
    assert wide[2]["partial"] == []
