"""Placements in the database: classify everything, officers' decisions win and survive
re-classification, and only those who may edit an organisation may rule on it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import NotAllowed, Principal
from haihe.chains import placements, service
from haihe.chains.models import Placement
from haihe.registry.service import OrganisationInput, do_bulk_create_organisations

ORGS = [
    OrganisationInput(
        name="天津甲骨科器械有限公司",
        region_code="120116",
        description="生产III类医疗器械（骨科植入物、人工关节）",
        industry_codes=("3584",),
    ),
    OrganisationInput(
        name="天津乙医药商贸有限公司",
        region_code="120101",
        description="销售医疗器械（III类除外）；药品批发",
        industry_codes=("5154",),
    ),
    OrganisationInput(
        name="北京丙生物医学研究院",
        kind="research_institute",
        region_code="110108",
        description="医学研究和试验发展；抗体药物研发",
        industry_codes=("7340",),
    ),
    OrganisationInput(
        name="保定丁餐饮管理有限公司", region_code="130602", description="餐饮管理；会议服务"
    ),
]


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        ids = do_bulk_create_organisations(conn, ORGS)
    with Session(engine) as s:
        service.install_shipped(s)
        s.commit()
    return engine, ids


def _rows(engine, org_id: int) -> dict[tuple[str, str], Placement]:
    with Session(engine) as s:
        return {
            (p.chain_key, p.segment_id): p
            for p in s.scalars(select(Placement).where(Placement.organisation_id == org_id))
        }


def test_classify_places_makers_sellers_and_research(world):
    engine, (maker, seller, lab, cafe) = world
    with engine.begin() as conn:
        result = placements.classify_all(conn)
    assert result.organisations == 4 and result.placed_organisations == 3
    assert ("biomedicine", "implants") in _rows(engine, maker)
    assert set(_rows(engine, seller)) == {("biomedicine", "distribution")}
    assert all(p.role == "research" for p in _rows(engine, lab).values())
    assert _rows(engine, cafe) == {}
    with engine.begin() as conn:  # a second run changes nothing
        again = placements.classify_all(conn)
    assert again.placements == result.placements


def test_decisions_win_and_survive_reclassification(world):
    engine, (maker, seller, lab, cafe) = world
    with engine.begin() as conn:
        placements.classify_all(conn)
    officer = Principal(
        user_id=1, username="tianjin", role="regional_officer", region_codes=("120000",)
    )
    with Session(engine) as s:
        placements.decide(s, officer, maker, "biomedicine", "implants", "remove")
        placements.decide(s, officer, seller, "biomedicine", "distribution", "confirm")
        placements.decide(s, officer, maker, "robots", "industrial_robots", "add", role="make")
        s.commit()
    with engine.begin() as conn:
        result = placements.classify_all(conn)
    assert result.kept == 3
    rows = _rows(engine, maker)
    assert rows[("biomedicine", "implants")].decision == "removed"
    assert rows[("robots", "industrial_robots")].source == "officer"
    assert _rows(engine, seller)[("biomedicine", "distribution")].decision == "confirmed"
    with Session(engine) as s:
        shown = placements.placements_of(s, maker)
        assert {(p.segment_id, p.decision) for p in shown} >= {("implants", "removed")}
        placements.decide(s, officer, maker, "biomedicine", "implants", "undo")
        s.commit()
    with engine.begin() as conn:
        placements.classify_all(conn)
    assert _rows(engine, maker)[("biomedicine", "implants")].decision is None


def test_only_those_who_may_edit_the_organisation_may_rule_on_it(world):
    engine, (maker, seller, lab, cafe) = world
    with engine.begin() as conn:
        placements.classify_all(conn)
    hebei = Principal(
        user_id=2, username="hebei", role="regional_officer", region_codes=("130000",)
    )
    own = Principal(user_id=3, username="me", role="enterprise", organisation_id=maker)
    with Session(engine) as s:
        with pytest.raises(NotAllowed):
            placements.decide(s, hebei, maker, "biomedicine", "implants", "confirm")
        row = placements.decide(s, own, maker, "biomedicine", "imaging", "add")
        assert row.source == "declared"
        with pytest.raises(NotAllowed):
            placements.decide(s, own, seller, "biomedicine", "distribution", "remove")


def test_bad_decisions_are_refused_and_change_nothing(world):
    from haihe.core.errors import InvalidInput, NotFound

    engine, (maker, *_rest) = world
    admin = Principal(user_id=1, username="admin", role="admin")
    with Session(engine) as s:
        with pytest.raises(InvalidInput):
            placements.decide(s, admin, maker, "biomedicine", "no_such_segment", "add")
        with pytest.raises(NotFound):
            placements.decide(s, admin, maker, "no_such_chain", "x", "add")
        with pytest.raises(InvalidInput):
            placements.decide(s, admin, maker, "biomedicine", "implants", "bless")
        with pytest.raises(NotFound):
            placements.decide(s, admin, maker, "biomedicine", "vaccines", "confirm")
    assert _rows(engine, maker) == {}


def test_declared_placements_import_all_or_nothing(world, tmp_path):
    from haihe.chains.declared import import_declared

    engine, (maker, seller, lab, cafe) = world
    bad = tmp_path / "declared.csv"
    bad.write_text(
        "名称,产业链,环节\n天津甲骨科器械有限公司,生物医药,implants\n天津乙医药商贸有限公司,生物医药,不存在的环节\n",
        encoding="utf-8",
    )
    report = import_declared(engine, bad)
    assert not report.committed and len(report.errors) == 1
    assert report.errors[0].row == 3 and report.errors[0].column == "segment"
    assert _rows(engine, maker) == {}
    good = tmp_path / "declared2.csv"
    good.write_text(
        "名称,产业链,环节,活动\n天津甲骨科器械有限公司,生物医药,高值耗材与植入物,生产\n",
        encoding="utf-8",
    )
    report = import_declared(engine, good)
    assert report.committed and report.written == 1
    assert _rows(engine, maker)[("biomedicine", "implants")].source == "declared"
