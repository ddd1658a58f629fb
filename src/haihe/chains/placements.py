"""Placements: running the classifier over the registry.

Placement is kept in step without a separate step: a database with no chain gets the
shipped ones on first use (`ensure_chains`), and the organisations an import or an edit
adds or changes (the registry's "organisations_updated") are placed at once, in the same
transaction (`organisations_changed`). `classify_all` re-places everyone.

Re-classification replaces only what the classifier itself placed and nobody has ruled
on. Declared placements (an organisation's own or an import column's), officers'
additions, and every decision (confirmed / removed, service.do_decide_placement) are kept
as they are and win: a removed placement stays in the table as removed, so the classifier
cannot bring it back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.orm import Session

from haihe.audit.recorder import record
from haihe.chains import members, queries
from haihe.chains.classifier import Classifier, Hit, OrgFacts
from haihe.chains.models import Placement
from haihe.core import db
from haihe.registry import queries as registry
from haihe.registry.queries import organisation_facts

BATCH = 5000


def _org_batches(conn: Connection, batch: int) -> Iterator[list[tuple[int, OrgFacts]]]:
    """Organisations in id order with what the classifier reads, `batch` at a time."""
    for rows in registry.classification_batches(conn, batch):
        yield [(r.id, OrgFacts(r.name, r.kind, r.scope, r.industry_codes, r.name_en)) for r in rows]


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
    installed: tuple[str, ...] = ()  # shipped chains installed first (the database had none)
    chains: int = 0
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
    db.lock_for_share(conn, (organisation_facts().element.name, "placements", "chain_members"))
    installed = ensure_chains(conn)
    with Session(bind=conn) as s:
        chains = [c.definition for c in queries.all_chains(s)]
    clf = Classifier(chains)
    p = Placement.__table__
    conn.execute(delete(p).where(p.c.source == "classified", p.c.decision.is_(None)))
    kept = {
        (r[0], r[1], r[2])
        for r in conn.execute(select(p.c.organisation_id, p.c.chain_key, p.c.segment_id))
    }
    total = conn.execute(select(func.count()).select_from(organisation_facts())).scalar_one()
    result = ClassifyResult(installed=tuple(installed), chains=len(chains), kept=len(kept))
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
        db.bulk_insert(conn, p, out)
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


def ensure_chains(conn: Connection) -> list[str]:
    """A database without any chain gets the shipped ones (first use: a classification or
    an import); their keys, or [] when it had chains already."""
    from haihe.accounts.scopes import command_line
    from haihe.chains import service
    from haihe.chains.models import Chain

    with Session(bind=conn) as s:
        if s.scalar(select(Chain.id).limit(1)) is not None:
            return []
        added = service.do_install_shipped(s, command_line("haihe"))
        s.flush()
    return added


_CACHED: tuple[tuple, Classifier] | None = None


def _classifier(conn: Connection) -> tuple[list, Classifier]:
    """The installed chains and a classifier over them, built once per set of versions."""
    chains, clf, _stamp = _stamped_classifier(conn)
    return chains, clf


def _stamped_classifier(conn: Connection) -> tuple[list, Classifier, tuple]:
    global _CACHED
    with Session(bind=conn) as s:
        infos = queries.all_chains(s)
    stamp = tuple((c.key, c.version) for c in infos)
    chains = [c.definition for c in infos]
    if _CACHED is None or _CACHED[0] != stamp:
        _CACHED = (stamp, Classifier(chains))
    return chains, _CACHED[1], stamp


@dataclass(frozen=True)
class PreparedHits:
    """An organisation placed before it is written (an import's read phase): the
    classifier's hits, and the chains' versions they were worked out with."""

    stamp: tuple
    hits: tuple[Hit, ...]


def preparer(engine: Engine) -> Callable[[list[tuple]], list[PreparedHits]]:
    """For an import's read phase ("organisations_prepare"): a function placing rows
    (name, kind, business scope, industry codes, English name) without writing, so that
    the write phase only stores the hits (`place` with `prepared`) instead of classifying
    while it holds the write lock. A database without chains gets the shipped ones first,
    in a transaction of their own."""
    with engine.connect() as conn:
        if not queries_have_chains(conn):
            with engine.begin() as first:
                ensure_chains(first)
        _chains, clf, stamp = _stamped_classifier(conn)
        conn.rollback()

    def classify(facts: list[tuple]) -> list[PreparedHits]:
        return [PreparedHits(stamp, tuple(clf.classify(OrgFacts(*f)))) for f in facts]

    return classify


def queries_have_chains(conn: Connection) -> bool:
    from haihe.chains.models import Chain

    return conn.execute(select(Chain.id).limit(1)).first() is not None


def place(
    conn: Connection, org_ids: list[int], prepared: dict[int, PreparedHits] | None = None
) -> ClassifyResult:
    """Place these organisations (and only these), as a full run would: their classified,
    undecided placements are replaced; declared ones and decisions stay. `prepared`: hits
    worked out before (`preparer`), used when made with the chains installed now."""
    ids = sorted(set(org_ids))
    result = ClassifyResult()
    if not ids:
        return result
    result.installed = tuple(ensure_chains(conn))
    chains, clf, stamp = _stamped_classifier(conn)
    result.chains = len(chains)
    known = {
        oid: p.hits
        for oid, p in (prepared or {}).items()
        if isinstance(p, PreparedHits) and p.stamp == stamp
    }
    p = Placement.__table__
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        conn.execute(
            delete(p).where(
                p.c.organisation_id.in_(chunk), p.c.source == "classified", p.c.decision.is_(None)
            )
        )
        kept = {
            (r[0], r[1], r[2])
            for r in conn.execute(
                select(p.c.organisation_id, p.c.chain_key, p.c.segment_id).where(
                    p.c.organisation_id.in_(chunk)
                )
            )
        }
        result.kept += len(kept)
        out = []
        ready = [(oid, known[oid]) for oid in chunk if oid in known]
        rest = [oid for oid in chunk if oid not in known]
        found = ready + [
            (f.id, clf.classify(OrgFacts(f.name, f.kind, f.scope, f.industry_codes, f.name_en)))
            for f in (registry.classification_facts(conn, rest) if rest else ())
        ]
        for oid, hits in found:
            result.organisations += 1
            result.placed_organisations += bool(hits)
            out.extend(
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
                for h in hits
                if (oid, h.chain_key, h.segment_id) not in kept
            )
        db.bulk_insert(conn, p, out)
        result.placements += len(out)
    members.rebuild(conn, chains, ids)
    return result


def organisations_changed(conn: Connection, org_ids: list[int]) -> None:
    """The registry added or changed these organisations: place them now (with the hits
    an import's read phase worked out, when it announced them: `remember_prepared`)."""
    kept = conn.info.pop(_PREPARED_KEY, {})
    place(conn, list(org_ids), {i: kept[i] for i in org_ids if i in kept})


_PREPARED_KEY = "haihe.chains.prepared_hits"


def remember_prepared(conn: Connection, prepared: dict[int, tuple]) -> None:
    """ "organisations_prepared": an import's hits for organisations it announces next."""
    mine = conn.info.setdefault(_PREPARED_KEY, {})
    for oid, got in prepared.items():
        hit = next((p for p in got if isinstance(p, PreparedHits)), None)
        if hit is not None:
            mine[oid] = hit
