"""Listings: published in scope, placed on chain segments, bad input refused with a clear
message and nothing changed, private ones hidden, searched in simplified and traditional
characters, imported all or nothing; marks on recommendations; interests and the
notifications they send (on SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal, command_line
from haihe.chains import service as chains_service
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.matching import queries, service, transfer
from haihe.matching.models import (
    Interest,
    Listing,
    ListingSegment,
    MatchChange,
    MatchFeedback,
    Notification,
)
from haihe.registry import service as registry_service

ADMIN = command_line("test")
TIANJIN = Principal(user_id=2, role="regional_officer", username="tj", region_codes=("120000",))
HEBEI = Principal(user_id=4, role="regional_officer", username="hb", region_codes=("130000",))
ANON = Principal()


@pytest.fixture
def world(engine):
    """Chains installed; a Beijing institute, a Tianjin maker, a Hebei firm; an enterprise
    user of each of the first two."""
    from haihe.models import load_all
    from haihe.registry.schemas import OrganisationCreate

    load_all()
    with Session(engine) as s:
        chains_service.do_install_shipped(s, ADMIN)
        a = registry_service.do_create_organisation(
            s,
            ADMIN,
            OrganisationCreate(
                name="北京某某生物医药研究院", region_code="110108", kind="research_institute"
            ),
        )
        b = registry_service.do_create_organisation(
            s,
            ADMIN,
            OrganisationCreate(
                name="天津某某生物制药有限公司",
                region_code="120116",
                description="生产单克隆抗体药物、重组蛋白药物",
            ),
        )
        c = registry_service.do_create_organisation(
            s, ADMIN, OrganisationCreate(name="河北某某化工有限公司", region_code="130600")
        )
        s.commit()
        ids = (a.id, b.id, c.id)
    users = {
        "bj": Principal(user_id=10, role="enterprise", username="bj", organisation_id=ids[0]),
        "tj": Principal(user_id=11, role="enterprise", username="tjm", organisation_id=ids[1]),
    }
    return engine, ids, users


def _data(org_id, **kw) -> service.ListingInput:  # noqa: ANN001
    d = dict(
        organisation_id=org_id,
        direction="offer",
        kind="technology",
        title="全人源单克隆抗体药物及细胞培养工艺",
        abstract="单克隆抗体药物研发；CHO细胞高密度培养工艺开发",
        maturity="TRL 6",
        keywords="单克隆抗体、细胞培养",
    )
    d.update(kw)
    return service.ListingInput(**d)


def _counts(s: Session) -> tuple[int, ...]:
    return tuple(
        s.scalar(select(func.count()).select_from(t))
        for t in (Listing, ListingSegment, MatchChange, Interest, Notification)
    )


def test_an_institute_publishes_an_achievement_placed_on_the_chain_by_the_classifier(world):
    engine, (bj, _, _), users = world
    with Session(engine) as s:
        listing = service.do_create_listing(s, users["bj"], _data(bj, amount="500万"))
        s.commit()
        assert listing.maturity == 6
        assert listing.amount_yuan == Decimal("5000000.00")
        segs = {(x.chain, x.segment) for x in queries.segments_of(s, listing.id)}
        assert ("biomedicine", "biologics") in segs
        assert not any(x.confirmed for x in queries.segments_of(s, listing.id))
        # the index is told (no rebuild per edit)
        changes = s.execute(select(MatchChange.doc_kind, MatchChange.doc_id)).all()
        assert ("listing", listing.id) in changes
        assert {"单克隆", "抗体"} <= set(listing.search_terms.split())


def test_the_owner_or_an_officer_confirms_or_changes_the_segments(world):
    engine, (bj, _, _), users = world
    with Session(engine) as s:
        listing = service.do_create_listing(s, users["bj"], _data(bj))
        service.do_set_listing_segments(s, users["bj"], listing.id, ["biomedicine/cell_gene"])
        segs = queries.segments_of(s, listing.id)
        assert [(x.segment, x.confirmed, x.confirmed_by) for x in segs] == [
            ("cell_gene", True, "bj")
        ]
        # a text edit keeps confirmed segments
        service.do_update_listing(s, users["bj"], listing.id, _data(bj, title="CAR-T 细胞治疗"))
        assert [x.segment for x in queries.segments_of(s, listing.id)] == ["cell_gene"]
        with pytest.raises(InvalidInput) as e:
            service.do_set_listing_segments(s, users["bj"], listing.id, ["biomedicine/nowhere"])
        assert e.value.field == "segments"
        # nothing chosen: the classifier's proposal again
        service.do_set_listing_segments(s, users["bj"], listing.id, [])
        assert not any(x.confirmed for x in queries.segments_of(s, listing.id))


def test_an_enterprise_user_manages_only_its_own_organisations_listings(world):
    engine, (bj, tj, hb), users = world
    with Session(engine) as s:
        before = _counts(s)
        with pytest.raises(NotAllowed):
            service.do_create_listing(s, users["tj"], _data(bj))
        with pytest.raises(NotAllowed):
            service.do_create_listing(s, HEBEI, _data(tj))  # Tianjin is not Hebei's
        assert _counts(s) == before
        mine = service.do_create_listing(s, users["bj"], _data(bj))
        with pytest.raises(NotAllowed):
            service.do_update_listing(s, users["tj"], mine.id, _data(bj, title="改"))
        with pytest.raises(NotAllowed):
            service.do_delete_listing(s, users["tj"], mine.id)
        # an officer of the owner's region may, the owner may
        theirs = service.do_create_listing(s, TIANJIN, _data(tj, direction="seek"))
        service.do_close_listing(s, users["tj"], theirs.id)
        assert theirs.status == "closed"


@pytest.mark.parametrize(
    ("change", "field", "key"),
    [
        ({"maturity": 0}, "maturity", "listings.maturity_range"),
        ({"maturity": "10"}, "maturity", "listings.maturity_range"),
        ({"maturity": "很成熟"}, "maturity", "listings.maturity_range"),
        ({"maturity": True}, "maturity", "listings.maturity_range"),
        ({"abstract": "抗" * 100_000}, "abstract", "limits.too_long"),
        ({"title": ""}, "title", "listings.title_missing"),
        ({"title": "\u200b\u200b"}, "title", "listings.title_missing"),
        ({"title": "天津", "abstract": "", "keywords": None}, "title", "listings.no_text"),
        ({"kind": "magic"}, "kind", "listings.kind_unknown"),
        ({"direction": "both"}, "direction", "listings.direction_unknown"),
        ({"amount": "很多钱"}, "amount_yuan", "listings.amount_unreadable"),
        ({"amount": "50万美元"}, "amount_yuan", "listings.amount_not_yuan"),
        ({"amount": "-5"}, "amount_yuan", "listings.amount_unreadable"),
        ({"region_preference": "火星"}, "region_preference", "listings.region_unknown"),
        ({"park_preference": "不存在的园区"}, "park_preference", "listings.park_unknown"),
        ({"organisation_id": 999999}, "organisation_id", "listings.organisation_unknown"),
        ({"segments": ["x" * 20]}, "segments", "listings.segment_unknown"),
    ],
)
def test_bad_input_is_a_clear_message_naming_the_field_and_changes_nothing(
    world, change, field, key
):
    engine, (bj, _, _), _ = world
    with Session(engine) as s:
        before = _counts(s)
        with pytest.raises(InvalidInput) as e:
            service.do_create_listing(s, ADMIN, _data(bj, **change))
        assert e.value.field == field and e.value.key == key
        for lang in ("zh", "en"):
            assert e.value.message(lang) and "{" not in e.value.message(lang)
        s.rollback()
        assert _counts(s) == before


def test_the_too_long_abstract_says_how_long_it_may_be(world):
    engine, (bj, _, _), _ = world
    with Session(engine) as s, pytest.raises(InvalidInput) as e:
        service.do_create_listing(s, ADMIN, _data(bj, abstract="抗" * 100_000))
    assert "20000" in e.value.message("zh") and "100000" in e.value.message("zh")


def test_hostile_text_is_kept_as_text_and_traditional_characters_are_found(world):
    engine, (bj, _, _), users = world
    with Session(engine) as s:
        listing = service.do_create_listing(
            s,
            users["bj"],
            _data(
                bj,
                title="<script>alert(1)</script>單克隆抗體\u200b藥物",
                abstract='=HYPERLINK("x")\x00 細胞培養',
            ),
        )
        s.commit()
        assert "\u200b" not in listing.title and "\x00" not in listing.abstract
        assert listing.title.startswith("<script>")  # stored as typed; pages escape it
        for q in ("单克隆抗体", "單克隆抗體", "细胞培养"):
            rows, total = queries.list_listings(s, ANON, queries.listing_filter(q=q))
            assert total == 1 and rows[0].listing.id == listing.id, q


@pytest.mark.parametrize("q", ["抗", "a", " ", "、、"])
def test_empty_and_one_character_queries(world, q):
    if q.strip(" "):
        with pytest.raises(InvalidInput) as e:
            queries.listing_filter(q=q)
        assert e.value.field == "q"
    else:
        assert queries.listing_filter(q=q).q is None  # nothing typed: everything


def test_a_private_listing_is_shown_only_to_its_owner_and_officers_in_scope(world):
    engine, (bj, tj, _), users = world
    with Session(engine) as s:
        private = service.do_create_listing(
            s, users["tj"], _data(tj, direction="seek", title="保密的抗体需求", public=False)
        )
        public = service.do_create_listing(s, users["bj"], _data(bj))
        s.commit()
        for who in (users["tj"], TIANJIN, ADMIN):
            assert queries.readable_listing(s, who, private.id).id == private.id
            _, total = queries.list_listings(s, who, queries.ListingFilter())
            assert total == 2
        for who in (users["bj"], HEBEI, ANON):
            with pytest.raises(NotFound):
                queries.readable_listing(s, who, private.id)
            rows, total = queries.list_listings(s, who, queries.ListingFilter())
            assert total == 1 and [r.listing.id for r in rows] == [public.id]


def test_a_stale_version_is_a_conflict_not_a_lost_update(world):
    from haihe.core.errors import Conflict

    engine, (bj, _, _), users = world
    with Session(engine) as s:
        listing = service.do_create_listing(s, users["bj"], _data(bj))
        service.do_update_listing(s, users["bj"], listing.id, _data(bj, title="第二版 抗体"))
        with pytest.raises(Conflict):
            service.do_update_listing(
                s, users["bj"], listing.id, _data(bj, title="第三版 抗体"), version=1
            )
        assert listing.title == "第二版 抗体"


def test_marks_are_one_per_user_and_pair_and_feed_the_figures_and_the_benchmark(world):
    engine, (bj, tj, _), users = world
    with Session(engine) as s:
        listing = service.do_create_listing(s, users["bj"], _data(bj))
        other = service.do_create_listing(s, users["tj"], _data(tj, direction="seek"))
        for useful in (True, False, True):
            service.do_mark_recommendation(
                s, users["bj"], "listing", listing.id, "listing", other.id, useful, rank=1
            )
        service.do_mark_recommendation(s, TIANJIN, "listing", listing.id, "organisation", tj, False)
        s.commit()
        assert s.scalar(select(func.count()).select_from(MatchFeedback)) == 2
        total, rows = queries.feedback_figures(s)
        assert (total.useful, total.not_useful) == (1, 1)
        assert rows[0].key == "biomedicine" and rows[0].share == 0.5
        labels = {(x.partner_kind, x.partner_id): x.useful for x in queries.feedback_labels(s)}
        assert labels == {("listing", other.id): True, ("organisation", tj): False}
        with pytest.raises(NotAllowed):
            service.do_mark_recommendation(s, ANON, "listing", listing.id, "organisation", tj, True)
        with pytest.raises(NotFound):
            service.do_mark_recommendation(
                s, users["bj"], "listing", 999999, "organisation", tj, True
            )


def test_an_interest_notifies_the_other_side_who_accepts_and_it_can_become_a_lead(world):
    engine, (bj, tj, _), users = world
    with Session(engine) as s:
        need = service.do_create_listing(s, users["tj"], _data(tj, direction="seek"))
        offer = service.do_create_listing(s, users["bj"], _data(bj))
        interest = service.do_express_interest(
            s, users["bj"], to_listing_id=need.id, from_listing_id=offer.id, message="<b>你好</b>"
        )
        s.commit()
        assert queries.unread_count(s, users["tj"]) == 1
        assert queries.unread_count(s, users["bj"]) == 0
        notes = queries.notifications(s, users["tj"])
        assert "北京某某生物医药研究院" in notes[0].text and need.title in notes[0].text
        assert "interested" in notes[0].text_en
        with pytest.raises(InvalidInput):  # the same interest twice while unanswered
            service.do_express_interest(s, users["bj"], to_listing_id=need.id)
        with pytest.raises(InvalidInput):  # not yet accepted: nothing to convert
            queries.check_convertible_interest(s, TIANJIN, interest.id)
        with pytest.raises(NotAllowed):  # the sender does not answer its own interest
            service.do_answer_interest(s, users["bj"], interest.id, True)
        with pytest.raises(NotFound):  # a third party does not even see it
            service.do_answer_interest(s, HEBEI, interest.id, True)
        service.do_answer_interest(s, users["tj"], interest.id, True)
        assert queries.unread_count(s, users["bj"]) == 1
        with pytest.raises(InvalidInput):
            service.do_answer_interest(s, users["tj"], interest.id, False)
        assert queries.check_convertible_interest(s, TIANJIN, interest.id) is interest
        service.do_record_interest_outcome(s, TIANJIN, interest.id, "lead", 42)
        with pytest.raises(InvalidInput):
            queries.check_convertible_interest(s, TIANJIN, interest.id)
        assert service.do_read_notifications(s, users["tj"]) == 1
        assert queries.unread_count(s, users["tj"]) == 0
        with pytest.raises(InvalidInput):
            service.do_express_interest(s, users["bj"], to_organisation_id=bj)


def _sheet(path, rows):  # noqa: ANN001, ANN202
    wb = Workbook()
    ws = wb.active
    ws.append(["机构名称", "提供或寻求", "类别", "名称", "简介", "技术成熟度", "金额", "是否公开"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_the_import_is_all_or_nothing_with_an_error_report(world, tmp_path):
    engine, _, _ = world
    good = [
        "北京某某生物医药研究院",
        "提供",
        "技术成果",
        "抗体药物技术",
        "单克隆抗体研发",
        6,
        None,
        "是",
    ]
    bad = [
        "天津某某生物制药有限公司",
        "寻求",
        "技术成果",
        "抗体产业化",
        "寻求抗体技术",
        12,
        None,
        None,
    ]
    report = transfer.do_import_listings(engine, ADMIN, _sheet(tmp_path / "a.xlsx", [good, bad]))
    assert not report.committed and report.bad == 1
    assert report.errors[0].row == 3 and "技术成熟度" in report.errors[0].where
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Listing)) == 0
    assert (tmp_path / "a.errors.xlsx").exists()
    bad[5] = "TRL 4"
    private = [
        "天津某某生物制药有限公司",
        "seek",
        "capacity",
        "产能",
        "抗体产能",
        None,
        "1.2亿元",
        "否",
    ]
    report = transfer.do_import_listings(
        engine, ADMIN, _sheet(tmp_path / "b.xlsx", [good, bad, private])
    )
    assert report.committed and report.created == 3, [e.message() for e in report.errors]
    with Session(engine) as s:
        rows = {x.title: x for x in s.execute(select(Listing)).scalars()}
        assert rows["抗体产业化"].maturity == 4
        assert rows["产能"].amount_yuan == Decimal("120000000.00") and not rows["产能"].public
        # the export reads back: the same rows again are unchanged
        data = transfer.export_workbook(s, ADMIN, queries.ListingFilter(status=None))
    (tmp_path / "c.xlsx").write_bytes(data)
    assert load_workbook(tmp_path / "c.xlsx").active.max_row == 4
    again = transfer.do_import_listings(engine, ADMIN, tmp_path / "c.xlsx")
    assert again.committed and again.unchanged == 3 and again.created == 0


def test_an_enterprise_user_imports_only_its_own_organisations_rows(world, tmp_path):
    engine, _, users = world
    row = [
        "天津某某生物制药有限公司",
        "寻求",
        "技术成果",
        "抗体产业化",
        "寻求抗体技术",
        5,
        None,
        None,
    ]
    report = transfer.do_import_listings(engine, users["bj"], _sheet(tmp_path / "x.xlsx", [row]))
    assert not report.committed and report.bad == 1


def test_an_accepted_interest_becomes_a_project_or_a_lead_that_records_it(world):
    from datetime import date

    from haihe.leads import service as leads
    from haihe.projects import queries as projects_queries
    from haihe.projects import service as projects

    engine, (bj, tj, _), users = world
    with Session(engine) as s:
        need = service.do_create_listing(s, users["tj"], _data(tj, direction="seek"))
        one = service.do_express_interest(s, users["bj"], to_listing_id=need.id)
        two = service.do_express_interest(s, users["bj"], to_organisation_id=tj)
        s.commit()
        data = projects.ProjectInput(
            code="M-1",
            title="抗体药物产业化",
            landing_region_code="120116",
            signed_on=date(2024, 1, 5),
            intended_investment=Decimal(1),
            match_interest_id=one.id,
        )
        with pytest.raises(InvalidInput):  # not accepted yet: nothing made
            projects.do_create_project(s, TIANJIN, data)
        s.rollback()
        service.do_answer_interest(s, users["tj"], one.id, True)
        service.do_answer_interest(s, users["tj"], two.id, True)
        project = projects.do_create_project(s, TIANJIN, data)
        s.commit()
        assert project.match_interest_id == one.id
        assert (one.became_kind, one.became_id) == ("project", project.id)
        assert projects_queries.get_project(s, project.id).match_interest_id == one.id
        with pytest.raises(InvalidInput):  # converted once only
            projects.do_create_project(s, TIANJIN, projects.ProjectInput(
                code="M-2", title="再来一次", landing_region_code="120116",
                match_interest_id=one.id,
            ))  # fmt: skip
        s.rollback()
        lead = leads.do_create_lead(
            s,
            TIANJIN,
            leads.LeadInput(
                organisation_id=bj,
                chain="biomedicine",
                segment="biologics",
                region_code="120116",
                source="match",
                match_interest_id=two.id,
            ),
        )
        assert (two.became_kind, two.became_id) == ("lead", lead.id)
        assert queries.interest_label(s, TIANJIN, one.id).startswith("北京某某生物医药研究院 → ")
