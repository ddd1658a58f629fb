"""The projects' part of the source-article demo.

At the 2023 Beijing–Tianjin industrial-chain fair 44 cooperation projects were signed
with 27.1 billion yuan of intended investment; by the article (2024-02-08) 4 had started
construction, 12 were in operation and 2 paid tax. Those 44 are generated exactly so,
between Beijing investors and Tianjin hosts, plus projects of other years and fairs so
that trends and stalls show, each on a segment of a chain the chains' demo installed.
The fairs come from the fairs' demo (scenario.fairs). Everything here is demo data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, delete
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.fairs import queries as fairs
from haihe.projects import service
from haihe.projects.models import (
    Project,
    ProjectAttachment,
    ProjectHistory,
    ProjectIncrement,
    ProjectMilestone,
    ProjectParty,
)

ARTICLE_DATE = date(2024, 2, 8)
ARTICLE_TOTAL = Decimal("27100000000")
DEMO = Principal(role="admin", username="demo")  # who records the demo's projects
# What the demo's projects are: kinds of project, each a few (title, chain, segment).
KINDS = (
    (
        ("创新药中试及产业化基地", "biomedicine", "chemical_drugs"),
        ("生物药CDMO平台", "biomedicine", "biologics"),
        ("高端医疗器械生产基地", "biomedicine", "med_devices"),
    ),
    (
        ("集成电路封装测试项目", "integrated_circuits", "packaging"),
        ("功率半导体器件产线", "integrated_circuits", "discrete"),
        ("芯片设计研发中心", "integrated_circuits", "design"),
    ),
    (
        ("信创适配验证中心", "xinchuang", "integration"),
        ("工控安全产品研发生产基地", "xinchuang", "security_sw"),
        ("数据库研发中心", "xinchuang", "database"),
    ),
    (
        ("动力电池系统生产线", "nev", "battery"),
        ("新能源汽车零部件基地", "nev", "parts"),
        ("智能网联测试中心", "nev", "v2x"),
    ),
    (
        ("工业机器人整机生产基地", "robots", "industrial_robots"),
        ("特种机器人研发中心", "robots", "special_robots"),
    ),
    (  # high-end equipment: machine tools and the reducers robots are built on
        ("高端数控机床项目", "machine_tools", "cutting_machines"),
        ("精密减速器生产线", "robots", "reducers"),
    ),
    (
        ("高分子新材料项目", "new_materials", "polymers"),
        ("电子专用材料产线", "new_materials", "electronic_materials"),
    ),
    (
        ("氢燃料电池系统生产基地", "hydrogen", "fc_system"),
        ("加氢站装备项目", "hydrogen", "refuelling"),
    ),
    (
        ("无人机研发制造基地", "aerospace", "drones"),
        ("航空零部件精密制造项目", "aerospace", "parts"),
    ),
)
TYPES = (
    "manufacturing_base",
    "rd_centre",
    "technology_licence",
    "joint_venture",
    "relocation",
    "service",
)
OFFICERS = (
    "王磊（天津市工业和信息化局）",
    "李娜（滨海新区投资促进局）",
    "张伟（西青区商务局）",
    "刘洋（天津滨海—中关村科技园）",
    "陈静（北京市经济和信息化局）",
)


def _amounts(rng: random.Random, n: int, total: Decimal) -> list[Decimal]:
    """n amounts in whole 万元 that add up to `total` exactly."""
    raw = [rng.lognormvariate(0, 0.9) for _ in range(n)]
    scale = total / Decimal(str(sum(raw)))
    out = [(Decimal(str(r)) * scale / 10000).quantize(Decimal(1)) * 10000 for r in raw]
    out[-1] += total - sum(out)
    return out


def _between(rng: random.Random, a: date, b: date) -> date:
    return a + timedelta(days=rng.randrange(0, max(1, (b - a).days)))


LANDINGS = {
    "120000": ("120116", "120104", "120111", "120113", "120114", "120115", "120118"),
    "130000": ("130600", "131000", "130200", "130100", "130900"),
    "110000": ("110108", "110115", "110105"),
}
PAIRS = (
    ("110000", "120000", 6),
    ("110000", "130000", 3),
    ("120000", "130000", 1),
    ("120000", "110000", 1),
)


def _project(
    s: Session,
    rng: random.Random,
    scenario,
    code: str,
    fair_id: int | None,  # noqa: ANN001
    signed: date,
    amount: Decimal,
    pair: tuple[str, str] = ("110000", "120000"),
    agreement=None,  # noqa: ANN001 - a fairs.demo.Agreement: the meeting it was signed at
) -> Project:
    kind = rng.choice(KINDS)
    if agreement is not None:  # its parties and the chain they met on
        investor, host = agreement.beijing_organisation_id, agreement.tianjin_organisation_id
        kind = [x for k in KINDS for x in k if x[1] == agreement.chain] or [
            (f"{agreement.segment_name}合作项目", agreement.chain, agreement.segment)
        ]
    else:
        investor = rng.choice(scenario.by_province[pair[0]])
        host = rng.choice(scenario.by_province[pair[1]])
    in_park = pair[1] == "120000" and rng.random() < 0.4
    title, chain, segment = rng.choice(kind)
    return service.do_create_project(
        s,
        DEMO,
        service.ProjectInput(
            code=code,
            title=title,
            project_type=rng.choice(TYPES),
            chain=chain,
            segment=segment,
            intended_investment=amount,
            contracted_investment=(amount * Decimal(rng.choice(("0.6", "0.8", "1")))).quantize(
                Decimal(10000)
            ),
            parties=[
                service.PartyInput(organisation_id=investor, role="investor"),
                service.PartyInput(organisation_id=host, role="host"),
            ],
            landing_region_code="120116" if in_park else rng.choice(LANDINGS[pair[1]]),
            landing_park_id=scenario.parks.get("binhai_zhongguancun") if in_park else None,
            fair_id=fair_id,
            officer=rng.choice(OFFICERS),
            signed_on=signed,
            is_demo=True,
        ),
        today=max(signed, ARTICLE_DATE),
    )


def _progress(s: Session, rng: random.Random, p: Project, path: list[str], until: date) -> None:
    """The article's projects up to the article: each step 20 to 200 days after the last."""
    day = p.signed_on
    for i, kind in enumerate(path):
        # Each step within its share of the time left, so that the whole path is reached
        # by the article (its figures are the article's, whatever the draws).
        share = (until - day).days // (len(path) - i)
        day = _between(
            rng, day + timedelta(days=min(20, share)), day + timedelta(days=min(200, share))
        )
        _record(s, p, kind, day, until)


def _record(s: Session, p: Project, kind: str, day: date, today: date) -> None:
    service.do_record_milestone(s, DEMO, p.id, kind, day, today=today)
    if kind == "construction_started" and p.contracted_investment:
        p.invested_in_place = (p.contracted_investment * Decimal("0.3")).quantize(Decimal(10000))
    if kind in ("in_operation", "at_capacity", "paying_tax"):
        p.invested_in_place = p.contracted_investment


# How long a moving project takes to its next milestone (days, lowest and highest): each
# below the stall limit of its stage (lifecycle.DEFAULT_STALL_DAYS), so that only the
# projects that stop moving stall, as in a real portfolio.
GAPS = {
    "construction_started": (30, 150),
    "under_construction": (30, 200),
    "in_operation": (150, 500),
    "paying_tax": (30, 300),
    "at_capacity": (60, 400),
}
BUILD = ["construction_started", "under_construction", "in_operation", "paying_tax", "at_capacity"]
MOVE_IN = ["in_operation", "paying_tax", "at_capacity"]  # licences, relocations, services
STOP_SHARE = 0.12  # projects that stop moving at some stage (and stall there in time)


def _move(
    s: Session, rng: random.Random, p: Project, path: list[str], start: date, today: date
) -> None:
    """Milestones along `path` from `start`, each within its GAPS, up to today."""
    day = start
    for kind in path:
        lo, hi = GAPS[kind]
        day = day + timedelta(days=rng.randint(lo, hi))
        if day > today:
            break
        _record(s, p, kind, day, today)


def _after_article(s: Session, rng: random.Random, p: Project, today: date) -> None:
    """An article project after the article, keeping the article's figures (stage
    counts): one under construction goes on building, one in operation without tax
    reaches its design capacity (tax holidays are common); signed ones stay signed."""
    if today <= ARTICLE_DATE + timedelta(days=60):
        return
    if p.stage == "construction_started":
        kind = "under_construction"
    elif p.stage == "in_operation" and p.paying_tax_on is None and rng.random() < 0.8:
        kind = "at_capacity"
    else:
        return
    day = _between(rng, max(p.stage_on, ARTICLE_DATE, today - timedelta(days=400)), today)
    _record(s, p, kind, day, today)


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        fair = fairs.get_fair(s, scenario.fairs["article_fair"])
        # The article's 44: 4 under construction, 12 in operation of which 2 pay tax; each
        # the agreement signed at a meeting of the fair (its source), with its amount.
        agreements = list(scenario.fair_agreements)
        assert len(agreements) == 44 and sum(a.amount for a in agreements) == ARTICLE_TOTAL
        plan = ["construction"] * 4 + ["operation_tax"] * 2 + ["operation"] * 10 + ["signed"] * 28
        rng.shuffle(plan)
        for i, (kind, agreement) in enumerate(zip(plan, agreements, strict=True)):
            p = _project(
                s,
                rng,
                scenario,
                f"JJ2023-{i + 1:03d}",
                fair.id,
                fair.starts_on,
                agreement.amount,
                agreement=agreement,
            )
            p.meeting_id = agreement.meeting_id  # its source, as a project from a meeting
            if kind == "construction":
                _progress(s, rng, p, ["construction_started"], ARTICLE_DATE)
            elif kind.startswith("operation"):
                path = rng.choice((["in_operation"], ["construction_started", "in_operation"]))
                _progress(
                    s,
                    rng,
                    p,
                    path + (["paying_tax"] if kind == "operation_tax" else []),
                    ARTICLE_DATE,
                )
            _after_article(s, rng, p, date.today())
        # Other years: fairs of 2022, 2024 and 2025 and direct signings, progressing by
        # chance up to today, so that monthly trends and stalled projects show.
        today = date.today()
        n = 0
        for year, fair_key, count in (
            (2022, "2022", 25),
            (2024, "2024", 30),
            (2025, "2025", 35),
            (2022, None, 10),
            (2024, None, 15),
            (2025, None, 15),
            (2026, None, 12),
        ):
            fair_id = scenario.fairs.get(fair_key) if fair_key else None
            for _ in range(count):
                n += 1
                signed = (
                    date(year, 5, 20)
                    if fair_id
                    else _between(rng, date(year, 1, 5), min(today, date(year, 12, 20)))
                )
                if signed > today:
                    continue
                amount = Decimal(rng.randint(500, 200000)) * 10000
                pair = rng.choices([p[:2] for p in PAIRS], weights=[p[2] for p in PAIRS])[0]
                p = _project(s, rng, scenario, f"P{year}-{n:04d}", fair_id, signed, amount, pair)
                p.notes = None
                roll = rng.random()
                if roll < 0.08:
                    service.do_cancel_project(
                        s, DEMO, p.id, _between(rng, signed, today), "投资方战略调整", today=today
                    )
                    continue
                path = BUILD if rng.random() < 0.7 else MOVE_IN
                if rng.random() < STOP_SHARE:  # stops moving somewhere on its way
                    path = path[: rng.randrange(0, len(path))]
                _move(s, rng, p, path, signed, today)
        s.flush()
        scenario.counts["projects"] = s.query(Project).count()


def clear(conn: Connection) -> None:
    for table in (
        ProjectAttachment,
        ProjectHistory,
        ProjectIncrement,
        ProjectMilestone,
        ProjectParty,
        Project,
    ):
        conn.execute(delete(table))
