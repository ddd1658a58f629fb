"""The matching pages as users see them: a listing with its recommended partners (reasons
in words, the score in readable parts, marks, express interest) in both languages, the
technology-transfer view, the forms refusing bad input with nothing changed, hostile text
shown escaped, notifications with the header's count, the import page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.matching import demo
from haihe.matching.models import Listing, MatchFeedback
from haihe.web.app import create_app
from tests.conftest import signed_client


@pytest.fixture(scope="module")
def world(demo_engine):
    with Session(demo_engine) as s:
        pairs = {(p.subject_key, p.partner_key): p for p in demo.intended_pairs(s)}
        titles = {x.title: x for x in s.execute(select(Listing)).scalars()}
    app = create_app(demo_engine)
    return demo_engine, app, pairs, titles


def _count(engine, table=Listing) -> int:  # noqa: ANN001
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(table))


def test_a_beijing_achievement_shows_its_tianjin_partners_with_reasons_and_parts(world):
    engine, app, pairs, _ = world
    pair = pairs[("bj_ics_security", "winute_seek")]
    c = signed_client(app, "tianjin")
    zh = c.get(f"/listings/{pair.subject_listing_id}", params={"lang": "zh"})
    assert zh.status_code == 200
    recs = zh.text[zh.text.index('id="recommendations"') :]
    first = recs[: recs.index("</li>\n  <li") if "</li>\n  <li" in recs else None]
    assert f'href="/listings/{pair.partner_listing_id}"' in first  # Winute's need comes first
    assert "北京研发 → 天津制造" in first and "都涉及" in first
    assert "内容相近" in first and "产业链上下游" in first and "匹配度" in first
    assert 'class="bar"' in first and "mark-useful" in first
    en = c.get(f"/listings/{pair.subject_listing_id}", params={"lang": "en"})
    assert "content" in en.text and "supply chain" in en.text and "Useful" in en.text
    assert "北京研发" not in en.text


def test_marks_are_stored_and_shown_as_chosen(world):
    engine, app, pairs, _ = world
    pair = pairs[("bj_orthopedic", "natong_seek")]
    c = signed_client(app, "binhai")
    before = _count(engine, MatchFeedback)
    r = c.post(
        "/matches/feedback",
        data={
            "subject_kind": "listing",
            "subject_id": pair.subject_listing_id,
            "partner_kind": "listing",
            "partner_id": pair.partner_listing_id,
            "useful": "1",
            "rank": "1",
            "back": f"/listings/{pair.subject_listing_id}",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith(
        f"/listings/{pair.subject_listing_id}"
    )
    assert _count(engine, MatchFeedback) == before + 1
    page = c.get(f"/listings/{pair.subject_listing_id}").text
    li = page[page.index(f'data-partner="listing-{pair.partner_listing_id}"') :]
    assert 'class=" mark-useful"' in li[: li.index("</form>")]
    # a back link to another site is not followed
    r = c.post(
        "/matches/feedback",
        data={
            "subject_kind": "listing",
            "subject_id": pair.subject_listing_id,
            "partner_kind": "listing",
            "partner_id": pair.partner_listing_id,
            "useful": "0",
            "back": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"].startswith("/listings")


def test_the_technology_transfer_views(world):
    engine, app, pairs, _ = world
    pair = pairs[("bj_ics_security", "winute_seek")]
    c = signed_client(app, None)
    r = c.get(f"/transfer/listings/{pair.subject_listing_id}")
    assert r.status_code == 200
    assert f'href="/organisations/{pair.partner_organisation_id}"' in r.text
    shown = re.findall(r'class="rec-where">([^<·]+)', r.text)
    assert shown and not [x for x in shown if "北京" in x]  # another city by default
    r = c.get(f"/transfer/organisations/{pair.partner_organisation_id}", params={"lang": "en"})
    assert r.status_code == 200
    assert f'href="/listings/{pair.subject_listing_id}"' in r.text  # Winute could adopt it
    assert "Achievements it could adopt" in r.text


def test_the_organisation_page_has_its_listings_and_recommended_partners(world):
    engine, app, pairs, _ = world
    pair = pairs[("bj_ics_security", "winute_seek")]
    c = signed_client(app, "winute")
    r = c.get(f"/organisations/{pair.partner_organisation_id}")
    assert r.status_code == 200
    assert 'id="organisation-listings"' in r.text and 'id="organisation-recommendations"' in r.text
    assert "工控防火墙与工业安全网关" in r.text and "工控安全新产品线扩产融资" in r.text
    other = signed_client(app, "fair").get(f"/organisations/{pair.partner_organisation_id}")
    assert "工控安全新产品线扩产融资" not in other.text  # private: not for the fair organiser


def test_the_form_refuses_bad_input_with_the_message_and_changes_nothing(world):
    engine, app, _, _ = world
    c = signed_client(app, "winute")
    before = _count(engine)
    base = {"direction": "seek", "kind": "technology", "title": "寻求工业机器人视觉检测技术"}
    for change, words in (
        ({"maturity": "12"}, "1 到 9"),
        ({"abstract": "机" * 100_000}, "20000"),
        ({"title": ""}, "请填写名称"),
        ({"amount": "很多"}, "500万"),
        ({"region_preference": "火星"}, "火星"),
    ):
        r = c.post("/listings", data={**base, **change})
        assert r.status_code == 400, change
        assert words in r.text and 'id="problem"' in r.text and 'aria-invalid="true"' in r.text
        assert _count(engine) == before
    r = c.post("/listings", data={**base, "maturity": "TRL 5"}, follow_redirects=False)
    assert r.status_code == 303 and _count(engine) == before + 1


def test_hostile_text_is_shown_escaped(world):
    engine, app, _, _ = world
    c = signed_client(app, "winute")
    r = c.post(
        "/listings",
        data={
            "direction": "offer",
            "kind": "product",
            "title": '<script>alert("x")</script>工控安全审计系统',
            "abstract": '<img src=x onerror=alert(1)> 工控安全 =cmd|" /C calc"!A0',
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(r.headers["location"]).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page and "&lt;img src=x onerror" in page
    listed = c.get("/listings", params={"q": "审计系统"}).text
    assert "&lt;script&gt;" in listed and "<script>alert" not in listed


def test_searches_in_traditional_characters_and_one_character_queries(world):
    engine, app, _, _ = world
    c = signed_client(app, None)
    simplified = c.get("/listings", params={"q": "工控防火墙"})
    traditional = c.get("/listings", params={"q": "工控防火牆"})
    ids = lambda r: set(re.findall(r'data-listing="(\d+)"', r.text))  # noqa: E731
    assert ids(simplified) and ids(simplified) == ids(traditional)
    short = c.get("/listings", params={"q": "工", "lang": "en"})
    assert short.status_code == 400 and "at least two" in short.text.lower()


def test_interest_notifies_the_other_side_with_a_count_in_the_header(world):
    engine, app, pairs, titles = world
    target = titles["寻求抗体药物产业化技术合作"]
    winute = signed_client(app, "winute")
    r = winute.post("/interests", data={"to_listing_id": target.id}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/interests/")
    page = winute.get(r.headers["location"])
    assert "等待答复" in page.text
    # Winute itself has unread notices from the demo: the header counts them, reading clears
    home = winute.get("/").text
    count = re.search(r'id="unread-count">(\d+)<', home)
    assert count and int(count.group(1)) >= 1
    notes = winute.get("/notifications").text
    assert "表达了合作意向" in notes
    winute.post("/notifications/read", follow_redirects=False)
    assert 'id="unread-count"' not in winute.get("/").text
    assert 'id="unread-count"' not in signed_client(app, None).get("/").text


def test_an_accepted_interest_offers_its_next_steps(world):
    engine, app, pairs, _ = world
    with Session(engine) as s:
        from haihe.matching.models import Interest

        accepted = s.scalar(select(Interest.id).where(Interest.status == "accepted"))
    page = signed_client(app, "tianjin").get(f"/interests/{accepted}").text
    assert 'id="to-lead"' in page and 'id="to-project"' in page
    page = signed_client(app, "winute").get(f"/interests/{accepted}").text
    assert 'id="to-lead"' not in page  # enterprises have no leads


def test_the_import_page_takes_a_file_all_or_nothing(world, tmp_path):
    engine, app, _, _ = world
    c = signed_client(app, "winute")
    before = _count(engine)
    csv = (
        "提供或寻求,类别,名称,技术成熟度\n"
        "寻求,技术成果,寻求工控协议解析技术,5\n"
        "寻求,技术成果,寻求安全芯片技术,11\n"
    )
    r = c.post(
        "/listings-import",
        files={
            "file": (
                "l.csv",
                "\ufeff机构名称," + csv.replace("\n寻求", "\n天津威努特信息技术有限公司,寻求"),
                "text/csv",
            )
        },
    )
    assert r.status_code == 400 and "import-errors" in r.text and _count(engine) == before
    assert "技术成熟度" in r.text
