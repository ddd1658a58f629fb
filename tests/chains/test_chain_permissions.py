"""Who may change chains, their lists and placements (the rules in
tests/web/test_permissions.py RULES: chain_edit, chain_list_write, placement_write)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.chains.models import Placement
from haihe.registry.models import Organisation
from haihe.web.app import create_app
from tests.conftest import signed_client
from tests.web.test_permissions import ROLES

EDITORS = {"admin", "tianjin", "binhai"}  # administrators and regional officers


@pytest.fixture(scope="module")
def world(demo_engine):
    app = create_app(demo_engine)
    with Session(demo_engine) as s:
        winute = s.scalar(
            select(Organisation).where(Organisation.name == "天津威努特信息技术有限公司")
        )
        hebei = s.execute(
            select(Placement.organisation_id, Placement.chain_key, Placement.segment_id)
            .join(Organisation, Organisation.id == Placement.organisation_id)
            .where(Organisation.region_code.like("13%"), Placement.decision.is_(None))
            .limit(1)
        ).one()
    return app, winute.id, hebei, {r: signed_client(app, r) for r in ROLES}


@pytest.mark.parametrize("role", ROLES)
def test_chain_definitions_are_edited_by_administrators_and_officers(world, role):
    app, _w, _h, clients = world
    c = clients[role]
    page = c.get("/chains/xinchuang/edit", follow_redirects=False)  # one of Tianjin's own
    imp = c.get("/chains-import", follow_redirects=False)
    api = c.post(
        "/api/v1/chains", files={"file": ("x.yaml", b"key: [unclosed", "application/yaml")}
    )
    if role is None:
        assert (page.status_code, imp.status_code, api.status_code) == (303, 303, 401)
    elif role in EDITORS:
        assert (page.status_code, imp.status_code) == (200, 200)
        assert api.status_code == 422 and "line" in api.json()["detail"][0]["msg"]
    else:
        assert (page.status_code, imp.status_code, api.status_code) == (403, 403, 403)


@pytest.mark.parametrize("role", ROLES)
def test_lists_are_kept_by_the_officers_of_the_region(world, role):
    app, _w, _h, clients = world
    body = {
        "list_kind": "bottleneck",
        "region": "120000",
        "segment_id": "api",
        "technology": f"试验{role}",
    }
    r = clients[role].post("/api/v1/chains/biomedicine/lists", json=body)
    if role is None:
        assert r.status_code == 401
    elif role in ("admin", "tianjin"):
        assert r.status_code == 201, r.text
        entry = r.json()["id"]
        assert any(
            b["technology"] == f"试验{role}"
            for b in clients[None]
            .get("/api/v1/chains/biomedicine/lists?region=120000")
            .json()["bottlenecks"]
        )
        assert clients[role].delete(f"/api/v1/chains/biomedicine/lists/{entry}").status_code == 204
    else:
        assert r.status_code == 403, (role, r.text)
    if role == "binhai":  # an officer of Binhai keeps Binhai's lists
        body["region"] = "120116"
        assert clients[role].post("/api/v1/chains/biomedicine/lists", json=body).status_code == 201


@pytest.mark.parametrize("role", ROLES)
def test_placements_are_ruled_on_by_whoever_may_edit_the_organisation(world, role):
    app, winute, hebei, clients = world
    c = clients[role]
    r = c.post(
        f"/api/v1/organisations/{winute}/placements",
        json={"chain": "cybersecurity", "segment": "security_hardware", "decision": "confirm"},
    )
    h_org, h_chain, h_seg = hebei
    h = c.post(
        f"/api/v1/organisations/{h_org}/placements",
        json={"chain": h_chain, "segment": h_seg, "decision": "confirm"},
    )
    if role is None:
        assert (r.status_code, h.status_code) == (401, 401)
        return
    may_winute = role in ("admin", "tianjin", "binhai", "park", "winute")
    assert r.status_code == (200 if may_winute else 403), (role, r.text)
    assert h.status_code == (200 if role == "admin" else 403), (role, h.text)
    if may_winute:
        got = {(p["segment"], p["decision"]) for p in r.json()["items"]}
        assert ("security_hardware", "confirmed") in got
        c.post(
            f"/api/v1/organisations/{winute}/placements",
            json={"chain": "cybersecurity", "segment": "security_hardware", "decision": "undo"},
        )


def test_bad_list_entries_and_decisions_are_named(world):
    app, winute, _h, clients = world
    admin = clients["admin"]
    r = admin.post(
        "/api/v1/chains/biomedicine/lists",
        json={
            "list_kind": "bottleneck",
            "region": "120000",
            "segment_id": "nope",
            "technology": "x",
        },
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "segment_id"
    r = admin.post(
        f"/api/v1/organisations/{winute}/placements",
        json={"chain": "biomedicine", "segment": "implants", "decision": "maybe"},
    )
    assert r.status_code == 422 and "decision" in r.text


@pytest.mark.parametrize("role", ROLES)
def test_joint_chains_are_edited_by_administrators_and_province_officers(world, role):
    """The six chains the three provinces draw jointly: a district's officer (binhai) may
    not rewrite them; the province's (tianjin) and administrators may."""
    _app, _w, _h, clients = world
    page = clients[role].get("/chains/hydrogen/edit", follow_redirects=False)
    chain_page = clients[role].get("/chains/hydrogen").text
    if role in ("admin", "tianjin"):
        assert page.status_code == 200 and 'href="/chains/hydrogen/edit"' in chain_page
    elif role is None:
        assert page.status_code == 303
    else:
        assert page.status_code == 403 and 'href="/chains/hydrogen/edit"' not in chain_page


def test_joint_chain_rule_holds_in_the_service_and_is_configurable(demo_engine, monkeypatch):
    from haihe.accounts.models import User
    from haihe.accounts.service import principal_of
    from haihe.chains import queries, service
    from haihe.core.errors import NotAllowed
    from haihe.core.settings import get_settings

    with Session(demo_engine) as s:
        users = {u.username: principal_of(u) for u in s.scalars(select(User))}
        info = queries.get_chain(s, "hydrogen")
        text = info.definition.to_yaml().replace(info.definition.name_zh, "氢能（改）", 1)
        with pytest.raises(NotAllowed):
            service.do_edit_definition(s, users["binhai"], "hydrogen", text, based_on=info.version)
        # Nor may a district's officer make a chain of its own joint, or take one out.
        own = queries.get_chain(s, "xinchuang").definition.to_yaml()
        with pytest.raises(NotAllowed):
            service.do_edit_definition(
                s,
                users["binhai"],
                "xinchuang",
                own.replace("group: tianjin", "group: shared"),
                based_on=queries.get_chain(s, "xinchuang").version,
            )
        service.do_edit_definition(s, users["tianjin"], "hydrogen", text, based_on=info.version)
        s.rollback()
        monkeypatch.setenv("HAIHE_JOINT_CHAIN_EDITORS", "admin")
        get_settings.cache_clear()
        try:
            with pytest.raises(NotAllowed):
                service.do_edit_definition(
                    s, users["tianjin"], "hydrogen", text, based_on=info.version
                )
            service.do_edit_definition(s, users["admin"], "hydrogen", text, based_on=info.version)
        finally:
            s.rollback()
            monkeypatch.delenv("HAIHE_JOINT_CHAIN_EDITORS")
            get_settings.cache_clear()
