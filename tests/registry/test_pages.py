"""The organisation and park pages: in both languages, search results and counts, and
what is missing says so."""

import pytest
from fastapi.testclient import TestClient

from haihe.web.app import create_app

PAGES = [
    "/organisations",
    "/organisations?q=生物医药&region=120000",
    "/organisations/1",
    "/parks",
    "/parks/1",
]


@pytest.fixture
def client(demo_engine):
    return TestClient(create_app(demo_engine))


@pytest.mark.parametrize("url", PAGES)
def test_every_page_works_in_both_languages(client, url):
    zh = client.get(url)
    assert zh.status_code == 200
    assert '<html lang="zh-CN"' in zh.text and "海河" in zh.text
    en = client.get(url, params={"lang": "en"})
    assert en.status_code == 200
    assert '<html lang="en"' in en.text and "Haihe" in en.text


def test_organisation_search_page_shows_results_and_count(client):
    r = client.get("/organisations", params={"q": "生物医药"})
    assert "生物医药" in r.text and 'id="result-count"' in r.text


def test_park_page_shows_its_count(client):
    r = client.get("/parks/1")
    assert "4,126" in r.text


def test_missing_pages_say_so(client):
    r = client.get("/organisations/999999")
    assert r.status_code == 404 and "999999" in r.text
    assert client.get("/organisations", params={"region": "火星"}).status_code == 400


def test_the_organisation_page_carries_the_chains_panel_and_hides_history(client):
    """The placements come from the chains context (registry/panels.py); a visitor sees
    them but neither the forms to change them nor the change history."""
    r = client.get("/organisations/1")
    assert 'id="placement-list"' in r.text
    assert 'id="add-placement"' not in r.text and 'id="org-history"' not in r.text
