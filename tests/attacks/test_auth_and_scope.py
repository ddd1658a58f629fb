"""The attacker's review (issue 11), replayed as they did it: through HTTP, as the demo's
accounts, so that the next reviewer finds each finding held. Points 1, 2, 4, 11, 12, 13,
14 and 19; the other points have their own replays beside this module."""

from __future__ import annotations

import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from haihe.accounts import service as accounts
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import command_line
from haihe.projects import service
from haihe.projects.service import PartyInput, ProjectInput
from haihe.registry.models import Organisation
from haihe.web.app import create_app
from tests.conftest import DEMO_PASSWORD, login, signed_client
from tests.registry.helpers import HEADER, row

OPERATOR = command_line("attack-replay")
VICTIMS = ("victim-change", "victim-reset", "victim-limit", "victim-token")


@pytest.fixture(scope="module")
def site(demo_engine):
    """The demo, a project in the Binhai park, and accounts the replays may break."""
    from haihe.registry import queries as registry

    with Session(demo_engine) as s:
        park = registry.find_park(s, "天津滨海—中关村科技园")
        winute = next(
            o
            for o in registry.registry_overview(s).named_in_source
            if o.name_en == "Tianjin Winute Information Technology"
        )
        project = service.do_create_project(
            s,
            OPERATOR,
            ProjectInput(
                code="ATTACK-A",
                title="园区项目",
                landing_region_code="120116",
                landing_park_id=park.id,
                parties=[PartyInput(organisation_id=winute.id, role="host")],
                signed_on=date(2024, 1, 1),
                intended_investment=Decimal(1),
            ),
        )
        for name in VICTIMS:
            accounts.do_create_user(
                s,
                OPERATOR,
                UserCreate(
                    username=name, password=DEMO_PASSWORD, role="regional_officer", regions=["天津"]
                ),
            )
        s.commit()
        ids = {"project": project.id, "park": park.id}
    app = create_app(demo_engine)
    return app, demo_engine, ids


# 1. Stored script: a script attachment, then the free-text chain closing the data element.


def test_1_a_park_managers_script_attachment_and_chain_cannot_reach_the_admin(site):
    app, engine, ids = site
    park = signed_client(app, "park")
    pid = ids["project"]
    r = park.post(
        f"/projects/{pid}/attachments",
        files={"file": ("x.js", b"fetch('/api/v1/audit')", "application/javascript")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    href = re.findall(
        rf'href="(/projects/{pid}/attachments/\d+)"', park.get(f"/projects/{pid}").text
    )[-1]
    served = park.get(href)
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in served.headers["content-security-policy"]
    version = park.get(f"/api/v1/projects/{pid}").json()["version"]
    payload = f"</script><script src={href}></script><script type=application/json>"
    r = park.patch(
        f"/api/v1/projects/{pid}", json={"changes": {"chain": payload}, "version": version}
    )
    assert r.status_code == 422  # a chain is a reference, not free text
    for who in ("admin", None):
        page = signed_client(app, who).get("/").text
        assert f"<script src={href}" not in page and "<script src=/projects" not in page


# 2. The organisation import: another city's organisation named by its USCC.


def test_2_a_park_manager_cannot_rename_and_move_another_citys_organisation(site, tmp_path):
    app, engine, ids = site
    with Session(engine) as s:
        target = s.scalars(
            select(Organisation)
            .where(Organisation.uscc.is_not(None), Organisation.region_code.like("11%"))
            .order_by(Organisation.id)
        ).first()
        before = (target.name, target.region_code, target.park_id)
    cells = row(1, 统一社会信用代码=target.uscc, 企业名称="被接管的公司", 所属地区="滨海新区")
    csv = (
        ",".join([*HEADER, "所属园区"]) + "\n" + ",".join([*cells, "天津滨海—中关村科技园"]) + "\n"
    )
    park = signed_client(app, "park")
    r = park.post("/import", files={"file": ("orgs.csv", csv.encode(), "text/csv")})
    assert r.status_code in (200, 400)
    assert "管辖范围" in r.text and str(target.id) in r.text
    with Session(engine) as s:
        now = s.get(Organisation, target.id)
        assert (now.name, now.region_code, now.park_id) == before


# 4. Lost updates: two officers save the same version at the same moment.


def test_4_two_concurrent_saves_of_one_version_exactly_one_wins(site):
    app, engine, ids = site
    pid = ids["project"]
    clients = [signed_client(app, "tianjin"), signed_client(app, "binhai")]
    for trial in range(4):
        version = clients[0].get(f"/api/v1/projects/{pid}").json()["version"]
        start = threading.Barrier(2)
        statuses: list[int] = []

        def save(client, note: str, start=start, version=version, statuses=statuses) -> None:  # noqa: ANN001
            start.wait()
            r = client.patch(
                f"/api/v1/projects/{pid}", json={"changes": {"notes": note}, "version": version}
            )
            statuses.append(r.status_code)

        threads = [
            threading.Thread(target=save, args=(c, f"{trial}-{i}")) for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(statuses) == [200, 409], (trial, statuses)
        after = clients[0].get(f"/api/v1/projects/{pid}").json()
        assert after["version"] == version + 1


# 11. One project's private sums through a one-day filter, without signing in.


def test_11_a_one_day_filter_does_not_give_away_one_projects_private_sums(site):
    app, engine, ids = site
    with engine.connect() as conn:
        day = (
            conn.execute(
                text(
                    "SELECT signed_on FROM projects"
                    " WHERE signed_on IS NOT NULL AND cancelled_on IS NULL"
                    " GROUP BY signed_on HAVING COUNT(*) = 1 AND"
                    " MAX(COALESCE(contracted_investment, 0) + COALESCE(invested_in_place, 0)) > 0"
                    " ORDER BY signed_on"
                )
            )
            .scalars()
            .first()
        )
    assert day is not None, "the demo has single-project days with private sums"
    day = str(day)[:10]
    params = {"from": day, "to": day}
    body = signed_client(app, None).get("/api/v1/projects/figures", params=params).json()
    assert body["signed"] == 1
    assert body["suppressed"] and body["suppressed_note"] == "少于3个项目，不公开"
    for name in body["suppressed"]:
        assert body[name] is None
    admin = signed_client(app, "admin").get("/api/v1/projects/figures", params=params).json()
    assert admin["suppressed"] == []


# 12. Credentials outliving their revocation.


def _new_token(client) -> str:  # noqa: ANN001
    page = client.post("/account/tokens", data={"name": "replay"}).text
    return re.search(r'id="new-token">[^<]*<code>([^<]+)</code>', page).group(1)


def test_12_tokens_die_with_the_password_and_cannot_breed(site):
    app, engine, ids = site
    owner = signed_client(app, "victim-token")
    stolen = signed_client(app, None)
    stolen.headers["Authorization"] = f"Bearer {_new_token(owner)}"
    assert stolen.get("/api/v1/projects").status_code == 200
    r = stolen.post("/account/tokens", data={"name": "copy"})  # mint a spare from the token
    assert r.status_code == 403
    changer = signed_client(app, "victim-change")
    kept = signed_client(app, None)
    kept.headers["Authorization"] = f"Bearer {_new_token(changer)}"
    changer.post(
        "/account/password",
        data={"old_password": DEMO_PASSWORD, "new_password": "another-long-password"},
    )
    assert kept.get("/api/v1/projects").status_code == 401


def test_12_an_administrators_reset_ends_everything_and_must_be_followed(site):
    app, engine, ids = site
    victim = signed_client(app, "victim-reset")
    token = _new_token(victim)
    admin = signed_client(app, "admin")
    admin.post(
        "/admin/users/reset", data={"username": "victim-reset", "password": "reset-by-admin-1"}
    )
    assert victim.get("/account", follow_redirects=False).status_code == 303
    api = signed_client(app, None)
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.get("/api/v1/projects").status_code == 401
    back = signed_client(app, None)
    assert login(back, "victim-reset", "reset-by-admin-1").headers["location"] == "/account"
    assert back.get("/projects", follow_redirects=False).headers["location"] == "/account"
    assert back.get("/api/v1/projects").status_code == 403


# 14, 13. Usernames by timing; parallel guesses against the login limit (which then
# locks this client's address: so last).


class _Counting:
    def __init__(self, real) -> None:  # noqa: ANN001
        self.real, self.calls, self.lock = real, 0, threading.Lock()

    def verify(self, hash_: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
        return self.real.verify(hash_, password)

    def hash(self, password: str) -> str:
        return self.real.hash(password)


def test_14_an_unknown_username_costs_a_password_check_too(site, monkeypatch):
    app, engine, ids = site
    counting = _Counting(accounts.HASHER)
    monkeypatch.setattr(accounts, "HASHER", counting)
    client = signed_client(app, None)
    assert login(client, "no-such-user-anywhere", "guess").status_code == 401
    assert counting.calls == 1


def test_13_thirty_parallel_guesses_get_at_most_five_password_checks(site, monkeypatch):
    app, engine, ids = site
    counting = _Counting(accounts.HASHER)
    monkeypatch.setattr(accounts, "HASHER", counting)
    clients = [signed_client(app, None) for _ in range(30)]
    tokens = [
        re.search(r'name="login_csrf" value="([^"]+)"', c.get("/login").text).group(1)
        for c in clients
    ]
    start = threading.Barrier(30)
    statuses: list[int] = []

    def guess(client, token: str) -> None:  # noqa: ANN001
        start.wait()
        r = client.post(
            "/login",
            data={"username": "victim-limit", "password": "guess", "login_csrf": token},
            follow_redirects=False,
        )
        statuses.append(r.status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses == [401] * 30
    assert counting.calls <= accounts.MAX_FAILURES


# 19. Login CSRF: a cross-site form signing the victim into the attacker's account.


def test_19_a_cross_site_login_form_is_refused(site):
    app, engine, ids = site
    victim = signed_client(app, None)
    r = victim.post(
        "/login",
        data={"username": "winute", "password": DEMO_PASSWORD},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "haihe_session" not in victim.cookies
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) > 0  # still the demo
