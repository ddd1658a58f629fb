"""Placements: running the classifier over the registry, and people's word on the result.

Re-classification replaces only what the classifier itself placed and nobody has ruled
on. Declared placements (an organisation's own or an import column's), officers'
additions, and every decision (confirmed / removed) are kept as they are and win: a
removed placement stays in the table as removed, so the classifier cannot bring it back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, or_, select, text
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import NotAllowed, Principal
from haihe.audit.recorder import record
from haihe.chains import members
from haihe.chains import service as chain_service
from haihe.chains.classifier import Classifier, OrgFacts
from haihe.chains.models import ROLES, Placement
from haihe.core.db import bulk_insert
from haihe.core.errors import InvalidInput, NotFound
from haihe.registry.models import Organisation

EFFECTIVE = or_(Placement.decision.is_(None), Placement.decision == "confirmed")
BATCH = 5000


def effective():  # noqa: ANN201 - a SQL condition
    """Placements that count: not removed by an officer."""
    return EFFECTIVE


def _org_batches(conn: Connection, batch: int) -> Iterator[list[tuple[int, OrgFacts]]]:
    """Organisations in id order with their industry codes, `batch` at a time.

    Read through the driver's cursor: at a million rows SQLAlchemy's per-row result
    processing costs more than the database does."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    orgs_sql = (
        "SELECT id, name, name_en, kind, description FROM organisations "
        f"WHERE id > {mark} ORDER BY id LIMIT {mark}"
    )
    codes_sql = (
        "SELECT organisation_id, industry_code FROM organisation_industries "
        f"WHERE organisation_id > {mark} AND organisation_id <= {mark}"
    )
    last = 0
    cur = conn.connection.driver_connection.cursor()
    try:
        while True:
            cur.execute(orgs_sql, (last, batch))
            rows = cur.fetchall()
            if not rows:
                return
            hi = rows[-1][0]
            codes: dict[int, list[str]] = {}
            cur.execute(codes_sql, (last, hi))
            for oid, code in cur.fetchall():
                codes.setdefault(oid, []).append(code)
            yield [
                (r[0], OrgFacts(r[1], r[3], r[4], tuple(codes.get(r[0], ())), r[2])) for r in rows
            ]
            last = hi
    finally:
        cur.close()


_CLF: Classifier | None = None
PARALLEL_FROM = 50_000  # organisations; below this one process is quicker than starting workers


def _init_worker(chain_data: list[dict]) -> None:
    global _CLF
    from haihe.chains.definitions import from_data

    _CLF = Classifier([from_data(d) for d in chain_data])


def _classify_batch(rows: list[tuple[int, OrgFacts]]) -> list[tuple[int, list]]:
    assert _CLF is not None
    return [(oid, _CLF.classify(facts)) for oid, facts in rows]


def _hits(conn: Connection, clf: Classifier, chains: list, batch: int, total: int):  # noqa: ANN202
    """(organisation id, hits) per batch in id order: in worker processes for a big
    registry (reading and writing stay in this process and its transaction)."""
    workers = min(os.cpu_count() or 1, 4)
    if workers <= 1 or total < PARALLEL_FROM:
        for rows in _org_batches(conn, batch):
            yield [(oid, clf.classify(facts)) for oid, facts in rows]
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=([c.to_data() for c in chains],),
    ) as pool:
        pending: deque = deque()
        for rows in _org_batches(conn, batch):
            pending.append(pool.submit(_classify_batch, rows))
            if len(pending) > workers * 2:  # bounded: memory stays flat
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@dataclass
class ClassifyResult:
    organisations: int = 0
    placed_organisations: int = 0
    placements: int = 0
    kept: int = 0
    seconds_placing: float = 0.0  # reading, classifying and writing the placements
    seconds_members: float = 0.0  # rebuilding chain_members from them


def classify_all(
    conn: Connection,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> ClassifyResult:
    """Re-place every organisation inside the caller's transaction (all or nothing).

    The run classifies one state of the registry: on PostgreSQL it first takes SHARE locks
    on organisations, placements and chain_members, so edits and officers' decisions made
    meanwhile wait for it to commit and then apply to its result (readers never wait).
    Without them, an edit committed mid-run would be missing from the chain_members the
    run swaps in. SQLite has one writer at a time anyway."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE organisations, placements, chain_members IN SHARE MODE"))
    with Session(bind=conn) as s:
        chains = [c.definition for c in chain_service.all_chains(s)]
    clf = Classifier(chains)
    p = Placement.__table__
    conn.execute(delete(p).where(p.c.source == "classified", p.c.decision.is_(None)))
    kept = {
        (r[0], r[1], r[2])
        for r in conn.execute(select(p.c.organisation_id, p.c.chain_key, p.c.segment_id))
    }
    total = conn.execute(select(func.count()).select_from(Organisation.__table__)).scalar_one()
    result = ClassifyResult(kept=len(kept))
    done = 0
    started = time.perf_counter()
    for classified in _hits(conn, clf, chains, batch, total):
        out = []
        for oid, hits in classified:
            if hits:
                result.placed_organisations += 1
            for h in hits:
                if (oid, h.chain_key, h.segment_id) in kept:
                    continue
                out.append(
                    {
                        "organisation_id": oid,
                        "chain_key": h.chain_key,
                        "segment_id": h.segment_id,
                        "role": h.role,
                        "source": "classified",
                        "confidence": h.confidence,
                        "reason_zh": h.reason_zh,
                        "reason_en": h.reason_en,
                    }
                )
        bulk_insert(conn, p, out)
        result.placements += len(out)
        done += len(classified)
        if progress:
            progress(done, total)
    result.organisations = done
    result.seconds_placing = time.perf_counter() - started
    members.rebuild_all(conn, chains)
    result.seconds_members = time.perf_counter() - started - result.seconds_placing
    with Session(bind=conn) as s:
        record(
            s,
            "classify",
            "placements",
            None,
            {
                "organisations": result.organisations,
                "placements": result.placements,
                "kept": result.kept,
            },
        )
        s.commit()
    return result


def classify_one(session: Session, org: Organisation) -> int:
    """Re-place one organisation (after an edit); decisions and declared ones stay."""
    clf = Classifier([c.definition for c in chain_service.all_chains(session)])
    session.execute(
        delete(Placement).where(
            Placement.organisation_id == org.id,
            Placement.source == "classified",
            Placement.decision.is_(None),
        )
    )
    kept = {
        (r[0], r[1])
        for r in session.execute(
            select(Placement.chain_key, Placement.segment_id).where(
                Placement.organisation_id == org.id
            )
        )
    }
    facts = OrgFacts(org.name, org.kind, org.description, tuple(org.industry_codes), org.name_en)
    n = 0
    for h in clf.classify(facts):
        if (h.chain_key, h.segment_id) in kept:
            continue
        session.add(
            Placement(
                organisation_id=org.id,
                chain_key=h.chain_key,
                segment_id=h.segment_id,
                role=h.role,
                source="classified",
                confidence=h.confidence,
                reason_zh=h.reason_zh,
                reason_en=h.reason_en,
            )
        )
        n += 1
    members.rebuild_for(session, [org.id])
    return n


@dataclass(frozen=True)
class PlacementView:
    chain_key: str
    chain_name: str
    segment_id: str
    segment_name: str
    role: str
    source: str
    confidence: float
    reason: str
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None


def placements_of(session: Session, org_id: int, lang: str = "zh") -> list[PlacementView]:
    chains = {c.key: c.definition for c in chain_service.all_chains(session)}
    rows = session.scalars(
        select(Placement)
        .where(Placement.organisation_id == org_id)
        .order_by(Placement.chain_key, Placement.confidence.desc())
    ).all()
    out = []
    for r in rows:
        chain = chains.get(r.chain_key)
        seg = chain.segment(r.segment_id) if chain else None
        if seg is None:  # the segment left its chain in a later version
            continue
        out.append(
            PlacementView(
                r.chain_key,
                chain.name(lang),
                r.segment_id,
                seg.name(lang),
                r.role,
                r.source,
                r.confidence,
                (r.reason_en if lang == "en" else r.reason_zh) or "",
                r.decision,
                r.decided_by,
                r.decided_at,
            )
        )
    return out


DECISIONS = ("confirm", "remove", "add", "undo")


def decide(
    session: Session,
    principal: Principal,
    org_id: int,
    chain_key: str,
    segment_id: str,
    decision: str,
    role: str | None = None,
) -> Placement | None:
    """An officer's (or the organisation's own) word on a placement.

    confirm: it stands, whatever the classifier later says; remove: it goes and stays
    gone; add: a placement the classifier did not make; undo: back to the classifier.
    """
    if decision not in DECISIONS:
        raise InvalidInput("decision", f"must be one of {', '.join(DECISIONS)}")
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("organisation", org_id)
    if not scopes.can_place_organisation(principal, org.region_code, org.park_id, org.id):
        raise NotAllowed("organisation", org_id)
    chain = chain_service.get_chain(session, chain_key).definition
    if chain.segment(segment_id) is None:
        raise InvalidInput("segment_id", f"chain {chain_key} has no segment {segment_id!r}")
    if role is not None and role not in ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
    row = session.get(Placement, (org_id, chain_key, segment_id))
    now = datetime.now(UTC)
    who = principal.username
    own = principal.role == "enterprise"
    if decision == "undo":
        if row is None:
            return None
        if row.source == "classified":
            row.decision, row.decided_by, row.decided_at = None, who, now
        else:
            session.delete(row)
            members.rebuild_for(session, [org_id])
            return None
        members.rebuild_for(session, [org_id])
        return row
    if row is None:
        if decision != "add":
            raise NotFound("placement", f"{org_id}/{chain_key}/{segment_id}")
        row = Placement(
            organisation_id=org_id,
            chain_key=chain_key,
            segment_id=segment_id,
            role=role
            or ("research" if org.kind in ("research_institute", "university") else "make"),
            source="declared" if own else "officer",
            confidence=1.0,
            reason_zh=("企业自报" if own else "由 {who} 添加").format(who=who),
            reason_en=("declared by the organisation" if own else "added by {who}").format(who=who),
        )
        session.add(row)
    if role is not None:
        row.role = role
    row.decision = "removed" if decision == "remove" else "confirmed"
    row.decided_by, row.decided_at = who, now
    members.rebuild_for(session, [org_id])
    return row
