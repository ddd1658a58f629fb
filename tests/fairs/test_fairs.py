"""Fairs: created by those who may, refused with the reason, listed by the API."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from haihe.accounts.scopes import ANONYMOUS, Principal
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.fairs import queries, service

ADMIN = Principal(username="admin", role="admin")
D = date(2024, 5, 20)


def test_create_find_and_list_fairs(engine):
    with Session(engine) as s:
        fair = service.do_create_fair(
            s, ADMIN, name=" 测试对接会 ", name_en="Test fair", starts_on=D, region="滨海新区"
        )
        officer = Principal(username="tj", role="regional_officer", region_codes=("120000",))
        service.do_create_fair(s, officer, name="较早的对接会", starts_on=date(2023, 1, 1))
        s.commit()
        assert (fair.name, fair.ends_on, fair.region_code) == ("测试对接会", D, "120116")
        assert queries.find_fair(s, "Test fair") == fair == queries.get_fair(s, fair.id)
        assert [f.name for f in queries.list_fairs(s)] == ["测试对接会", "较早的对接会"]
        assert queries.find_fair(s, "没有") is None
        with pytest.raises(NotFound):
            queries.get_fair(s, 999)


@pytest.mark.parametrize(
    ("kw", "field", "named"),
    [
        ({"name": " "}, "name", None),
        ({"ends_on": date(2024, 5, 1)}, "ends_on", "2024-05-01"),
        ({"region": "火星"}, "region", "火星"),
        ({"name": "已有的对接会"}, "name", "已有的对接会"),
    ],
)
def test_bad_fairs_are_refused_naming_the_problem(engine, kw, field, named):
    with Session(engine) as s:
        service.do_create_fair(s, ADMIN, name="已有的对接会", starts_on=D)
        with pytest.raises(InvalidInput) as exc:
            service.do_create_fair(s, ADMIN, **{"name": "新对接会", "starts_on": D, **kw})
        assert exc.value.field == field
        if named:
            assert named in exc.value.message("zh") and named in exc.value.message("en")


@pytest.mark.parametrize(
    "who",
    [
        ANONYMOUS,
        Principal(username="fair", role="fair_organiser", fair_id=1),
        Principal(username="park", role="park_manager", park_id=1),
        Principal(username="co", role="enterprise", organisation_id=1),
    ],
)
def test_only_administrators_and_officers_create_fairs(engine, who):
    with Session(engine) as s, pytest.raises(NotAllowed):
        service.do_create_fair(s, who, name="对接会", starts_on=D)


def test_the_fairs_api_lists_them(engine):
    from haihe.web.app import create_app

    with Session(engine) as s:
        service.do_create_fair(s, ADMIN, name="接口对接会", starts_on=D, place="天津")
        s.commit()
    body = TestClient(create_app(engine)).get("/api/v1/fairs").json()
    assert body["total"] == 1
    assert body["items"][0] | {"id": 0} == {
        "id": 0,
        "name": "接口对接会",
        "name_en": None,
        "starts_on": "2024-05-20",
        "ends_on": "2024-05-20",
        "place": "天津",
        "region_code": None,
        "registration_open": False,
        "requests_expire_at": None,
    }
