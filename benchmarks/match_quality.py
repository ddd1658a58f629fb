"""Benchmark: how good the partner ranking is, on pairs it was not tuned on.

For each label set, Haihe's ranking (matching/index.py with every part) and a plain BM25
baseline over the same text (bm25s over jieba words: no traditional→simplified, no
stop words, no chain, city, scale or preference) rank the same candidates for the same
queries; reported are precision@10, recall@50 and nDCG@10 with 95% bootstrap intervals
over the queries, Haihe's lead over the baseline with its interval, and an ablation
(Haihe without each part, and its text part alone).

Sets:

- demo: the demo's known truth, matching.demo.intended_pairs (listings written for a
  partner) when that module is present; otherwise pairs derived from the shipped chains'
  supply edges over the demo's organisations (an organisation in one home city and one
  in another on linked segments, one researching and one making) — which is the chain
  and city parts' own definition, so it only shows that words alone do not find them;
- ckg: eval/chain-knowledge-graph (read from ../shared/data at run time, never copied):
  a listed company seeks the upstream materials of its main products; the companies
  whose main product is such a material are the ones it should find. Queries split
  in half by a hash of the company code; the "tune" half is the only one weights were
  ever looked at on, the "test" half is reported;
- ickg: eval/ickg ICKG25 (2025, by month): companies described by their industries,
  patents and products; their supply, cooperation and joint-venture edges dated
  January–June are the tune period (and count as existing partners, left out), those
  of July–December the test period whose partners should be found.

    .venv/bin/python benchmarks/match_quality.py [--sets demo,ckg,ickg] [--split test]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAIHE_SHARED_DATA", ROOT.parent / "shared" / "data"))
if not (SHARED / "eval").is_dir():  # a worktree beside the main checkout
    SHARED = Path("/work/shared/data")


@dataclass
class Company:
    key: str
    name: str
    text: str  # what the ranking reads (its profile)
    description: str  # what the chains' classifier reads (a scope: 生产…)
    kind: str = "enterprise"


@dataclass
class LabelSet:
    name: str
    companies: list[Company]
    # query company key → (query text, relevant company keys, excluded keys)
    queries: dict[str, tuple[str, set[str], set[str]]] = field(default_factory=dict)
    seek: bool = False  # the query is a need (a seek listing) rather than a profile
    note: str = ""
    haihe: object = None  # a ranking of its own (the demo's database index)


# --- metrics ---------------------------------------------------------------------------


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float, float]:
    p10 = sum(1 for x in ranked[:10] if x in relevant) / 10
    r50 = sum(1 for x in ranked[:50] if x in relevant) / len(relevant)
    dcg = sum(1 / math.log2(i + 2) for i, x in enumerate(ranked[:10]) if x in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return p10, r50, dcg / ideal


def bootstrap(values: np.ndarray, reps: int = 1000, seed: int = 15) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    n = len(values)
    means = values[rng.integers(0, n, size=(reps, n))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


# --- the two rankers -------------------------------------------------------------------


def jieba_tokens(text: str) -> list[str]:
    import rjieba

    return [t for t in rjieba.cut_for_search(text.lower()) if t.strip() and t.isalnum()]


class PlainBM25:
    """bm25s over jieba words, nothing else."""

    def __init__(self, companies: list[Company]) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        vocab: dict[str, int] = {"\x00": 0}
        ids = [
            [vocab.setdefault(t, len(vocab)) for t in jieba_tokens(c.text)] or [0]
            for c in companies
        ]
        self.vocab = vocab
        self.keys = [c.key for c in companies]
        self.bm25 = bm25s.BM25()
        self.bm25.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)

    def rank(self, query: str, exclude: set[str], k: int = 50) -> list[str]:
        q = [self.vocab[t] for t in dict.fromkeys(jieba_tokens(query)) if t in self.vocab]
        if not q:
            return []
        scores = self.bm25.get_scores_from_ids(q)
        order = np.argsort(-scores, kind="stable")[: k + len(exclude) + 1]
        return [self.keys[i] for i in order if scores[i] > 0 and self.keys[i] not in exclude][:k]


class Haihe:
    """The index of matching/index.py over plain documents (no database)."""

    def __init__(self, companies: list[Company]) -> None:
        from haihe.chains import definitions
        from haihe.chains.classifier import Classifier, OrgFacts
        from haihe.codes import regions
        from haihe.matching import index, text
        from haihe.matching.ranking import RESEARCH_KINDS

        chains = definitions.shipped()
        clf = Classifier(chains)
        self.idx = index.MatchIndex()
        self.idx.set_chains(chains)
        self.keys = [c.key for c in companies]
        self.doc_of = {}
        words = []
        for n, c in enumerate(companies, start=1):
            hits = clf.classify(OrgFacts(c.name, c.kind, c.description))
            roles = {h.role for h in hits}
            research = c.kind in RESEARCH_KINDS or "research" in roles
            maker = c.kind == "enterprise" and ("make" in roles or not roles)
            region = regions.find_in_text(c.name)
            code = region.code if region else None
            w = text.words(c.text)
            d = index.Doc(
                index.ORG,
                n,
                n,
                index.ORG_KINDS.index(c.kind),
                index._province(code),
                index._region(code),
                0,
                0,
                research,
                maker,
                0,
                0,
                0,
                True,
                tuple(dict.fromkeys((h.chain_key, h.segment_id) for h in hits)),
                w,
            )
            self.doc_of[c.key] = self.idx.add(d)
            words.append(w)
        self.idx.index_words(words)

    def rank(
        self, key: str, query: str, exclude: set[str], weights, seek: bool, k: int = 50
    ) -> list[str]:  # noqa: ANN001
        from dataclasses import replace

        from haihe.matching import index, text
        from haihe.matching.ranking import MatchFilters

        doc = self.doc_of[key]
        side = self.idx.side(doc)
        if seek:  # the company's need, as a listing of its own
            side = replace(side, kind="listing", id=-1, direction="seek")
        ex_orgs = {
            self.idx.side(self.doc_of[x]).organisation_id for x in exclude if x in self.doc_of
        }
        subject = index.Subject(side, text.words(query), doc)
        recs = index.rank(None, self.idx, subject, MatchFilters(), k, weights, existing=ex_orgs)
        return [self.keys[r.partner_id - 1] for r in recs]


# --- the label sets --------------------------------------------------------------------


def half(key: str) -> str:
    return "tune" if hashlib.md5(key.encode()).digest()[0] % 2 == 0 else "test"


def load_ckg(split: str, limit: int) -> LabelSet:
    base = SHARED / "eval" / "chain-knowledge-graph"
    names = {}
    for line in (base / "company.json").read_text("utf-8").splitlines():
        r = json.loads(line)
        names[r["code"].split(".")[0]] = r.get("fullname") or r["name"]
    industry = {}
    for line in (base / "company_industry.json").read_text("utf-8").splitlines():
        r = json.loads(line)
        industry[r["company_code"].split(".")[0]] = r["industry_name"]
    products: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for line in (base / "company_product.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        if r.get("rel") == "主营产品":
            products[r["company_code"].split(".")[0]].append(
                (float(r.get("rel_weight") or 0), r["product_name"])
            )
    upstream: dict[str, set[str]] = defaultdict(set)
    for line in (base / "product_product.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        if r.get("rel") == "上游材料":
            upstream[r["from_entity"]].add(r["to_entity"])
    makers: dict[str, set[str]] = defaultdict(set)
    companies = []
    for code, items in products.items():
        if code not in names:
            continue
        items.sort(reverse=True)
        main = [p for _, p in items[:8]]
        for p in main:
            makers[p].add(code)
        text = "、".join(main) + "；" + industry.get(code, "")
        companies.append(
            Company(
                code, names[code], text, "生产" + "、".join(main) + "；" + industry.get(code, "")
            )
        )
    queries = {}
    for c in companies:
        if half(c.key) != split:
            continue
        main = [p for _, p in sorted(products[c.key], reverse=True)[:5]]
        need = sorted({m for p in main for m in upstream.get(p, ()) if m not in main})[:12]
        relevant = {x for m in need for x in makers.get(m, ()) if x != c.key}
        if need and 1 <= len(relevant) <= 100:
            queries[c.key] = ("、".join(need), relevant, set())
        if len(queries) >= limit:
            break
    return LabelSet(
        "ckg",
        companies,
        queries,
        seek=True,
        note=f"{len(companies):,} listed companies, {len(queries):,} queries ({split} half)",
    )


def load_ickg(split: str, limit: int) -> LabelSet:
    path = SHARED / "eval" / "ickg" / "ICKG25_quadruples_named.tsv"
    profile: dict[str, list[str]] = defaultdict(list)
    made: dict[str, list[str]] = defaultdict(list)
    edges = []
    for line in path.read_text("utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 5:
            continue
        _, head, rel, tail, date = parts[:5]
        if rel in ("涉足行业", "归属于行业", "持有专利"):
            profile[head].append(tail)
        elif rel == "基于专利生产":
            made[head].append(tail)
            profile[head].append(tail)
        elif rel in ("供给", "合作", "合资"):
            edges.append((head, tail, date[:7]))
    companies = []
    for name, items in profile.items():
        text = "；".join(dict.fromkeys(items))[:3000]
        scope = ("生产" + "、".join(made[name]) + "；" if made[name] else "") + text
        kind = (
            "university"
            if "大学" in name
            else ("research_institute" if "研究院" in name or "研究所" in name else "enterprise")
        )
        companies.append(Company(name, name, text, scope, kind))
    known = set(profile)
    early: dict[str, set[str]] = defaultdict(set)
    late: dict[str, set[str]] = defaultdict(set)
    for a, b, month in edges:
        if a not in known or b not in known or a == b:
            continue
        side = early if month <= "2025-06" else late
        side[a].add(b)
        side[b].add(a)
    queries = {}
    wanted = late if split == "test" else early
    for a in sorted(wanted):
        relevant = wanted[a] - (early[a] if split == "test" else set())
        if relevant:
            exclude = early[a] if split == "test" else set()
            queries[a] = ("；".join(dict.fromkeys(profile[a]))[:3000], relevant, exclude)
        if len(queries) >= limit:
            break
    return LabelSet(
        "ickg",
        companies,
        queries,
        note=(
            f"{len(companies):,} companies with a profile, {len(queries):,} queries "
            + (
                "(partners of Jul–Dec, Jan–Jun partners left out)"
                if split == "test"
                else "(Jan–Jun)"
            )
        ),
    )


def load_demo(split: str, limit: int) -> LabelSet | None:
    """The demo database's organisations (and listings, with matchweb's intended pairs)."""
    import tempfile

    from sqlalchemy.orm import Session

    from haihe.core.db import make_engine, upgrade
    from haihe.demo import build_demo

    tmp = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{tmp}/demo.db")
    upgrade(engine)
    build_demo(engine)
    try:
        from haihe.matching import demo as matching_demo  # matchweb's listings
    except ImportError:
        matching_demo = None
    with Session(engine) as s:
        if matching_demo is not None and hasattr(matching_demo, "intended_pairs"):
            return demo_listings(s, matching_demo.intended_pairs(s))
        return demo_from_edges(s, limit)


def demo_from_edges(s, limit: int) -> LabelSet:  # noqa: ANN001
    from sqlalchemy import select

    from haihe.chains import queries as chains
    from haihe.registry.models import Organisation

    infos = chains.all_chains(s)
    edges = {c.key: set(c.definition.edges) for c in infos}
    places = defaultdict(list)
    for oid, chain, seg, role in chains.placement_rows(s.connection()):
        places[oid].append((chain, seg, role))
    orgs = {o.id: o for o in s.scalars(select(Organisation))}
    companies = [
        Company(str(o.id), o.name, o.description or o.name, o.description or "", o.kind)
        for o in orgs.values()
    ]

    def research(oid: int) -> bool:
        return orgs[oid].kind in ("research_institute", "university") or any(
            r == "research" for _, _, r in places[oid]
        )

    by_seg = defaultdict(set)
    for oid, ps in places.items():
        for chain, seg, _ in ps:
            by_seg[(chain, seg)].add(oid)
    queries = {}
    for oid in sorted(places):
        if half(str(oid)) != "test":
            continue
        prov = (orgs[oid].region_code or "")[:2]
        rel = set()
        for chain, seg, _ in places[oid]:
            for a, b in edges.get(chain, ()):
                other = b if a == seg else a if b == seg else None
                if other is None:
                    continue
                for p in by_seg[(chain, other)]:
                    pp = (orgs[p].region_code or "")[:2]
                    if pp and prov and pp != prov and research(p) != research(oid):
                        rel.add(str(p))
        if 1 <= len(rel) <= 100:
            queries[str(oid)] = (orgs[oid].description or orgs[oid].name, rel, set())
        if len(queries) >= limit:
            break
    return LabelSet(
        "demo",
        companies,
        queries,
        note=(
            f"{len(companies):,} demo organisations, {len(queries):,} queries; truth DERIVED "
            "from the chains' supply edges (the demo's own listings are not in this branch)"
        ),
    )


def demo_listings(s, pairs) -> LabelSet:  # noqa: ANN001
    """matchweb's intended pairs: each demo listing should find the listing (or its
    organisation) it was written for. Haihe ranks with the database's index."""
    from sqlalchemy import select

    from haihe.matching import index
    from haihe.matching.models import Listing
    from haihe.registry.models import Organisation

    companies = [
        Company(f"organisation:{o.id}", o.name, f"{o.name} {o.description or ''}", "", o.kind)
        for o in s.scalars(select(Organisation))
    ]
    listings = {x.id: x for x in s.scalars(select(Listing).where(Listing.status == "open"))}
    companies += [
        Company(
            f"listing:{x.id}",
            x.title,
            " ".join(p or "" for p in (x.title, x.keywords, x.field, x.abstract, x.capacity)),
            "",
        )
        for x in listings.values()
    ]
    queries = {}
    for pair in pairs:
        subject = listings.get(pair.subject_listing_id)
        if subject is None:
            continue
        key = f"listing:{subject.id}"
        rel = {f"listing:{pair.partner_listing_id}", f"organisation:{pair.partner_organisation_id}"}
        query = " ".join(p or "" for p in (subject.title, subject.keywords, subject.abstract))
        old = queries.get(key)
        queries[key] = (
            query,
            rel | (old[1] if old else set()),
            {f"organisation:{subject.organisation_id}"},
        )
    idx = index.get_index(s)

    def haihe(key: str, query: str, exclude: set[str], weights, seek: bool) -> list[str]:  # noqa: ANN001
        lid = int(key.split(":")[1])
        subject = index._subject(s, idx, "listing", lid)
        recs = index.rank(s, idx, subject, index.MatchFilters(), 50, weights)
        return [f"{r.partner_kind}:{r.partner_id}" for r in recs]

    ls = LabelSet(
        "demo",
        companies,
        queries,
        note=f"{len(listings)} demo listings, {len(queries)} with intended partners (known truth)",
    )
    ls.haihe = haihe
    return ls


# --- running ---------------------------------------------------------------------------


def evaluate(ls: LabelSet, out: list[str]) -> None:
    from haihe.matching.ranking import DEFAULT_WEIGHTS, PARTS

    t = time.perf_counter()
    haihe = ls.haihe or Haihe(ls.companies).rank
    plain = PlainBM25(ls.companies)
    built = time.perf_counter() - t
    variants = {"haihe": DEFAULT_WEIGHTS}
    for p in PARTS:
        variants[f"haihe without {p}"] = DEFAULT_WEIGHTS.without(p)
    variants["haihe text only"] = DEFAULT_WEIGHTS.without(*(p for p in PARTS if p != "text"))
    results: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for key, (query, relevant, exclude) in ls.queries.items():
        results["plain bm25"].append(metrics(plain.rank(query, exclude | {key}), relevant))
        for name, w in variants.items():
            results[name].append(metrics(haihe(key, query, exclude, w, ls.seek), relevant))
    print(f"\n== {ls.name}: {ls.note} (indexed in {built:.1f} s)")
    base = np.array(results["plain bm25"])
    print(f"{'ranking':<26}{'P@10':>22}{'R@50':>22}{'nDCG@10':>22}")
    for name, rows in results.items():
        a = np.array(rows)
        cells = []
        for j in range(3):
            lo, hi = bootstrap(a[:, j])
            cells.append(f"{a[:, j].mean():.3f} [{lo:.3f}, {hi:.3f}]")
        print(f"{name:<26}" + "".join(f"{c:>22}" for c in cells))
    h = np.array(results["haihe"])
    for j, m in enumerate(("P@10", "R@50", "nDCG@10")):
        lo, hi = bootstrap(h[:, j] - base[:, j])
        d = (h[:, j] - base[:, j]).mean()
        verdict = "beats" if lo > 0 else ("ties" if hi >= 0 else "LOSES TO")
        line = (
            f"{ls.name}: haihe {verdict} plain BM25 on {m} by {d:+.3f} "
            f"[{lo:+.3f}, {hi:+.3f}] (95% bootstrap of the paired difference)"
        )
        print(line)
        out.append(line)
    for p in ("text", "chain", "city", "scale", "preference"):
        w = np.array(results[f"haihe without {p}"])
        d = (h[:, 2] - w[:, 2]).mean()
        out.append(f"{ls.name}: the {p} part adds {d:+.3f} nDCG@10")
    print("; ".join(x.split(": ", 1)[1] for x in out if x.startswith(f"{ls.name}: the ")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="demo,ckg,ickg")
    parser.add_argument("--split", default="test", choices=("test", "tune"))
    parser.add_argument("--queries", type=int, default=400, help="per set, at most")
    args = parser.parse_args()
    from haihe.models import load_all

    load_all()
    summary: list[str] = []
    for name in args.sets.split(","):
        if name in ("ckg", "ickg") and not (SHARED / "eval").is_dir():
            print(f"== {name}: skipped, no evaluation data at {SHARED}")
            continue
        ls = {"demo": load_demo, "ckg": load_ckg, "ickg": load_ickg}[name](args.split, args.queries)
        if ls is None or not ls.queries:
            print(f"== {name}: no queries")
            continue
        evaluate(ls, summary)
    print("\nsummary:")
    for line in summary:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
