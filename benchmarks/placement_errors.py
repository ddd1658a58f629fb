"""Count the classifier's chain-level errors on the TUNE split by cause, for
docs/placement-errors.md (the test split is never read here).

    python benchmarks/placement_errors.py           # counts
    python benchmarks/placement_errors.py --list    # and each error's USCC, to read by hand

Each (firm, chain) error gets one cause, tried in this order. False placements: F1 a seller
put on a sales segment; F5 repair, rental or installation on a service segment; F6 xinchuang;
F4 generic R&D or software words (next-gen IT, research or service); F3 only over-broad words
(promoted by a second signal); F2 a specific word on the wrong or a minor chain. Missed ones:
N1 no keyword of the chain in the name or scope; N3 only over-broad words of the chain; N2 a
keyword found but not enough (activity refused, late clause, below the threshold, name only,
excluded).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import placement_quality as pq  # noqa: E402

from haihe.chains.classifier import Classifier  # noqa: E402
from haihe.chains.definitions import shipped  # noqa: E402

TUNE = dict(pq.GUIDE_SPLITS)["tune"]
WORDS = re.compile(r"经营范围关键词 ([^（]+)（")


def causes(chains) -> tuple[Counter, Counter, list[tuple[str, str, str]], dict]:
    rows = [d for d in pq.guide_registrations(chains=chains) if d["row"].region in TUNE]
    clf = Classifier(chains)
    fp, fn, listed = Counter(), Counter(), []
    tally = {"tp": 0, "fp": 0, "fn": 0}
    for d in rows:
        org, truth = d["org"], set(d["row"].chains)
        try:
            hits = clf.classify(org, calibrated=False)
        except TypeError:  # a classifier from before calibration (to count its errors too)
            hits = clf.classify(org)
        placed = {h.chain_key for h in hits}
        tally["tp"] += len(placed & truth)
        text = f"{org.name} {org.description or ''}".lower()
        for ck in placed - truth:
            mine = [h for h in hits if h.chain_key == ck]
            words = {w for h in mine for m in WORDS.findall(h.reason_zh) for w in m.split("、")}
            segs = {(ck, h.segment_id) for h in mine}
            if any(h.role == "trade" for h in mine):
                c = "F1"
            elif all(clf.activities[at] == ("service",) for at in segs):
                c = "F5"
            elif ck == "xinchuang":
                c = "F6"
            elif ck == "next_gen_it" and all(h.role in ("research", "service") for h in mine):
                c = "F4"
            elif words and all(any((w, at) in clf.weak for at in segs) for w in words):
                c = "F3"
            else:
                c = "F2"
            fp[c] += 1
            listed.append((c, d["row"].uscc, ck))
        for ck in truth - placed:
            found = [w for w in clf.kw if w in text and any(at[0] == ck for at in clf.kw[w])]
            if not found:
                c = "N1"
            elif all(all((w, at) in clf.weak for at in clf.kw[w] if at[0] == ck) for w in found):
                c = "N3"
            else:
                c = "N2"
            fn[c] += 1
            listed.append((c, d["row"].uscc, ck))
    tally["fp"], tally["fn"] = sum(fp.values()), sum(fn.values())
    return fp, fn, listed, tally


def main() -> int:
    fp, fn, listed, t = causes(shipped())
    p = t["tp"] / (t["tp"] + t["fp"])
    r = t["tp"] / (t["tp"] + t["fn"])
    print(
        f"tune split ({'+'.join(TUNE)}), chain level: {t['tp']} right, {t['fp']} false, "
        f"{t['fn']} missed; P {p:.2f} R {r:.2f} F1 {2 * p * r / (p + r):.2f}"
    )
    for name, counts in (("false placements", fp), ("missed placements", fn)):
        print(f"{name}: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())))
    if "--list" in sys.argv[1:]:
        for c, uscc, ck in sorted(listed):
            print(f"  {c} {uscc} {ck}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
