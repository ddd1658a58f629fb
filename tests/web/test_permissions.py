"""Role × route × object: every route has a scope rule, and each role gets exactly what the
rule says — in scope and out of scope, for reads, writes, lists and their totals.

The route list comes from the app itself: a new route without a rule here fails.
"""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.projects import service
from haihe.projects.service import PartyInput, ProjectInput
from haihe.web.app import create_app
from tests.conftest import signed_client

# (method, path) → who may: public | signed_in | admin | project_read | project_write | import
RULES = {
    ("GET", "/"): "public",
    ("GET", "/briefing"): "public",
    ("GET", "/dashboard.xlsx"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/api/docs"): "public",
    ("GET", "/api/openapi.json"): "public",
    ("GET", "/organisations"): "public",
    ("GET", "/organisations/{org_id}"): "public",
    ("GET", "/parks"): "public",
    ("GET", "/parks/{park_id}"): "public",
    ("GET", "/api/v1/organisations"): "public",
    ("GET", "/api/v1/organisations/{org_id}"): "public",
    ("GET", "/api/v1/parks"): "public",
    ("GET", "/api/v1/parks/{park_id}"): "public",
    ("GET", "/api/v1/fairs"): "public",
    ("GET", "/fairs"): "public",
    ("GET", "/fairs/{fair_id}"): "public",
    ("GET", "/api/v1/projects/figures"): "public",
    ("GET", "/api/v1/codes/uscc/{code}"): "public",
    ("GET", "/api/v1/codes/regions"): "public",
    ("GET", "/api/v1/codes/industries"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "signed_in",
    ("GET", "/account"): "signed_in",
    ("POST", "/account/password"): "signed_in",
    ("POST", "/account/tokens"): "signed_in",
    ("POST", "/account/tokens/{token_id}/revoke"): "signed_in",
    ("GET", "/projects"): "signed_in",
    ("GET", "/api/v1/projects"): "signed_in",
    ("GET", "/projects/{project_id}"): "project_read",
    ("GET", "/api/v1/projects/{project_id}"): "project_read",
    ("GET", "/projects/{project_id}/attachments/{attachment_id}"): "project_read",
    ("POST", "/projects/{project_id}/milestones"): "project_write",
    ("POST", "/projects/{project_id}/edit"): "project_write",
    ("POST", "/projects/{project_id}/attachments"): "project_write",
    ("POST", "/api/v1/projects/{project_id}/milestones"): "project_write",
    ("PATCH", "/api/v1/projects/{project_id}"): "project_write",
    ("GET", "/import"): "import",
    ("POST", "/import"): "import",
    ("GET", "/import/{token}/report.xlsx"): "signed_in",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/reset"): "admin",
    ("GET", "/admin/users/{user_id}/tokens"): "admin",
    ("POST", "/admin/users/{user_id}/tokens/{token_id}/revoke"): "admin",
    ("GET", "/audit"): "admin",
    ("GET", "/audit.csv"): "admin",
    ("GET", "/api/v1/audit"): "admin",
    # chains: maps are published cluster figures; see tests/chains/test_chain_permissions.py
    ("GET", "/chains"): "public",
    ("GET", "/chains/{chain}"): "public",
    ("GET", "/chains/{chain}/segments/{segment}"): "public",
    ("GET", "/chains/{chain}/cities"): "public",
    ("GET", "/chains/{chain}/lists"): "public",
    ("GET", "/chains/{chain}/report.xlsx"): "public",
    ("GET", "/chains/{chain}/definition.{fmt}"): "public",
    ("GET", "/chains/{chain}/versions"): "public",
    ("GET", "/api/v1/chains"): "public",
    ("GET", "/api/v1/chains/{chain}"): "public",
    ("GET", "/api/v1/chains/{chain}/segments"): "public",
    ("GET", "/api/v1/chains/{chain}/panorama"): "public",
    ("GET", "/api/v1/chains/{chain}/diagnosis"): "public",
    ("GET", "/api/v1/chains/{chain}/complementarity"): "public",
    ("GET", "/api/v1/chains/{chain}/lists"): "public",
    ("GET", "/api/v1/chains/{chain}/segments/{segment}/organisations"): "public",
    ("GET", "/api/v1/organisations/{org_id}/placements"): "public",
    ("GET", "/chains/{chain}/edit"): "chain_edit",
    ("POST", "/chains/{chain}/edit"): "chain_edit",
    ("GET", "/chains-import"): "chain_edit",
    ("POST", "/chains-import"): "chain_edit",
    ("POST", "/api/v1/chains"): "chain_edit",
    ("POST", "/chains/{chain}/lists"): "chain_list_write",
    ("POST", "/chains/{chain}/lists/{entry_id}/withdraw"): "chain_list_write",
    ("POST", "/api/v1/chains/{chain}/lists"): "chain_list_write",
    ("DELETE", "/api/v1/chains/{chain}/lists/{entry_id}"): "chain_list_write",
    ("POST", "/organisations/{org_id}/placements"): "placement_write",
    ("POST", "/api/v1/organisations/{org_id}/placements"): "placement_write",
    # leads: see tests/leads/test_lead_permissions.py
    ("GET", "/leads"): "lead_worker",
    ("GET", "/leads/new"): "lead_worker",
    ("GET", "/leads-figures"): "lead_worker",
    ("GET", "/leads-figures.xlsx"): "lead_worker",
    ("GET", "/leads.xlsx"): "lead_worker",
    ("GET", "/leads-import"): "lead_worker",
    ("POST", "/leads-import"): "lead_worker",
    ("POST", "/leads"): "lead_worker",
    ("GET", "/api/v1/leads"): "lead_worker",
    ("GET", "/api/v1/leads/figures"): "lead_worker",
    ("POST", "/api/v1/leads"): "lead_worker",
    ("GET", "/leads/{lead_id}"): "lead_read",
    ("GET", "/api/v1/leads/{lead_id}"): "lead_read",
    ("GET", "/leads/{lead_id}/attachments/{attachment_id}"): "lead_read",
    ("POST", "/leads/{lead_id}/status"): "lead_write",
    ("POST", "/leads/{lead_id}/next-step"): "lead_write",
    ("POST", "/leads/{lead_id}/edit"): "lead_write",
    ("POST", "/leads/{lead_id}/attachments"): "lead_write",
    ("POST", "/leads/{lead_id}/convert"): "lead_write",
    ("POST", "/api/v1/leads/{lead_id}/status"): "lead_write",
    ("POST", "/api/v1/leads/{lead_id}/next-step"): "lead_write",
    ("POST", "/api/v1/leads/{lead_id}/convert"): "lead_write",
    # fairs: see tests/fairs/test_fair_permissions.py (organiser: all of its fair;
    # participant: its own requests, meetings, agenda; anyone else: 403 / 404)
    ("GET", "/api/v1/fairs/{fair_id}/figures"): "public",
    ("GET", "/api/v1/fairs/{fair_id}/participants"): "fair_member",
    ("GET", "/api/v1/fairs/{fair_id}/requests"): "fair_member",
    ("GET", "/api/v1/fairs/{fair_id}/meetings"): "fair_member",
    ("POST", "/api/v1/fairs/{fair_id}/requests"): "fair_participant_write",
    ("POST", "/api/v1/fairs/{fair_id}/requests/{request_id}/answer"): "fair_participant_write",
    ("GET", "/api/v1/fairs/{fair_id}/participants/{participant_id}/agenda"): "fair_participant",
    ("GET", "/api/v1/fairs/{fair_id}/participants/{participant_id}/agenda.ics"): "fair_participant",
    (
        "POST",
        "/api/v1/fairs/{fair_id}/participants/{participant_id}/check-in",
    ): "fair_participant_write",
    ("POST", "/api/v1/fairs/{fair_id}/meetings/{meeting_id}/held"): "fair_participant_write",
    ("POST", "/api/v1/fairs/{fair_id}/meetings/{meeting_id}/outcome"): "fair_participant_write",
    ("POST", "/api/v1/fairs/{fair_id}/schedule"): "fair_organiser",
    ("POST", "/api/v1/fairs/{fair_id}/import/{kind}"): "fair_organiser",
    ("GET", "/api/v1/fairs/{fair_id}/survey"): "fair_member",
    ("POST", "/api/v1/fairs/{fair_id}/survey"): "fair_organiser",
    ("POST", "/api/v1/fairs/{fair_id}/survey/{survey_id}"): "fair_participant_write",
    ("GET", "/fairs/{fair_id}/import"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/import"): "fair_organiser",
    ("GET", "/fairs/{fair_id}/survey"): "fair_member",
    ("POST", "/fairs/{fair_id}/survey"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/survey/{survey_id}"): "fair_participant_write",
    # matching: see tests/matching/test_api_permissions.py (public listings anyone; a
    # private one its owner and officers in scope, 404 to others; writes: who manages the
    # organisation)
    ("GET", "/listings"): "public",
    ("GET", "/listings.xlsx"): "public",
    ("GET", "/api/v1/listings"): "public",
    ("GET", "/listings/{listing_id}"): "listing_read",
    ("GET", "/api/v1/listings/{listing_id}"): "listing_read",
    ("GET", "/api/v1/listings/{listing_id}/matches"): "listing_read",
    ("GET", "/transfer/listings/{listing_id}"): "listing_read",
    ("GET", "/api/v1/organisations/{org_id}/matches"): "public",
    ("GET", "/transfer/organisations/{org_id}"): "public",
    ("GET", "/listings/new"): "listing_publish",
    ("POST", "/listings"): "listing_publish",
    ("POST", "/api/v1/listings"): "listing_publish",
    ("GET", "/listings-import"): "listing_publish",
    ("POST", "/listings-import"): "listing_publish",
    ("GET", "/listings/{listing_id}/edit"): "listing_write",
    ("POST", "/listings/{listing_id}/edit"): "listing_write",
    ("POST", "/listings/{listing_id}/segments"): "listing_write",
    ("POST", "/listings/{listing_id}/close"): "listing_write",
    ("PATCH", "/api/v1/listings/{listing_id}"): "listing_write",
    ("DELETE", "/api/v1/listings/{listing_id}"): "listing_write",
    ("POST", "/matches/feedback"): "signed_in_subject",
    ("POST", "/api/v1/matches/feedback"): "signed_in_subject",
    ("POST", "/interests"): "interest_send",
    ("POST", "/api/v1/interests"): "interest_send",
    ("GET", "/interests"): "signed_in",
    ("GET", "/api/v1/interests"): "signed_in",
    ("GET", "/interests/{interest_id}"): "interest_side",
    ("POST", "/interests/{interest_id}/answer"): "interest_receiver",
    ("POST", "/api/v1/interests/{interest_id}/answer"): "interest_receiver",
    ("GET", "/notifications"): "signed_in",
    ("GET", "/api/v1/notifications"): "signed_in",
    ("POST", "/notifications/read"): "signed_in",
    ("GET", "/match-feedback"): "officer",
    # the fair's desk: tests/fairs/test_fair_desk_pages.py (organiser: its fair; a
    # participant: itself; registration: an enterprise while it is open)
    ("PATCH", "/api/v1/fairs/{fair_id}"): "fair_organiser",
    ("GET", "/api/v1/fairs/{fair_id}/slots"): "fair_member",
    ("POST", "/api/v1/fairs/{fair_id}/slots"): "fair_organiser",
    ("PUT", "/api/v1/fairs/{fair_id}/tables"): "fair_organiser",
    ("POST", "/api/v1/fairs/{fair_id}/participants"): "fair_register",
    ("PUT", "/api/v1/fairs/{fair_id}/participants/{participant_id}"): "fair_participant_write",
    ("POST", "/api/v1/fairs/{fair_id}/requests/arrange"): "fair_organiser",
    ("POST", "/api/v1/fairs/{fair_id}/requests/{request_id}/veto"): "fair_organiser",
    ("POST", "/api/v1/fairs/{fair_id}/meetings/{meeting_id}/lock"): "fair_organiser",
    ("POST", "/api/v1/fairs/{fair_id}/meetings/{meeting_id}/move"): "fair_organiser",
    ("DELETE", "/api/v1/fairs/{fair_id}/meetings/{meeting_id}"): "fair_organiser",
    ("GET", "/fairs/{fair_id}/setup"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/options"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/slots"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/slots/{slot_id}/remove"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/tables"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/participants"): "fair_organiser",
    ("GET", "/fairs/{fair_id}/register"): "fair_register",
    ("POST", "/fairs/{fair_id}/register"): "fair_register",
    ("GET", "/fairs/{fair_id}/participants/{participant_id}"): "fair_participant",
    ("POST", "/fairs/{fair_id}/participants/{participant_id}"): "fair_participant_write",
    ("GET", "/fairs/{fair_id}/requests"): "fair_member",
    ("POST", "/fairs/{fair_id}/requests"): "fair_participant_write",
    ("POST", "/fairs/{fair_id}/requests/arrange"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/requests/{request_id}/answer"): "fair_participant_write",
    ("POST", "/fairs/{fair_id}/requests/{request_id}/veto"): "fair_organiser",
    ("GET", "/fairs/{fair_id}/agenda/{participant_id}"): "fair_participant",
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/held"): "fair_participant_write",
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/outcome"): "fair_participant_write",
    ("GET", "/fairs/{fair_id}/grid"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/schedule"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/lock"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/move"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/remove"): "fair_organiser",
    ("GET", "/fairs/{fair_id}/timetable"): "fair_organiser",
    ("GET", "/fairs/{fair_id}/tables/{number}"): "fair_organiser",
    ("GET", "/fairs/{fair_id}/check-in"): "fair_organiser",
    ("POST", "/fairs/{fair_id}/participants/{participant_id}/check-in"): "fair_organiser",
    # forms (issue 12): tests/registry/test_forms.py and tests/projects/test_forms.py
    ("GET", "/organisations.xlsx"): "public_export",
    ("GET", "/organisations/new"): "org_create",
    ("POST", "/organisations/new"): "org_create",
    ("POST", "/api/v1/organisations"): "org_create",
    ("GET", "/organisations/{org_id}/edit"): "org_edit",
    ("POST", "/organisations/{org_id}/edit"): "org_edit",
    ("PATCH", "/api/v1/organisations/{org_id}"): "org_edit",
    ("POST", "/organisations/{org_id}/claim"): "org_claim",
    ("POST", "/api/v1/organisations/{org_id}/claim"): "org_claim",
    ("POST", "/organisations/{org_id}/claims/{claim_id}"): "claim_decide",
    ("GET", "/projects/new"): "import",
    ("POST", "/projects/new"): "project_create",
    ("POST", "/api/v1/projects"): "project_create",
    ("GET", "/projects/{project_id}/correct"): "project_write",
    ("POST", "/projects/{project_id}/correct"): "project_write",
    ("GET", "/projects/import"): "import",
    ("POST", "/projects/import"): "import",
    ("GET", "/projects/import/template.xlsx"): "import",
}
ROLES = [None, "admin", "tianjin", "binhai", "park", "fair", "winute"]


def app_routes(routes=None):  # noqa: ANN001, ANN201
    """Every (method, path) the app answers, through included routers too (FastAPI ≥ 0.16x
    keeps an included router's routes inside it rather than copying them to the app)."""
    if routes is None:
        routes = create_app().routes
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from app_routes(inner.routes)
        for method in getattr(route, "methods", None) or []:
            if method in ("HEAD", "OPTIONS") or route.path.startswith("/static"):
                continue
            yield method, route.path


def test_every_route_has_a_scope_rule():
    found = set(app_routes())
    # the walk itself must see the app: a walk that finds nothing would pass any rule set
    assert len(found) >= 60, f"only {len(found)} routes found: the walk misses routers"
    missing = sorted(found - set(RULES))
    assert not missing, f"routes without a scope rule: {missing}"
    stale = sorted(set(RULES) - found)
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.fixture(scope="module")
def world(demo_engine):
    """Three projects: one in the Binhai park (Winute a party), one in Hebei, and one still
    under negotiation signed at the article's fair, with a private contracted investment."""
    from haihe.fairs import queries as fairs
    from haihe.registry import queries as registry

    admin = command_line("test")

    with Session(demo_engine) as s:
        winute = next(
            o
            for o in registry.registry_overview(s).named_in_source
            if o.name_en == "Tianjin Winute Information Technology"
        )
        park = registry.find_park(s, "天津滨海—中关村科技园")
        fair = fairs.find_fair(s, "2023京津产业链供需对接会")
        a = service.do_create_project(
            s,
            admin,
            ProjectInput(
                code="PERM-A",
                title="园区内项目",
                landing_region_code="120116",
                landing_park_id=park.id,
                parties=[PartyInput(organisation_id=winute.id, role="host")],
                signed_on=date(2024, 1, 1),
                intended_investment=Decimal(1),
            ),
        )
        b = service.do_create_project(
            s,
            admin,
            ProjectInput(
                code="PERM-B",
                title="河北项目",
                landing_region_code="130600",
                signed_on=date(2024, 1, 1),
                intended_investment=Decimal(1),
            ),
        )
        c = service.do_create_project(
            s,
            admin,
            ProjectInput(
                code="PERM-C",
                title="洽谈中项目",
                landing_region_code="120104",
                fair_id=fair.id,
                contracted_investment=Decimal("88000000"),
                intended_investment=Decimal(1),
            ),
        )
        s.commit()
        ids = {"A": a.id, "B": b.id, "C": c.id}
    app = create_app(demo_engine)
    return app, ids, {r: signed_client(app, r) for r in ROLES}


# Who may read and who may edit each project.
READ = {
    "A": {"admin", "tianjin", "binhai", "park", "winute"},
    "B": {"admin", "tianjin", "binhai"},
    "C": {"admin", "tianjin", "binhai", "fair"},
}
WRITE = {"A": {"admin", "tianjin", "binhai", "park"}, "B": {"admin"}, "C": {"admin", "tianjin"}}


@pytest.mark.parametrize("role", ROLES)
def test_reads_by_role_and_object(world, role):
    app, ids, clients = world
    client = clients[role]
    for key, pid in ids.items():
        api = client.get(f"/api/v1/projects/{pid}")
        page = client.get(f"/projects/{pid}", follow_redirects=False)
        if role is None:
            assert api.status_code == 401 and page.status_code == 303
        elif role in READ[key]:
            assert api.status_code == 200 and page.status_code == 200, (role, key)
        else:
            assert api.status_code == 404 and page.status_code == 404, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_writes_by_role_and_object(world, role):
    app, ids, clients = world
    client = clients[role]
    for key, pid in ids.items():
        # An impossible milestone: allowed writers get the lifecycle's 422, others are
        # stopped before it (401, 403, or 404 when they may not even read the project).
        r = client.post(
            f"/api/v1/projects/{pid}/milestones", json={"kind": "at_capacity", "on": "2024-01-02"}
        )
        if role is None:
            assert r.status_code == 401
        elif role in WRITE[key]:
            assert r.status_code == 422, (role, key, r.text)
        elif role in READ[key]:
            assert r.status_code == 403, (role, key)
        else:
            assert r.status_code == 404, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_totals_hold_only_what_the_role_may_read(world, role):
    app, ids, clients = world
    r = clients[role].get("/api/v1/projects", params={"page_size": 500})
    if role is None:
        assert r.status_code == 401
        return
    body = r.json()
    codes = {p["code"] for p in body["items"]}
    mine = {k for k, readers in READ.items() if role in readers}
    assert {c[-1] for c in codes if c.startswith("PERM-")} == mine
    if role == "park":
        assert all(p["landing_park_id"] is not None for p in body["items"])
    if role in ("winute",):
        assert body["total"] == len(body["items"]) == 1  # no leak through the total


@pytest.mark.parametrize(("role", "sees"), [("admin", True), ("tianjin", True), ("fair", False)])
def test_private_investment_of_a_project_under_negotiation(world, role, sees):
    app, ids, clients = world
    body = clients[role].get(f"/api/v1/projects/{ids['C']}").json()
    assert (body["contracted_investment_yuan"] == "88000000.00") is sees


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_and_signed_in_pages(world, role):
    app, ids, clients = world
    client = clients[role]
    for (method, path), rule in RULES.items():
        if method != "GET" or "{" in path or rule not in ("admin", "signed_in", "public", "import"):
            continue
        params = {"q": "集成电路"} if path.endswith("/industries") else None
        r = client.get(path, params=params, follow_redirects=False)
        api = path.startswith("/api/")
        if rule == "public":
            assert r.status_code == 200, (role, path)
        elif role is None:
            assert r.status_code == (401 if api else 303), (role, path)
        elif rule == "admin":
            assert r.status_code == (200 if role == "admin" else 403), (role, path)
        elif rule == "import":
            allowed = role in ("admin", "tianjin", "binhai", "park")
            assert r.status_code == (200 if allowed else 403), (role, path)
        else:
            assert r.status_code == 200, (role, path)


def test_cookie_writes_need_the_csrf_token(world):
    app, ids, clients = world
    admin = signed_client(app, "admin")
    del admin.headers["X-CSRF-Token"]
    r = admin.post(
        f"/api/v1/projects/{ids['A']}/milestones", json={"kind": "at_capacity", "on": "2024-01-02"}
    )
    assert r.status_code == 403 and r.json()["key"] == "auth.csrf"


@pytest.mark.parametrize("role", ROLES)
def test_the_project_correction_form_by_role_and_object(world, role):
    app, ids, clients = world
    for key, pid in ids.items():
        r = clients[role].get(f"/projects/{pid}/correct", follow_redirects=False)
        if role is None:
            assert r.status_code == 303
        elif role in WRITE[key]:
            assert r.status_code == 200 and 'id="project-form"' in r.text, (role, key)
        elif role in READ[key]:
            assert r.status_code == 403, (role, key)
        else:
            assert r.status_code == 404, (role, key)
