"""Precision and recall of chain placement, per chain, against labels the classifier was
not tuned on, compared with a keyword-only baseline.

Labelled sets (each printed separately, then pooled):

1. listed companies (../shared/data/eval/chain-knowledge-graph): input is the company's
   full name and its main products ("主营产品：…", by revenue share); the truth is its
   Shenwan industry mapped to Haihe chains by benchmarks/labels/shenwan_chains.csv, written
   by hand once before the classifier ran on this set ('?' industries are left out);
2. real 2002 business registrations (../shared/data/eval/enterprise-registrations-2002):
   name and business scope; truth from benchmarks/labels/registrations_2002_chains.csv,
   200 rows labelled by hand once (mostly negatives: trading firms with catch-all scopes);
3. the demo generator (synthetic): its organisations with the domain it drew them from.
   Its scopes were written alongside the chain keywords, so this set is optimistic and is
   reported apart.

The baseline places an organisation on every segment one of whose keywords occurs anywhere
in its name or text (no activity, no exclusions, no catch-all damping, no industry codes).

Scoring is per chain: an organisation counts as predicted on a chain if placed on any of its
segments. Precision = TP / (TP + FP), recall = TP / (TP + FN).

    python benchmarks/placement_quality.py
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from haihe.chains.classifier import Classifier, OrgFacts
from haihe.chains.definitions import ChainDefinition, shipped

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LABELS = ROOT / "benchmarks" / "labels"


class Baseline:
    """Keyword-only: any keyword anywhere → placed."""

    def __init__(self, chains: list[ChainDefinition]) -> None:
        self.words = [
            (w.lower(), c.key)
            for c in chains
            for s in c.segments
            for w in (*s.keywords_zh, *s.keywords_en)
        ]

    def chains(self, org: OrgFacts) -> set[str]:
        text = f"{org.name} {org.description or ''}".lower()
        return {ck for w, ck in self.words if w in text}


def read_labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def listed_companies(half: int) -> list[tuple[OrgFacts, set[str]]]:
    """half 0: even stock codes (the half looked at while revising the rules, 'dev');
    half 1: odd codes, held out."""
    kg = DATA / "eval" / "chain-knowledge-graph"
    labels = {r["industry_code"]: r["chains"] for r in read_labels(LABELS / "shenwan_chains.csv")}
    full = {}
    for line in (kg / "company.json").open(encoding="utf-8"):
        d = json.loads(line)
        full[d["code"]] = d["fullname"]
    products: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for line in (kg / "company_product.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        products[d["company_code"]].append((float(d.get("rel_weight") or 0), d["product_name"]))
    out = []
    seen = set()
    for line in (kg / "company_industry.json").open(encoding="utf-8"):
        d = json.loads(line)
        code = d["company_code"]
        if code in seen or code not in products or int(code[:6]) % 2 != half:
            continue
        seen.add(code)
        label = labels.get(d["industry_code"], "")
        if label == "?":
            continue
        truth = {x for x in label.split(";") if x}  # "chain/segment" (or "chain")
        names = [p for w, p in sorted(products[code], reverse=True) if w >= 0.03][:8]
        name = full.get(code.split(".")[0], d["company_name"])
        out.append((OrgFacts(name, description="主营产品：" + "、".join(names)), truth))
    return out


def registrations(files=("北京.csv", "天津.csv", "河北.csv")) -> list[tuple[OrgFacts, set[str]]]:
    """Split by region: Tianjin's rows are the test part (their errors were not read while
    revising the rules, 2026-12); Beijing's and Hebei's are the dev part."""
    labels = {r["uscc"]: r["chains"] for r in read_labels(LABELS / "registrations_2002_chains.csv")}
    out = []
    folder = DATA / "eval" / "enterprise-registrations-2002"
    for f in files:
        with (folder / f).open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                code = r.get("统一社会信用代码")
                if code in labels:
                    truth = {x for x in labels.pop(code).split(";") if x}
                    out.append((OrgFacts(r["企业名称"], description=r["经营范围"]), truth))
    return out


# The domain's chain, then chains some of its scopes legitimately reach too (power chips
# are on the NEV chain, industrial software on the industrial-internet chain): those are
# neither counted as hits nor as false placements.
DOMAIN_CHAINS = {
    "biomed": ({"biomedicine"}, set()),
    "meddev": ({"biomedicine"}, set()),
    "ic": ({"integrated_circuits"}, {"nev", "xinchuang"}),
    "xinchuang": ({"xinchuang"}, {"cybersecurity"}),
    "nev": ({"nev"}, {"integrated_circuits"}),
    "robot": ({"robots"}, {"machine_tools"}),
    "machine_tool": ({"machine_tools"}, set()),
    "hydrogen": ({"hydrogen"}, {"green_petrochemicals"}),
    "aerospace": ({"aerospace"}, {"new_materials"}),
    "materials": ({"new_materials"}, {"green_petrochemicals"}),
}


def demo_generated(n: int = 2000) -> list[tuple[OrgFacts, set[str]]]:
    from haihe.registry import demo

    rng = random.Random(7)
    out = []
    names: set[str] = set()
    usccs: set[str] = set()
    for _ in range(n):
        region = rng.choice(("110108", "120116", "130602"))
        state = rng.getstate()
        item = demo._make_org(rng, region, None, names, usccs)
        # replay the draw to learn the domain the generator chose (it is not returned)
        probe = random.Random()
        probe.setstate(state)
        weights = demo.DOMAIN_WEIGHTS.get(region[:2] + "0000", {})
        key = demo._pick(probe, tuple((d[0], weights.get(d[0], 1.0)) for d in demo.DOMAINS))
        out.append(
            (
                OrgFacts(item.name, item.kind, item.description, item.industry_codes),
                DOMAIN_CHAINS[key],
            )
        )
    return out


def _chain_of(label: str) -> str:
    return label.split("/")[0]


def score(
    name: str, rows: list[tuple[OrgFacts, set[str]]], clf: Classifier, base: Baseline, chains
):
    stats = {m: defaultdict(lambda: [0, 0, 0]) for m in ("haihe", "baseline")}
    per_org: list[tuple[int, int, int]] = []  # Haihe's chain-level tp, fp, fn per organisation
    seg_org: list[tuple[int, int, int]] = []  # and segment level (sets with segment labels)
    defs = {c.key: c for c in clf.chains.values()}
    for org, truth in rows:
        truth, ignored = truth if isinstance(truth, tuple) else (truth, set())
        seg_truth = {t for t in truth if "/" in t}
        truth = {_chain_of(t) for t in truth}
        hits = clf.classify(org)
        got = {"haihe": {h.chain_key for h in hits}, "baseline": base.chains(org)}
        mine = got["haihe"] & set(chains) - ignored
        per_org.append((len(mine & truth), len(mine - truth), len(truth - mine - ignored)))
        if seg_truth or not truth:
            seg_org.append(_segment_counts(hits, seg_truth, defs, set(chains) - ignored))
        for m, pred in got.items():
            for ck in chains:
                if ck in ignored:
                    continue
                s = stats[m][ck]
                if ck in pred and ck in truth:
                    s[0] += 1
                elif ck in pred:
                    s[1] += 1
                elif ck in truth:
                    s[2] += 1
    positives = sum(1 for _, t in rows if (t[0] if isinstance(t, tuple) else t))
    print(
        f"\n== {name}: {len(rows)} organisations "
        f"({positives} on some chain, {len(rows) - positives} on none)"
    )
    print(
        f"{'chain':22} {'n':>4} | {'Haihe P':>8} {'R':>6} {'F1':>6} | "
        f"{'baseline P':>10} {'R':>6} {'F1':>6}"
    )
    totals = {m: [0, 0, 0] for m in stats}
    for ck in chains:
        n = stats["haihe"][ck][0] + stats["haihe"][ck][2]
        cells = []
        for m in ("haihe", "baseline"):
            tp, fp, fn = stats[m][ck]
            for i, v in enumerate((tp, fp, fn)):
                totals[m][i] += v
            cells.append(_prf(tp, fp, fn))
        if n or stats["haihe"][ck][1] or stats["baseline"][ck][1]:
            print(f"{ck:22} {n:>4} | {cells[0]} | {cells[1]:>24}")
    print(
        f"{'micro-average':22} {'':>4} | {_prf(*totals['haihe'])} | {_prf(*totals['baseline']):>24}"
    )
    print(f"  Haihe chain level   P/R/F1 with 95% bootstrap intervals: {_ci(per_org)}")
    if any(t or f for t, f, _ in seg_org) and len(seg_org) == len(rows):
        print(f"  Haihe segment level P/R/F1 with 95% bootstrap intervals: {_ci(seg_org)}")
    return totals


def _segment_counts(hits, truth: set[str], defs, scored: set[str]) -> tuple[int, int, int]:
    """A placed segment is right when it is a labelled one, or its parent or child is."""
    placed = {f"{h.chain_key}/{h.segment_id}" for h in hits if h.chain_key in scored}

    def near(a: str) -> set[str]:
        ck, sid = a.split("/")
        d = defs.get(ck)
        if d is None or d.segment(sid) is None:
            return {a}
        kin = {sid, *d.ancestors(sid)} | {s.id for s in d.segments if sid in d.ancestors(s.id)}
        return {f"{ck}/{k}" for k in kin}

    tp = sum(1 for p in placed if near(p) & truth)
    found = sum(1 for t in truth if near(t) & placed)
    return tp, len(placed) - tp, len(truth) - found


def _ci(per_org: list[tuple[int, int, int]], n: int = 1000) -> str:
    """Micro P/R/F1 and 95% percentile-bootstrap intervals, resampling organisations."""
    import numpy as np

    a = np.array(per_org, dtype=float).reshape(-1, 3)
    rng = np.random.default_rng(13)
    idx = rng.integers(0, len(a), size=(n, len(a)))
    s = a[idx].sum(axis=1)  # (n, 3)

    def prf(tp, fp, fn):  # noqa: ANN001, ANN202
        with np.errstate(invalid="ignore", divide="ignore"):
            p = tp / (tp + fp)
            r = tp / (tp + fn)
            return p, r, 2 * p * r / (p + r)

    point = prf(*a.sum(axis=0))
    boot = prf(s[:, 0], s[:, 1], s[:, 2])
    cells = []
    for v, b in zip(point, boot, strict=True):
        lo, hi = np.nanpercentile(b, [2.5, 97.5])
        cells.append(f"{v:.2f} [{lo:.2f}–{hi:.2f}]")
    return " / ".join(cells)


def _prf(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if p == p and r == r and p + r else float("nan")
    return f"{p:8.2f} {r:6.2f} {f:6.2f}"


# The chains the labelled sets were written for (2026-11, before the other ten existed).
# The newer chains overlap them (医药健康 and 生物医药, 汽车 and 新能源汽车...) and have no
# labels yet: they are neither hits nor false placements here.
LABELLED_CHAINS = (
    "biomedicine",
    "cybersecurity",
    "hydrogen",
    "machine_tools",
    "nev",
    "robots",
    "aerospace",
    "green_petrochemicals",
    "integrated_circuits",
    "new_materials",
    "xinchuang",
)


def main() -> int:
    chains = shipped()
    keys = [c.key for c in chains if c.key in LABELLED_CHAINS]
    clf, base = Classifier(chains), Baseline(chains)
    sets = []
    if (DATA / "eval").is_dir():
        sets.append(("listed companies, held-out half (real, Shenwan labels)", listed_companies(1)))
        sets.append(
            ("2002 registrations, Tianjin (test part; hand labels)", registrations(("天津.csv",)))
        )
        sets.append(
            (
                "2002 registrations, Beijing and Hebei (dev part, read while revising)",
                registrations(("北京.csv", "河北.csv")),
            )
        )
    else:
        print(f"{DATA / 'eval'} not found: only the synthetic set is scored", file=sys.stderr)
    real = [r for _, rows in sets for r in rows]
    results = [score(n, rows, clf, base, keys) for n, rows in sets]
    if sets:
        score(
            "listed companies, dev half (seen while revising)", listed_companies(0), clf, base, keys
        )
    if real:
        print(f"\nreal sets together: {len(real)} labelled organisations")
        total = {
            m: [sum(r[m][i] for r in results) for i in range(3)] for m in ("haihe", "baseline")
        }
        print(f"  Haihe    P/R/F1 {_prf(*total['haihe'])}")
        print(f"  baseline P/R/F1 {_prf(*total['baseline'])}")
    score("demo generator (synthetic; optimistic)", demo_generated(), clf, base, keys)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
