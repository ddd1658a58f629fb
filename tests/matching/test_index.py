"""The matching index on each backend: recommendations with their reasons, exclusions,
filters, and changes applied without a rebuild (organisations edited through the
registry, listings added and closed)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.chains import service as chains_service
from haihe.core.errors import InvalidInput, NotFound
from haihe.matching import bulk, index
from haihe.matching.models import Listing, MatchResult
from haihe.matching.ranking import MatchFilters
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate

OPERATOR = command_line("test")

ORGS = {
    "institute": dict(
        name="北京抗体工程研究院",
        kind="research_institute",
        region_code="110108",
        employees=120,
        description="单克隆抗体药物研发；抗体工程；细胞培养工艺开发；医药研发服务",
    ),
    "maker": dict(
        name="天津生物药业股份有限公司",
        region_code="120116",
        employees=1500,
        industry_codes=("2761",),
        description="生物药品制造；单克隆抗体生产；重组蛋白生产；细胞培养",
    ),
    "bioreactor": dict(
        name="天津生物反应器设备有限公司",
        region_code="120116",
        employees=300,
        industry_codes=("3544",),
        description="生物反应器、一次性生物工艺耗材、培养基的生产",
    ),
    "canteen": dict(
        name="天津某某餐饮管理有限公司",
        region_code="120101",
        employees=30,
        description="餐饮服务；食品销售",
    ),
    "sister": dict(
        name="北京抗体工程研究院天津分院",
        kind="research_institute",
        region_code="120116",
        employees=40,
        description="单克隆抗体药物研发；抗体工程",
    ),
}


@pytest.fixture
def world(engine):
    index.forget()
    with Session(engine) as s:
        chains_service.do_install_shipped(s, OPERATOR)
        s.commit()
    ids = {}
    with Session(engine) as s:
        for key, data in ORGS.items():
            ids[key] = registry.do_create_organisation(s, OPERATOR, OrganisationCreate(**data)).id
        s.commit()
    yield engine, ids
    index.forget()


def add_listing(s: Session, org: int, **over) -> Listing:
    data = dict(
        organisation_id=org,
        direction="offer",
        kind="technology",
        title="全人源单克隆抗体制备技术",
        abstract="一种全人源单克隆抗体的筛选与细胞培养表达方法",
        maturity=6,
    )
    data.update(over)
    row = Listing(**data)
    s.add(row)
    s.flush()
    index.note_change(s, "listing", row.id)
    return row


def names(recs) -> list[tuple[str, int]]:
    return [(r.partner_kind, r.partner_id) for r in recs]


def test_the_maker_in_the_other_city_comes_first_with_its_reasons(world):
    engine, ids = world
    with Session(engine) as s:
        recs = index.recommend(s, "organisation", ids["institute"], k=5)
    assert recs, "nothing recommended"
    assert recs[0].partner_id == ids["maker"]
    assert ("organisation", ids["institute"]) not in names(recs)  # never itself
    assert ("organisation", ids["canteen"]) not in names(recs)  # nothing in common
    top = recs[0]
    assert top.score == pytest.approx(sum(top.parts.values()), abs=1e-3)
    zh = [x.message("zh") for x in top.reasons]
    en = [x.message("en") for x in top.reasons]
    assert any(x.startswith("都涉及") and "抗体" in x for x in zh), zh
    assert "北京研发 → 天津制造" in zh, zh
    assert any("Beijing" in x and "Tianjin" in x for x in en), en


def test_a_supplier_segment_is_found_without_shared_words(world):
    engine, ids = world
    with Session(engine) as s:
        recs = index.recommend(s, "organisation", ids["maker"], k=10)
    bio = next((r for r in recs if r.partner_id == ids["bioreactor"]), None)
    assert bio is not None, names(recs)
    assert bio.parts["chain"] > 0
    assert any(x.key == "supplied_by" for x in bio.reasons)


def test_filters_and_their_bad_values(world):
    engine, ids = world
    with Session(engine) as s:
        recs = index.recommend(s, "organisation", ids["maker"], MatchFilters(region="110000"))
        assert {r.organisation_id for r in recs} <= {ids["institute"]}
        recs = index.recommend(
            s, "organisation", ids["institute"], MatchFilters(organisation_kind="enterprise")
        )
        assert ids["sister"] not in {r.organisation_id for r in recs}
        recs = index.recommend(
            s, "organisation", ids["maker"], MatchFilters(chain="biomedicine", segment="bioprocess")
        )
        assert {r.organisation_id for r in recs} == {ids["bioreactor"]}
        with pytest.raises(InvalidInput) as e:
            index.recommend(s, "organisation", ids["maker"], MatchFilters(min_maturity=12))
        assert e.value.key == "matching.bad_maturity"
        with pytest.raises(InvalidInput):
            index.recommend(s, "organisation", ids["maker"], MatchFilters(region="天津"))
        with pytest.raises(InvalidInput):
            index.recommend(s, "organisation", ids["maker"], k=0)
        with pytest.raises(NotFound):
            index.recommend(s, "organisation", 999_999)
        with pytest.raises(InvalidInput):
            index.recommend(s, "project", ids["maker"])


def test_existing_partners_and_own_listings_are_left_out_unless_asked(world):
    from decimal import Decimal

    from haihe.projects import service as projects

    engine, ids = world
    with Session(engine) as s:
        own = add_listing(s, ids["institute"])
        projects.do_create_project(
            s,
            OPERATOR,
            projects.ProjectInput(
                code="M-1",
                title="抗体产业化项目",
                landing_region_code="120116",
                intended_investment=Decimal("100000000"),
                signed_on=date(2024, 1, 10),
                parties=[
                    projects.PartyInput(organisation_id=ids["institute"]),
                    projects.PartyInput(organisation_id=ids["maker"]),
                ],
            ),
            today=date(2024, 2, 8),
        )
        s.commit()
        recs = index.recommend(s, "organisation", ids["institute"], k=10)
        assert ids["maker"] not in {r.organisation_id for r in recs}
        assert ("listing", own.id) not in names(recs)
        recs = index.recommend(
            s, "organisation", ids["institute"], MatchFilters(include_existing=True), k=10
        )
        assert ids["maker"] in {r.organisation_id for r in recs}
        assert ids["institute"] not in {r.organisation_id for r in recs}  # never itself
        # the listing's own organisation is not its partner either
        recs = index.recommend(s, "listing", own.id, k=10)
        assert ids["institute"] not in {r.organisation_id for r in recs}


def test_changes_are_applied_without_a_rebuild(world):
    engine, ids = world
    with Session(engine) as s:
        before = index.recommend(s, "organisation", ids["institute"], k=10)
        idx = index.get_index(s)
        built = idx.built_at
        assert ids["canteen"] not in {r.organisation_id for r in before}
        # the canteen becomes an antibody maker through the registry
        registry.do_update_organisation(
            s,
            OPERATOR,
            ids["canteen"],
            {"description": "单克隆抗体生产；生物药品制造", "industry_codes": ["2761"]},
        )
        # a Tianjin firm seeks an antibody technology
        wanted = add_listing(
            s,
            ids["bioreactor"],
            direction="seek",
            title="寻求单克隆抗体生产技术合作",
            abstract="希望引进单克隆抗体表达技术",
            maturity=None,
        )
        s.commit()
        after = index.recommend(s, "organisation", ids["institute"], k=10)
        assert index.get_index(s) is idx and idx.built_at == built  # not rebuilt
        assert idx.changes_applied >= 2
        assert ids["canteen"] in {r.organisation_id for r in after}
        assert ("listing", wanted.id) in names(after)
        # closed: gone from the next request
        s.get(Listing, wanted.id).status = "closed"
        index.note_change(s, "listing", wanted.id)
        s.commit()
        again = index.recommend(s, "organisation", ids["institute"], k=10)
        assert ("listing", wanted.id) not in names(again)
        assert index.get_index(s) is idx


def test_pruned_changes_an_index_had_not_read_make_it_rebuild(world):
    engine, ids = world
    with Session(engine) as s:
        idx = index.get_index(s)
        for _ in range(3):  # changes this index has read
            index.note_change(s, "organisation", ids["maker"])
        s.commit()
        assert index.get_index(s) is idx
        assert index.prune(s, keep=1) >= 2  # the newest stays
        s.commit()
        assert index.get_index(s) is idx  # nothing it had not read was lost
        # the canteen turns maker, recorded, then pruned before this index read it
        registry.do_update_organisation(
            s,
            OPERATOR,
            ids["canteen"],
            {"description": "单克隆抗体生产；生物药品制造", "industry_codes": ["2761"]},
        )
        index.note_change(s, "organisation", ids["maker"])
        s.commit()
        assert index.prune(s, keep=1) >= 1
        s.commit()
        fresh = index.get_index(s)
        assert fresh is not idx  # it saw the gap and was built again
        recs = index.recommend(s, "organisation", ids["institute"], k=10)
        assert ids["canteen"] in {r.organisation_id for r in recs}
        assert index.prune(s, keep=1) == 0  # only the newest is left


def test_an_offer_meets_needs_and_a_traditional_query_finds_simplified_text(world):
    engine, ids = world
    with Session(engine) as s:
        offer = add_listing(s, ids["institute"])
        other_offer = add_listing(s, ids["sister"], title="单克隆抗体人源化技术")
        need = add_listing(
            s, ids["maker"], direction="seek", title="寻求全人源单克隆抗体技术", maturity=None
        )
        s.commit()
        recs = index.recommend(s, "listing", offer.id, MatchFilters(partner_kind="listing"))
        assert ("listing", need.id) in names(recs)
        assert ("listing", other_offer.id) not in names(recs)  # an offer does not meet an offer
        found = index.recommend_for_text(s, "單克隆抗體 生產", k=5)
        assert ids["maker"] in {r.organisation_id for r in found}
        with pytest.raises(InvalidInput):
            index.recommend_for_text(s, "抗")
        mature = index.recommend_for_text(s, "单克隆抗体", MatchFilters(min_maturity=5), k=10)
        assert mature and all(
            r.partner_kind == "listing"
            or r.organisation_id == ids["institute"]
            or r.organisation_id == ids["sister"]
            for r in mature
        )


def test_match_all_stores_the_top_partners_with_reasons_and_exports_them(world, tmp_path):
    engine, ids = world
    with Session(engine) as s:
        add_listing(s, ids["institute"])
        s.commit()
        result = bulk.recommend_all(s, k=5)
        s.commit()
        assert result.subjects == 2  # the listing and its organisation
        rows = s.query(MatchResult).order_by(MatchResult.subject_kind, MatchResult.rank).all()
        assert rows and rows[0].rank == 1
        assert any("research_to_making" in r.reasons for r in rows)
        path = tmp_path / "matches.xlsx"
        assert bulk.export_xlsx(s, path, "zh") == len(rows)
        from openpyxl import load_workbook

        sheet = load_workbook(path).worksheets[0]
        cells = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
        assert "天津生物药业股份有限公司" in cells
