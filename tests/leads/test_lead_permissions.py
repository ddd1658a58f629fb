"""Role × lead route × object: every leads route has its rule in test_permissions.RULES,
and each role gets what the rule says for a lead in and out of its scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.leads import service
from haihe.web.app import create_app
from tests.conftest import signed_client
from tests.web.test_permissions import RULES, app_routes

ROLES = [None, "admin", "tianjin", "binhai", "park", "fair", "winute"]
WORKERS = {"admin", "tianjin", "binhai", "park"}


def test_every_leads_route_has_a_rule():
    found = {x for x in app_routes() if "lead" in x[1]}
    assert len(found) >= 20
    assert found - set(RULES) == set()


@pytest.fixture(scope="module")
def world(demo_engine):
    from haihe.registry import queries as registry

    admin = command_line("test")
    with Session(demo_engine) as s:
        org = (
            registry.find_by_name(s, "北京天坛生物制品股份有限公司")
            or registry.search_organisations(
                s, registry.OrganisationFilter(region="110000"), page_size=1
            ).items
        )
        org_id = org[0].id
        park = registry.find_park(s, "天津滨海—中关村科技园")
        start = date.today() - timedelta(days=10)

        def lead(region, park_id=None):  # noqa: ANN001, ANN202
            return service.do_create_lead(
                s,
                admin,
                service.LeadInput(
                    organisation_id=org_id,
                    chain="biomedicine",
                    segment="biologics",
                    region_code=region,
                    park_id=park_id,
                    started_on=start,
                ),
            ).id

        ids = {"P": lead("120116", park.id), "H": lead("120103"), "B": lead("130100")}
        s.commit()
    app = create_app(demo_engine)
    return app, ids, {r: signed_client(app, r) for r in ROLES}


READ = {
    "P": {"admin", "tianjin", "binhai", "park"},  # Binhai, in the park
    "H": {"admin", "tianjin"},  # Hexi district of Tianjin
    "B": {"admin"},  # Hebei
}


@pytest.mark.parametrize("role", ROLES)
def test_lead_reads_and_writes_by_role_and_object(world, role):
    app, ids, clients = world
    c = clients[role]
    for key, lid in ids.items():
        api = c.get(f"/api/v1/leads/{lid}")
        page = c.get(f"/leads/{lid}", follow_redirects=False)
        # an impossible step (the same status): allowed writers get 422, others stop before
        w = c.post(f"/api/v1/leads/{lid}/status", json={"status": "new", "on": str(date.today())})
        conv = c.post(f"/api/v1/leads/{lid}/convert", json={"code": f"X-{lid}", "title": "x"})
        if role is None:
            assert (api.status_code, page.status_code, w.status_code) == (401, 303, 401)
        elif role in READ[key]:
            assert api.status_code == 200 and page.status_code == 200, (role, key)
            assert w.status_code == 422 and w.json()["key"] == "leads.status_same", (role, key)
            assert conv.status_code == 422 and conv.json()["key"] == "leads.convert_unsigned"
        else:
            assert api.status_code == 404 and page.status_code == 404, (role, key)
            assert w.status_code == 404 and conv.status_code == 404, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_lead_lists_figures_and_exports_hold_only_what_the_role_may_read(world, role):
    app, ids, clients = world
    c = clients[role]
    for path in (
        "/leads",
        "/leads/new",
        "/leads-figures",
        "/leads-import",
        "/leads.xlsx",
        "/leads-figures.xlsx",
        "/api/v1/leads",
        "/api/v1/leads/figures",
    ):
        r = c.get(path, follow_redirects=False)
        if role is None:
            assert r.status_code == (401 if path.startswith("/api") else 303), path
        elif role in WORKERS:
            assert r.status_code == 200, (role, path)
        else:
            assert r.status_code == 403, (role, path)
    if role in WORKERS:
        body = c.get("/api/v1/leads", params={"page_size": 500}).json()
        mine = {k for k, readers in READ.items() if role in readers}
        got = {k for k, lid in ids.items() if lid in {x["id"] for x in body["items"]}}
        assert got == mine
        assert body["total"] == len(body["items"])
        if role == "park":
            assert all(x["park_id"] is not None for x in body["items"])


def test_enterprises_see_no_lead_on_an_organisation_page_and_no_start_button(world):
    app, ids, clients = world
    lead = clients["admin"].get(f"/api/v1/leads/{ids['P']}").json()
    page = clients["winute"].get(f"/organisations/{lead['organisation_id']}").text
    assert 'id="organisation-leads"' not in page
    page = clients["tianjin"].get(f"/organisations/{lead['organisation_id']}").text
    assert 'id="organisation-leads"' in page and f"/leads/{ids['H']}" in page
