"""Would a supervised model over the scope text help the rules? Trained at benchmark time
only, on the TUNE split of the registrations labelled to docs/labelling-guide.md, and
measured once on the test split.

Why nothing of it ships: the labels are read from evaluation-only registrations (CC BY-NC-SA,
../shared/data/README.md says they are never copied into the project), so neither their
scopes nor a model fitted to them may go into the package. The product keeps the rules and
the calibrated numbers of chains/calibration.py.

The model: character 1–3-gram TF-IDF of the name and the scope (exclusions removed as the
classifier removes them), one logistic regression per chain with at least 8 positive tune
rows. Combined with the rules at chain level in one of three ways, chosen with the threshold
by 5-fold cross-validation on the tune split alone (highest F1):
  veto   a rule placement is kept unless the model gives its chain less than t;
  add    the rules, plus chains the model gives at least t;
  model  the model alone at t.

    python benchmarks/placement_model.py      (needs scikit-learn: the dev extra)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import placement_quality as pq  # noqa: E402

from haihe.chains.classifier import Classifier, strip_exclusions  # noqa: E402
from haihe.chains.definitions import shipped  # noqa: E402

SPLITS = dict(pq.GUIDE_SPLITS)
MIN_POSITIVES = 8
THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.05))


def _text(org) -> str:
    return f"{org.name} {strip_exclusions(org.description or '')[0]}"


def _fit(texts, y):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x = vec.fit_transform(texts)
    models = []
    for j in range(y.shape[1]):
        m = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        m.fit(x, y[:, j])
        models.append(m)
    return vec, models


def _proba(vec, models, texts) -> np.ndarray:
    x = vec.transform(texts)
    return np.column_stack([m.predict_proba(x)[:, 1] for m in models])


def _combine(mode: str, t: float, rules: list[set[str]], proba: np.ndarray, keys: list[str]):
    out = []
    for i, placed in enumerate(rules):
        p = dict(zip(keys, proba[i], strict=True))
        if mode == "veto":
            got = {c for c in placed if c not in p or p[c] >= t}
        elif mode == "add":
            got = placed | {c for c, v in p.items() if v >= t}
        else:
            got = {c for c, v in p.items() if v >= t}
        out.append(got)
    return out


def _f1(pred, truth) -> float:
    tp = sum(len(a & b) for a, b in zip(pred, truth, strict=True))
    fp = sum(len(a - b) for a, b in zip(pred, truth, strict=True))
    fn = sum(len(b - a) for a, b in zip(pred, truth, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> int:
    chains = shipped()
    rows = pq.guide_registrations(chains=chains)
    clf = Classifier(chains)
    for d in rows:
        d["rules"] = {h.chain_key for h in clf.classify(d["org"])}
        d["truth"] = set(d["row"].chains)
        d["text"] = _text(d["org"])
    tune = [d for d in rows if d["row"].region in SPLITS["tune"]]
    test = [d for d in rows if d["row"].region in SPLITS["test"]]
    keys = sorted(c.key for c in chains if sum(c.key in d["truth"] for d in tune) >= MIN_POSITIVES)
    y = np.array([[k in d["truth"] for k in keys] for d in tune], dtype=int)
    # out-of-fold probabilities on tune, to choose the combination and its threshold
    rng = np.random.default_rng(13)
    fold = rng.integers(0, 5, len(tune))
    oof = np.zeros((len(tune), len(keys)))
    for f in range(5):
        tr, va = fold != f, fold == f
        vec, models = _fit([d["text"] for d, m in zip(tune, tr, strict=True) if m], y[tr])
        oof[va] = _proba(vec, models, [d["text"] for d, m in zip(tune, va, strict=True) if m])
    truth = [d["truth"] for d in tune]
    rules = [d["rules"] for d in tune]
    best = ("rules", 0.0, _f1(rules, truth))
    chosen: dict[str, float] = {}
    print(f"tune (5-fold, out of fold), chain F1: rules alone {best[2]:.3f}")
    for mode in ("veto", "add", "model"):
        scores = [(t, _f1(_combine(mode, t, rules, oof, keys), truth)) for t in THRESHOLDS]
        t, f = max(scores, key=lambda s: s[1])
        chosen[mode] = t
        print(f"  {mode:5} best at t={t:.2f}: F1 {f:.3f}")
        if f > best[2]:
            best = (mode, t, f)
    print(f"chosen on tune: {best[0]}" + (f" at t={best[1]:.2f}" if best[0] != "rules" else ""))
    vec, models = _fit([d["text"] for d in tune], y)
    proba = _proba(vec, models, [d["text"] for d in test])
    test_truth = [d["truth"] for d in test]
    test_rules = [d["rules"] for d in test]
    print(f"\nTEST split ({'+'.join(SPLITS['test'])}, {len(test)} rows), chain level P / R / F1:")
    lines = [("rules (shipped classifier)", test_rules)]
    for mode, t in chosen.items():
        lines.append((f"{mode} at t={t:.2f}", _combine(mode, t, test_rules, proba, keys)))
    for name, pred in lines:
        per_row = [pq._counts(p, t) for p, t in zip(pred, test_truth, strict=True)]
        (p, r, f), ci = pq.bootstrap(per_row)
        cells = " ".join(pq._cell(v, c) for v, c in zip((p, r, f), ci, strict=True))
        mark = "  <- chosen on tune" if name.startswith(best[0]) else ""
        print(f"  {name:28} {cells}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
