"""Projects on both backends: creation, milestones, history, conflicts, figures, and who
may change what."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import service as chains
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.fairs import queries as fair_queries
from haihe.fairs import service as fairs
from haihe.projects import figures, lifecycle, queries, service
from haihe.projects.figures import FigureFilter
from haihe.projects.service import PartyInput, ProjectInput
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate, ParkCreate
from tests.registry.helpers import OPERATOR

TODAY = date(2024, 2, 8)
ADMIN = Principal(user_id=7, username="测试", role="admin")
TIANJIN = Principal(
    user_id=8, username="tj-officer", role="regional_officer", region_codes=("120000",)
)
HEBEI = Principal(
    user_id=9, username="hb-officer", role="regional_officer", region_codes=("130000",)
)


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
        chains.do_install_shipped(s, OPERATOR)
        fair = fairs.do_create_fair(s, ADMIN, name="测试对接会", starts_on=date(2023, 6, 15))
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
    principal=ADMIN,
    **kw,
):  # noqa: ANN003, ANN202
    return service.do_create_project(
        s,
        principal,
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
        today=TODAY,
    )


def test_create_record_and_history(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A1", fair_id=ids["fair"], chain="biomedicine", segment="biologics")
        assert (p.stage, p.origin_province, p.landing_province) == ("signed", "110000", "120000")
        service.do_record_milestone(
            s, TIANJIN, p.id, "in_operation", date(2023, 9, 1), evidence="投产", today=TODAY
        )
        service.do_record_milestone(s, ADMIN, p.id, "paying_tax", date(2023, 12, 1), today=TODAY)
        s.commit()
        h = queries.history(s, p.id)
        assert [x.action for x in h] == ["create", "milestone", "milestone"]
        # Each history row and milestone names the principal who acted, by name and id.
        assert [(x.by, x.by_user_id) for x in h] == [("测试", 7), ("tj-officer", 8), ("测试", 7)]
        assert [(m.kind, m.recorded_by, m.recorded_by_user_id) for m in p.milestones] == [
            ("signed", "测试", 7),
            ("in_operation", "tj-officer", 8),
            ("paying_tax", "测试", 7),
        ]


def test_refused_milestone_changes_nothing(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A2")
        s.commit()
        version = p.version
        with pytest.raises(lifecycle.LifecycleError):
            service.do_record_milestone(s, ADMIN, p.id, "paying_tax", date(2023, 7, 1), today=TODAY)
        s.rollback()
        p = queries.get_project(s, p.id)
        assert p.version == version and p.stage == "signed" and len(p.milestones) == 1
        assert len(queries.history(s, p.id)) == 1


def test_second_save_of_the_same_version_is_a_conflict(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A3")
        s.commit()
        loaded = p.version
    with Session(engine) as first, Session(engine) as second:
        service.do_update_project(first, ADMIN, p.id, {"officer": "王磊"}, version=loaded)
        first.commit()
        with pytest.raises(service.VersionConflict) as exc:
            service.do_update_project(second, ADMIN, p.id, {"officer": "李娜"}, version=loaded)
        assert "王" not in exc.value.message("en") and str(loaded) in exc.value.message("zh")
        second.rollback()
    with Session(engine) as s:
        assert queries.get_project(s, p.id).officer == "王磊"


def test_capital_increase_is_not_a_new_project(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "A4", amount="100000000")
        service.do_add_increment(
            s, ADMIN, p.id, Decimal("50000000"), date(2023, 10, 1), today=TODAY
        )
        s.commit()
        f = figures.compute(s, FigureFilter(), today=TODAY)
        assert f.signed == 1 and f.intended_investment_yuan == Decimal("150000000")
        with pytest.raises(InvalidInput) as exc:
            service.do_add_increment(s, ADMIN, p.id, Decimal("1"), date(2023, 1, 1), today=TODAY)
        assert exc.value.key == "projects.increment_before_signing"


def test_bad_input_is_refused(world):
    engine, ids = world
    with Session(engine) as s:
        _create(s, ids, "A5")
        for code, kw, field in (
            ("A5", {}, "code"),
            ("A6", {"landing": "999999"}, "landing_region_code"),
            ("A7", {"amount": "-1"}, "intended_investment"),
        ):
            with pytest.raises(InvalidInput) as exc:
                _create(s, ids, code, **kw)
            assert exc.value.field == field
            assert exc.value.message("zh") != exc.value.message("en")  # keyed, both languages


def test_a_project_names_a_real_chain_and_segment(world):
    """Unknown chains and segments are refused with their names; nothing is saved."""
    engine, ids = world
    with Session(engine) as s:
        for kw, field, named in (
            ({"chain": "no_such_chain"}, "chain", "no_such_chain"),
            ({"chain": "robots", "segment": "cutting_machines"}, "segment", "cutting_machines"),
            ({"segment": "reducers"}, "segment", "reducers"),
        ):
            with pytest.raises(InvalidInput) as exc:
                _create(s, ids, "C1", **kw)
            assert exc.value.field == field
            assert named in exc.value.message("zh") and named in exc.value.message("en")
        s.rollback()
        p = _create(s, ids, "C1", chain="robots", segment="reducers")
        s.commit()
        assert (p.chain, p.segment) == ("robots", "reducers")
        v = p.version
        with pytest.raises(InvalidInput) as exc:  # a segment of another chain
            service.do_update_project(s, ADMIN, p.id, {"segment": "battery"}, version=v)
        assert "battery" in exc.value.message("en")
        s.rollback()
        with pytest.raises(InvalidInput) as exc:  # a new chain without the old segment
            service.do_update_project(s, ADMIN, p.id, {"chain": "nev"}, version=v)
        assert "reducers" in exc.value.message("en") and exc.value.field == "segment"
        s.rollback()
        service.do_update_project(
            s, ADMIN, p.id, {"chain": "machine_tools", "segment": "cnc"}, version=v
        )
        s.commit()
        assert (p.chain, p.segment) == ("machine_tools", "cnc")
        service.do_update_project(s, ADMIN, p.id, {"chain": "", "segment": ""}, version=v + 1)
        assert (p.chain, p.segment) == (None, None)


def test_every_write_refuses_a_principal_out_of_scope(world):
    """Each write checks scope itself: a Hebei officer may not change a Tianjin project
    (NotAllowed: they may read it), an enterprise that is no party may not even see it
    (NotFound); nothing changes."""
    engine, ids = world
    outsider = Principal(username="other-co", role="enterprise", organisation_id=999999)
    with Session(engine) as s:
        p = _create(s, ids, "S1")
        service.do_record_milestone(s, ADMIN, p.id, "in_operation", date(2023, 8, 1), today=TODAY)
        s.commit()
        pid, version = p.id, p.version
        writes = {
            "milestone": lambda who: service.do_record_milestone(
                s, who, pid, "paying_tax", date(2023, 9, 1), today=TODAY
            ),
            "go_back": lambda who: service.do_go_back_to_stage(s, who, pid, "signed", "错录"),
            "cancel": lambda who: service.do_cancel_project(
                s, who, pid, date(2023, 9, 1), "撤资", today=TODAY
            ),
            "update": lambda who: service.do_update_project(
                s, who, pid, {"officer": "某人"}, version=version
            ),
            "increment": lambda who: service.do_add_increment(
                s, who, pid, Decimal(1), date(2023, 9, 1), today=TODAY
            ),
            "attachment": lambda who: service.do_add_attachment(
                s, who, pid, "a.pdf", "application/pdf", b"x"
            ),
        }
        for name, write in writes.items():
            for who, refused in ((HEBEI, NotAllowed), (outsider, NotFound)):
                with pytest.raises(refused):
                    write(who)
                    pytest.fail(f"{name} by {who.username} went through")
                s.rollback()
        with pytest.raises(NotAllowed):  # nor create one landing outside their regions
            _create(s, ids, "S2", principal=HEBEI)
        s.rollback()
        p = queries.get_project(s, pid)
        assert (p.version, p.officer, len(queries.history(s, pid))) == (version, None, 2)
        assert queries.find_project(s, "S2") is None
        for write in writes.values():  # the officer of the landing region may
            write(TIANJIN)
            s.rollback()
        with pytest.raises(NotAllowed):  # a fair organiser may not create fairs
            fairs.do_create_fair(
                s, Principal(role="fair_organiser", fair_id=1), name="新", starts_on=TODAY
            )


def _parks(s, *regions: str) -> list[int]:  # noqa: ANN001
    return [
        registry.do_create_park(s, OPERATOR, ParkCreate(name=f"测试园区{i}", region=r)).id
        for i, r in enumerate(regions)
    ]


def test_an_edit_may_not_move_a_project_out_of_the_editors_scope(world):
    engine, ids = world
    with Session(engine) as s:
        ours, theirs = _parks(s, "120116", "120116")
        manager = Principal(username="park", role="park_manager", park_id=ours)
        p = _create(s, ids, "M1", landing_park_id=ours)
        s.commit()
        with pytest.raises(NotAllowed):
            service.do_update_project(
                s, manager, p.id, {"landing_park_id": theirs}, version=p.version
            )
        s.rollback()
        service.do_update_project(s, manager, p.id, {"officer": "园区"}, version=p.version)
        s.commit()
        assert queries.get_project(s, p.id).landing_park_id == ours


def test_a_landing_park_must_exist_and_lie_in_the_landing_region(world):
    """The park decides whose park manager reads and edits the project: an officer may not
    hand a project to a park that does not exist or lies in another city."""
    engine, ids = world
    with Session(engine) as s:
        binhai, haidian = _parks(s, "120116", "110108")
        with pytest.raises(InvalidInput) as exc:
            _create(s, ids, "P1", landing_park_id=haidian)
        assert exc.value.field == "landing_park_id" and "120116" in exc.value.message("en")
        with pytest.raises(InvalidInput) as exc:
            _create(s, ids, "P2", landing_park_id=999_999)
        assert exc.value.key == "projects.park_unknown"
        p = _create(s, ids, "P3", landing_park_id=binhai)
        with pytest.raises(InvalidInput):
            service.do_update_project(
                s, ADMIN, p.id, {"landing_park_id": haidian}, version=p.version
            )
        assert p.landing_park_id == binhai


def test_attachments_and_amounts_name_the_principal_and_the_problem(world):
    engine, ids = world
    with Session(engine) as s:
        p = _create(s, ids, "F0")
        att = service.do_add_attachment(s, TIANJIN, p.id, "C:\\合同.pdf", "application/pdf", b"x")
        assert (att.filename, att.uploaded_by, att.uploaded_by_user_id) == (
            "合同.pdf",
            "tj-officer",
            8,
        )
        service.do_update_project(
            s, ADMIN, p.id, {"invested_in_place": "1,000,000"}, version=p.version
        )
        assert p.invested_in_place == Decimal("1000000.00")
        with pytest.raises(InvalidInput) as exc:
            service.do_update_project(
                s, ADMIN, p.id, {"invested_in_place": "一百万"}, version=p.version
            )
        assert exc.value.field == "invested_in_place" and "一百万" in exc.value.message("en")


def test_figures_by_the_same_rules_with_filters(world):
    engine, ids = world
    with Session(engine) as s:
        a = _create(s, ids, "F1", amount="1000", fair_id=ids["fair"], chain="nev")
        b = _create(s, ids, "F2", amount="2000", fair_id=ids["fair"], chain="nev")
        _create(s, ids, "F3", amount="4000", landing="130200", host="hb")
        d = _create(s, ids, "F4", amount="8000")
        for p, kind, on in (
            (a, "construction_started", date(2023, 8, 1)),
            (b, "in_operation", date(2023, 8, 1)),
            (b, "paying_tax", date(2023, 9, 1)),
        ):
            service.do_record_milestone(s, ADMIN, p.id, kind, on, today=TODAY)
        service.do_cancel_project(s, ADMIN, d.id, date(2023, 9, 1), "撤资", today=TODAY)
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
                    service.do_record_milestone(s, ADMIN, p.id, kind, day, today=TODAY)
            if rng.random() < 0.1:
                service.do_cancel_project(s, ADMIN, p.id, TODAY, "撤资", today=TODAY)
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
            states = {p.id: queries.state_of(p) for p in mine}
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
        fair = fair_queries.find_fair(s, "2023京津产业链供需对接会")
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
