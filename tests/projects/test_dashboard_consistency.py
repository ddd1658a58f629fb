"""The dashboard agrees with itself for every demo account (issue 12.1): every count beside
a list is that list's count (or says "first N of M"), a card and a funnel stage with the
same name count the same thing, what a reader may not see is left out of number and list
alike; and the demo is a portfolio in which a realistic share of the projects stalls."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts.models import User
from haihe.accounts.service import principal_of
from haihe.projects import figures, queries
from haihe.web.app import create_app
from tests.conftest import signed_client

ROLES = [None, "winute", "park", "fair", "binhai", "tianjin", "admin"]


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _cards(page: str) -> dict[str, str]:
    found = re.findall(
        r'id="card-([a-z_]+)">\s*<header>([^<]*)</header>\s*<p class="figure">(.*?)</p>', page, re.S
    )
    return {key: (label.strip(), _text(value).strip()) for key, label, value in found}


def _funnel(page: str) -> list[dict]:
    data = re.search(
        r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S
    )
    return json.loads(data.group(1))["funnel"]


@pytest.fixture(scope="module")
def app(demo_engine):
    return create_app(demo_engine)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_each_count_beside_a_list_is_that_list(app, demo_engine, username, lang):
    client = signed_client(app, username)
    page = client.get("/", params={"lang": lang}).text
    section = page[page.index('id="stalled"') : page.index('id="stalled"') + 20000]
    rows = re.findall(r"<tr><td><a href=\"/projects/(\d+)\"", section)
    cards = _cards(page)
    if username is None:
        # No list for anonymous visitors: no count beside a list, no "none stalled".
        assert 'id="stalled-list"' not in page
        assert "没有停滞项目" not in page and "No stalled project" not in page
        assert re.search(r'id="stalled">[^<]*\(\d', page) is None
        return
    count = _text(re.search(r'<small id="stalled-count">(.*?)</small>', page, re.S).group(1))
    numbers = [int(n) for n in re.findall(r"\d+", count.replace(",", ""))]
    with Session(demo_engine) as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        principal = principal_of(user)
        _, mine = queries.list_projects(
            s, principal, figures.FigureFilter(), "stalled", page_size=1
        )
    if len(numbers) == 2:  # "first N of M"
        assert numbers == [len(rows), mine] and len(rows) < mine
    else:
        assert numbers == [len(rows)] == [mine]
    if username in ("winute", "park", "fair"):
        # A restricted reader's list is named apart from the published card.
        heading = _text(re.search(r'id="stalled">(.*?)<small', page, re.S).group(1)).strip()
        assert heading != cards["stalled"][0]
        assert 'id="stalled-scope"' in page


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_a_card_and_a_funnel_stage_of_one_name_count_the_same(app, username, lang):
    page = signed_client(app, username).get("/", params={"lang": lang}).text
    cards = {label: value for label, value in _cards(page).values()}
    stages = _funnel(page)
    assert [s["name"] for s in stages] and len({s["name"] for s in stages}) == len(stages)
    shared = [s for s in stages if s["name"] in cards]
    assert len(shared) >= 3  # signed, in operation, paying tax
    for s in shared:
        assert int(cards[s["name"]].replace(",", "")) == s["value"], (s, cards)


@pytest.mark.parametrize("username", ROLES)
def test_anonymous_visitors_get_no_link_they_cannot_follow(app, username):
    page = signed_client(app, username).get("/").text
    links = re.findall(r'href="(/projects[^"]*)"', page)
    if username is None:
        assert links == []
        assert 'href="/import"' not in page
    else:
        assert links
    if username in (None, "winute", "fair"):
        assert 'href="/import"' not in page  # they would get a 403
    else:
        assert 'href="/import"' in page
