"""The source-article demo."""

from sqlalchemy.orm import Session

from haihe.codes import uscc
from haihe.demo import build_demo
from haihe.registry import queries
from tests.registry.helpers import all_orgs


def test_demo_has_the_article_parks_and_named_organisations(engine):
    scenario = build_demo(engine)
    assert scenario is not None
    with Session(engine) as s:
        parks = {p.name_en: p.organisation_count for p in queries.list_parks(s)}
        overview = queries.registry_overview(s)
    assert parks["Tianjin Binhai-Zhongguancun Science and Technology Park"] > 4000
    assert 100 <= parks["TFI Higher Education Science and Technology Innovation Park"] < 1000
    named = {o.name_en for o in overview.named_in_source}
    assert {"Tianjin Winute Information Technology", "Lingkr Technology (Tianjin)"} <= named
    orgs = all_orgs(engine)
    demo = [o for o in orgs if o.is_demo]
    assert len(demo) > 10000
    assert all(uscc.validate(o.uscc).ok for o in demo)
    assert all(o.region_code for o in orgs)
    provinces = {o.region_code[:2] for o in demo}
    assert provinces == {"11", "12", "13"}
    assert all(o.industry_codes for o in demo)
    # Generated names read as real ones: no "生物技术技术有限公司", "能源科技科技有限公司".
    doubled = [o.name for o in demo if "技术技术" in o.name or "科技科技" in o.name]
    assert doubled == []


def test_demo_is_deterministic_and_not_rebuilt_over_data(sqlite_engine, tmp_path):
    from haihe.core.db import make_engine, upgrade

    build_demo(sqlite_engine)
    first = [(o.name, o.uscc, o.region_code) for o in all_orgs(sqlite_engine)]
    assert build_demo(sqlite_engine) is None  # has data: left alone
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    build_demo(other)
    assert [(o.name, o.uscc, o.region_code) for o in all_orgs(other)] == first
    build_demo(sqlite_engine, force=True)
    assert [(o.name, o.uscc, o.region_code) for o in all_orgs(sqlite_engine)] == first


def test_demo_projects_sit_on_real_chains_and_report_the_article(demo_engine):
    """Every demo project names a chain and segment that exist; the article's fair still
    counts 44 projects, 27.1 billion yuan, 4 under construction, 12 in operation, 2 paying
    tax."""
    from decimal import Decimal

    from sqlalchemy import select

    from haihe.chains.queries import chain_choices
    from haihe.fairs import queries as fairs
    from haihe.projects import figures
    from haihe.projects.models import Project

    with Session(demo_engine) as s:
        choices = {c.key: c for c in chain_choices(s)}
        used = set(s.execute(select(Project.chain, Project.segment).distinct()).all())
        assert used and all(c in choices and choices[c].segment(g) for c, g in used), used
        assert {"machine_tools", "robots"} <= {c for c, _ in used}
        fair = fairs.find_fair(s, "2023京津产业链供需对接会")
        f = figures.compute(s, figures.FigureFilter(fair_id=fair.id))
    assert (f.signed, f.intended_investment_yuan) == (44, Decimal("27100000000.00"))
    assert (f.construction_started, f.in_operation, f.paying_tax) == (4, 12, 2)


def test_demo_portfolio_stalls_in_a_realistic_share(demo_engine):
    """Moving projects reach their next milestone within the stall limit of their stage;
    only those that stop moving stall (144 of 180 stalled was no real portfolio)."""
    from haihe.projects import figures

    with Session(demo_engine) as s:
        f = figures.compute(s, figures.FigureFilter(), thresholds=figures.stall_thresholds())
    assert f.signed > 150 and 0 < f.stalled <= 0.3 * f.signed, (f.stalled, f.signed)
