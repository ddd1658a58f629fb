"""The registry's JSON API (/api/v1/organisations, /api/v1/parks) on a demo database."""

import pytest
from fastapi.testclient import TestClient

from haihe.web.app import create_app


@pytest.fixture
def client(demo_engine):
    return TestClient(create_app(demo_engine))


def test_organisation_list_carries_items_and_integer_total(client):
    r = client.get(
        "/api/v1/organisations", params={"q": "生物医药", "region": "120000", "page_size": 5}
    )
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body["total"], int) and body["total"] > 5
    assert len(body["items"]) == 5
    assert all("生物医药" in o["name"] for o in body["items"])
    assert all(o["region"]["code"].startswith("12") for o in body["items"])


def test_paging_is_consistent_with_total(client):
    first = client.get("/api/v1/organisations", params={"park": 1, "page_size": 500}).json()
    assert first["total"] > 4000
    last_page = -(-first["total"] // 500)
    last = client.get(
        "/api/v1/organisations", params={"park": 1, "page_size": 500, "page": last_page}
    ).json()
    assert len(last["items"]) == first["total"] - 500 * (last_page - 1)


def test_organisation_detail_and_money_as_decimal_string(client):
    org = client.get("/api/v1/organisations", params={"q": "天津", "page_size": 50}).json()["items"]
    org = next(o for o in org if o["is_demo"])
    r = client.get(f"/api/v1/organisations/{org['id']}")
    assert r.status_code == 200
    detail = r.json()
    assert detail["name"] == org["name"]
    assert isinstance(detail["registered_capital"], str)
    assert detail["registered_capital"].replace(".", "").isdigit()


def test_filters_by_industry_and_region_name(client):
    r = client.get("/api/v1/organisations", params={"industry": "3973", "region": "滨海"})
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and all(any(i["code"] == "3973" for i in o["industries"]) for o in items)


def test_parks_with_counts(client):
    body = client.get("/api/v1/parks").json()
    assert body["total"] == len(body["items"]) >= 2
    bz = next(p for p in body["items"] if p["name_en"].startswith("Tianjin Binhai"))
    assert bz["organisation_count"] > 4000
    assert (
        client.get(f"/api/v1/parks/{bz['id']}").json()["organisation_count"]
        == bz["organisation_count"]
    )


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/organisations/999999", 404),
        ("/api/v1/parks/999999", 404),
        ("/api/v1/organisations?region=火星", 422),
        ("/api/v1/organisations?industry=99", 422),
        ("/api/v1/organisations?page=0", 422),
        ("/api/v1/organisations?page_size=100000", 422),
        ("/api/v1/organisations?park=abc", 422),
    ],
)
def test_bad_requests_are_refused_clearly(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert r.json()["detail"]


def test_openapi_documents_the_api_and_healthz(client):
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/v1/organisations", "/api/v1/organisations/{org_id}", "/api/v1/parks"):
        assert path in spec["paths"]
    assert client.get("/api/docs").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
