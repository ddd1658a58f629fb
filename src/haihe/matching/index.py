"""The in-memory matching index: every organisation and open listing as a document, built
from the database once per process and kept in step with it change by change.

A document is what the ranking needs of a partner (ranking.Side) in numpy arrays, the
segments it sits on, and its words in a BM25 index (bm25s) over organisations' stored
`search_terms` and listings' text (matching/text.py). A request:

1. applies the changes recorded since the index was built or last refreshed
   (`note_change` writes a MatchChange row in the writer's transaction; the registry's
   "organisations_updated" and the chains' "members_changed" events write them too): a
   changed document is set aside and read again into a small delta beside the main
   BM25 matrix, so an edit costs a few milliseconds, not a rebuild; the delta is folded
   into a fresh build once it holds many documents;
2. scores every document's text against the subject's words, and its chain position
   (the segments that supply or buy from the subject's, or the same segment), masks the
   filters and exclusions, keeps the best few hundred, and
3. scores those exactly with all parts and their reasons (ranking.explain).
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.orm import Session

from haihe.core import events, partners
from haihe.core.errors import InvalidInput, NotFound
from haihe.core.limits import is_digits
from haihe.matching import ranking, text
from haihe.matching.models import Listing, ListingSegment, MatchChange
from haihe.matching.ranking import (
    DEFAULT_WEIGHTS,
    RESEARCH_KINDS,
    MatchFilters,
    Recommendation,
    Side,
    Weights,
)

ORG, LISTING = 0, 1
DOC_KINDS = {"organisation": ORG, "listing": LISTING}
ORG_KINDS = ("enterprise", "research_institute", "university", "hospital", "park_operator", "other")
LISTING_KINDS = ("technology", "product", "capacity", "investment", "cooperation")
DIRECTIONS = {None: 0, "offer": 1, "seek": 2}
MOST = 200  # recommendations one request may ask for
QUERY_TERMS = 32  # a subject's most telling words that are looked up
K1, B = 1.5, 0.75
# changes applied incrementally before the delta is folded into a fresh build
FOLD_AT = 50_000
ALL_PLACEMENTS = "placements"  # a MatchChange doc_kind: every organisation's placements


# --- recording changes -----------------------------------------------------------------


def note_change(session: Session, doc_kind: str, doc_id: int) -> None:
    """Record that an organisation or listing changed (added, edited, closed, deleted), in
    the caller's transaction: the index reads it again on its next request."""
    if doc_kind not in DOC_KINDS:
        raise InvalidInput("matching.unknown_subject_kind", field="doc_kind", kind=doc_kind)
    session.execute(insert(MatchChange).values(doc_kind=doc_kind, doc_id=int(doc_id)))


def _note_many(conn: Connection, doc_kind: str, ids: Iterable[int] | None) -> None:
    if ids is None:
        conn.execute(insert(MatchChange).values(doc_kind=ALL_PLACEMENTS, doc_id=0))
        return
    rows = [{"doc_kind": doc_kind, "doc_id": int(i)} for i in dict.fromkeys(ids)]
    if rows:
        conn.execute(insert(MatchChange), rows)


def _organisations_updated(conn: Connection, org_ids: Iterable[int]) -> None:
    _note_many(conn, "organisation", list(org_ids))


def _members_changed(conn: Connection, org_ids: Iterable[int] | None) -> None:
    _note_many(conn, "organisation", None if org_ids is None else list(org_ids))


def listen() -> None:
    """Follow the registry's and the chains' changes (called once by load_all)."""
    events.subscribe("organisations_updated", _organisations_updated)
    events.subscribe("members_changed", _members_changed)


# --- the documents ---------------------------------------------------------------------


def _province(code: str | None) -> int:
    return int(code[:2]) if code and is_digits(code[:2]) else 0


def _region(code: str | None) -> int:
    return int(code) if code and is_digits(code) else 0


def _ints(text_: str | None) -> tuple[int, ...]:
    out = []
    for p in (text_ or "").replace("，", ",").split(","):
        p = p.strip()
        if is_digits(p):
            out.append(int(p))
    return tuple(out)


def _codes(text_: str | None) -> tuple[str, ...]:
    return tuple(
        p.strip() for p in (text_ or "").replace("，", ",").split(",") if is_digits(p.strip())
    )


@dataclass
class Doc:
    """One document as read from the database (before it goes into the arrays)."""

    kind: int
    ref: int
    org: int
    org_kind: int
    province: int
    region: int
    park: int
    employees: int
    research: bool
    maker: bool
    direction: int
    listing_kind: int
    maturity: int
    public: bool
    segments: tuple[tuple[str, str], ...]
    words: list[str]
    prefs: tuple[tuple[str, ...], tuple[int, ...]] = ((), ())


_COLUMNS = {
    "kind": np.int8,
    "ref": np.int64,
    "org": np.int64,
    "org_kind": np.int8,
    "province": np.int16,
    "region": np.int32,
    "park": np.int32,
    "employees": np.int32,
    "research": np.bool_,
    "maker": np.bool_,
    "direction": np.int8,
    "listing_kind": np.int8,
    "maturity": np.int8,
    "public": np.bool_,
    "alive": np.bool_,
}


@dataclass
class Delta:
    """Documents added since the build: their words in a small inverted index."""

    postings: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # term → [(doc, tf)]
    lengths: dict[int, int] = field(default_factory=dict)


class MatchIndex:
    def __init__(self) -> None:
        self.n = 0
        self.cols = {k: np.zeros(1024, dtype=t) for k, t in _COLUMNS.items()}
        self.where: dict[tuple[int, int], int] = {}  # (kind, ref) → doc
        self.segs: list[tuple[tuple[str, str], ...]] = []
        self.seg_docs: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.chain_docs: dict[str, list[int]] = defaultdict(list)
        self.arrays: dict[object, np.ndarray] = {}  # seg_docs / chain_docs as arrays
        self.ancestors: dict[tuple[str, str], list[str]] = {}
        self.prefs: dict[int, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        self.org_maturity: dict[int, int] = {}  # organisation → its best listing's TRL
        self.vocab: dict[str, int] = {}
        self.n_main = 0
        self.bm25 = None
        self.df: np.ndarray = np.zeros(0, dtype=np.int32)
        self.avgdl = 1.0
        self.delta = Delta()
        self.edges: dict[str, set[tuple[str, str]]] = {}
        self.related: dict[tuple[str, str], list[tuple[tuple[str, str], float]]] = {}
        self.segment_names: dict[tuple[str, str], tuple[str, str]] = {}
        self.seq = 0
        self.applied: set[int] = set()
        self.built_at = 0.0
        self.build_seconds = 0.0
        self.changes_applied = 0
        self.lock = threading.RLock()

    # arrays -----------------------------------------------------------------------------

    def col(self, name: str) -> np.ndarray:
        return self.cols[name][: self.n]

    def _grow(self, need: int) -> None:
        cap = len(self.cols["kind"])
        if need <= cap:
            return
        new = max(need, cap * 2)
        for k, a in self.cols.items():
            b = np.zeros(new, dtype=a.dtype)
            b[: len(a)] = a
            self.cols[k] = b

    def add(self, d: Doc) -> int:
        i = self.n
        self._grow(i + 1)
        c = self.cols
        c["kind"][i] = d.kind
        c["ref"][i] = d.ref
        c["org"][i] = d.org
        c["org_kind"][i] = d.org_kind
        c["province"][i] = d.province
        c["region"][i] = d.region
        c["park"][i] = d.park
        c["employees"][i] = d.employees
        c["research"][i] = d.research
        c["maker"][i] = d.maker
        c["direction"][i] = d.direction
        c["listing_kind"][i] = d.listing_kind
        c["maturity"][i] = d.maturity
        c["public"][i] = d.public
        c["alive"][i] = True
        self.n += 1
        old = self.where.get((d.kind, d.ref))
        if old is not None:
            c["alive"][old] = False
        self.where[(d.kind, d.ref)] = i
        self.segs.append(d.segments)
        for s in d.segments:
            self.seg_docs[s].append(i)
            self.chain_docs[s[0]].append(i)
        if d.prefs != ((), ()):
            self.prefs[i] = d.prefs
        if d.kind == LISTING and d.maturity:
            self.org_maturity[d.org] = max(self.org_maturity.get(d.org, 0), d.maturity)
        return i

    def owner(self, org_id: int) -> Doc | None:
        """An organisation's facts as the index holds them (for its listings)."""
        i = self.where.get((ORG, org_id))
        if i is None:
            return None
        c = self.cols
        return Doc(
            ORG,
            org_id,
            org_id,
            int(c["org_kind"][i]),
            int(c["province"][i]),
            int(c["region"][i]),
            int(c["park"][i]),
            int(c["employees"][i]),
            bool(c["research"][i]),
            bool(c["maker"][i]),
            0,
            0,
            0,
            True,
            self.segs[i],
            [],
        )

    def remove(self, kind: int, ref: int) -> None:
        i = self.where.pop((kind, ref), None)
        if i is not None:
            self.cols["alive"][i] = False

    def docs_array(self, key: object, docs: list[int]) -> np.ndarray:
        """`docs` (a list that only grows) as an array, made again when it grew."""
        got = self.arrays.get(key)
        if got is None or len(got) != len(docs):
            got = np.asarray(docs, dtype=np.int64)
            self.arrays[key] = got
        return got

    # text -------------------------------------------------------------------------------

    def index_words(self, docs_words: list[list[str]]) -> None:
        """The BM25 matrix over the first documents (bm25s)."""
        import bm25s
        from bm25s.tokenization import Tokenized

        vocab = self.vocab
        ids = [[vocab.setdefault(w, len(vocab)) for w in ws] for ws in docs_words]
        self.n_main = len(ids)
        if not vocab:
            vocab.setdefault("\x00", 0)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        self.avgdl = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        retriever = bm25s.BM25(k1=K1, b=B)
        # bm25s skips an empty document list; a placeholder word keeps rows aligned
        ids = [x or [0] for x in ids]
        retriever.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self.bm25 = retriever
        indptr = retriever.scores["indptr"]
        self.df = np.diff(indptr).astype(np.int32)

    def add_words(self, doc: int, words: list[str]) -> None:
        counts: dict[int, int] = {}
        for w in words:
            t = self.vocab.setdefault(w, len(self.vocab))
            counts[t] = counts.get(t, 0) + 1
        for t, tf in counts.items():
            self.delta.postings.setdefault(t, []).append((doc, tf))
        self.delta.lengths[doc] = len(words)

    def idf(self, term: int) -> float:
        df = int(self.df[term]) if term < len(self.df) else 0
        df += len(self.delta.postings.get(term, ()))
        n = max(1, self.n_main + len(self.delta.lengths))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def query_ids(self, words: list[str], most: int = text.MAX_QUERY_TERMS) -> list[int]:
        """The query's known words, most telling first (at most `most`)."""
        ids = list(dict.fromkeys(self.vocab[w] for w in words if w in self.vocab))
        ids.sort(key=lambda t: -self.idf(t))
        return ids[:most]

    def _scratch(self, name: str) -> np.ndarray:
        """A zeroed array over the documents, reused between requests (the caller sets
        back to zero what it wrote)."""
        got = self.__dict__.get(name)
        if got is None or len(got) < self.n:
            got = np.zeros(max(self.n, len(self.cols["kind"])), dtype=np.float32)
            self.__dict__[name] = got
        return got

    def candidates(
        self,
        term_ids: list[int],
        segments: Iterable[tuple[str, str]] = (),
        research: bool = False,
        maker: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The documents holding a word of the query or sitting on a segment linked to the
        subject's, with their BM25 and their chain value (0–1, as ranking.chain_link
        gives it): work in proportion to the posting lists read, not to the index."""
        docs_t, scores_t = [], []
        common = max(50_000, self.n_main // 5)  # words nearly everyone has say nothing
        if self.bm25 is not None:
            sc = self.bm25.scores
            indptr, indices, data = sc["indptr"], sc["indices"], sc["data"]
            for t in term_ids:
                if t < len(self.df) and 0 < self.df[t] <= common:
                    lo, hi = indptr[t], indptr[t + 1]
                    docs_t.append(indices[lo:hi])
                    scores_t.append(data[lo:hi])
        if self.delta.lengths:
            for t in term_ids:
                post = self.delta.postings.get(t)
                if not post:
                    continue
                idf = self.idf(t)
                d = np.fromiter((x for x, _ in post), dtype=np.int64, count=len(post))
                tf = np.fromiter((y for _, y in post), dtype=np.float32, count=len(post))
                dl = np.fromiter(
                    (self.delta.lengths[x] for x, _ in post), dtype=np.float32, count=len(post)
                )
                docs_t.append(d)
                scores_t.append(idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / self.avgdl)))
        docs_c, values_c = [], []
        for s in segments:
            for other, value in self.related.get(s, ()):
                docs = self.seg_docs.get(other)
                if not docs:
                    continue
                found = self.docs_array(other, docs)
                if other == s:
                    transfer = np.zeros(len(found), dtype=bool)
                    if research:
                        transfer |= self.cols["maker"][found]
                    if maker:
                        transfer |= self.cols["research"][found]
                    v = np.where(transfer, 1.0, 0.5)
                elif research and not maker:
                    peer = self.cols["research"][found] & ~self.cols["maker"][found]
                    v = np.where(peer, value * ranking.PEER_RESEARCH, value)
                else:
                    v = np.full(len(found), value)
                docs_c.append(found)
                values_c.append(v.astype(np.float32))
        if not docs_t and not docs_c:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
        text_ = self._scratch("_scratch_text")
        chain_ = self._scratch("_scratch_chain")
        all_docs = []
        if docs_t:
            d = np.concatenate(docs_t).astype(np.int64, copy=False)
            np.add.at(text_, d, np.concatenate(scores_t))
            all_docs.append(d)
        if docs_c:
            d = np.concatenate(docs_c)
            np.maximum.at(chain_, d, np.concatenate(values_c))
            all_docs.append(d)
        touched = sum(len(x) for x in all_docs)
        if touched > self.n // 8:  # many: one pass over the index is cheaper than sorting
            cand = np.flatnonzero((text_[: self.n] > 0) | (chain_[: self.n] > 0))
        else:
            d = np.sort(np.concatenate(all_docs))
            cand = d[np.concatenate(([True], d[1:] != d[:-1]))] if len(d) else d
        t_scores, c_values = text_[cand].copy(), chain_[cand].copy()
        text_[cand] = 0
        chain_[cand] = 0
        return cand, t_scores, c_values

    def has_term(self, term: int, docs: np.ndarray) -> np.ndarray:
        """Which of `docs` hold the word `term`."""
        out = np.zeros(len(docs), dtype=bool)
        if self.bm25 is not None and term < len(self.df):
            sc = self.bm25.scores
            lo, hi = sc["indptr"][term], sc["indptr"][term + 1]
            post = sc["indices"][lo:hi]
            if len(post):
                pos = np.searchsorted(post, docs)
                pos[pos >= len(post)] = len(post) - 1
                out |= post[pos] == docs
        extra = self.delta.postings.get(term)
        if extra:
            held = {d for d, _ in extra}
            out |= np.fromiter((int(d) in held for d in docs), dtype=bool, count=len(docs))
        return out

    # chains -----------------------------------------------------------------------------

    def set_chains(self, definitions: list) -> None:
        """Supply edges per chain, lifted so that a sub-segment trades as its parent does,
        and each segment's partner segments with their chain value."""
        self.edges, self.related, self.segment_names = {}, {}, {}
        for d in definitions:
            lifted: set[tuple[str, str]] = set()
            family: dict[str, list[str]] = {}
            for s in d.segments:
                self.segment_names[(d.key, s.id)] = (s.name_zh, s.name_en or s.name_zh)
                family[s.id] = [s.id, *d.ancestors(s.id)]
            for a, b in d.edges:
                lifted.add((a, b))
            # a child inherits its ancestors' edges (both ends)
            for s in d.segments:
                for anc in family[s.id][1:]:
                    for a, b in d.edges:
                        if a == anc:
                            lifted.add((s.id, b))
                        if b == anc:
                            lifted.add((a, s.id))
            for s in d.segments:
                for s2 in d.segments:
                    if s2.parent and (s.id, s2.parent) in lifted:
                        lifted.add((s.id, s2.id))
                    if s2.parent and (s2.parent, s.id) in lifted:
                        lifted.add((s2.id, s.id))
            self.edges[d.key] = lifted
            for s in d.segments:
                self.ancestors[(d.key, s.id)] = family[s.id][1:]
            for s in d.segments:
                rel: dict[str, float] = {s.id: 0.5}
                for a, b in lifted:
                    if a == s.id:
                        rel[b] = max(rel.get(b, 0), 1.0)
                    if b == s.id:
                        rel[a] = max(rel.get(a, 0), 0.9)
                self.related[(d.key, s.id)] = [((d.key, x), v) for x, v in rel.items()]

    def docs_on(self, chain: str, segment: str | None) -> np.ndarray:
        if segment:
            keys = [
                k
                for k in self.seg_docs
                if k[0] == chain and (k[1] == segment or segment in self.ancestors.get(k, ()))
            ]
        else:
            keys = [chain] if chain in self.chain_docs else []
        if not keys:
            return np.zeros(0, dtype=np.int64)
        lists = [
            self.docs_array(k, self.seg_docs[k] if isinstance(k, tuple) else self.chain_docs[k])
            for k in keys
        ]
        return np.unique(np.concatenate(lists))

    def on_filter(self, chain: str, segment: str | None) -> np.ndarray:
        """Per document: is it on the chain (segment and its sub-segments)? Kept until
        a document joins the chain."""
        cache = self.__dict__.setdefault("_on", {})
        size = (self.n, len(self.chain_docs.get(chain, ())))
        got = cache.get((chain, segment))
        if got is None or got[0] != size:
            on = np.zeros(self.n, dtype=bool)
            on[self.docs_on(chain, segment)] = True
            if len(cache) > 64:
                cache.clear()
            got = cache[(chain, segment)] = (size, on)
        return got[1]

    # one side ---------------------------------------------------------------------------

    def side(self, i: int) -> Side:
        c = self.cols
        kind = int(c["kind"][i])
        prov = int(c["province"][i])
        region = int(c["region"][i])
        prefs = self.prefs.get(i, ((), ()))
        lk = int(c["listing_kind"][i])
        direction = int(c["direction"][i])
        return Side(
            kind="listing" if kind == LISTING else "organisation",
            id=int(c["ref"][i]),
            organisation_id=int(c["org"][i]),
            organisation_kind=ORG_KINDS[int(c["org_kind"][i])],
            province=f"{prov:02d}0000" if prov else None,
            region_code=f"{region:06d}" if region else None,
            park_id=int(c["park"][i]) or None,
            employees=int(c["employees"][i]),
            research=bool(c["research"][i]),
            maker=bool(c["maker"][i]),
            segments=self.segs[i],
            direction=("offer", "seek")[direction - 1] if direction else None,
            listing_kind=LISTING_KINDS[lk - 1] if lk else None,
            maturity=int(c["maturity"][i]) or None,
            region_preference=prefs[0],
            park_preference=prefs[1],
            public=bool(c["public"][i]),
        )


# --- reading documents from the database -----------------------------------------------


def _org_flags(kind: str, roles: set[str]) -> tuple[bool, bool]:
    research = kind in RESEARCH_KINDS or "research" in roles
    maker = kind == "enterprise" and ("make" in roles or not roles)
    return research, maker


def _org_docs(conn: Connection, org_ids: list[int] | None, placements: dict) -> Iterable[Doc]:
    from haihe.registry import queries as registry

    for batch in registry.matching_batches(conn, org_ids):
        for oid, kind, region, park, employees, terms in batch:
            segs = placements.get(oid, ())
            roles = {r for _, _, r in segs}
            research, maker = _org_flags(kind or "enterprise", roles)
            yield Doc(
                ORG,
                oid,
                oid,
                ORG_KINDS.index(kind) if kind in ORG_KINDS else ORG_KINDS.index("other"),
                _province(region),
                _region(region),
                park or 0,
                employees or 0,
                research,
                maker,
                0,
                0,
                0,
                True,
                tuple(dict.fromkeys((c, s) for c, s, _ in segs)),
                text.stored_words(terms),
            )


def _placements(conn: Connection, org_ids: list[int] | None) -> dict[int, list]:
    from haihe.chains import queries as chains

    out: dict[int, list] = defaultdict(list)
    for oid, chain, seg, role in chains.placement_rows(conn, org_ids):
        out[oid].append((chain, seg, role))
    return out


def listing_words(row) -> list[str]:  # noqa: ANN001 - a Listing or a row of LISTING_COLUMNS
    """A listing's words: its stored search terms, or its text analysed now."""
    if row.search_terms:
        return text.stored_words(row.search_terms)
    return text.words(
        text.listing_text(
            row.title, row.title_en, row.keywords, row.field, row.abstract, row.capacity
        )
    )


LISTING_COLUMNS = (
    Listing.id,
    Listing.organisation_id,
    Listing.direction,
    Listing.kind,
    Listing.title,
    Listing.title_en,
    Listing.keywords,
    Listing.field,
    Listing.abstract,
    Listing.capacity,
    Listing.maturity,
    Listing.public,
    Listing.region_preference,
    Listing.park_preference,
    Listing.search_terms,
)


def _listing_docs(session: Session, idx: MatchIndex, listing_ids: list[int] | None):  # noqa: ANN202
    """Open listings (of `listing_ids` when given) as documents, with the facts of their
    owner as the index holds them (owners not in the index are left out)."""
    q = select(*LISTING_COLUMNS).where(Listing.status == "open").order_by(Listing.id)
    seg_q = select(ListingSegment.listing_id, ListingSegment.chain, ListingSegment.segment)
    ids = None if listing_ids is None else sorted(set(listing_ids))
    last, pos = 0, 0
    while True:
        if ids is None:
            rows = session.execute(q.where(Listing.id > last).limit(5000)).all()
            if not rows:
                return
            lo, hi = rows[0].id, rows[-1].id
            sq = seg_q.where(ListingSegment.listing_id >= lo, ListingSegment.listing_id <= hi)
            last = hi
        else:
            chunk = ids[pos : pos + 5000]
            pos += 5000
            if not chunk:
                return
            rows = session.execute(q.where(Listing.id.in_(chunk))).all()
            sq = seg_q.where(ListingSegment.listing_id.in_(chunk))
        segs: dict[int, list] = defaultdict(list)
        for lid, chain, seg in session.execute(sq):
            segs[lid].append((chain, seg))
        for r in rows:
            owner = idx.owner(r.organisation_id)
            if owner is not None:
                yield listing_doc(r, owner, tuple(segs.get(r.id, ())))


def listing_doc(r, owner: Doc, segments: tuple[tuple[str, str], ...]) -> Doc:
    """A listing as a document: its owner's place and size, its own segments (or the
    owner's), what it offers or seeks."""
    research, maker = owner.research, owner.maker
    if r.direction == "offer" and r.kind == "technology":
        research = True
    if r.direction == "offer" and r.kind in ("product", "capacity"):
        maker = True
    if r.direction == "seek" and r.kind in ("technology", "cooperation"):
        maker = maker or owner.org_kind == 0
    return Doc(
        LISTING,
        r.id,
        r.organisation_id,
        owner.org_kind,
        owner.province,
        owner.region,
        owner.park,
        owner.employees,
        research,
        maker,
        DIRECTIONS.get(r.direction, 0),
        LISTING_KINDS.index(r.kind) + 1 if r.kind in LISTING_KINDS else 0,
        r.maturity or 0,
        bool(r.public),
        segments or owner.segments,
        listing_words(r),
        (_codes(r.region_preference), _ints(r.park_preference)),
    )


def build(session: Session) -> MatchIndex:
    """Every organisation and open listing, read from the database."""
    from haihe.chains import queries as chains

    started = time.perf_counter()
    idx = MatchIndex()
    conn = session.connection()
    idx.seq = session.scalar(select(func.max(MatchChange.seq))) or 0
    # what is in the table now is in what follows
    idx.applied = set(
        session.scalars(select(MatchChange.seq).where(MatchChange.seq > idx.seq - WINDOW))
    )
    idx.set_chains([c.definition for c in chains.all_chains(session)])
    placements = _placements(conn, None)
    words: list[list[str]] = []
    for d in _org_docs(conn, None, placements):
        idx.add(d)
        words.append(d.words)
    del placements
    for d in _listing_docs(session, idx, None):
        idx.add(d)
        words.append(d.words)
    idx.index_words(words)
    idx.built_at = time.time()
    idx.build_seconds = time.perf_counter() - started
    return idx


# --- keeping it in step ----------------------------------------------------------------

_INDEXES: dict[str, MatchIndex] = {}
_LOCK = threading.Lock()
WINDOW = 10_000  # recent change numbers re-read (a transaction may commit out of order)
KEEP = 10 * WINDOW  # changes kept when `haihe match index` prunes the table


def _key(session: Session) -> str:
    bind = session.get_bind()
    return bind.url.render_as_string(hide_password=True)


def forget(session: Session | None = None) -> None:
    """Drop the index (of this database, or all): the next request builds it again."""
    with _LOCK:
        if session is None:
            _INDEXES.clear()
        else:
            _INDEXES.pop(_key(session), None)


def get_index(session: Session, refresh: bool = True) -> MatchIndex:
    """This database's index, built on first use and brought up to date."""
    key = _key(session)
    with _LOCK:
        idx = _INDEXES.get(key)
        if idx is None:
            idx = build(session)
            _INDEXES[key] = idx
            return idx
    if refresh:
        idx = _refresh(session, idx, key)
    return idx


def rebuild(session: Session) -> MatchIndex:
    idx = build(session)
    with _LOCK:
        _INDEXES[_key(session)] = idx
    return idx


def prune(session: Session, keep: int = KEEP) -> int:
    """Delete the changes older than the newest `keep` (an index that had not yet read
    them sees the gap and rebuilds); returns how many were deleted. The newest row always
    stays, so change numbers keep rising."""
    top = session.scalar(select(func.max(MatchChange.seq))) or 0
    if top <= keep:
        return 0
    gone = session.execute(delete(MatchChange).where(MatchChange.seq <= top - keep))
    return gone.rowcount or 0


def _refresh(session: Session, idx: MatchIndex, key: str) -> MatchIndex:
    low, top = session.execute(select(func.min(MatchChange.seq), func.max(MatchChange.seq))).one()
    top = top or 0
    if top == idx.seq:
        return idx
    if top < idx.seq - WINDOW:  # the table was emptied or another database took its place
        return rebuild(session)
    if low is not None and low - 1 > idx.seq:  # changes it has not read were pruned
        return rebuild(session)
    with idx.lock:
        rows = session.execute(
            select(MatchChange.seq, MatchChange.doc_kind, MatchChange.doc_id).where(
                MatchChange.seq > idx.seq - WINDOW
            )
        ).all()
        fresh = [r for r in rows if r[0] not in idx.applied]
        if not fresh:
            idx.seq = max(idx.seq, top)
            return idx
        if len(fresh) + len(idx.delta.lengths) > max(FOLD_AT, idx.n_main // 5) or any(
            r[1] == ALL_PLACEMENTS for r in fresh
        ):
            return rebuild(session)
        apply_changes(session, idx, fresh)
        for r in fresh:
            idx.applied.add(r[0])
        idx.seq = max(idx.seq, top)
        idx.applied = {s for s in idx.applied if s > idx.seq - WINDOW}
        return idx


def apply_changes(session: Session, idx: MatchIndex, rows: list) -> None:
    """Read the changed organisations and listings again into the index's delta."""
    orgs = sorted({int(r[2]) for r in rows if r[1] == "organisation"})
    listings = {int(r[2]) for r in rows if r[1] == "listing"}
    conn = session.connection()
    if orgs:
        placements = _placements(conn, orgs)
        seen = set()
        for d in _org_docs(conn, orgs, placements):
            seen.add(d.ref)
            i = idx.add(d)
            idx.add_words(i, d.words)
        for oid in set(orgs) - seen:
            idx.remove(ORG, oid)
        # their listings carry the owner's facts: read them again too
        listings |= set(
            session.scalars(select(Listing.id).where(Listing.organisation_id.in_(orgs))).all()
        )
    if listings:
        seen = set()
        for d in _listing_docs(session, idx, sorted(listings)):
            seen.add(d.ref)
            i = idx.add(d)
            idx.add_words(i, d.words)
        for lid in listings - seen:
            idx.remove(LISTING, lid)
    idx.changes_applied += len(rows)


# --- asking it -------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    side: Side | None
    words: list[str]
    doc: int | None = None


def _subject(
    session: Session, idx: MatchIndex, kind: str, ref: int, private_words: bool = True
) -> Subject:
    if kind not in DOC_KINDS:
        raise InvalidInput("matching.unknown_subject_kind", field="subject_kind", kind=kind)
    i = idx.where.get((DOC_KINDS[kind], int(ref)))
    if kind == "listing":
        row = session.get(Listing, int(ref))
        if row is None:
            raise NotFound("matching.unknown_subject", kind=kind, id=ref)
        if i is None:  # a closed listing still gets its partners shown
            conn = session.connection()
            oid = [row.organisation_id]
            owner = next(iter(_org_docs(conn, oid, _placements(conn, oid))), None)
            if owner is None:
                raise NotFound("matching.unknown_subject", kind=kind, id=ref)
            segs = tuple(
                (c, g)
                for c, g in session.execute(
                    select(ListingSegment.chain, ListingSegment.segment).where(
                        ListingSegment.listing_id == row.id
                    )
                )
            )
            d = listing_doc(row, owner, segs)
            return Subject(_doc_side(d), d.words)
        return Subject(idx.side(i), listing_words(row), i)
    if i is None:
        raise NotFound("matching.unknown_subject", kind=kind, id=ref)
    from haihe.registry import queries as registry

    words: list[str] = []
    for batch in registry.matching_batches(session.connection(), [int(ref)]):
        for row in batch:
            words += text.stored_words(row[-1])
    mine = select(Listing).where(Listing.organisation_id == int(ref), Listing.status == "open")
    if not private_words:
        mine = mine.where(Listing.public.is_(True))
    own = session.scalars(mine).all()
    for row in own[:50]:
        words += listing_words(row)
    return Subject(idx.side(i), words, i)


def _doc_side(d: Doc) -> Side:
    return Side(
        kind="listing" if d.kind == LISTING else "organisation",
        id=d.ref,
        organisation_id=d.org,
        organisation_kind=ORG_KINDS[d.org_kind],
        province=f"{d.province:02d}0000" if d.province else None,
        region_code=f"{d.region:06d}" if d.region else None,
        park_id=d.park or None,
        employees=d.employees,
        research=d.research,
        maker=d.maker,
        segments=d.segments,
        direction=("offer", "seek")[d.direction - 1] if d.direction else None,
        listing_kind=LISTING_KINDS[d.listing_kind - 1] if d.listing_kind else None,
        maturity=d.maturity or None,
        region_preference=d.prefs[0],
        park_preference=d.prefs[1],
    )


def check_filters(f: MatchFilters) -> None:
    """Bad filter values as a clear message naming the filter."""
    if f.partner_kind and f.partner_kind not in DOC_KINDS:
        raise InvalidInput(
            "matching.unknown_subject_kind", field="partner_kind", kind=f.partner_kind
        )
    if f.organisation_kind and f.organisation_kind not in ORG_KINDS:
        raise InvalidInput(
            "matching.unknown_org_kind", field="organisation_kind", kind=f.organisation_kind
        )
    if f.region:
        code = f.region.strip()
        if not (len(code) == 6 and is_digits(code)):
            raise InvalidInput("matching.bad_region", field="region", region=code[:20])
    if f.min_maturity is not None:
        try:
            ok = 1 <= int(f.min_maturity) <= 9
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InvalidInput(
                "matching.bad_maturity", field="min_maturity", value=str(f.min_maturity)[:20]
            )


def _mask(
    idx: MatchIndex,
    f: MatchFilters,
    subject: Side | None,
    exclude_orgs: set[int],
    cand: np.ndarray,
) -> np.ndarray:
    """Which candidates pass the filters and exclusions."""
    c = idx.cols
    kind = c["kind"][cand]
    m = c["alive"][cand].copy()
    if f.partner_kind:
        m &= kind == DOC_KINDS[f.partner_kind]
    if f.organisation_kind:
        m &= c["org_kind"][cand] == ORG_KINDS.index(f.organisation_kind)
    if f.region:
        code = f.region.strip()
        r = c["region"][cand]
        if code.endswith("0000"):
            m &= r // 10000 == int(code[:2])
        elif code.endswith("00"):
            m &= r // 100 == int(code[:4])
        else:
            m &= r == int(code)
    if f.park_id:
        m &= c["park"][cand] == int(f.park_id)
    if f.chain:
        m &= idx.on_filter(f.chain, f.segment)[cand]
    if f.min_maturity:
        least = int(f.min_maturity)
        good_orgs = [o for o, v in idx.org_maturity.items() if v >= least]
        org_ok = np.isin(c["org"][cand], np.asarray(good_orgs, dtype=np.int64))
        m &= np.where(kind == ORG, org_ok, c["maturity"][cand] >= least)
    if subject is not None:
        if subject.kind == "listing" and subject.direction:
            # an offer meets what is sought, or an offer of another kind (a technology
            # meets production capacity); not the same offer (a competitor) or need
            same = DIRECTIONS[subject.direction]
            lk = LISTING_KINDS.index(subject.listing_kind) + 1 if subject.listing_kind else -1
            m &= ~(
                (kind == LISTING) & (c["direction"][cand] == same) & (c["listing_kind"][cand] == lk)
            )
        if exclude_orgs:
            m &= ~np.isin(c["org"][cand], np.fromiter(exclude_orgs, dtype=np.int64))
    return m


def rank(
    session: Session,
    idx: MatchIndex,
    subject: Subject,
    filters: MatchFilters,
    k: int,
    weights: Weights = DEFAULT_WEIGHTS,
    existing: set[int] | None = None,
) -> list[Recommendation]:
    """The best `k` partners of a subject (or of a text) in the index."""
    if not 1 <= int(k) <= MOST:
        raise InvalidInput("matching.bad_k", field="k", most=MOST)
    side = subject.side
    exclude: set[int] = set()
    if side is not None:
        exclude.add(side.organisation_id)  # never itself or its own listings
        if not filters.include_existing:
            exclude |= (
                existing
                if existing is not None
                else partners.partners_of(session, side.organisation_id)
            )
    check_filters(filters)
    term_ids = idx.query_ids(subject.words, QUERY_TERMS)
    segments = side.segments if side is not None and weights.chain else ()
    research, maker = (side.research, side.maker) if side is not None else (False, False)
    cand, text_scores, chain_values = idx.candidates(
        term_ids if weights.text else [], segments, research, maker
    )
    mask = _mask(idx, filters, side, exclude, cand)
    if subject.doc is not None:
        mask &= cand != subject.doc
    if side is not None and side.kind == "listing":
        own = idx.where.get((ORG, side.organisation_id))
        if own is not None:
            mask &= cand != own
    cand, text_scores, chain_values = cand[mask], text_scores[mask], chain_values[mask]
    if not len(cand):
        return []
    top_text = float(text_scores.max()) if weights.text else 0.0
    tv = text_scores / top_text if top_text > 0 else np.zeros(len(cand), dtype=np.float32)
    asker = side if side is not None else Side("text", 0, 0)
    c = idx.cols
    rough = ranking.rough_scores(
        asker,
        tv,
        chain_values,
        c["province"][cand],
        c["research"][cand],
        c["maker"][cand],
        c["employees"][cand],
        c["region"][cand],
        c["park"][cand],
        weights,
    )
    keep = (rough > 0) & ((tv > 0) | (chain_values > 0))
    cand, tv, rough = cand[keep], tv[keep], rough[keep]
    if not len(cand):
        return []
    # the partner's own place preference (at most half a preference) is left to explain:
    # keep enough beyond k for it to reorder
    want = min(len(cand), k + 10)
    top = np.argpartition(-rough, want - 1)[:want] if want < len(cand) else np.arange(len(cand))
    top = top[np.argsort(-rough[top], kind="stable")]
    best, best_tv = cand[top], tv[top]
    shared_by = _shared_words(idx, term_ids, best)
    out = []
    for j, i in enumerate(best):
        partner = idx.side(int(i))
        t_value = float(best_tv[j])
        words = _telling([_word_of(idx, t) for t in shared_by[j]])
        out.append(
            ranking.explain(asker, partner, t_value, words, idx.edges, idx.segment_names, weights)
        )
    out.sort(key=lambda r: (-r.score, r.partner_kind, r.partner_id))
    return out[:k]


def _shared_words(idx: MatchIndex, term_ids: list[int], cand: np.ndarray) -> list[list[int]]:
    shared: list[list[int]] = [[] for _ in range(len(cand))]
    for t in term_ids[:24]:  # most telling first
        held = idx.has_term(t, cand)
        for j in np.nonzero(held)[0]:
            if len(shared[j]) < 6:
                shared[j].append(t)
    return shared


def _telling(words: list[str]) -> list[str]:
    """Shared words without those inside another one shown (单克隆抗体, not also 抗体)."""
    return [w for w in words if not any(w != o and w in o for o in words)]


def _word_of(idx: MatchIndex, term: int) -> str:
    words = idx.__dict__.get("_words")
    if words is None or len(words) < len(idx.vocab):
        words = [""] * len(idx.vocab)
        for w, t in idx.vocab.items():
            words[t] = w
        idx.__dict__["_words"] = words
    return words[term]


# --- the public doors ------------------------------------------------------------------


def recommend(
    session: Session,
    subject_kind: str,
    subject_id: int,
    filters: MatchFilters = MatchFilters(),  # noqa: B008 - frozen, never changed
    k: int = 10,
    private_words: bool = True,
) -> list[Recommendation]:
    """The best `k` partners (organisations and listings) of a listing or organisation,
    each with its score's parts and reasons. Leaves out the subject itself, its own
    organisation and listings, and existing partners (unless `filters.include_existing`).
    An organisation is matched by the words of its private listings only when
    `private_words` (the reasons would quote them)."""
    idx = get_index(session)
    with idx.lock:
        subject = _subject(session, idx, subject_kind, subject_id, private_words)
        return rank(session, idx, subject, filters, k)


def recommend_for_text(
    session: Session,
    text_: str,
    filters: MatchFilters = MatchFilters(),  # noqa: B008
    k: int = 10,
) -> list[Recommendation]:
    """The best `k` partners for a search text (a technology, a product, a need)."""
    words = text.query_words(text_)
    idx = get_index(session)
    with idx.lock:
        return rank(session, idx, Subject(None, words), filters, k)
