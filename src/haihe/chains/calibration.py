"""What a placement's confidence means to an officer: the share of placements at that
score that were right on labelled real registrations.

The classifier's raw score (1 − e^(−evidence)) orders placements but is not a probability.
The numbers below turn it into one. They were learned on the TUNE split of
benchmarks/labels/registrations_2002_segments.csv (real 2002 registrations of Beijing and
Hebei labelled to docs/labelling-guide.md; the Tianjin test split was not used) by
`python benchmarks/calibrate_placements.py --write`, which documents the derivation: for each
band of raw scores, the share of placements on a labelled segment (or its parent or child),
smoothed as (right + 1) / (placed + 2) and made non-decreasing. Only these numbers ship; the
registrations themselves stay outside the repository.

An officer reading "0.80" can take it as: about four in five such placements are right.
"""

from __future__ import annotations

from bisect import bisect_right

# Band edges over the raw confidence (placement starts at classifier.PLACE_AT = 0.45).
EDGES = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0)
# The share right in each band (one number per band between consecutive edges).
SHARES = (0.26, 0.51, 0.51, 0.65, 0.65, 0.78, 0.78, 0.86)


def calibrated(raw: float) -> float:
    """The confidence shown for a placement whose raw score is `raw`."""
    if raw < EDGES[0]:
        return SHARES[0]
    i = min(bisect_right(EDGES, raw) - 1, len(SHARES) - 1)
    return SHARES[i]
