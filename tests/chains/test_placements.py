"""Placements in the database: classify everything, officers' decisions win and survive
re-classification, and only those who may edit an organisation may rule on it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import placements, queries, service
from haihe.chains.models import Placement
from haihe.codes import uscc
from haihe.core.errors import NotAllowed
from haihe.registry.schemas import OrganisationCreate
from haihe.registry.service import do_bulk_create_organisations
from tests.registry.helpers import OPERATOR

ADMIN = Principal(user_id=1, username="admin", role="admin")
ORGS = [
    OrganisationCreate(
        name="天津甲骨科器械有限公司",
        uscc=uscc.make("91120116MA05ABCD0"),
        region_code="120116",
        description="生产III类医疗器械（骨科植入物、人工关节）",
        industry_codes=("3584",),
    ),
    OrganisationCreate(
        name="天津乙医药商贸有限公司",
        region_code="120101",
        description="销售医疗器械（III类除外）；药品批发",
        industry_codes=("5154",),
    ),
    OrganisationCreate(
        name="北京丙生物医学研究院",
        kind="research_institute",
        region_code="110108",
        description="医学研究和试验发展；抗体药物研发",
        industry_codes=("7340",),
    ),
    OrganisationCreate(
        name="保定丁餐饮管理有限公司", region_code="130602", description="餐饮管理；会议服务"
    ),
]


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        ids = do_bulk_create_organisations(conn, OPERATOR, ORGS)
    with Session(engine) as s:
        service.do_install_shipped(s, ADMIN)
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
    # Beijing's 医药健康 chain has a distribution segment too
    assert set(_rows(engine, seller)) == {
        ("biomedicine", "distribution"),
        ("medicine_health", "distribution"),
    }
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
        service.do_decide_placement(s, officer, maker, "biomedicine", "implants", "remove")
        service.do_decide_placement(s, officer, seller, "biomedicine", "distribution", "confirm")
        service.do_decide_placement(
            s, officer, maker, "robots", "industrial_robots", "add", role="make"
        )
        s.commit()
    with engine.begin() as conn:
        result = placements.classify_all(conn)
    assert result.kept == 3
    rows = _rows(engine, maker)
    assert rows[("biomedicine", "implants")].decision == "removed"
    assert rows[("robots", "industrial_robots")].source == "officer"
    assert _rows(engine, seller)[("biomedicine", "distribution")].decision == "confirmed"
    with Session(engine) as s:
        shown = queries.placements_of(s, maker)
        assert {(p.segment_id, p.decision) for p in shown} >= {("implants", "removed")}
        service.do_decide_placement(s, officer, maker, "biomedicine", "implants", "undo")
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
            service.do_decide_placement(s, hebei, maker, "biomedicine", "implants", "confirm")
        row = service.do_decide_placement(s, own, maker, "biomedicine", "imaging", "add")
        assert row.source == "declared"
        with pytest.raises(NotAllowed):
            service.do_decide_placement(s, own, seller, "biomedicine", "distribution", "remove")


def test_bad_decisions_are_refused_and_change_nothing(world):
    from haihe.core.errors import InvalidInput, NotFound

    engine, (maker, *_rest) = world
    admin = ADMIN
    with Session(engine) as s:
        with pytest.raises(InvalidInput):
            service.do_decide_placement(s, admin, maker, "biomedicine", "no_such_segment", "add")
        with pytest.raises(NotFound):
            service.do_decide_placement(s, admin, maker, "no_such_chain", "x", "add")
        with pytest.raises(InvalidInput):
            service.do_decide_placement(s, admin, maker, "biomedicine", "implants", "bless")
        with pytest.raises(NotFound):
            service.do_decide_placement(s, admin, maker, "biomedicine", "vaccines", "confirm")
    assert _rows(engine, maker) == {}


def test_declared_placements_import_all_or_nothing(world, tmp_path):
    from haihe.chains.declared import do_import_declared
    from tests.registry.helpers import ADMIN

    engine, (maker, seller, lab, cafe) = world
    bad = tmp_path / "declared.csv"
    bad.write_text(
        "名称,产业链,环节\n天津甲骨科器械有限公司,生物医药,implants\n天津乙医药商贸有限公司,生物医药,不存在的环节\n",
        encoding="utf-8",
    )
    report = do_import_declared(engine, ADMIN, bad)
    assert not report.committed and len(report.errors) == 1
    assert report.errors[0].row == 3 and report.errors[0].column == "环节"
    assert _rows(engine, maker) == {}
    good = tmp_path / "declared2.csv"
    good.write_text(
        "名称,产业链,环节,活动\n天津甲骨科器械有限公司,生物医药,高值耗材与植入物,生产\n",
        encoding="utf-8",
    )
    report = do_import_declared(engine, ADMIN, good)
    assert report.committed and report.written == 1
    assert _rows(engine, maker)[("biomedicine", "implants")].source == "declared"


def _figures(engine, chain: str = "biomedicine"):
    from haihe.chains.panorama import grouped

    with Session(engine) as s:
        d = queries.get_chain(s, chain).definition
        return {k: (f.orgs, f.employees) for k, f in grouped(s, d, "province").items()}


def _members_match_a_fresh_rebuild(engine) -> None:
    """The incrementally kept members equal what a full rebuild computes."""
    from haihe.chains import members
    from haihe.chains.models import ChainMember

    def rows():
        with Session(engine) as s:
            return sorted(
                tuple(getattr(m, c) for c in members.COLUMNS)
                for m in s.scalars(select(ChainMember))
            )

    kept = rows()
    with engine.begin() as conn:
        members.rebuild_for_connection(conn, [r[2] for r in kept]) if kept else None
        with Session(bind=conn) as s:
            members.rebuild(conn, [c.definition for c in queries.all_chains(s)])
    assert rows() == kept
    with engine.begin() as conn:  # the whole-table rebuild of a classification run too
        with Session(bind=conn) as s:
            members.rebuild_all(conn, [c.definition for c in queries.all_chains(s)])
    assert rows() == kept


def test_members_table_keeps_its_schema_and_cascade_after_a_classification_run(world):
    """A classification run builds chain_members anew and swaps it in: afterwards the
    table must be the migrations' table (names, indexes, key, foreign key) and still
    follow an organisation's deletion."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import delete, inspect

    from haihe.chains.models import ChainMember
    from haihe.core.db import Base, include_object
    from haihe.registry.models import Organisation

    engine, (maker, _seller, _lab, _cafe) = world
    before = inspect(engine)
    names = (
        before.get_pk_constraint("chain_members")["name"],
        sorted(i["name"] for i in before.get_indexes("chain_members")),
        [fk["name"] for fk in before.get_foreign_keys("chain_members")],
    )
    for _ in range(2):
        with engine.begin() as conn:
            placements.classify_all(conn)
    after = inspect(engine)
    assert (
        after.get_pk_constraint("chain_members")["name"],
        sorted(i["name"] for i in after.get_indexes("chain_members")),
        [fk["name"] for fk in after.get_foreign_keys("chain_members")],
    ) == names
    assert sorted(after.get_table_names()) == sorted(before.get_table_names())
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(ctx, Base.metadata) == []
    with Session(engine) as s:
        assert s.scalar(select(func.count()).where(ChainMember.organisation_id == maker))
        s.execute(delete(Organisation).where(Organisation.id == maker))
        s.commit()
        assert not s.scalar(select(func.count()).where(ChainMember.organisation_id == maker))


def test_figures_follow_decisions_edits_imports_and_chain_edits(world, tmp_path):
    from haihe.chains import definitions
    from haihe.registry.imports import do_import_organisations
    from haihe.registry.models import Organisation
    from tests.registry.helpers import ADMIN

    engine, (maker, seller, lab, cafe) = world
    with engine.begin() as conn:
        placements.classify_all(conn)
    tj = "120000"
    implants = ("implants", tj)
    assert _figures(engine)[implants][0] == 1
    assert _figures(engine)[("med_devices", tj)][0] == 1  # a parent counts its children's
    _members_match_a_fresh_rebuild(engine)

    officer = Principal(user_id=1, username="tianjin", role="regional_officer", region_codes=(tj,))
    with Session(engine) as s:  # an officer's removal takes the organisation out
        service.do_decide_placement(s, officer, maker, "biomedicine", "implants", "remove")
        s.commit()
    assert implants not in _figures(engine)
    with Session(engine) as s:
        service.do_decide_placement(s, officer, maker, "biomedicine", "implants", "undo")
        s.commit()
    assert _figures(engine)[implants][0] == 1

    with Session(engine) as s:  # an edit through the ORM moves it to Hebei
        org = s.get(Organisation, maker)
        org.region_code, org.employees = "130602", 250
        s.commit()
    got = _figures(engine)
    assert implants not in got and got[("implants", "130000")] == (1, 250)
    _members_match_a_fresh_rebuild(engine)

    path = tmp_path / "update.csv"  # an import updating it moves it back
    with Session(engine) as s:
        code = s.get(Organisation, maker).uscc
    path.write_text(
        # the file carries the scope: an import re-places what it changes
        "统一社会信用代码,名称,所属地区,从业人数,行业代码,经营范围\n"
        f"{code},天津甲骨科器械有限公司,滨海新区,40,3584,生产III类医疗器械（骨科植入物、人工关节）\n",
        encoding="utf-8",
    )
    report = do_import_organisations(engine, ADMIN, path, write_report=False)
    assert report.updated == 1, report.errors
    got = _figures(engine)
    assert got.get(implants) == (1, 40), got
    _members_match_a_fresh_rebuild(engine)

    with Session(engine) as s:  # a new version of the chain drops the parent
        chain = queries.get_chain(s, "biomedicine")
        data = chain.definition.to_data()
        for seg in data["segments"]:
            if seg.get("parent") == "med_devices":
                del seg["parent"]
        service.do_save_definition(s, ADMIN, definitions.from_data(data), based_on=chain.version)
        s.commit()
    assert ("med_devices", tj) not in _figures(engine)
    _members_match_a_fresh_rebuild(engine)


def test_classification_in_worker_processes_equals_one_process(world, monkeypatch):
    """The parallel path (used for big registries) places exactly what one process does."""
    engine, _ids = world

    def rows():
        with Session(engine) as s:
            return sorted(
                (p.organisation_id, p.chain_key, p.segment_id, p.role, p.confidence, p.reason_zh)
                for p in s.scalars(select(Placement))
            )

    with engine.begin() as conn:
        placements.classify_all(conn)
    single = rows()
    monkeypatch.setattr(placements, "PARALLEL_FROM", 1)
    with engine.begin() as conn:
        placements.classify_all(conn, batch=2)
    assert rows() == single and single


def test_edits_made_during_a_classification_run_wait_for_it_on_postgresql(world):
    """A run classifies one state of the registry: an edit tried meanwhile waits (here it
    gives up after 200 ms) instead of slipping past the chain_members the run swaps in;
    reading goes on."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    engine, (maker, *_rest) = world
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    seen = []

    def meanwhile(done: int, total: int) -> None:
        with engine.connect() as other:
            other.execute(text("SET lock_timeout = '200ms'"))
            seen.append(other.execute(text("SELECT count(*) FROM chain_members")).scalar())
            with pytest.raises(OperationalError, match="lock"):
                other.execute(
                    text("UPDATE organisations SET employees = 7 WHERE id = :id"), {"id": maker}
                )
            other.rollback()

    with engine.begin() as conn:
        placements.classify_all(conn, progress=meanwhile)
    assert seen  # the reader was served while the run held its locks


def test_organisations_listed_on_a_segment_follow_renames_and_decisions(world):
    """Lists of organisations on a segment are kept per process like the figures: a
    rename or an officer's removal shows on the next request all the same."""
    from haihe.chains.panorama import organisations_on
    from haihe.registry.models import Organisation

    engine, (maker, *_rest) = world
    with engine.begin() as conn:
        placements.classify_all(conn)

    def listed() -> dict[int, str]:
        with Session(engine) as s:  # a fresh session, as each request has
            chain = queries.get_chain(s, "biomedicine").definition
            return {o.id: o.name for o in organisations_on(s, chain, ["implants"])}

    assert listed()[maker] == "天津甲骨科器械有限公司"
    with Session(engine) as s:
        s.get(Organisation, maker).name = "天津甲骨科器械股份有限公司"
        s.commit()
    assert listed()[maker] == "天津甲骨科器械股份有限公司"
    officer = Principal(user_id=1, username="t", role="regional_officer", region_codes=("120000",))
    with Session(engine) as s:
        service.do_decide_placement(s, officer, maker, "biomedicine", "implants", "remove")
        s.commit()
    assert maker not in listed()
