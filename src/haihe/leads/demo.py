"""The leads' part of the source-article demo: Tianjin's officers working Beijing firms
for Tianjin's gap segments (the chain pages' gap lists and their candidates), some still
open (a few with their next step overdue), some dropped with the reason. The leads that
became the demo's projects are made by projects.demo_leads. Everything here is demo data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import Connection, delete
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import queries as chains
from haihe.leads import service
from haihe.leads.models import Lead, LeadAttachment, LeadHistory, LeadStep

OFFICERS = (
    Principal(role="regional_officer", username="tianjin", region_codes=("120000",)),
    Principal(role="regional_officer", username="binhai", region_codes=("120116",)),
)
LANDINGS = {"tianjin": ("120116", "120104", "120111", "120113"), "binhai": ("120116",)}
PATHS = (
    ["contacted"],
    ["contacted", "visited"],
    ["contacted", "visited", "negotiating"],
    ["contacted", "dropped"],
    ["contacted", "visited", "dropped"],
    [],
)
DROP_REASONS = ("企业已选择在河北落地", "企业扩产计划推迟", "用地条件不满足企业需求")
NEXT_STEPS = ("电话回访", "安排实地考察", "发送园区政策包", "约见企业负责人", "报送项目初审")


def _step_day(rng: random.Random, after: date, today: date) -> date:
    return min(today, after + timedelta(days=rng.randint(7, 40)))


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    today = date.today()
    made = 0
    with Session(bind=conn) as s:
        for info in chains.all_chains(s):
            d = info.definition
            _, lists = chains.chain_lists(s, d, "120000")
            for gap in lists.gaps[:3]:
                beijing = [c for c in gap.candidates if (c.org.region_code or "").startswith("11")]
                for cand in beijing[:2]:
                    officer = rng.choice(OFFICERS)
                    started = today - timedelta(days=rng.randint(30, 200))
                    lead = service.do_create_lead(
                        s,
                        officer,
                        service.LeadInput(
                            organisation_id=cand.org.id,
                            chain=d.key,
                            segment=gap.segment.id,
                            region_code=rng.choice(LANDINGS[officer.username]),
                            source="gap_list",
                            notes="补链目标企业（演示）",
                            started_on=started,
                            is_demo=True,
                        ),
                        today=started,
                    )
                    day = started
                    path = rng.choice(PATHS)
                    for status in path:
                        day = _step_day(rng, day, today)
                        reason = rng.choice(DROP_REASONS) if status == "dropped" else None
                        service.do_change_status(
                            s, officer, lead.id, status, day, reason=reason, today=day
                        )
                    if lead.status != "dropped":
                        # the next step was set a while ago: for some its day has passed
                        set_on = _step_day(rng, day, today)
                        due = set_on + timedelta(days=rng.randint(5, 60))
                        service.do_set_next_step(
                            s, officer, lead.id, rng.choice(NEXT_STEPS), due, today=set_on
                        )
                    made += 1
        s.flush()
        scenario.counts["leads"] = made


def clear(conn: Connection) -> None:
    for table in (LeadAttachment, LeadStep, LeadHistory, Lead):
        conn.execute(delete(table))
