"""The import page: upload, result, error report download."""

from haihe.registry.schemas import ParkCreate
from haihe.web.app import create_app
from tests.conftest import login, make_admin, signed_client
from tests.registry.helpers import ADMIN, count, row, write_csv


def test_upload_good_file(engine, tmp_path):
    make_admin(engine)
    client = signed_client(create_app(engine), "admin")
    path = write_csv(tmp_path / "ok.csv", [row(1), row(2)])
    r = client.post("/import", files={"file": ("ok.csv", path.read_bytes(), "text/csv")})
    assert r.status_code == 200
    assert "新增 2" in r.text
    assert count(engine) == 2


def test_upload_bad_file_writes_nothing_and_offers_the_report(engine, tmp_path):
    make_admin(engine)
    client = signed_client(create_app(engine), "admin")
    path = write_csv(tmp_path / "bad.csv", [row(1), row(2, 所属地区="火星")])
    r = client.post(
        "/import", files={"file": ("bad.csv", path.read_bytes(), "text/csv")}, params={"lang": "en"}
    )
    assert r.status_code == 400
    assert "nothing was written" in r.text and "火星" in r.text
    assert count(engine) == 0
    link = r.text.split('id="error-report"')[0].rsplit('href="', 1)[1].split('"')[0]
    report = client.get(link)
    assert report.status_code == 200 and report.content[:2] == b"PK"


def test_upload_with_skip_invalid(engine, tmp_path):
    make_admin(engine)
    client = signed_client(create_app(engine), "admin")
    path = write_csv(tmp_path / "bad.csv", [row(1), row(2, 所属地区="火星")])
    r = client.post(
        "/import",
        files={"file": ("bad.csv", path.read_bytes(), "text/csv")},
        data={"skip_invalid": "true"},
    )
    assert r.status_code == 200
    assert count(engine) == 1


def test_upload_of_other_file_types_is_refused(engine):
    make_admin(engine)
    client = signed_client(create_app(engine), "admin")
    r = client.post("/import", files={"file": ("x.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 400
    assert count(engine) == 0


def test_import_needs_an_account_and_a_csrf_token(engine, tmp_path):
    make_admin(engine)
    app = create_app(engine)
    path = write_csv(tmp_path / "ok.csv", [row(1)])
    anonymous = signed_client(app, None)
    r = anonymous.post(
        "/import", files={"file": ("ok.csv", path.read_bytes(), "text/csv")}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    client = signed_client(app, "admin")
    del client.headers["X-CSRF-Token"]
    r = client.post("/import", files={"file": ("ok.csv", path.read_bytes(), "text/csv")})
    assert r.status_code == 403
    assert count(engine) == 0


def test_writes_are_committed_before_the_response_is_sent(engine):
    """A client that hears "signed in" can use the session at once (no commit race)."""
    make_admin(engine)
    app = create_app(engine)
    for _ in range(20):
        client = signed_client(app, None)
        r = login(client, "admin", "haihe-demo-2024")
        assert r.status_code == 303
        assert client.get("/account", follow_redirects=False).status_code == 200


def _user(engine, username: str, role: str, **scope) -> None:  # noqa: ANN003
    from sqlalchemy.orm import Session

    from haihe.accounts import service
    from haihe.accounts.schemas import UserCreate
    from haihe.accounts.scopes import command_line
    from tests.conftest import DEMO_PASSWORD

    with Session(engine) as s:
        service.do_create_user(
            s,
            command_line("test"),
            UserCreate(username=username, password=DEMO_PASSWORD, role=role, **scope),
        )
        s.commit()


def test_a_park_manager_is_refused_the_rows_outside_their_park(engine, tmp_path):
    from sqlalchemy.orm import Session

    from haihe.registry import service

    with Session(engine) as s:
        park = service.do_create_park(s, ADMIN, ParkCreate(name="滨海测试园", region="120116"))
        s.commit()
        park_id = park.id
    _user(engine, "pm", "park_manager", park_id=park_id)
    client = signed_client(create_app(engine), "pm")
    path = write_csv(tmp_path / "p.csv", [row(1)])  # no park: not theirs to write
    r = client.post(
        "/import", files={"file": ("p.csv", path.read_bytes(), "text/csv")}, params={"lang": "en"}
    )
    assert r.status_code == 400 and "nothing was written" in r.text
    assert count(engine) == 0


def test_an_enterprise_user_is_refused_the_import_outright(engine, tmp_path):
    from sqlalchemy.orm import Session

    from haihe.registry import service
    from haihe.registry.schemas import OrganisationCreate

    with Session(engine) as s:
        org = service.do_create_organisation(
            s, ADMIN, OrganisationCreate(name="天津某某科技有限公司")
        )
        s.commit()
        org_id = org.id
    _user(engine, "ent", "enterprise", organisation_id=org_id)
    client = signed_client(create_app(engine), "ent")
    assert client.get("/import").status_code == 403
    path = write_csv(tmp_path / "ok.csv", [row(1)])
    r = client.post("/import", files={"file": ("ok.csv", path.read_bytes(), "text/csv")})
    assert r.status_code == 403
    assert count(engine) == 1  # their own organisation only


def test_unknown_columns_are_shown_as_ignored(engine, tmp_path):
    make_admin(engine)
    client = signed_client(create_app(engine), "admin")
    from tests.registry.helpers import HEADER

    path = write_csv(tmp_path / "x.csv", [[*row(1), "蓝色"]], header=[*HEADER, "颜色"])
    r = client.post("/import", files={"file": ("x.csv", path.read_bytes(), "text/csv")})
    assert r.status_code == 200 and 'id="ignored-columns"' in r.text and "颜色" in r.text
