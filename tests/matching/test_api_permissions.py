"""Role × matching route × object: every matching route has its rule in
test_permissions.RULES, and each role gets what the rule says for listings and interests
in and out of its scope (someone else's private listing is a 404, never a 403)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.matching.models import Interest, Listing
from haihe.web.app import create_app
from tests.conftest import signed_client
from tests.web.test_permissions import RULES, app_routes

ROLES = [None, "admin", "tianjin", "binhai", "park", "fair", "winute"]
# Winute is in Tianjin's Binhai district, in the Binhai-Zhongguancun park.
WINUTE_MANAGERS = {"admin", "tianjin", "binhai", "park", "winute"}
OFFICERS = {"admin", "tianjin", "binhai", "park"}
WORDS = ("listing", "match", "interest", "notification", "transfer")


def test_every_matching_route_has_a_rule():
    found = {x for x in app_routes() if any(w in x[1] for w in WORDS)}
    assert len(found) >= 30
    assert found - set(RULES) == set()


@pytest.fixture(scope="module")
def world(demo_engine):
    with Session(demo_engine) as s:
        by_title = {x.title: x for x in s.execute(select(Listing)).scalars()}
        ids = {
            "private": by_title["工控安全新产品线扩产融资"].id,  # Winute's, private
            "winute": by_title["工控防火墙与工业安全网关"].id,  # Winute's, public
            "beijing": by_title[
                "工业控制系统异常流量检测与可信防护技术"
            ].id,  # a Beijing institute's
            "lingkr": by_title["寻求肿瘤医疗大数据科研合作伙伴"].id,
        }
        interests = {i.to_listing_id: i.id for i in s.execute(select(Interest)).scalars()}
        ids["accepted"] = interests[by_title["寻求工控安全检测技术合作，丰富工控防火墙产品线"].id]
        ids["pending"] = interests[ids["lingkr"]]
        winute_org = by_title["工控防火墙与工业安全网关"].organisation_id
    app = create_app(demo_engine)
    return app, ids, winute_org, {r: signed_client(app, r) for r in ROLES}


@pytest.mark.parametrize("role", ROLES)
def test_a_private_listing_is_read_only_in_scope_and_404_elsewhere(world, role):
    app, ids, _, clients = world
    c = clients[role]
    lid = ids["private"]
    for path in (
        f"/api/v1/listings/{lid}",
        f"/listings/{lid}",
        f"/api/v1/listings/{lid}/matches",
        f"/transfer/listings/{lid}",
    ):
        r = c.get(path, follow_redirects=False)
        expected = 200 if role in WINUTE_MANAGERS else 404
        assert r.status_code == expected, (role, path, r.status_code)
    listed = c.get("/api/v1/listings", params={"q": "扩产融资"}).json()
    assert (listed["total"] == 1) is (role in WINUTE_MANAGERS)  # no leak through the total
    public = c.get(f"/api/v1/listings/{ids['beijing']}")
    assert public.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_a_private_listing_is_never_recommended_to_those_who_may_not_see_it(world, role):
    app, ids, _, clients = world
    body = clients[role].get(f"/api/v1/listings/{ids['beijing']}/matches", params={"k": 20})
    assert body.status_code == 200
    shown = {(m["partner_kind"], m["partner_id"]) for m in body.json()["items"]}
    if role not in WINUTE_MANAGERS:
        assert ("listing", ids["private"]) not in shown


@pytest.mark.parametrize("role", ROLES)
def test_listing_writes_by_role_and_object(world, role):
    app, ids, winute_org, clients = world
    c = clients[role]
    # An impossible maturity: allowed writers get the 422, others stop before it.
    for key, writers in (("winute", WINUTE_MANAGERS), ("beijing", {"admin"})):
        r = c.patch(f"/api/v1/listings/{ids[key]}", json={"maturity": 12})
        if role is None:
            assert r.status_code == 401
        elif role in writers:
            assert r.status_code == 422 and r.json()["key"] == "listings.maturity_range", (
                role,
                key,
            )
        else:
            assert r.status_code == 403, (role, key, r.status_code)
        form = c.get(f"/listings/{ids[key]}/edit", follow_redirects=False)
        assert form.status_code == (303 if role is None else 200 if role in writers else 403), (
            role,
            key,
        )
    r = c.patch(f"/api/v1/listings/{ids['private']}", json={"maturity": 12})
    assert r.status_code == (401 if role is None else 422 if role in WINUTE_MANAGERS else 404)
    r = c.delete(f"/api/v1/listings/{ids['beijing']}") if role != "admin" else None
    if r is not None:
        assert r.status_code == (401 if role is None else 403)
    r = c.post(
        "/api/v1/listings",
        json={"organisation_id": winute_org, "direction": "seek", "kind": "product", "title": "a"},
    )
    if role is None:
        assert r.status_code == 401
    elif role in WINUTE_MANAGERS:
        assert r.status_code == 422 and r.json()["key"] == "listings.no_text", r.text
    else:
        assert r.status_code == 403
    new = c.get("/listings/new", follow_redirects=False)
    assert new.status_code == (303 if role is None else 403 if role == "fair" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_interests_by_role_and_side(world, role):
    app, ids, _, clients = world
    c = clients[role]
    r = c.get(f"/interests/{ids['accepted']}", follow_redirects=False)
    # to Winute (its managers) from a Beijing institute (only the administrator acts for it)
    assert r.status_code == (303 if role is None else 200 if role in WINUTE_MANAGERS else 404)
    r = c.post(f"/api/v1/interests/{ids['accepted']}/answer", json={"accept": True})
    if role is None:
        assert r.status_code == 401
    elif role in WINUTE_MANAGERS:
        assert r.status_code == 422  # answered already
    else:
        assert r.status_code == 404
    # the pending one is to Lingkr (Binhai, in the park): Winute is not a side of it
    r = c.post(f"/api/v1/interests/{ids['pending']}/answer", json={"accept": False})
    if role is None:
        assert r.status_code == 401
    elif role in ("winute", "fair"):
        assert r.status_code == 404
    else:
        assert r.status_code in (200, 422)  # the first in scope answers it
    listed = c.get("/api/v1/interests")
    assert listed.status_code == (401 if role is None else 200)
    if role == "fair":
        assert listed.json() == []
    mine = c.get("/api/v1/notifications")
    assert mine.status_code == (401 if role is None else 200)
    if role == "fair":
        assert mine.json() == {"items": [], "unread": 0}


@pytest.mark.parametrize("role", ROLES)
def test_marks_and_the_officers_figures(world, role):
    app, ids, _, clients = world
    c = clients[role]
    body = {
        "subject_kind": "listing",
        "subject_id": ids["private"],
        "partner_kind": "listing",
        "partner_id": ids["beijing"],
        "useful": True,
    }
    r = c.post("/api/v1/matches/feedback", json=body)
    assert r.status_code == (401 if role is None else 201 if role in WINUTE_MANAGERS else 404)
    r = c.post("/api/v1/matches/feedback", json={**body, "subject_id": ids["beijing"]})
    assert r.status_code == (401 if role is None else 201)
    page = c.get("/match-feedback", follow_redirects=False)
    assert page.status_code == (303 if role is None else 200 if role in OFFICERS else 403)


def test_express_interest_needs_an_organisation_to_act_for(world):
    app, ids, _, clients = world
    r = clients["fair"].post("/api/v1/interests", json={"to_listing_id": ids["beijing"]})
    assert r.status_code == 422 and r.json()["key"] == "listings.interest_from_missing"
    r = clients[None].post("/api/v1/interests", json={"to_listing_id": ids["beijing"]})
    assert r.status_code == 401
    r = clients["winute"].post("/api/v1/interests", json={"to_listing_id": ids["private"]})
    assert r.status_code == 422  # its own organisation
    r = clients["fair"].post("/api/v1/interests", json={"to_listing_id": ids["private"]})
    assert r.status_code in (404, 422)
