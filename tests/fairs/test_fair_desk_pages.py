"""The fair's desk, page by page and role × route × object: the organiser's set-up, grid,
timetable, door sheets and check-in (its fair only), a participant's registration, inbox
and agenda (itself only), and the JSON routes behind them. In scope: the page and the
write work; out of scope: 403 for the fair, 404 for another's object, nothing changed."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from haihe.accounts import service as accounts
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import command_line
from haihe.fairs import boards, queries, registration, service
from haihe.registry import queries as registry
from haihe.web.app import create_app
from tests.conftest import DEMO_PASSWORD, signed_client
from tests.web.test_permissions import RULES, app_routes

ADMIN = command_line("test")
ROLES = [None, "admin", "tianjin", "fair", "deskorg", "winute"]
DESK_RULES = {
    "fair_organiser",
    "fair_register",
    "fair_member",
    "fair_participant",
    "fair_participant_write",
}


@pytest.fixture(scope="module")
def world(demo_engine):
    """Two fairs: F organised by `deskorg`, G by no one of them; Winute takes part in both
    (registered by itself in F while registration is open); x and y are two others."""
    with Session(demo_engine) as s:
        winute = next(
            o
            for o in registry.registry_overview(s).named_in_source
            if o.name_en == "Tianjin Winute Information Technology"
        )
        others = [
            o.id
            for o in registry.search_organisations(
                s, registry.OrganisationFilter(region="110000"), page_size=3
            ).items
        ]
        ids = {}
        for key in ("F", "G"):
            fair = service.do_create_fair(
                s,
                ADMIN,
                name=f"洽谈台测试会{key}",
                name_en=f"Desk fair {key}",
                starts_on=date(2026, 6, 1),
            )
            if key == "F":
                accounts.do_create_user(
                    s,
                    ADMIN,
                    UserCreate(
                        username="deskorg",
                        password=DEMO_PASSWORD,
                        role="fair_organiser",
                        fair_id=fair.id,
                    ),
                )
            slots = registration.do_plan_slots(
                s,
                ADMIN,
                fair.id,
                day=fair.starts_on,
                start=datetime(2026, 6, 1, 9).time(),
                minutes=25,
                count=3,
                break_minutes=5,
            )
            service.do_set_tables(s, ADMIN, fair.id, 2)
            registration.do_set_fair_options(
                s, ADMIN, fair.id, registration_open=True, requests_expire_at=None
            )
            x = registration.do_register_participant(
                s, ADMIN, fair.id, others[0], representatives="<script>alert(1)</script>甲\n=1+1"
            )
            y = registration.do_register_participant(s, ADMIN, fair.id, others[1])
            w = registration.do_register_participant(
                s, ADMIN, fair.id, winute.id, representatives="张三\n李四"
            )
            wx = registration.do_arrange_request(s, ADMIN, fair.id, w, x)
            xy = registration.do_arrange_request(s, ADMIN, fair.id, x, y)
            yw = service.do_request_meeting(s, ADMIN, fair.id, y, w)
            service.do_schedule_fair(s, ADMIN, fair.id, time_limit=0.5)
            ms = {m.request_id: m.id for m in queries.list_meetings(s, fair.id)}
            starts = {sl.starts_at: sl.id for sl in boards.slots(s, fair.id)}
            busy = starts[queries.get_meeting(s, ms[wx]).starts_at]
            ids[key] = dict(
                fair=fair.id,
                w=w,
                x=x,
                y=y,
                wx=wx,
                xy=xy,
                yw=yw,
                m_wx=ms[wx],
                m_xy=ms[xy],
                slots=slots,
                free_org=others[2],
                busy_slot=busy,
            )
        s.commit()
    app = create_app(demo_engine)
    return app, ids, {r: signed_client(app, r) for r in ROLES}


def test_every_desk_route_has_its_rule_and_is_exercised_here():
    from haihe.fairs import desk_api, grid_pages, inbox_pages

    desk = {
        (m, r.path)
        for module in (desk_api, grid_pages, inbox_pages)
        for r in module.router.routes
        for m in r.methods
    }
    assert desk <= set(app_routes())
    assert {RULES[k] for k in desk} <= DESK_RULES  # each has its rule
    exercised = {(m, p) for m, p, *_ in PAGES} | {(m, p) for m, p, *_ in WRITES}
    assert desk - exercised == set()
    assert len(exercised) >= 35


# (method, path template, who: organiser | member | participant | register)
PAGES = [
    ("GET", "/fairs/{fair_id}/setup", "organiser"),
    ("GET", "/fairs/{fair_id}/grid", "organiser"),
    ("GET", "/fairs/{fair_id}/timetable", "organiser"),
    ("GET", "/fairs/{fair_id}/tables/{number}", "organiser"),
    ("GET", "/fairs/{fair_id}/check-in", "organiser"),
    ("GET", "/fairs/{fair_id}/requests", "member"),
    ("GET", "/api/v1/fairs/{fair_id}/slots", "member"),
    ("GET", "/fairs/{fair_id}/agenda/{participant_id}", "participant"),
    ("GET", "/fairs/{fair_id}/participants/{participant_id}", "participant"),
    ("GET", "/fairs/{fair_id}/register", "register"),
]


def _expect(role: str | None, key: str, who: str, own: bool = True) -> str:
    """ok | login | refused | hidden"""
    if role is None:
        return "login"
    organises = role == "admin" or (role == "deskorg" and key == "F")
    if organises:
        return "ok"
    if role == "winute" and who in ("member", "participant"):
        return "ok" if own else "hidden"
    if role == "winute" and who == "register":
        return "registered"
    return "refused"


def _url(path: str, o: dict, participant: str = "w") -> str:
    return path.format(fair_id=o["fair"], number=1, participant_id=o[participant])


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role_and_object(world, role):
    app, ids, clients = world
    c = clients[role]
    for key, o in ids.items():
        for _method, path, who in PAGES:
            for participant, own in (("w", True), ("x", False)):
                if "{participant_id}" not in path and not own:
                    continue
                r = c.get(_url(path, o, participant), follow_redirects=False)
                want = _expect(role, key, who, own)
                api = path.startswith("/api/")
                got = r.status_code
                if want == "login":
                    assert got == (401 if api else 303), (role, key, path)
                elif want == "ok":
                    if who == "register" and role != "winute":
                        assert got == 403, (role, key, path)  # only an enterprise registers itself
                    else:
                        assert got == 200, (role, key, path, got)
                elif want == "hidden":
                    assert got == 404, (role, key, path, got)
                elif want == "registered":  # already in: its own registration
                    assert got == 303 and r.headers["location"].endswith(f"/participants/{o['w']}")
                else:
                    assert got == 403, (role, key, path, got)


def _csrf(c) -> dict:  # noqa: ANN001
    return {"csrf_token": c.headers.get("X-CSRF-Token", "")}


# (method, path, who, form or json, good statuses when allowed)
WRITES = [
    ("POST", "/fairs/{fair_id}/options", "organiser", {"registration_open": "1"}, {303}),
    (
        "POST",
        "/fairs/{fair_id}/slots",
        "organiser",
        {"day": "2026-06-01", "start": "07:00", "minutes": "99", "count": "1"},
        {303, 422},
    ),
    ("POST", "/fairs/{fair_id}/slots/{slot_id}/remove", "organiser", {}, {422}),
    ("POST", "/fairs/{fair_id}/tables", "organiser", {"tables": "2"}, {303}),
    (
        "POST",
        "/fairs/{fair_id}/participants",
        "organiser",
        {"organisation_id": "{free_org}", "quota": "x"},
        {422},
    ),
    ("POST", "/fairs/{fair_id}/register", "register", {"representatives": "张三"}, {422}),
    (
        "POST",
        "/fairs/{fair_id}/participants/{participant_id}",
        "participant",
        {"representatives": "张三\n李四", "slot": ["{slot0}", "{slot1}", "{slot2}"]},
        {303},
    ),
    (
        "POST",
        "/fairs/{fair_id}/requests",
        "participant",
        {"requester_id": "{p}", "requested_id": "{p}"},
        {422},
    ),
    (
        "POST",
        "/fairs/{fair_id}/requests/arrange",
        "organiser",
        {"requester_id": "{x}", "requested_id": "{x}"},
        {422},
    ),
    (
        "POST",
        "/fairs/{fair_id}/requests/{request_id}/answer",
        "participant",
        {"accept": "1"},
        {303, 422},
    ),
    ("POST", "/fairs/{fair_id}/requests/{request_id}/veto", "organiser", {}, {303, 422}),
    (
        "POST",
        "/fairs/{fair_id}/meetings/{meeting_id}/held",
        "participant",
        {"participant_id": "{p}", "held": "1"},
        {303},
    ),
    (
        "POST",
        "/fairs/{fair_id}/meetings/{meeting_id}/outcome",
        "participant",
        {"participant_id": "{p}", "outcome": "=1+1"},
        {422},
    ),
    ("POST", "/fairs/{fair_id}/schedule", "organiser", {}, {200}),
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/lock", "organiser", {"locked": "1"}, {303}),
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/move", "organiser", {"place": "1:x"}, {422}),
    ("POST", "/fairs/{fair_id}/meetings/{meeting_id}/remove", "organiser", {}, {422}),
    ("POST", "/fairs/{fair_id}/participants/{participant_id}/check-in", "organiser", {}, {303}),
    ("PATCH", "/api/v1/fairs/{fair_id}", "organiser", {"registration_open": True}, {200}),
    (
        "POST",
        "/api/v1/fairs/{fair_id}/slots",
        "organiser",
        {"day": "2026-06-01", "start": "09:10", "minutes": 30, "count": 1},
        {422},
    ),
    ("PUT", "/api/v1/fairs/{fair_id}/tables", "organiser", {"count": 2}, {200}),
    (
        "POST",
        "/api/v1/fairs/{fair_id}/participants",
        "register",
        {"organisation_id": "{free_org}", "representatives": ["王五"]},
        {201, 403, 422},
    ),
    (
        "PUT",
        "/api/v1/fairs/{fair_id}/participants/{participant_id}",
        "participant",
        {"representatives": ["张三"], "slot_ids": ["{slot0}", "{slot1}", "{slot2}"]},
        {200},
    ),
    (
        "POST",
        "/api/v1/fairs/{fair_id}/requests/arrange",
        "organiser",
        {"requester_id": "{x}", "requested_id": "{y}"},
        {201},
    ),
    ("POST", "/api/v1/fairs/{fair_id}/requests/{request_id}/veto", "organiser", {}, {200, 422}),
    (
        "POST",
        "/api/v1/fairs/{fair_id}/meetings/{meeting_id}/lock",
        "organiser",
        {"locked": False},
        {200},
    ),
    (
        "POST",
        "/api/v1/fairs/{fair_id}/meetings/{meeting_id}/move",
        "organiser",
        {"slot_id": 2147483000, "table": 1},
        {422},
    ),
    ("DELETE", "/api/v1/fairs/{fair_id}/meetings/{meeting_id}", "organiser", {}, {422}),
]


def _fill(value, o: dict):  # noqa: ANN001, ANN202
    if isinstance(value, list):
        return [_fill(v, o) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        name = value[1:-1]
        if name.startswith("slot"):
            return str(o["slots"][int(name[4:])])
        return str(o[name]) if not isinstance(o[name], int) else o[name]
    return value


@pytest.mark.parametrize("role", ROLES)
def test_writes_by_role_and_object(world, role):
    app, ids, clients = world
    c = clients[role]
    for key, o in ids.items():
        # the meeting w–x is w's own (held marks, outcomes), and marked held (the grid
        # refuses removing it); the x–y request is not w's
        for method, path, who, body, good in WRITES:
            for participant, own in (("w", True), ("x", False)):
                if who != "participant" and not own:
                    continue
                if (
                    who == "participant"
                    and "{participant_id}" not in path
                    and "{meeting_id}" not in path
                    and "{request_id}" not in path
                    and not own
                ):
                    continue
                url = path.format(
                    fair_id=o["fair"],
                    slot_id=o["busy_slot"],
                    participant_id=o[participant],
                    meeting_id=o["m_wx"] if own else o["m_xy"],
                    request_id=o["yw"] if own else o["xy"],
                )
                filled = {k: _fill(v, {**o, "p": o[participant]}) for k, v in body.items()}
                if url.startswith("/api/"):
                    if method == "PUT" and "slot_ids" in filled:
                        filled["slot_ids"] = [int(v) for v in filled["slot_ids"]]
                    if "organisation_id" in filled:
                        filled["organisation_id"] = int(filled["organisation_id"])
                    r = c.request(method, url, json=filled or None, follow_redirects=False)
                else:
                    r = c.request(method, url, data={**filled, **_csrf(c)}, follow_redirects=False)
                api = url.startswith("/api/")
                got = r.status_code
                organises = role == "admin" or (role == "deskorg" and key == "F")
                if not api:  # a page answers bad input with 400 (the API: 422)
                    good = {400 if g == 422 else g for g in good}
                if role is None:
                    assert got == (401 if api else 303), (role, key, url, got)
                elif organises:
                    assert got in good or (who == "register" and got in (400, 403, 422)), (
                        role,
                        key,
                        url,
                        got,
                        r.text[:300],
                    )
                elif role == "winute" and who == "participant":
                    if own:
                        assert got in good, (role, key, url, got, r.text[:300])
                    else:
                        assert got in (403, 404), (role, key, url, got)
                elif role == "winute" and who == "register":
                    # its organisation is in already (422), or another organisation (403)
                    assert got in (400, 403, 422), (role, key, url, got)
                else:
                    assert got == 403, (role, key, method, url, got, r.text[:200])


def test_pages_in_chinese_and_english_with_hostile_names_kept_as_text(world):
    app, ids, clients = world
    o = ids["F"]
    c = clients["deskorg"]
    for lang, words in (
        ("zh", ("洽谈排期表", "一键排期", "号桌")),
        ("en", ("Meeting grid", "Schedule all", "Table")),
    ):
        page = c.get(f"/fairs/{o['fair']}/grid", params={"lang": lang}).text
        assert all(w in page for w in words), lang
        assert 'id="fair-grid"' in page
        agenda = c.get(f"/fairs/{o['fair']}/agenda/{o['w']}", params={"lang": lang}).text
        assert f"/api/v1/fairs/{o['fair']}/participants/{o['w']}/agenda.ics" in agenda
        assert ("洽谈日程" if lang == "zh" else "Meeting agenda") in agenda
        for path in ("setup", "requests", "timetable", "tables/1", "check-in"):
            r = c.get(f"/fairs/{o['fair']}/{path}", params={"lang": lang})
            assert r.status_code == 200, path
            assert "fairs." not in re.sub(r"<[^>]+>", "", r.text), path  # no message key shown
            assert "<script>alert(1)" not in r.text, path
    r = c.put(
        f"/api/v1/fairs/{o['fair']}/participants/{o['x']}",
        json={"representatives": ["<script>alert(1)</script>甲", "=1+1"], "slot_ids": o["slots"]},
    )
    assert r.status_code == 200 and r.json()["representatives"][0] == "<script>alert(1)</script>甲"
    setup = c.get(f"/fairs/{o['fair']}/setup").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;甲" in setup


def test_a_participant_sends_answers_and_sees_its_own_requests_only(world):
    app, ids, clients = world
    o = ids["F"]
    w = clients["winute"]
    page = w.get(f"/fairs/{o['fair']}/requests").text
    assert 'id="incoming"' in page and 'id="sent"' in page and 'id="mutual"' in page
    assert f'id="request-{o["xy"]}"' not in page  # not its own
    # the search narrows the list it chooses from
    with Session(app.state.engine) as s:
        y_name = boards.participant(s, o["fair"], o["y"]).name
    found = w.get(f"/fairs/{o['fair']}/requests", params={"q": y_name[:4]}).text
    assert y_name in found


def test_a_refused_move_says_why_and_changes_nothing(world):
    """(The meeting x–y was marked held by the write tests above: that is one reason; a
    table taken, a side busy are others; the services' tests go through each.)"""
    app, ids, clients = world
    o = ids["F"]
    c = clients["deskorg"]
    with Session(app.state.engine) as s:
        before = {m.id: (m.starts_at, m.table) for m in queries.list_meetings(s, o["fair"])}
        m = queries.get_meeting(s, o["m_xy"])
        other = next(x for x in queries.list_meetings(s, o["fair"]) if x.id != m.id)
        slot_of = {sl.starts_at: sl.id for sl in boards.slots(s, o["fair"])}
    r = c.post(
        f"/fairs/{o['fair']}/meetings/{m.id}/move",
        data={"place": f"{slot_of[other.starts_at]}:{other.table}", **_csrf(c)},
        params={"lang": "en"},
    )
    assert r.status_code == 400
    assert re.search(
        r'id="fair-problem">[^<]*(table \d+ is taken|has another meeting|has been marked held)',
        r.text,
    )
    with Session(app.state.engine) as s:
        after = {x.id: (x.starts_at, x.table) for x in queries.list_meetings(s, o["fair"])}
    assert after == before


def test_the_outcome_form_makes_an_agreement_a_project_credited_to_the_fair(world):
    app, ids, clients = world
    o = ids["G"]
    w = clients["winute"]
    agenda = f"/fairs/{o['fair']}/agenda/{o['w']}"
    r = w.post(
        f"/fairs/{o['fair']}/meetings/{o['m_wx']}/held",
        data={"participant_id": o["w"], "held": "1", **_csrf(w)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == agenda
    # an amount that is no amount: refused in words, nothing recorded
    r = w.post(
        f"/fairs/{o['fair']}/meetings/{o['m_wx']}/outcome",
        data={
            "participant_id": o["w"],
            "outcome": "agreement",
            "intended_investment": "五千",
            **_csrf(w),
        },
    )
    assert r.status_code == 400 and "五千" in r.text
    r = w.post(
        f"/fairs/{o['fair']}/meetings/{o['m_wx']}/outcome",
        data={
            "participant_id": o["w"],
            "outcome": "agreement",
            "intended_investment": "5,000",
            **_csrf(w),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    page = w.get(agenda, params={"lang": "zh"}).text
    assert re.search(rf'id="outcome-{o["m_wx"]}">签约 · 5000万元', page), page[-3000:]
    found = [
        p
        for p in w.get("/api/v1/projects", params={"page_size": 500}).json()["items"]
        if p.get("meeting_id") == o["m_wx"]
    ]
    assert len(found) == 1 and found[0]["fair_id"] == o["fair"]
    assert found[0]["intended_investment_yuan"] == "50000000.00"
