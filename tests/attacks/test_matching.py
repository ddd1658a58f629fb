"""The matching context attacked as the demo's users would: a private listing's words
quoted in the reasons of its organisation's recommendations, an officer out of scope
turning someone else's accepted interest into a lead or project (or reading who talks to
whom), a private listing's title on a project's page. Each test failed before its fix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from haihe.core.errors import InvalidInput
from haihe.matching import queries, service
from tests.matching.test_listings import ANON, HEBEI, TIANJIN, _data, world  # noqa: F401

SECRET = "钙钛矿叠层电池"
WORD = "钙钛矿"  # one of its words, as a reason quotes them


def _mentions(views, word: str) -> bool:  # noqa: ANN001
    return any(word in r for v in views for r in v.reasons + v.reasons_en)


def test_an_organisations_matches_quote_its_private_listings_words_only_to_who_may_read(world):  # noqa: F811
    engine, (bj, tj, _), users = world
    with Session(engine) as s:
        service.do_create_listing(
            s,
            users["tj"],
            _data(tj, direction="seek", kind="investment", title=f"{SECRET}量产扩产融资",
                  abstract=SECRET, keywords=SECRET, public=False),
        )  # fmt: skip
        service.do_create_listing(
            s, users["bj"], _data(bj, title=f"{SECRET}技术", abstract=SECRET, keywords=SECRET)
        )
        s.commit()
        for who in (users["tj"], TIANJIN):  # the owner and the officer in charge
            mine = queries.recommendations(s, who, "organisation", tj, k=20)
            assert _mentions(mine, WORD), who
        for who in (ANON, users["bj"], HEBEI):
            theirs = queries.recommendations(s, who, "organisation", tj, k=20)
            assert not _mentions(theirs, WORD), who


def _accepted(s: Session, users):  # noqa: ANN001, ANN202
    bj, tj = users["bj"].organisation_id, users["tj"].organisation_id
    typed = _data(tj, direction="seek", title="保密的抗体扩产需求")
    need = service.do_create_listing(s, users["tj"], typed)
    one = service.do_express_interest(s, users["bj"], to_listing_id=need.id)
    two = service.do_express_interest(s, users["bj"], to_organisation_id=tj)
    service.do_answer_interest(s, users["tj"], one.id, True)
    service.do_answer_interest(s, users["tj"], two.id, True)
    typed.public = False  # the owner takes the need private once it has its partner
    service.do_update_listing(s, users["tj"], need.id, typed)
    assert bj != tj
    s.commit()
    return need, one, two


def test_an_officer_out_of_scope_cannot_convert_or_read_someone_elses_interest(world):  # noqa: F811
    from haihe.leads import service as leads
    from haihe.projects import service as projects

    engine, _, users = world
    with Session(engine) as s:
        _, one, two = _accepted(s, users)
        with pytest.raises(InvalidInput) as e:  # a Hebei officer: neither side is theirs
            queries.check_convertible_interest(s, HEBEI, one.id)
        assert e.value.key == "listings.interest_unknown"
        with pytest.raises(InvalidInput):
            projects.do_create_project(
                s,
                HEBEI,
                projects.ProjectInput(
                    code="H-1", title="抢来的项目", landing_region_code="130600",
                    signed_on=date(2024, 1, 5), intended_investment=Decimal(1),
                    match_interest_id=one.id,
                ),
            )  # fmt: skip
        s.rollback()
        with pytest.raises(InvalidInput):
            leads.do_create_lead(
                s,
                HEBEI,
                leads.LeadInput(
                    organisation_id=users["bj"].organisation_id, chain="biomedicine",
                    segment="biologics", region_code="130600", source="match",
                    match_interest_id=two.id,
                ),
            )  # fmt: skip
        s.rollback()
        assert s.get(type(one), one.id).became_kind is None  # still theirs to convert
        assert queries.interest_parties(s, HEBEI, one.id) is None  # who talks to whom
        assert queries.interest_parties(s, TIANJIN, one.id) is not None
        assert queries.check_convertible_interest(s, TIANJIN, one.id).id == one.id


def test_a_private_listings_title_is_shown_with_an_interest_only_to_who_may_read_it(world):  # noqa: F811
    engine, _, users = world
    with Session(engine) as s:
        need, one, _ = _accepted(s, users)
        assert need.title in queries.interest_label(s, users["tj"], one.id)
        for who in (HEBEI, ANON):
            label = queries.interest_label(s, who, one.id)
            assert label is not None and need.title not in label, who
        assert queries.interest_view(s, TIANJIN, one).to_listing_title == need.title
        # the sender's page of the interest no longer names the need gone private
        assert queries.interest_view(s, users["bj"], one).to_listing_title is None


@pytest.mark.parametrize("back", ["/\\evil.example", "/\t/evil.example", "/\n/evil.example"])
def test_marking_a_recommendation_goes_back_only_to_a_page_of_ours_hold(world, back):  # noqa: F811
    from haihe.web.app import create_app
    from tests.conftest import make_admin, signed_client

    engine, (bj, tj, _), users = world
    with Session(engine) as s:
        listing_id = service.do_create_listing(s, users["bj"], _data(bj)).id
        s.commit()
    make_admin(engine)
    c = signed_client(create_app(engine), "admin")
    form = dict(subject_kind="listing", subject_id=str(listing_id), partner_kind="organisation",
                partner_id=str(tj), useful="1", back=back)  # fmt: skip
    r = c.post("/matches/feedback", data=form, follow_redirects=False)
    assert r.status_code == 303  # a hold: the redirect quotes them (/%5C, /%09), no other site
    where = r.headers["location"]
    assert where.startswith("/") and not where.startswith("//")
    assert not any(c in where for c in "\\\t\n"), where
    ok = c.post("/matches/feedback", data={**form, "back": f"/listings/{listing_id}"},
                follow_redirects=False)  # fmt: skip
    assert ok.headers["location"] == f"/listings/{listing_id}#recommendations"


def test_an_import_does_not_tell_another_organisations_private_titles(world, tmp_path):  # noqa: F811
    from haihe.matching import transfer
    from tests.matching.test_listings import _sheet

    engine, (_, tj, _), users = world
    with Session(engine) as s:
        service.do_create_listing(
            s, users["tj"], _data(tj, direction="seek", title="保密的抗体扩产需求", public=False)
        )
        s.commit()
    guess = ["天津某某生物制药有限公司", "寻求", "技术成果", "保密的抗体扩产需求", None, None]
    report = transfer.do_import_listings(engine, users["bj"], _sheet(tmp_path / "g.xlsx", [guess]))
    assert report.unchanged == 0 and report.bad == 1  # refused as for any other title
    assert report.errors[0].problem.key == "listings.not_allowed"
