"""Projects on both backends: creation, milestones, history, conflicts, figures."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from haihe.core.errors import InvalidInput
from haihe.fairs import service as fairs
from haihe.projects import figures, lifecycle, service
from haihe.projects.figures import FigureFilter
from haihe.projects.service import PartyInput, ProjectInput
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate
from tests.registry.helpers import OPERATOR

TODAY = date(2024, 2, 8)


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        bj, tj, hb = registry.do_bulk_create_organisations(
            conn,
            OPERATOR,
            [
                OrganisationCreate(name="北京测试生物有限公司", region_code="110108"),
                OrganisationCreate(name="天津测试制造有限公司", region_code="120116"),
                OrganisationCreate(name="河北测试材料有限公司", region_code="130200"),
            ],
        )
    with Session(engine) as s:
        fair = fairs.do_create_fair(s, name="测试对接会", starts_on=date(2023, 6, 15))
        s.commit()
        return engine, {"bj": bj, "tj": tj, "hb": hb, "fair": fair.id}


def _create(
    s,
    ids,
    code,
    amount="100000000",
    signed=date(2023, 6, 15),
    origin="bj",  # noqa: ANN001
    landing="120116",
    host="tj",
    **kw,
):  # noqa: ANN003, ANN202
    return service.do_create_project(
        s,
        ProjectInput(
            code=code,
            title=f"项目{code}",
            intended_investment=Decimal(amount),
            parties=[
                PartyInput(organisation_id=ids[origin], role="investor"),
                PartyInput(organisation_id=ids[host], role="host"),
            ],
            landing_region_code=landing,
            signed_on=signed,
            **kw,
        ),
        by="测试",
        today=TODAY,
    )


def test_create_record_and_history(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A1", fair_id=ids["fair"], chain="biomedicine")
        assert (p.stage, p.origin_province, p.landing_province) == ("signed", "110000", "120000")
        service.do_record_milestone(
            s, p.id, "in_operation", date(2023, 9, 1), by="王磊", evidence="投产", today=TODAY
        )
        service.do_record_milestone(s, p.id, "paying_tax", date(2023, 12, 1), today=TODAY)
        s.commit()
        h = service.history(s, p.id)
        assert [x.action for x in h] == ["create", "milestone", "milestone"]
        assert h[1].by == "王磊"


def test_refused_milestone_changes_nothing(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A2")
        s.commit()
        version = p.version
        with pytest.raises(lifecycle.LifecycleError):
            service.do_record_milestone(s, p.id, "paying_tax", date(2023, 7, 1), today=TODAY)
        s.rollback()
        p = service.get_project(s, p.id)
        assert p.version == version and p.stage == "signed" and len(p.milestones) == 1
        assert len(service.history(s, p.id)) == 1


def test_second_save_of_the_same_version_is_a_conflict(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A3")
        s.commit()
        loaded = p.version
    with Session(engine) as first, Session(engine) as second:
        service.do_update_project(first, p.id, {"officer": "王磊"}, version=loaded)
        first.commit()
        with pytest.raises(service.VersionConflict) as exc:
            service.do_update_project(second, p.id, {"officer": "李娜"}, version=loaded)
        assert "王" not in exc.value.message("en") and str(loaded) in exc.value.message("zh")
        second.rollback()
    with Session(engine) as s:
        assert service.get_project(s, p.id).officer == "王磊"


def test_capital_increase_is_not_a_new_project(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A4", amount="100000000")
        service.do_add_increment(s, p.id, Decimal("50000000"), date(2023, 10, 1), today=TODAY)
        s.commit()
        f = figures.compute(s, FigureFilter(), today=TODAY)
        assert f.signed == 1 and f.intended_investment_yuan == Decimal("150000000")
        with pytest.raises(InvalidInput):
            service.do_add_increment(s, p.id, Decimal("1"), date(2023, 1, 1), today=TODAY)


def test_bad_input_is_refused(world):
    engine, ids = world
    with Session(engine) as s:
        _create(s, ids, "A5")
        with pytest.raises(InvalidInput, match="code"):
            _create(s, ids, "A5")
        with pytest.raises(InvalidInput, match="landing_region_code"):
            _create(s, ids, "A6", landing="999999")
        with pytest.raises(InvalidInput, match="intended_investment"):
            _create(s, ids, "A7", amount="-1")


def test_figures_by_the_same_rules_with_filters(world):
    engine, ids = world
    with Session(engine) as s:
        a = _create(s, ids, "F1", amount="1000", fair_id=ids["fair"], chain="nev")
        b = _create(s, ids, "F2", amount="2000", fair_id=ids["fair"], chain="nev")
        _create(s, ids, "F3", amount="4000", landing="130200", host="hb")
        d = _create(s, ids, "F4", amount="8000")
        service.do_record_milestone(s, a.id, "construction_started", date(2023, 8, 1), today=TODAY)
        service.do_record_milestone(s, b.id, "in_operation", date(2023, 8, 1), today=TODAY)
        service.do_record_milestone(s, b.id, "paying_tax", date(2023, 9, 1), today=TODAY)
        service.do_cancel(s, d.id, date(2023, 9, 1), "撤资", today=TODAY)
        s.commit()
        f = figures.compute(s, FigureFilter(), today=TODAY)
        assert (f.signed, f.construction_started, f.in_operation, f.paying_tax, f.cancelled) == (
            3,
            1,
            1,
            1,
            1,
        )
        assert f.intended_investment_yuan == Decimal(7000)
        assert f.stalled == 1  # F3: signed 2023-06-15, nothing since, > 180 days
        assert figures.compute(s, FigureFilter(fair_id=ids["fair"]), today=TODAY).signed == 2
        assert figures.compute(s, FigureFilter(landing="河北"), today=TODAY).signed == 1
        assert (
            figures.compute(s, FigureFilter(origin="北京", landing="天津"), today=TODAY).signed == 2
        )
        assert figures.compute(s, FigureFilter(chain="nev"), today=TODAY).signed == 2
        assert figures.compute(s, FigureFilter(date_from=date(2024, 1, 1)), today=TODAY).signed == 0
        items, total = figures.list_projects(s, FigureFilter(), "stalled", today=TODAY)
        assert total == 1 and items[0].code == "F3"
        with pytest.raises(InvalidInput):
            figures.compute(s, FigureFilter(landing="火星"))


def test_figures_equal_a_plain_recount_on_random_projects(world):
    engine, ids = world
    rng = random.Random(5)
    with Session(engine) as s:
        for i in range(60):
            signed = date(2023, 1, 1) + timedelta(days=rng.randrange(300))
            p = _create(
                s,
                ids,
                f"R{i}",
                amount=str(rng.randrange(1, 10**9)),
                signed=signed,
                landing=rng.choice(["120116", "130200", "110108"]),
                chain=rng.choice(["nev", "biomedicine", None]),
            )
            day = signed
            for kind in rng.choice(
                [
                    [],
                    ["in_operation", "paying_tax"],
                    ["construction_started", "under_construction"],
                    ["construction_started", "in_operation", "at_capacity"],
                ]
            ):
                day += timedelta(days=rng.randrange(1, 60))
                if day <= TODAY:
                    service.do_record_milestone(s, p.id, kind, day, today=TODAY)
            if rng.random() < 0.1:
                service.do_cancel(s, p.id, TODAY, "撤资", today=TODAY)
        s.commit()
        from sqlalchemy import select

        from haihe.projects.models import Project

        every = list(s.execute(select(Project)).scalars())
        th = lifecycle.DEFAULT_STALL_DAYS
        for flt, keep in (
            (FigureFilter(), lambda p: True),
            (FigureFilter(landing="130000"), lambda p: p.landing_region_code.startswith("13")),
            (
                FigureFilter(chain="nev", date_to=date(2023, 6, 30)),
                lambda p: p.chain == "nev" and p.signed_on <= date(2023, 6, 30),
            ),
        ):
            f = figures.compute(s, flt, today=TODAY, thresholds=th)
            mine = [p for p in every if keep(p)]
            live = [p for p in mine if p.signed_on and not p.cancelled_on]
            states = {p.id: service._state(p) for p in mine}
            assert f.signed == len(live)
            assert f.intended_investment_yuan == sum(
                (p.intended_investment for p in live), Decimal(0)
            )
            assert f.construction_started == sum(
                states[p.id].stage in lifecycle.CONSTRUCTION for p in live
            )
            assert f.in_operation == sum(states[p.id].stage in lifecycle.OPERATING for p in live)
            assert f.paying_tax == sum(bool(states[p.id].paying_tax_on) for p in live)
            assert f.cancelled == sum(bool(p.cancelled_on) for p in mine)
            assert f.stalled == sum(
                lifecycle.stalled_days(states[p.id], TODAY, th) is not None
                for p in mine
                if p.signed_on
            )


def test_the_demo_reports_the_article_exactly(demo_engine):
    with Session(demo_engine) as s:
        fair = fairs.find_fair(s, "2023京津产业链供需对接会")
        f = figures.compute(s, FigureFilter(fair_id=fair.id))
        assert (f.signed, f.intended_investment_yuan) == (44, Decimal("27100000000.00"))
        assert (f.construction_started, f.in_operation, f.paying_tax) == (4, 12, 2)
        everything = figures.compute(s, FigureFilter())
        assert everything.signed > 44 and everything.stalled > 0 and everything.cancelled > 0
        assert len(figures.monthly(s, FigureFilter())) > 6


def test_dashboard_breakdowns_add_up_to_the_figures(demo_engine):
    """One grouped scan feeds the dashboard; it must agree with compute() and the funnel
    must count at least as many as each stage."""
    with Session(demo_engine) as s:
        for f in (FigureFilter(), FigureFilter(landing="120000"), FigureFilter(chain="nev")):
            board = figures.dashboard(s, f)
            plain = figures.compute(s, f)
            assert board.figures == plain
            for parts in (board.chains, board.pairs, board.months):
                assert sum(b.signed for b in parts) == plain.signed
                assert sum(b.intended for b in parts) == plain.intended_investment_yuan
            funnel = dict(figures.funnel(s, f, plain))
            assert funnel["signed"] >= funnel["construction_started"] >= funnel["in_operation"]
            assert funnel["construction_started"] >= plain.construction_started
            assert funnel["in_operation"] == plain.in_operation
        assert dict(figures.funnel(s, FigureFilter()))["construction_started"] > 0


def test_longest_stalled_is_the_head_of_the_stalled_list(demo_engine):
    with Session(demo_engine) as s:
        for f in (FigureFilter(), FigureFilter(landing="120000"), FigureFilter(fair_id=1)):
            quick = figures.longest_stalled(s, f, 20)
            listed, total = figures.list_projects(s, f, "stalled", page_size=20)
            assert [p.id for p in quick] == [p.id for p in listed]
            assert total == figures.compute(s, f).stalled
