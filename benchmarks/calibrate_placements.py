"""How often a placement is right at each confidence the classifier computes, on the TUNE
split of the 2002 registrations labelled to docs/labelling-guide.md (Beijing + Hebei; the
Tianjin test split is never read here). The table it prints is what
`src/haihe/chains/calibration.py` ships as plain numbers: a placement's confidence shown to
officers is the share of tune-split placements in the same band of raw scores that were right.

    python benchmarks/calibrate_placements.py          # the table, and whether it matches
    python benchmarks/calibrate_placements.py --write  # also rewrite calibration.py's table

A placement is right when its chain/segment is a labelled one, or the labelled segment's
parent or child (as `segment~` in placement_quality.py). Bands are fixed edges over the raw
confidence 1 − e^(−score); each band's share is smoothed (right + 1) / (placed + 2) and the
shares are then made non-decreasing (pool adjacent violators), so a higher raw score never
shows a lower confidence.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import placement_quality as pq  # noqa: E402

from haihe.chains import calibration  # noqa: E402
from haihe.chains.classifier import Classifier  # noqa: E402
from haihe.chains.definitions import shipped  # noqa: E402

TUNE = dict(pq.GUIDE_SPLITS)["tune"]


def placements(chains) -> list[tuple[float, bool]]:
    """(raw confidence, right) for every placement on the tune split."""
    rows = [d for d in pq.guide_registrations(chains=chains) if d["row"].region in TUNE]
    clf = Classifier(chains)
    by_key = {c.key: c for c in chains}
    out = []
    for d in rows:
        truth = set(d["row"].segments)
        for h in clf.classify(d["org"], calibrated=False):
            at = f"{h.chain_key}/{h.segment_id}"
            right = bool(pq._kin_counts({at}, truth, by_key)[0])
            out.append((h.confidence, right))
    return out


def table(points: list[tuple[float, bool]], edges=calibration.EDGES):
    bands = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = [r for c, r in points if lo <= c < hi or (hi == edges[-1] and c == hi)]
        bands.append([lo, hi, len(inside), sum(inside)])
    # smoothed shares, then pool adjacent violators (weights: placements + 2)
    blocks = [[(b[3] + 1) / (b[2] + 2), b[2] + 2, [i]] for i, b in enumerate(bands)]
    merged: list[list] = []
    for blk in blocks:
        merged.append(blk)
        while len(merged) > 1 and merged[-2][0] > merged[-1][0]:
            b2, b1 = merged.pop(), merged.pop()
            w = b1[1] + b2[1]
            merged.append([(b1[0] * b1[1] + b2[0] * b2[1]) / w, w, b1[2] + b2[2]])
    shares = [0.0] * len(bands)
    for value, _w, idx in merged:
        for i in idx:
            shares[i] = round(value, 2)
    return bands, shares


def main() -> int:
    chains = shipped()
    points = placements(chains)
    bands, shares = table(points)
    print(f"tune split ({'+'.join(TUNE)}): {len(points)} placements")
    print(f"{'raw confidence':>16} {'placed':>7} {'right':>6} {'share':>6} {'shown':>6}")
    for (lo, hi, n, right), s in zip(bands, shares, strict=True):
        raw = right / n if n else float("nan")
        print(f"  [{lo:.2f}, {hi:.2f}) {n:>7} {right:>6} {raw:6.2f} {s:6.2f}")
    shipped_shares = list(calibration.SHARES)
    same = shipped_shares == shares
    print(f"shipped table in src/haihe/chains/calibration.py: {'matches' if same else 'DIFFERS'}")
    if "--write" in sys.argv[1:] and not same:
        path = Path(calibration.__file__)
        text = path.read_text(encoding="utf-8")
        new = "SHARES = (" + ", ".join(f"{s:.2f}" for s in shares) + ")"
        text = re.sub(r"SHARES = \([^)]*\)", new, text, count=1)
        path.write_text(text, encoding="utf-8")
        print(f"written: {new}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
