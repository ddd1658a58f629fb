"""`haihe match all`: the best partners of every open listing (and of every organisation
that has one), stored as MatchResult rows with their parts and reasons, for fair
invitations, meeting suggestions and an XLSX export.

One pass over the in-memory index (matching/index.py), existing partners read once, the
listings' words read in batches; the previous results are replaced in one transaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from haihe.core import partners
from haihe.core.i18n import t
from haihe.matching import index as index_
from haihe.matching import text
from haihe.matching.models import Listing, MatchResult
from haihe.matching.ranking import DEFAULT_WEIGHTS, MatchFilters, Recommendation, Weights

BATCH = 2_000


@dataclass(frozen=True)
class BulkResult:
    subjects: int
    rows: int
    seconds: float


def subjects_of(session: Session, idx: index_.MatchIndex) -> list[tuple[str, int]]:
    """Every open listing in the index, then every organisation that has one."""
    listings = sorted(ref for (kind, ref) in idx.where if kind == index_.LISTING)
    owners: set[int] = set()
    for i in range(0, len(listings), 20_000):
        owners |= set(
            session.scalars(
                select(Listing.organisation_id).where(Listing.id.in_(listings[i : i + 20_000]))
            )
        )
    orgs = sorted(o for o in owners if (index_.ORG, o) in idx.where)
    return [("listing", i) for i in listings] + [("organisation", o) for o in orgs]


def _words(session: Session, batch: list[tuple[str, int]]) -> dict[tuple[str, int], list[str]]:
    """The words each subject of the batch is matched by."""
    from haihe.registry import queries as registry

    out: dict[tuple[str, int], list[str]] = {}
    listing_ids = [i for kind, i in batch if kind == "listing"]
    org_ids = [i for kind, i in batch if kind == "organisation"]
    if listing_ids:
        for row in session.scalars(select(Listing).where(Listing.id.in_(listing_ids))):
            out[("listing", row.id)] = index_.listing_words(row)
    if org_ids:
        for rows in registry.matching_batches(session.connection(), org_ids):
            for r in rows:
                out[("organisation", r[0])] = text.stored_words(r[-1])
        for row in session.scalars(
            select(Listing).where(Listing.organisation_id.in_(org_ids), Listing.status == "open")
        ):
            words = out.setdefault(("organisation", row.organisation_id), [])
            if len(words) < text.MAX_CHARS:
                words += index_.listing_words(row)
    session.expunge_all()
    return out


def recommend_all(
    session: Session,
    k: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    subjects: list[tuple[str, int]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    store: bool = True,
) -> BulkResult:
    """The top `k` of every subject (default: every open listing and organisation with
    one), stored in match_results in place of what was there (when `store`)."""
    started = time.perf_counter()
    idx = index_.get_index(session)
    existing = partners.all_partners(session)
    todo = subjects if subjects is not None else subjects_of(session, idx)
    if store:
        session.execute(delete(MatchResult))
    now = datetime.now(UTC)
    rows_written = 0
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        words = _words(session, batch)
        rows = []
        with idx.lock:
            for kind, ref in batch:
                doc = idx.where.get((index_.DOC_KINDS[kind], ref))
                if doc is None:
                    continue
                side = idx.side(doc)
                subject = index_.Subject(side, words.get((kind, ref), []), doc)
                recs = index_.rank(
                    session,
                    idx,
                    subject,
                    MatchFilters(),
                    k,
                    weights,
                    existing=existing.get(side.organisation_id, set()),
                )
                rows += [_row(kind, ref, n, r, now) for n, r in enumerate(recs, start=1)]
        if store and rows:
            session.execute(insert(MatchResult), rows)
        rows_written += len(rows)
        if progress is not None:
            progress(min(start + BATCH, len(todo)), len(todo))
    return BulkResult(len(todo), rows_written, time.perf_counter() - started)


def _row(kind: str, ref: int, rank: int, r: Recommendation, now: datetime) -> dict:
    return {
        "subject_kind": kind,
        "subject_id": ref,
        "rank": rank,
        "partner_kind": r.partner_kind,
        "partner_id": r.partner_id,
        "partner_organisation_id": r.organisation_id,
        "score": r.score,
        "parts": json.dumps(r.parts),
        "reasons": json.dumps(
            [{"key": x.key, "params": x.params} for x in r.reasons], ensure_ascii=False
        ),
        "computed_at": now,
    }


def stored_reasons(row: MatchResult) -> list:
    """A stored result's reasons as ranking.Reason again."""
    from haihe.matching.ranking import Reason

    return [Reason(x["key"], x.get("params", {})) for x in json.loads(row.reasons or "[]")]


def _names(session: Session, org_ids: set[int], listing_ids: set[int]) -> tuple[dict, dict]:
    from haihe.registry.queries import organisation_facts

    o = organisation_facts()
    orgs: dict[int, str] = {}
    ids = sorted(org_ids)
    for i in range(0, len(ids), 5000):
        q = select(o.c.id, o.c.name).where(o.c.id.in_(ids[i : i + 5000]))
        orgs.update((r[0], r[1]) for r in session.execute(q))
    titles: dict[int, str] = {}
    ids = sorted(listing_ids)
    for i in range(0, len(ids), 5000):
        q = select(Listing.id, Listing.title).where(Listing.id.in_(ids[i : i + 5000]))
        titles.update((r[0], r[1]) for r in session.execute(q))
    return orgs, titles


def export_xlsx(session: Session, path: Path, lang: str = "zh") -> int:
    """The stored results as a workbook (core.tabular): one row per recommendation, with
    its parts and its reasons in words. Private listings are named only by their owner."""
    from haihe.core.tabular import write_xlsx
    from haihe.matching.ranking import PARTS

    results = session.scalars(
        select(MatchResult).order_by(
            MatchResult.subject_kind, MatchResult.subject_id, MatchResult.rank
        )
    ).all()
    org_ids = {r.partner_organisation_id for r in results}
    org_ids |= {r.subject_id for r in results if r.subject_kind == "organisation"}
    listing_ids = {r.subject_id for r in results if r.subject_kind == "listing"}
    listing_ids |= {r.partner_id for r in results if r.partner_kind == "listing"}
    orgs, titles = _names(session, org_ids, listing_ids)
    private = set(
        session.scalars(
            select(Listing.id).where(Listing.id.in_(sorted(listing_ids)), Listing.public.is_(False))
        )
    )

    def what(kind: str, ref: int, owner: int | None = None) -> str:
        if kind == "listing":
            if ref in private:
                return t("matching.col.private_listing", lang)
            return titles.get(ref, str(ref))
        return orgs.get(ref, str(ref))

    headers = [
        t("matching.col.subject", lang),
        t("matching.col.rank", lang),
        t("matching.col.partner", lang),
        t("matching.col.partner_organisation", lang),
        t("matching.col.score", lang),
        *(t(f"matching.part.{p}", lang) for p in PARTS),
        t("matching.col.reasons", lang),
    ]
    rows = []
    for r in results:
        parts = json.loads(r.parts or "{}")
        rows.append(
            [
                what(r.subject_kind, r.subject_id),
                r.rank,
                what(r.partner_kind, r.partner_id),
                orgs.get(r.partner_organisation_id, ""),
                round(r.score, 3),
                *(round(float(parts.get(p, 0.0)), 3) for p in PARTS),
                "；".join(x.message(lang) for x in stored_reasons(r)),
            ]
        )
    computed = max((r.computed_at for r in results), default=None)
    write_xlsx(
        path,
        {t("matching.sheet.results", lang): (headers, rows)},
        about=[
            t("matching.about.results", lang, n=len(rows)),
            t("matching.about.computed", lang, at=computed.isoformat() if computed else "-"),
        ],
    )
    return len(rows)
