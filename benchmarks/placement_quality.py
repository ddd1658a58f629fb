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


# --- 2002 registrations labelled to docs/labelling-guide.md (segment level) ------------
# benchmarks/labels/registrations_2002_segments.csv: 1,200 rows, 400 per province (250 random,
# 150 enriched with make/R&D verbs), labelled chain/segment:activity. Split by region: 天津 is
# the test split (only its aggregate figures are looked at), 北京 + 河北 the tune split. Every
# shipped chain is scored. A segment counts when the exact chain/segment is placed (a parent
# segment for a labelled child is a miss: the guide labels the most specific one; "segment~"
# counts parent and child too). Run this set alone: python benchmarks/placement_quality.py --guide

GUIDE_LABELS = LABELS / "registrations_2002_segments.csv"
GUIDE_SPLITS = (("test", ("天津",)), ("tune", ("北京", "河北")))
GUIDE_TARGETS = (
    ("chain", "P", 0.70),
    ("chain", "R", 0.55),
    ("segment", "F1", 0.45),
    ("segment~", "F1", 0.45),
)
BOOTSTRAP = 1000


def _labelled_set():
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import labelled_set

    return labelled_set


def guide_registrations(path: Path = GUIDE_LABELS, chains=None) -> list[dict]:
    """The labelled rows ('?' left out) with their organisation facts from the eval data."""
    got = _labelled_set().read(path, chains)
    if got.problems:
        raise SystemExit(
            f"{path}: refused by benchmarks/labelled_set.py:\n" + "\n".join(got.problems)
        )
    want = {r.uscc: r for r in got.rows if r.labels is not None}
    folder = DATA / "eval" / "enterprise-registrations-2002"
    out = []
    for f in ("北京.csv", "天津.csv", "河北.csv"):
        with (folder / f).open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                row = want.pop(r.get("统一社会信用代码"), None)
                if row is not None:
                    org = OrgFacts(r["企业名称"], description=r["经营范围"])
                    out.append({"row": row, "org": org})
    if want:
        print(f"  {len(want)} labelled rows not found in {folder}", file=sys.stderr)
    return out


class SegmentBaseline:
    """Keyword-only at segment level: any keyword of a segment anywhere → placed there."""

    def __init__(self, chains: list[ChainDefinition]) -> None:
        self.words = [
            (w.lower(), f"{c.key}/{s.id}")
            for c in chains
            for s in c.segments
            for w in (*s.keywords_zh, *s.keywords_en)
        ]

    def segments(self, org: OrgFacts) -> set[str]:
        text = f"{org.name} {org.description or ''}".lower()
        return {at for w, at in self.words if w in text}


def _counts(pred: set[str], truth: set[str]) -> tuple[int, int, int]:
    return len(pred & truth), len(pred - truth), len(truth - pred)


def _p_r_f(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    nan = float("nan")
    p = tp / (tp + fp) if tp + fp else nan
    r = tp / (tp + fn) if tp + fn else nan
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else nan
    return p, r, f


def bootstrap(per_row: list[tuple[int, int, int]], reps: int = BOOTSTRAP, seed: int = 13):
    """Micro-averaged P, R, F1 and their 95% percentile intervals, resampling rows."""
    point = _p_r_f(*(sum(x[i] for x in per_row) for i in range(3)))
    rng = random.Random(seed)
    n = len(per_row)
    live = [(i, t) for i, t in enumerate(per_row) if any(t)]
    draws: list[list[float]] = [[], [], []]
    for _ in range(reps if n else 0):
        mult = [0] * n
        for i in rng.choices(range(n), k=n):
            mult[i] += 1
        tot = [0, 0, 0]
        for i, t in live:
            if mult[i]:
                for k in range(3):
                    tot[k] += mult[i] * t[k]
        for k, v in enumerate(_p_r_f(*tot)):
            if v == v:
                draws[k].append(v)
    ci = []
    for d in draws:
        d.sort()
        ci.append((d[int(0.025 * len(d))], d[min(len(d) - 1, int(0.975 * len(d)))]) if d else None)
    return point, ci


def _cell(point: float, ci) -> str:
    if point != point:
        return f"{'-':>17}"
    return f"{point:5.2f} [{ci[0]:.2f}–{ci[1]:.2f}]" if ci else f"{point:5.2f} [   -   ]"


def guide_predictions(rows: list[dict], chains: list[ChainDefinition]) -> None:
    """Adds to each row what Haihe and the baseline place it on (chains and segments)."""
    clf, seg_base = Classifier(chains), SegmentBaseline(chains)
    by_key = {c.key: c for c in chains}
    for d in rows:
        hits = clf.classify(d["org"])
        segs = seg_base.segments(d["org"])
        d["pred"] = {
            "haihe": ({h.chain_key for h in hits}, {f"{h.chain_key}/{h.segment_id}" for h in hits}),
            "baseline": ({s.split("/")[0] for s in segs}, segs),
        }
        d["truth"] = (set(d["row"].chains), set(d["row"].segments))
        d["kin"] = {m: _kin_counts(d["pred"][m][1], d["truth"][1], by_key) for m in d["pred"]}


def _kin_counts(placed: set[str], truth: set[str], by_key) -> tuple[int, int, int]:
    """Segment level where a parent or child of a labelled segment counts as right (as the
    listed companies are scored): a firm labelled 医学影像 placed on 医疗器械 is not a miss."""

    def kin(a: str) -> set[str]:
        ck, sid = a.split("/")
        c = by_key.get(ck)
        if c is None or c.segment(sid) is None:
            return {a}
        near = {sid, *c.ancestors(sid)} | {s.id for s in c.segments if sid in c.ancestors(s.id)}
        return {f"{ck}/{k}" for k in near}

    tp = sum(1 for p in placed if kin(p) & truth)
    found = sum(1 for t in truth if kin(t) & placed)
    return tp, len(placed) - tp, len(truth) - found


def _level_line(label: str, rows: list[dict], level: int) -> tuple[str, dict]:
    out, got = [], {}
    for m in ("haihe", "baseline"):
        per_row = [
            d["kin"][m] if level == 2 else _counts(d["pred"][m][level], d["truth"][level])
            for d in rows
        ]
        (p, r, f), ci = bootstrap(per_row)
        got[m] = {"P": p, "R": r, "F1": f}
        out.append(" ".join(_cell(v, c) for v, c in zip((p, r, f), ci, strict=True)))
    return f"{label:24} | {out[0]} | {out[1]}", got


def guide_report(chains: list[ChainDefinition] | None = None) -> int:
    chains = chains if chains is not None else shipped()
    title = "2002 registrations labelled to the guide (real; segment-level labels)"
    if not (DATA / "eval" / "enterprise-registrations-2002").is_dir():
        print(f"\n== {title}: skipped, {DATA / 'eval'} not found", file=sys.stderr)
        return 0
    rows = guide_registrations(chains=chains)
    guide_predictions(rows, chains)
    head = f"{'P [95%]':>17} {'R [95%]':>17} {'F1 [95%]':>17}"
    for split, regions in GUIDE_SPLITS:
        part = [d for d in rows if d["row"].region in regions]
        on = sum(1 for d in part if d["truth"][0])
        print(
            f"\n== {title}, {split.upper()} split ({'+'.join(regions)}): {len(part)} rows, "
            f"{on} on some chain; 95% bootstrap intervals over rows ({BOOTSTRAP} draws)"
        )
        print(f"{'sample, level':24} | {'Haihe ' + head:>53} | {'keyword baseline ' + head:>53}")
        figures = {}
        for sample in ("random", "enriched", "all"):
            some = [d for d in part if sample == "all" or d["row"].sample == sample]
            for level, name in ((0, "chain"), (1, "segment"), (2, "segment~")):
                line, got = _level_line(f"{sample} ({len(some)}) {name}", some, level)
                print(line)
                figures[(sample, name)] = got
        print("(segment: the exact labelled segment; segment~: its parent or child counts too)")
        print(f"per chain ({split}, all samples; n = labelled positives):")
        print(
            f"{'chain':25} {'n':>4} | {'Haihe ' + head:>53} | {'baseline P':>10} {'R':>5} {'F1':>5}"
        )
        for c in chains:
            per = {}
            for m in ("haihe", "baseline"):
                per[m] = [_counts({c.key} & d["pred"][m][0], {c.key} & d["truth"][0]) for d in part]
            n = sum(t[0] + t[2] for t in per["haihe"])
            if not n and not any(t[1] for m in per for t in per[m]):
                continue
            (p, r, f), ci = bootstrap(per["haihe"])
            bp, br, bf = _p_r_f(*(sum(t[i] for t in per["baseline"]) for i in range(3)))
            cells = " ".join(_cell(v, x) for v, x in zip((p, r, f), ci, strict=True))
            print(f"{c.key:25} {n:>4} | {cells} | {bp:10.2f} {br:5.2f} {bf:5.2f}")
        rand = [d for d in part if d["row"].sample == "random"]
        placed = [d for d in rand if d["pred"]["haihe"][0]]
        per_row = [_counts(d["pred"]["haihe"][0], d["truth"][0]) for d in placed]
        (p, _r, _f), ci = bootstrap(per_row)
        every = sum(1 for t in per_row if not t[1])
        print(
            f"precision on the random sample of placed firms ({split}): Haihe placed "
            f"{len(placed)} of {len(rand)} random firms; their chain placements are right "
            f"{_cell(p, ci[0]).strip()}; every placement right for {every} of {len(placed)}"
        )
        if split == "test":
            verdicts = []
            for level, metric, goal in GUIDE_TARGETS:
                v = figures[("all", level)]["haihe"][metric]
                verdicts.append(
                    f"{level} {metric} {v:.2f} {'≥' if v >= goal else '<'} {goal:.2f} "
                    f"({'met' if v >= goal else 'NOT met'})"
                )
            print("issue 13 targets (test split, Haihe): " + "; ".join(verdicts))
    return 0


def main() -> int:
    if "--guide" in sys.argv[1:]:  # only the registrations labelled to the guide
        return guide_report()
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
    guide_report(chains)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
