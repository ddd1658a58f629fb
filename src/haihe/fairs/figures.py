"""A fair's figures: participants by region, requests and how they were answered,
meetings scheduled and held, no-shows, agreements and their intended investment, and
the same per industrial chain (a meeting counts for each chain either side is placed
in). Read only, over the fairs' read side and the chains' placements."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from haihe.chains import queries as chains_queries
from haihe.codes import regions
from haihe.fairs import queries
from haihe.fairs.surveys import SixMonthsOn, six_months_on


class RegionCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    region_code: str | None  # the province (two digits and zeros), None when not known
    region_name: str
    participants: int


class ChainFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    chain: str
    chain_name: str
    participants: int
    meetings_scheduled: int
    meetings_held: int
    agreements: int
    intended_investment: Decimal


class FairFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    fair_id: int
    participants: int
    checked_in: int
    participants_by_region: list[RegionCount]
    requests: int
    requests_by_status: dict[str, int]
    acceptance_rate: float | None  # accepted / answered (accepted or declined)
    meetings_scheduled: int
    meetings_held: int
    meetings_not_held: int
    meetings_unmarked: int
    no_show_rate: float | None  # not held / marked
    outcomes: dict[str, int]
    agreements: int
    intended_investment: Decimal  # yuan, over the agreements signed
    per_chain: list[ChainFigures]
    # The outcome survey months after the fair (None until the organiser opens it).
    six_months: SixMonthsOn | None = None


def _province(code: str | None) -> str | None:
    return f"{code[:2]}0000" if code and len(code) >= 2 else None


def fair_figures(session: Session, fair_id: int, lang: str = "zh") -> FairFigures:
    people = queries.list_participants(session, fair_id)
    requests = queries.list_requests(session, fair_id)
    meetings = queries.list_meetings(session, fair_id)

    by_region = Counter(_province(p.region_code) for p in people)
    region_rows = [
        RegionCount(
            region_code=code,
            region_name=regions.name(code, lang) if code else "",
            participants=n,
        )
        for code, n in sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    ]
    statuses = Counter(r.status for r in requests)
    answered = statuses["accepted"] + statuses["declined"]
    held = [m for m in meetings if m.status == "held"]
    not_held = [m for m in meetings if m.status == "not_held"]
    marked = len(held) + len(not_held)
    outcomes = Counter(m.outcome for m in meetings if m.outcome)
    agreements = [m for m in meetings if m.outcome == "agreement"]

    # Chains: each participant's placements in effect (officers' removals left out).
    chain_names = {c.key: c.definition.name(lang) for c in chains_queries.all_chains(session)}
    placed = chains_queries.chain_keys_of(session, sorted({p.organisation_id for p in people}))
    chain_of: dict[int, set[str]] = {
        p.id: {k for k in placed.get(p.organisation_id, ()) if k in chain_names} for p in people
    }
    per: dict[str, dict[str, object]] = defaultdict(
        lambda: {"participants": 0, "s": 0, "h": 0, "a": 0, "i": Decimal(0)}
    )
    for p in people:
        for key in chain_of[p.id]:
            per[key]["participants"] += 1
    for m in meetings:
        for key in chain_of.get(m.requester_id, set()) | chain_of.get(m.requested_id, set()):
            row = per[key]
            row["s"] += 1
            row["h"] += m.status == "held"
            if m.outcome == "agreement":
                row["a"] += 1
                row["i"] += m.intended_investment or Decimal(0)
    per_chain = [
        ChainFigures(
            chain=key,
            chain_name=chain_names.get(key, key),
            participants=row["participants"],
            meetings_scheduled=row["s"],
            meetings_held=row["h"],
            agreements=row["a"],
            intended_investment=row["i"],
        )
        for key, row in sorted(per.items())
    ]
    return FairFigures(
        fair_id=fair_id,
        participants=len(people),
        checked_in=sum(p.checked_in_at is not None for p in people),
        participants_by_region=region_rows,
        requests=len(requests),
        requests_by_status=dict(sorted(statuses.items())),
        acceptance_rate=statuses["accepted"] / answered if answered else None,
        meetings_scheduled=len(meetings),
        meetings_held=len(held),
        meetings_not_held=len(not_held),
        meetings_unmarked=len(meetings) - marked,
        no_show_rate=len(not_held) / marked if marked else None,
        outcomes=dict(sorted(outcomes.items())),
        agreements=len(agreements),
        intended_investment=sum(
            (m.intended_investment or Decimal(0) for m in agreements), Decimal(0)
        ),
        per_chain=per_chain,
        six_months=six_months_on(session, fair_id),
    )
