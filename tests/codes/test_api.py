"""The codes' JSON API (/api/v1/codes/...) (no database needed: the codes ship with Haihe)."""

import pytest
from fastapi.testclient import TestClient

from haihe.web.app import create_app


@pytest.fixture
def client(sqlite_engine):
    return TestClient(create_app(sqlite_engine))


def test_codes_endpoints(client):
    ok = client.get("/api/v1/codes/uscc/91120116735441915N").json()
    assert ok["valid"] and ok["region_name"] == "天津市滨海新区"
    bad = client.get("/api/v1/codes/uscc/91120116735441915A").json()
    assert not bad["valid"] and bad["rule"] == "check" and bad["expected_check"] == "N"
    assert client.get("/api/v1/codes/regions", params={"q": "Binhai"}).json()[0]["code"] == "120116"
    assert len(client.get("/api/v1/codes/regions", params={"parent": "120000"}).json()) == 16
    assert client.get("/api/v1/codes/industries", params={"q": "集成电路"}).json()
    assert client.get("/api/v1/codes/regions", params={"parent": "999999"}).status_code == 404
