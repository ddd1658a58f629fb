"""The leads' figures, one set of rules for the page, the API, the XLSX and the panels.

- a lead counts where it would land (its landing region), on its chain and segment, for
  its officer; only the leads the reader may read are counted;
- open: new, contacted, visited or negotiating; overdue: open with its next step's date
  past; converted: signed and turned into a cooperation project;
- days to signing: from the day the lead began to the day it was signed (signed leads);
- gaps being worked on: of a chain's gap segments in a region (the chain page's gap list:
  missing or weak segments and the officers' additions), those with at least one open lead
  landing in that region on the segment or one of its sub-segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.chains import queries as chains
from haihe.leads import flow
from haihe.leads.models import Lead
from haihe.leads.queries import LeadFilter, conditions

DEFAULT_GAP_REGION = "120000"


@dataclass
class Row:
    key: str  # a chain key, "chain/segment", a region code or an officer
    total: int = 0
    open: int = 0
    overdue: int = 0
    signed: int = 0
    dropped: int = 0
    converted: int = 0

    def add(self, status: str, overdue: bool, converted: bool) -> None:
        self.total += 1
        self.open += status in flow.OPEN
        self.overdue += overdue
        self.signed += status == flow.SIGNED
        self.dropped += status == flow.DROPPED
        self.converted += converted


@dataclass
class GapCoverage:
    chain: str
    region: str
    gaps: list[str]  # segment ids
    worked: list[str]

    @property
    def share(self) -> float:
        return len(self.worked) / len(self.gaps) if self.gaps else 0.0


@dataclass
class LeadFigures:
    total: Row
    by_chain: list[Row]
    by_segment: list[Row]
    by_region: list[Row]
    by_officer: list[Row]
    days_to_signing_median: float | None
    days_to_signing_mean: float | None
    gap_region: str
    coverage: list[GapCoverage] = field(default_factory=list)

    @property
    def conversion_share(self) -> float:
        """Of the signed leads, the share that became projects."""
        return self.total.converted / self.total.signed if self.total.signed else 0.0


def _rows(groups: dict[str, Row]) -> list[Row]:
    return sorted(groups.values(), key=lambda r: (-r.total, r.key))


def coverage(
    session: Session,
    chain_key: str,
    region: str,
    open_segments: set[str],
) -> GapCoverage:
    """Which of the chain's gap segments in `region` have an open lead (`open_segments`:
    the segments of the open leads the reader may read, landing in `region`)."""
    d = chains.get_chain(session, chain_key).definition
    _, lists = chains.chain_lists(session, d, region)
    gaps = [g.segment.id for g in lists.gaps]
    worked = [s for s in gaps if any(o == s or s in d.ancestors(o) for o in open_segments)]
    return GapCoverage(chain_key, region, gaps, worked)


def compute(
    session: Session,
    principal: scopes.Principal,
    f: LeadFilter,
    *,
    gap_region: str | None = None,
    with_coverage: bool = True,
    today: date | None = None,
) -> LeadFigures:
    today = today or date.today()
    rows = session.execute(
        select(
            Lead.chain,
            Lead.segment,
            Lead.region_code,
            Lead.officer,
            Lead.status,
            Lead.next_step_on,
            Lead.project_id,
            Lead.started_on,
            Lead.signed_on,
        ).where(*conditions(principal, f, today))
    ).all()
    total = Row("all")
    by: dict[str, dict[str, Row]] = {"chain": {}, "segment": {}, "region": {}, "officer": {}}
    days: list[int] = []
    for r in rows:
        overdue = flow.is_overdue(r.status, r.next_step_on, today)
        converted = r.project_id is not None
        total.add(r.status, overdue, converted)
        for kind, key in (
            ("chain", r.chain),
            ("segment", f"{r.chain}/{r.segment}"),
            ("region", r.region_code),
            ("officer", r.officer or "—"),
        ):
            by[kind].setdefault(key, Row(key)).add(r.status, overdue, converted)
        if r.status == flow.SIGNED and r.signed_on and r.started_on:
            days.append((r.signed_on - r.started_on).days)
    region = gap_region or f.region or DEFAULT_GAP_REGION
    cover: list[GapCoverage] = []
    if with_coverage:
        cover = chain_coverage(session, principal, region, f.chain, today=today)
    return LeadFigures(
        total=total,
        by_chain=_rows(by["chain"]),
        by_segment=_rows(by["segment"]),
        by_region=_rows(by["region"]),
        by_officer=_rows(by["officer"]),
        days_to_signing_median=float(median(days)) if days else None,
        days_to_signing_mean=round(sum(days) / len(days), 1) if days else None,
        gap_region=region,
        coverage=cover,
    )


def chain_coverage(
    session: Session,
    principal: scopes.Principal,
    region: str,
    chain_key: str | None = None,
    *,
    today: date | None = None,
) -> list[GapCoverage]:
    """Gaps being worked on, for each chain (or one) in `region`, counting the open leads
    the reader may read."""
    f = LeadFilter(chain=chain_key, region=region, status="open")
    open_rows = session.execute(
        select(Lead.chain, Lead.segment).where(*conditions(principal, f, today)).distinct()
    ).all()
    by_chain: dict[str, set[str]] = {}
    for c, s in open_rows:
        by_chain.setdefault(c, set()).add(s)
    keys = [chain_key] if chain_key else [c.key for c in chains.chain_choices(session)]
    return [coverage(session, k, region, by_chain.get(k, set())) for k in keys]
