"""Role × fairs route × object: every fairs route has its rule in test_permissions.RULES;
the fair's organiser sees and runs its fair only, a participant sees only its own
requests, meetings and agenda and acts only for itself, anyone else is refused (403 for
a fair's lists, 404 for another's object). Bad input is refused naming what, nothing
changed."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from haihe.accounts.models import User
from haihe.accounts.scopes import command_line
from haihe.fairs import queries, service
from haihe.registry import queries as registry
from haihe.web.app import create_app
from tests.conftest import signed_client
from tests.web.test_permissions import RULES, app_routes

ROLES = [None, "admin", "tianjin", "binhai", "park", "fair", "winute"]
OFFICERS = {"tianjin", "binhai", "park"}


def test_every_fairs_route_has_a_rule():
    found = {x for x in app_routes() if x[1].startswith("/api/v1/fairs")}
    assert len(found) >= 13
    assert found - set(RULES) == set()


@pytest.fixture(scope="module")
def world(demo_engine):
    admin = command_line("test")
    with Session(demo_engine) as s:
        winute = next(
            o
            for o in registry.registry_overview(s).named_in_source
            if o.name_en == "Tianjin Winute Information Technology"
        )
        others = [
            o.id
            for o in registry.search_organisations(
                s, registry.OrganisationFilter(region="110000"), page_size=2
            ).items
        ]
        # The demo's organiser ("fair") runs F, a fair of its own here (the article's fair
        # is full of the demo's participants); G is a fair it does not run.
        article = queries.find_fair(s, "2023京津产业链供需对接会")
        f = service.do_create_fair(s, admin, name="权限测试对接会", starts_on=article.starts_on)
        s.execute(update(User).where(User.username == "fair").values(fair_id=f.id))
        ids = {}
        for key, name in (("F", "权限测试对接会"), ("G", "2024京津冀产业链对接会")):
            fair = queries.find_fair(s, name)
            day = datetime(fair.starts_on.year, fair.starts_on.month, fair.starts_on.day, 9)
            service.do_add_slots(
                s,
                admin,
                fair.id,
                [
                    (day + timedelta(hours=i), day + timedelta(hours=i, minutes=30))
                    for i in range(3)
                ],
            )
            service.do_set_tables(s, admin, fair.id, 2)
            w = service.do_add_participant(s, admin, fair.id, winute.id)
            x = service.do_add_participant(s, admin, fair.id, others[0])
            y = service.do_add_participant(s, admin, fair.id, others[1])
            wx = service.do_request_meeting(s, admin, fair.id, w, x)
            service.do_answer_request(s, admin, wx, accept=True)
            xy = service.do_request_meeting(s, admin, fair.id, x, y)
            service.do_answer_request(s, admin, xy, accept=True)
            yw = service.do_request_meeting(s, admin, fair.id, y, w)
            service.do_schedule_fair(s, admin, fair.id, time_limit=0.5)
            ms = {m.request_id: m.id for m in queries.list_meetings(s, fair.id)}
            ids[key] = {
                "fair": fair.id,
                "w": w,
                "x": x,
                "y": y,
                "wx": wx,
                "xy": xy,
                "yw": yw,
                "m_wx": ms[wx],
                "m_xy": ms[xy],
            }
        s.commit()
    app = create_app(demo_engine)
    return ids, {r: signed_client(app, r) for r in ROLES}


def _sees_fair(role: str | None, key: str) -> str:
    """all | own | refused | anonymous"""
    if role is None:
        return "anonymous"
    if role == "admin" or (role == "fair" and key == "F"):
        return "all"
    if role == "winute":
        return "own"
    return "refused"


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_the_role_may_see(world, role):
    ids, clients = world
    c = clients[role]
    for key, o in ids.items():
        f = o["fair"]
        sees = _sees_fair(role, key)
        people = c.get(f"/api/v1/fairs/{f}/participants")
        reqs = c.get(f"/api/v1/fairs/{f}/requests")
        meets = c.get(f"/api/v1/fairs/{f}/meetings")
        figures = c.get(f"/api/v1/fairs/{f}/figures")
        assert figures.status_code == 200 and figures.json()["participants"] == 3
        if sees == "anonymous":
            assert {people.status_code, reqs.status_code, meets.status_code} == {401}
            continue
        if sees == "refused":
            assert {people.status_code, reqs.status_code, meets.status_code} == {403}, role
            continue
        assert people.json()["total"] == 3
        req_ids = {r["id"] for r in reqs.json()["items"]}
        meeting_ids = {m["id"] for m in meets.json()["items"]}
        if sees == "all":
            assert {o["wx"], o["xy"]} <= req_ids and meeting_ids == {o["m_wx"], o["m_xy"]}
        else:  # a participant: its own only, the total too
            assert o["xy"] not in req_ids and o["wx"] in req_ids
            assert meeting_ids == {o["m_wx"]} and meets.json()["total"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_agendas_by_role_and_participant(world, role):
    ids, clients = world
    c = clients[role]
    for key, o in ids.items():
        f = o["fair"]
        sees = _sees_fair(role, key)
        mine = c.get(f"/api/v1/fairs/{f}/participants/{o['w']}/agenda", params={"lang": "en"})
        theirs = c.get(f"/api/v1/fairs/{f}/participants/{o['x']}/agenda.ics")
        if sees == "anonymous":
            assert mine.status_code == theirs.status_code == 401
        elif sees == "refused":
            assert mine.status_code == theirs.status_code == 403
        elif sees == "own":
            assert mine.status_code == 200 and theirs.status_code == 404
            assert [m["id"] for m in mine.json()["meetings"]] == [o["m_wx"]]
            assert "1 meetings" in mine.json()["text"]
        else:
            assert mine.status_code == theirs.status_code == 200
            assert theirs.headers["content-type"].startswith("text/calendar")
            cal = icalendar.Calendar.from_ical(theirs.content)
            assert len(list(cal.walk("VEVENT"))) == 2  # x meets w and y


@pytest.mark.parametrize("role", ROLES)
def test_writes_by_role_and_object(world, role):
    ids, clients = world
    c = clients[role]
    for key, o in ids.items():
        f = o["fair"]
        sees = _sees_fair(role, key)
        sched = c.post(f"/api/v1/fairs/{f}/schedule", json={"time_limit": 0.3})
        own_in = c.post(f"/api/v1/fairs/{f}/participants/{o['w']}/check-in")
        other_in = c.post(f"/api/v1/fairs/{f}/participants/{o['x']}/check-in")
        own_held = c.post(f"/api/v1/fairs/{f}/meetings/{o['m_wx']}/held", json={"held": True})
        other_held = c.post(f"/api/v1/fairs/{f}/meetings/{o['m_xy']}/held", json={"held": True})
        ask_for_other = c.post(
            f"/api/v1/fairs/{f}/requests", json={"requester_id": o["x"], "requested_id": o["w"]}
        )
        codes = [sched, own_in, other_in, own_held, other_held, ask_for_other]
        if sees == "anonymous":
            assert {r.status_code for r in codes} == {401}
        elif sees == "refused":
            assert {r.status_code for r in codes} == {403}, [r.status_code for r in codes]
        elif sees == "own":
            assert sched.status_code == 403
            assert own_in.status_code == 200 and other_in.status_code == 404
            assert own_held.status_code == 200 and other_held.status_code == 404
            assert own_held.json()["meeting"]["held_by_requester"] is True
            assert ask_for_other.status_code == 403
        else:
            assert sched.status_code == 200, sched.text
            assert {own_in.status_code, other_in.status_code, own_held.status_code} == {200}
            assert other_held.status_code == 200
            # the organiser asks for x: w had asked x already, so it is w's request, mutual
            assert ask_for_other.status_code == 201 and ask_for_other.json()["mutual"] is True


def test_a_participant_answers_its_own_requests_and_records_outcomes(world):
    ids, clients = world
    o, c = ids["F"], clients["winute"]
    f = o["fair"]
    # y asked w: w answers; the x–y request is not w's to answer.
    assert (
        c.post(f"/api/v1/fairs/{f}/requests/{o['xy']}/answer", json={"accept": True}).status_code
        == 404
    )
    r = c.post(f"/api/v1/fairs/{f}/requests/{o['yw']}/answer", json={"accept": False})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    # Bad input, each named: a request to oneself, an unknown outcome, an unknown meeting.
    r = c.post(f"/api/v1/fairs/{f}/requests", json={"requester_id": o["w"], "requested_id": o["w"]})
    assert r.status_code == 422 and r.json()["key"] == "fairs.request_self"
    r = c.post(f"/api/v1/fairs/{f}/meetings/99999/outcome", json={"outcome": "none"})
    assert r.status_code == 404
    r = c.post(f"/api/v1/fairs/{f}/meetings/{o['m_wx']}/outcome", json={"outcome": "=1+1"})
    assert r.status_code == 422 and r.json()["key"] == "fairs.outcome_unknown"
    c.post(f"/api/v1/fairs/{f}/meetings/{o['m_wx']}/held", json={"held": True})
    r = c.post(
        f"/api/v1/fairs/{f}/meetings/{o['m_wx']}/outcome",
        json={"outcome": "agreement", "intended_investment": "50000000"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["meeting"]["outcome"] == "agreement"
    figures = c.get(f"/api/v1/fairs/{f}/figures").json()
    assert figures["agreements"] == 1 and figures["intended_investment"] == "50000000.00"
    assert figures["meetings_held"] >= 1 and figures["requests_by_status"]["declined"] == 1
    assert figures["acceptance_rate"] is not None and 0 < figures["acceptance_rate"] < 1
    # The agreement is a project credited to the fair, the meeting its source; the
    # participant (a party) reads it.
    found = [
        p
        for p in c.get("/api/v1/projects", params={"page_size": 500}).json()["items"]
        if p.get("meeting_id") == o["m_wx"]
    ]
    assert len(found) == 1 and found[0]["fair_id"] == f


@pytest.mark.parametrize("role", ROLES)
def test_the_survey_and_the_import_by_role(world, role, tmp_path):
    """The organiser opens the survey and imports; a participant sees and answers only its
    own questions; anyone else is refused."""
    ids, clients = world
    c = clients[role]
    for key, o in ids.items():
        f = o["fair"]
        sees = _sees_fair(role, key)
        if sees == "all":  # meetings held, so that there is something to ask about
            for m in ("m_wx", "m_xy"):
                assert c.post(f"/api/v1/fairs/{f}/meetings/{o[m]}/held", json={"held": True})
        opened = c.post(f"/api/v1/fairs/{f}/survey")
        listed = c.get(f"/api/v1/fairs/{f}/survey")
        page = c.get(f"/fairs/{f}/survey", follow_redirects=False)
        form = c.get(f"/fairs/{f}/import", follow_redirects=False)
        csv = tmp_path / "people.csv"
        csv.write_text("企业名称,洽谈上限\n没有这家单位,3\n", "utf-8")
        with csv.open("rb") as fh:
            up = c.post(f"/api/v1/fairs/{f}/import/participants", files={"file": ("p.csv", fh)})
        if sees == "anonymous":
            assert {opened.status_code, listed.status_code, up.status_code} == {401}
            assert page.status_code in (401, 302, 303) and form.status_code in (401, 302, 303)
            continue
        if sees == "refused":
            codes = {opened.status_code, listed.status_code, page.status_code, form.status_code}
            assert codes == {403} and up.status_code == 403, role
            continue
        if sees == "own":
            assert opened.status_code == 403 and form.status_code == 403 and up.status_code == 403
            assert listed.status_code == 200 and page.status_code == 200
            mine = listed.json()["items"]
            assert mine and {v["participant_id"] for v in mine} == {o["w"]}
            v = mine[0]
            r = c.post(f"/api/v1/fairs/{f}/survey/{v['id']}", json={"outcome": "negotiation"})
            assert r.status_code == 200 and r.json()["outcome"] == "negotiation"
            r = c.post(f"/api/v1/fairs/{f}/survey/{v['id']}", json={"outcome": "<script>"})
            assert r.status_code == 422 and r.json()["key"] == "fairs.outcome_unknown"
            continue
        assert opened.status_code == 200 and listed.status_code == 200, opened.text
        assert form.status_code == 200 and page.status_code == 200
        items = listed.json()["items"]
        assert {v["participant_id"] for v in items} >= {o["w"], o["x"], o["y"]}
        theirs = next(v for v in items if v["participant_id"] == o["x"])
        # the organiser's file names an organisation nobody registered: refused, row named
        assert up.status_code == 400 and up.json()["committed"] is False
        assert up.json()["errors"][0]["row"] == 2
        assert up.json()["errors"][0]["key"] == "fairs.import_organisation_unknown"
        if role == "admin":
            continue
        # winute cannot answer x's question (not its own): 404, unchanged
        w = clients["winute"].post(
            f"/api/v1/fairs/{f}/survey/{theirs['id']}", json={"outcome": "agreement"}
        )
        assert w.status_code == 404
