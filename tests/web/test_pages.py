"""Pages render in Chinese by default and in English on request, and remember the choice."""

import pytest
from fastapi.testclient import TestClient

from haihe.web.app import create_app

PAGES = ["/", "/import"]  # the registry's pages: tests/registry/test_pages.py


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


def test_language_choice_is_remembered(client):
    client.get("/", params={"lang": "en"})
    assert '<html lang="en"' in client.get("/parks").text
    client.get("/", params={"lang": "zh"})
    assert '<html lang="zh-CN"' in client.get("/parks").text


def test_no_external_assets(client):
    html = client.get("/").text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert client.get("/static/vendor/pico/pico.min.css").status_code == 200
