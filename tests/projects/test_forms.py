"""Creating projects in the browser and the API, amounts as people type them, and the
projects import on the web (issue 12, point 4)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.projects.models import Project
from haihe.registry import queries as registry
from haihe.web.app import create_app
from tests.conftest import signed_client
from tests.web.test_permissions import ROLES


@pytest.fixture(scope="module")
def world(demo_engine):
    with Session(demo_engine) as s:
        park = registry.find_park(s, "天津滨海—中关村科技园").id
    app = create_app(demo_engine)
    return app, park, {r: signed_client(app, r) for r in ROLES}


def _count(engine) -> int:  # noqa: ANN001
    with Session(engine) as s:
        return s.scalar(select(func.count(Project.id)))


# Where a project lands → who may create it there.
CREATE = {
    "park": {"admin", "tianjin", "binhai", "park"},
    "heping": {"admin", "tianjin"},
    "hebei": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_creating_projects_by_role_in_and_out_of_scope(world, demo_engine, role):
    app, park, clients = world
    where = {
        "park": {"landing_region": "120116", "landing_park_id": park},
        "heping": {"landing_region": "和平区"},
        "hebei": {"landing_region": "130600"},
    }
    for key, place in where.items():
        before = _count(demo_engine)
        r = clients[role].post(
            "/api/v1/projects",
            json={
                "code": f"F-{role}-{key}",
                "title": "细胞治疗中试基地",
                "intended_investment": "1.2亿",
                "contracted_investment": "5,000,000",
                "signed_on": "2024-05-01",
                "parties": [
                    {"name": "北京某生物公司", "region_code": "110108", "role": "investor"}
                ],
                **place,
            },
        )
        if role is None:
            assert r.status_code == 401
        elif role in CREATE[key]:
            assert r.status_code == 201, (role, key, r.text)
            body = r.json()
            assert body["intended_investment_yuan"] == "120000000.00"
            assert body["contracted_investment_yuan"] == "5000000.00"
            assert body["stage"] == "signed" and body["history"][0]["by"] == role
            continue
        else:
            assert r.status_code == 403, (role, key, r.text)
        assert _count(demo_engine) == before


def test_a_bad_amount_is_refused_naming_the_field_and_nothing_is_saved(world, demo_engine):
    app, park, clients = world
    before = _count(demo_engine)
    r = clients["tianjin"].post(
        "/api/v1/projects",
        json={
            "code": "F-BAD",
            "title": "x",
            "intended_investment": "很多",
            "landing_region": "120101",
        },
    )
    assert r.status_code == 422 and _count(demo_engine) == before
    page = clients["tianjin"].post(
        "/projects/new",
        data={
            "code": "F-BAD2",
            "title": "新材料项目<b>",
            "intended_investment": "1.2亿",
            "invested_in_place": "三千万",
            "landing_region": "120101",
            "party_1": "某投资公司",
            "role_1": "investor",
        },
    )
    assert page.status_code == 400 and _count(demo_engine) == before
    problem = re.search(r'id="form-problem">(.*?)</p>', page.text, re.S).group(1)
    assert "到位资金" in problem and "invested_in_place" not in problem
    assert (
        "三千万" in page.text and "某投资公司" in page.text and "新材料项目&lt;b&gt;" in page.text
    )
    en = clients["tianjin"].post(
        "/projects/new?lang=en",
        data={
            "code": "F-BAD3",
            "title": "t",
            "intended_investment": "lots",
            "landing_region": "120101",
        },
    )
    assert en.status_code == 400 and "Intended investment" in en.text


def test_the_form_creates_a_project_with_typed_amounts(world):
    app, park, clients = world
    r = clients["binhai"].post(
        "/projects/new",
        data={
            "code": "F-FORM",
            "title": "CAR-T 细胞治疗产业化",
            "intended_investment": "3.5亿",
            "landing_region": "滨海新区",
            "landing_park_id": str(park),
            "signed_on": "2024-06-01",
            "party_1": "天津威努特信息技术有限公司",
            "role_1": "host",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    detail = clients["binhai"].get(f"/api/v1{r.headers['location']}").json()
    assert detail["intended_investment_yuan"] == "350000000.00"
    assert detail["parties"][0]["organisation_id"] is not None  # found in the registry
    pid = detail["id"]
    r = clients["binhai"].post(
        f"/projects/{pid}/correct",
        data={
            "version": str(detail["version"]),
            "title": "CAR-T 细胞治疗产业化基地",
            "invested_in_place": "8000万",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    after = clients["binhai"].get(f"/api/v1/projects/{pid}").json()
    assert after["invested_in_place_yuan"] == "80000000.00" and after["title"].endswith("基地")
    stale = clients["binhai"].post(
        f"/projects/{pid}/correct",
        data={"version": str(detail["version"]), "title": "又改"},
    )
    assert stale.status_code == 409 and "又改" in stale.text  # kept, not saved


def _workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["项目编号", "项目名称", "签约日期", "意向投资", "落地地区"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_projects_are_imported_on_the_web(world, demo_engine):
    app, park, clients = world
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    before = _count(demo_engine)
    bad = _workbook(
        [
            ["W-1", "网页导入一", "2024-01-05", "1.2亿", "120101"],
            ["W-2", "", "2024-01-05", "x", "120101"],
        ]
    )
    r = clients["tianjin"].post("/projects/import", files={"file": ("p.xlsx", bad, xlsx)})
    assert r.status_code == 400 and _count(demo_engine) == before
    assert 'id="error-report"' in r.text
    good = _workbook([["W-1", "网页导入一", "2024-01-05", "1.2亿", "120101"]])
    r = clients["tianjin"].post("/projects/import", files={"file": ("p.xlsx", good, xlsx)})
    assert r.status_code == 200 and _count(demo_engine) == before + 1
    for role in ("fair", "winute"):
        r = clients[role].post("/projects/import", files={"file": ("p.xlsx", good, xlsx)})
        assert r.status_code == 403
    assert clients["park"].get("/projects/import/template.xlsx").status_code == 200
