"""The projects' part of the source-article demo.

At the 2023 Beijing–Tianjin industrial-chain fair 44 cooperation projects were signed
with 27.1 billion yuan of intended investment; by the article (2024-02-08) 4 had started
construction, 12 were in operation and 2 paid tax. Those 44 are generated exactly so,
between Beijing investors and Tianjin hosts, plus projects of other years and fairs so
that trends and stalls show. Everything here is marked as demo data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, delete
from sqlalchemy.orm import Session

from haihe.fairs import service as fairs
from haihe.fairs.models import Fair
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
FAIR_DATE = date(2023, 6, 15)
ARTICLE_TOTAL = Decimal("27100000000")
CHAINS = (
    "biomedicine",
    "integrated_circuits",
    "xinchuang",
    "nev",
    "robots",
    "high_end_equipment",
    "new_materials",
    "hydrogen",
    "aerospace",
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
TITLES = {
    "biomedicine": ("创新药中试及产业化基地", "生物药CDMO平台", "高端医疗器械生产基地"),
    "integrated_circuits": ("集成电路封装测试项目", "功率半导体器件产线", "芯片设计研发中心"),
    "xinchuang": ("信创适配验证中心", "工控安全产品研发生产基地", "数据库研发中心"),
    "nev": ("动力电池系统生产线", "新能源汽车零部件基地", "智能网联测试中心"),
    "robots": ("工业机器人整机生产基地", "特种机器人研发中心"),
    "high_end_equipment": ("高端数控机床项目", "精密减速器生产线"),
    "new_materials": ("高分子新材料项目", "电子专用材料产线"),
    "hydrogen": ("氢燃料电池系统生产基地", "加氢站装备项目"),
    "aerospace": ("无人机研发制造基地", "航空零部件精密制造项目"),
}


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
) -> Project:
    chain = rng.choice(CHAINS)
    investor = rng.choice(scenario.by_province[pair[0]])
    host = rng.choice(scenario.by_province[pair[1]])
    in_park = pair[1] == "120000" and rng.random() < 0.4
    return service.do_create_project(
        s,
        service.ProjectInput(
            code=code,
            title=rng.choice(TITLES[chain]),
            project_type=rng.choice(TYPES),
            chain=chain,
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
        by="demo",
        today=max(signed, ARTICLE_DATE),
    )


def _progress(s: Session, rng: random.Random, p: Project, path: list[str], until: date) -> None:
    day = p.signed_on
    for kind in path:
        day = _between(rng, day + timedelta(days=20), min(until, day + timedelta(days=200)))
        if day > until:
            break
        service.do_record_milestone(s, p.id, kind, day, by="demo", today=until)
        if kind in ("in_operation", "at_capacity", "paying_tax"):
            p.invested_in_place = p.contracted_investment


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        fair = fairs.do_create_fair(
            s,
            name="2023京津产业链供需对接会",
            name_en="2023 Beijing–Tianjin Industrial Chain Fair",
            starts_on=FAIR_DATE,
            ends_on=FAIR_DATE + timedelta(days=1),
            place="天津滨海新区",
            region="120116",
            description="京津两地数百家企业围绕产业链寻求合作与商机，现场签约合作项目44个。",
            is_demo=True,
        )
        scenario.fairs["article_fair"] = fair.id
        # The article's 44: 4 under construction, 12 in operation of which 2 pay tax.
        amounts = _amounts(rng, 44, ARTICLE_TOTAL)
        plan = ["construction"] * 4 + ["operation_tax"] * 2 + ["operation"] * 10 + ["signed"] * 28
        rng.shuffle(plan)
        for i, (kind, amount) in enumerate(zip(plan, amounts, strict=True)):
            p = _project(s, rng, scenario, f"JJ2023-{i + 1:03d}", fair.id, FAIR_DATE, amount)
            if kind == "construction":
                _progress(
                    s,
                    rng,
                    p,
                    ["construction_started", "under_construction"][: rng.randint(1, 2)],
                    ARTICLE_DATE,
                )
            elif kind.startswith("operation"):
                path = rng.choice((["in_operation"], ["construction_started", "in_operation"]))
                _progress(
                    s,
                    rng,
                    p,
                    path + (["paying_tax"] if kind == "operation_tax" else []),
                    ARTICLE_DATE,
                )
        # Other years: fairs of 2022, 2024 and 2025 and direct signings, progressing by
        # chance up to today, so that monthly trends and stalled projects show.
        today = date.today()
        for year in (2022, 2024, 2025):
            f = fairs.do_create_fair(
                s,
                name=f"{year}京津冀产业链对接会",
                name_en=f"{year} Beijing–Tianjin–Hebei Industrial Chain Fair",
                starts_on=date(year, 5, 20),
                place="北京" if year % 2 else "天津",
                is_demo=True,
            )
            scenario.fairs[str(year)] = f.id
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
                    service.do_cancel(
                        s,
                        p.id,
                        _between(rng, signed, today),
                        "投资方战略调整",
                        by="demo",
                        today=today,
                    )
                    continue
                path = rng.choice(
                    (
                        ["in_operation", "paying_tax", "at_capacity"],
                        [
                            "construction_started",
                            "under_construction",
                            "in_operation",
                            "paying_tax",
                        ],
                        ["construction_started"],
                        [],
                    )
                )
                steps = path[: rng.randint(0, len(path))]
                _progress(s, rng, p, steps, today)
        s.flush()
        scenario.counts["fairs"] = 4
        scenario.counts["projects"] = s.query(Project).count()


def clear(conn: Connection) -> None:
    for table in (
        ProjectAttachment,
        ProjectHistory,
        ProjectIncrement,
        ProjectMilestone,
        ProjectParty,
        Project,
        Fair,
    ):
        conn.execute(delete(table))
