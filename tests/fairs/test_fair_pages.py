"""The fairs' pages (issue 12.9: /fairs answered 404): the list, and a fair's page with
the figures of the projects signed there; and `haihe serve` saying where to go."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from haihe.fairs import queries as fairs
from haihe.web.app import create_app
from tests.conftest import signed_client


def test_the_fairs_and_a_fairs_figures(demo_engine):
    app = create_app(demo_engine)
    with Session(demo_engine) as s:
        article = fairs.find_fair(s, "2023京津产业链供需对接会")
        every = fairs.list_fairs(s)
    anonymous = signed_client(app, None)
    for lang, name in (("zh", article.name), ("en", article.name_en)):
        page = anonymous.get("/fairs", params={"lang": lang})
        assert page.status_code == 200
        assert len(re.findall(r'<a href="/fairs/\d+">', page.text)) == len(every)
        assert name in page.text
    page = anonymous.get(f"/fairs/{article.id}", params={"lang": "zh"}).text
    cards = dict(re.findall(r'id="fair-card-([a-z_]+)">.*?<p class="figure">(.*?)</p>', page, re.S))
    assert cards["signed"] == "44" and cards["intended_investment"] == "271亿元"
    assert (cards["construction_started"], cards["in_operation"], cards["paying_tax"]) == (
        "4",
        "12",
        "2",
    )
    assert 'href="/projects?fair=' not in page  # the list behind them needs an account
    signed_in = signed_client(app, "tianjin").get(f"/fairs/{article.id}").text
    assert f'href="/projects?fair={article.id}"' in signed_in
    assert anonymous.get("/fairs/999999").status_code == 404


def test_a_fairs_page_shows_its_meeting_figures_as_the_api_counts_them(demo_engine):
    app = create_app(demo_engine)
    with Session(demo_engine) as s:
        article = fairs.find_fair(s, "2023京津产业链供需对接会")
        empty = fairs.find_fair(s, "2024京津冀产业链对接会")
    anonymous = signed_client(app, None)
    api = anonymous.get(f"/api/v1/fairs/{article.id}/figures").json()
    for lang in ("zh", "en"):
        page = anonymous.get(f"/fairs/{article.id}", params={"lang": lang}).text
        section = page[page.index('id="fair-figures"') :]
        cards = dict(
            re.findall(
                r'id="fair-fig-([a-z]+)"><header>.*?<p class="figure">(\d+)</p>', section, re.S
            )
        )
        assert cards == {
            "participants": str(api["participants"]),
            "requests": str(api["requests"]),
            "meetings": str(api["meetings_scheduled"]),
            "agreements": str(api["agreements"]),
        }
        assert sum(api["requests_by_status"].values()) == api["requests"]
        if lang == "zh":  # each answer in words with its count
            from haihe.core.i18n import t

            for status, n in api["requests_by_status"].items():
                assert f"{t('fairs.request_' + status, 'zh')} {n}" in section
        per_chain = section[section.index('id="fair-fig-chains"') :]
        assert len(re.findall(r'<a href="/chains/', per_chain)) == len(api["per_chain"])
    assert api["agreements"] == 44 and api["intended_investment"] == "27100000000.00"
    page = anonymous.get(f"/fairs/{article.id}", params={"lang": "zh"}).text
    assert f"已举行 {api['meetings_held']}；" in page
    assert "271亿元" in page[page.index('id="fair-fig-agreements"') :]
    # a fair with no participants shows no meeting figures
    assert 'id="fair-figures"' not in anonymous.get(f"/fairs/{empty.id}").text


def test_serve_prints_the_address_and_the_demo_accounts(demo_engine):
    from haihe import cli
    from haihe.core.commands import console

    with console.capture() as out:
        cli._welcome(demo_engine, "0.0.0.0", 8123)  # noqa: S104
    text = out.get()
    assert "http://127.0.0.1:8123/" in text and "haihe-demo-2024" in text
    for username in ("admin", "tianjin", "binhai", "park", "fair", "winute"):
        assert re.search(rf"\b{username}\b", text), username
