"""Two cities side by side on a chain (issue 12.8) and a segment's key enterprises
(issue 12.6): counts, status and key firms per city, where one's research meets the
other's manufacturing, and why each key enterprise is key, in both languages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.chains import diagnosis, queries
from haihe.chains.models import ChainMember
from haihe.chains.panorama import Figures
from haihe.core.i18n import t
from haihe.registry.models import Organisation
from haihe.web.app import create_app
from tests.conftest import signed_client
from tests.web.test_permissions import ROLES


def test_research_in_one_city_meets_manufacturing_in_the_other():
    th = diagnosis.Thresholds(min_side=2)
    research, making = Figures(research=30, makers=1), Figures(research=4, makers=20)
    assert diagnosis.research_meets_making(research, making, th) == "ab"
    assert diagnosis.research_meets_making(making, research, th) == "ba"
    # each side needs at least min_side
    assert diagnosis.research_meets_making(Figures(research=30), Figures(makers=1), th) == ""
    # more of both in one city: nothing to pair
    assert diagnosis.research_meets_making(Figures(research=40, makers=30), research, th) == ""
    assert diagnosis.research_meets_making(Figures(), Figures(), th) == ""


@pytest.fixture(scope="module")
def app(demo_engine):
    return create_app(demo_engine)


def test_key_enterprises_say_why_they_are_key(demo_engine):
    with Session(demo_engine) as s:
        chain = queries.chain_definition(s, "biomedicine")
        key = queries.key_enterprises(s, chain, "implants", "120000")
        assert 3 <= len(key) <= 10
        orgs = {
            o.id: o
            for o in s.execute(select(Organisation).where(Organisation.id.in_([k.id for k in key])))
            .unique()
            .scalars()
        }
        largest = (
            s.execute(
                select(ChainMember.organisation_id)
                .where(
                    ChainMember.chain_key == "biomedicine",
                    ChainMember.segment_id == "implants",
                    ChainMember.province == "120000",
                )
                .order_by(
                    ChainMember.employees.desc(),
                    ChainMember.capital_cny.desc(),
                    ChainMember.organisation_id.desc(),
                )
                .limit(queries.LARGEST)
            )
            .scalars()
            .all()
        )
        for k in key:
            o = orgs[k.id]
            assert o.region_code.startswith("12")
            assert k.reasons, k.name
            assert ("listed" in k.reasons) == bool(o.listed)
            assert ("high_tech" in k.reasons) == bool(o.high_tech)
            assert ("above_scale" in k.reasons) == bool(o.above_scale)
            assert ("little_giant" in k.reasons) == (o.specialised == "little_giant")
            assert ("largest" in k.reasons) == (k.id in largest)
        # the largest are key as such, and all of them are shown
        assert set(largest) <= {k.id for k in key}
        # designated ones in the order of the reasons: listed first
        ranks = [
            min(queries.KEY_REASONS.index(r) for r in k.reasons)
            for k in key
            if set(k.reasons) - {"largest"}
        ]
        assert ranks == sorted(ranks)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_segment_page_lists_its_key_enterprises(app, lang):
    client = signed_client(app, None)
    page = client.get(
        "/chains/biomedicine/segments/implants", params={"region": "120000", "lang": lang}
    ).text
    table = page[page.index('id="key-enterprises"') :]
    table = table[: table.index("</table>")]
    assert t("chains.key_enterprises", lang) in page
    assert t("chains.key_rule", lang, n=queries.LARGEST) in page
    assert len(re.findall(r'<tr data-org="\d+">', table)) >= 3
    assert t("chains.key.largest", lang, n=queries.LARGEST) in table
    assert re.search(
        re.escape(t("chains.key.listed_code", lang, code="X")).replace("X", r"\d{6}\.S[HZ]"), table
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_two_cities_side_by_side_segment_by_segment(app, demo_engine, lang):
    client = signed_client(app, "tianjin")
    chain_page = client.get("/chains/biomedicine", params={"region": "120000", "lang": lang}).text
    link = re.search(r'href="(/chains/biomedicine/cities\?[^"]+)" id="cities-link"', chain_page)
    assert link and "region=120000" in link.group(1) and "compare=110000" in link.group(1)
    r = client.get("/chains/biomedicine/cities", params={"lang": lang})  # Beijing and Tianjin
    assert r.status_code == 200
    page = r.text
    beijing, tianjin = ("Beijing", "Tianjin") if lang == "en" else ("北京市", "天津市")
    with Session(demo_engine) as s:
        chain = queries.chain_definition(s, "biomedicine")
        view = queries.two_cities(s, chain, "110000", "120000")
    heading = t("chains.cities_heading", lang, chain=chain.name(lang), a=beijing, b=tianjin)
    assert f'<h1 id="cities-title">{heading}</h1>' in page
    for stage in ("upstream", "midstream", "downstream"):
        assert t(f"chains.stage.{stage}", lang) in page
    for row in view.rows:
        m = re.search(
            rf'<tr id="seg-{row.segment.id}"[^>]*data-meets="(\w*)">(.*?)</tr>', page, re.S
        )
        assert m, row.segment.id
        assert m.group(1) == row.meets
        cells = re.findall(r'<td class="num">([^<]*)</td>', m.group(2))
        a, b = row.a.figures, row.b.figures
        assert cells == [
            f"{a.makers} / {a.research}",
            str(a.orgs),
            str(b.orgs),
            f"{b.makers} / {b.research}",
        ]
        for k in row.a.key + row.b.key:
            assert f'href="/organisations/{k.id}"' in m.group(2)
    meeting = view.meeting()
    assert meeting, "the demo has a segment where Beijing's research meets Tianjin's making"
    first = meeting[0]
    research, making = (beijing, tianjin) if first.meets == "ab" else (tianjin, beijing)
    assert t("chains.meets", lang, research=research, making=making) in page


@pytest.mark.parametrize("role", ROLES)
def test_the_two_city_view_is_public_like_the_chain_maps(app, role):
    r = signed_client(app, role).get(
        "/chains/hydrogen/cities", params={"region": "120000", "compare": "130000"}
    )
    assert r.status_code == 200 and "天津市" in r.text and "河北省" in r.text


def test_a_wrong_city_is_a_message_naming_it(app):
    client = signed_client(app, None)
    r = client.get("/chains/biomedicine/cities", params={"region": "999999"})
    assert r.status_code == 400 and "999999" in r.text
    r = client.get("/chains/biomedicine/cities", params={"compare": "12x"}, headers={})
    assert r.status_code == 400 and "12x" in r.text
    assert client.get("/chains/no_such_chain/cities").status_code == 404
