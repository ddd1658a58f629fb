"""The demo's leads that became projects: for some of the demo's projects signed after the
article's fair between a Beijing investor and a Tianjin landing, the lead a Tianjin officer
followed before the signing (contacted, visited, negotiating, signed) and its conversion.
The article's fair (its 44 projects) is left as it is. Runs after leads.demo."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.leads import service as leads
from haihe.projects.models import Project, ProjectHistory

OFFICER = Principal(role="regional_officer", username="tianjin", region_codes=("120000",))
CONVERTED = 6


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        found = list(
            s.execute(
                select(Project)
                .where(
                    Project.is_demo.is_(True),
                    Project.code.like("P20%"),
                    Project.origin_province == "110000",
                    Project.landing_province == "120000",
                    Project.chain.is_not(None),
                    Project.segment.is_not(None),
                    Project.signed_on.is_not(None),
                    Project.cancelled_on.is_(None),
                )
                .order_by(Project.id)
            ).scalars()
        )
        picked = rng.sample(found, min(CONVERTED, len(found)))
        for p in picked:
            investor = next(x for x in p.parties if x.role == "investor" and x.organisation_id)
            signed = p.signed_on
            started = signed - timedelta(days=rng.randint(90, 300))
            lead = leads.do_create_lead(
                s,
                OFFICER,
                leads.LeadInput(
                    organisation_id=investor.organisation_id,
                    chain=p.chain,
                    segment=p.segment,
                    region_code=p.landing_region_code,
                    park_id=p.landing_park_id,
                    source=rng.choice(("gap_list", "referral", "fair")),
                    notes="补链目标企业（演示）",
                    started_on=started,
                    is_demo=True,
                ),
                today=started,
            )
            steps = ("contacted", "visited", "negotiating", "signed")
            span = (signed - started).days
            for i, status in enumerate(steps):
                day = (
                    signed if status == "signed" else started + timedelta(days=span * (i + 1) // 5)
                )
                leads.do_change_status(s, OFFICER, lead.id, status, day, today=day)
            leads.do_record_conversion(s, OFFICER, lead.id, p.id, p.code)
            s.execute(update(Project).where(Project.id == p.id).values(lead_id=lead.id))
            s.add(
                ProjectHistory(
                    project_id=p.id,
                    action="from_lead",
                    by="demo",
                    detail=f'{{"lead_id": {lead.id}}}',
                )
            )
        s.flush()
        scenario.counts["leads_converted"] = len(picked)


def clear(conn: Connection) -> None:
    conn.execute(update(Project).values(lead_id=None))
