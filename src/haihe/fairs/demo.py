"""The fairs' part of the source-article demo: the 2023 Beijing–Tianjin industrial-chain
fair the article reports (where 44 cooperation projects were signed) and the fairs of
other years, so that the projects' trends have sources. Marked as demo data."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import Connection, delete
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.fairs import service
from haihe.fairs.models import Fair

ARTICLE_FAIR_DATE = date(2023, 6, 15)
DEMO = Principal(role="admin", username="demo")  # who builds the demo


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        fair = service.do_create_fair(
            s,
            DEMO,
            name="2023京津产业链供需对接会",
            name_en="2023 Beijing–Tianjin Industrial Chain Fair",
            starts_on=ARTICLE_FAIR_DATE,
            ends_on=ARTICLE_FAIR_DATE + timedelta(days=1),
            place="天津滨海新区",
            region="120116",
            description="京津两地数百家企业围绕产业链寻求合作与商机，现场签约合作项目44个。",
            is_demo=True,
        )
        scenario.fairs["article_fair"] = fair.id
        for year in (2022, 2024, 2025):
            other = service.do_create_fair(
                s,
                DEMO,
                name=f"{year}京津冀产业链对接会",
                name_en=f"{year} Beijing–Tianjin–Hebei Industrial Chain Fair",
                starts_on=date(year, 5, 20),
                place="北京" if year % 2 else "天津",
                is_demo=True,
            )
            scenario.fairs[str(year)] = other.id
        s.flush()
    scenario.counts["fairs"] = len(scenario.fairs)


def clear(conn: Connection) -> None:
    conn.execute(delete(Fair))
