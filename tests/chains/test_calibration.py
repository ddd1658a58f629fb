"""A placement's confidence is the calibrated share right (chains/calibration.py), learned on
the tune split only, and the shipped numbers are the ones the benchmark derives."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from haihe.chains import calibration
from haihe.chains.classifier import PLACE_AT, Classifier, OrgFacts
from haihe.chains.definitions import shipped

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "data" / "eval" / "enterprise-registrations-2002"


def test_the_table_is_a_share_per_band_that_never_falls():
    assert calibration.EDGES[0] == PLACE_AT
    assert len(calibration.SHARES) == len(calibration.EDGES) - 1
    assert all(0 < s < 1 for s in calibration.SHARES)
    assert list(calibration.SHARES) == sorted(calibration.SHARES)
    raws = [PLACE_AT + i / 200 for i in range(111)]
    shown = [calibration.calibrated(min(r, 1.0)) for r in raws]
    assert shown == sorted(shown)
    assert calibration.calibrated(1.0) == calibration.SHARES[-1]


def test_a_placement_shows_the_calibrated_confidence_and_says_what_it_means():
    clf = Classifier(shipped())
    org = OrgFacts("天津某医疗器械有限公司", description="生产、销售医疗器械、医用导管")
    raw = clf.classify(org, calibrated=False)
    shown = clf.classify(org)
    assert raw and [(h.chain_key, h.segment_id) for h in raw] == [
        (h.chain_key, h.segment_id) for h in shown
    ]
    for r, s in zip(raw, shown, strict=True):
        assert s.confidence == calibration.calibrated(r.confidence)
        assert f"约 {round(s.confidence * 100)}% 正确" in s.reason_zh
        assert "of such placements were right" in s.reason_en
        assert "正确" not in r.reason_zh


@pytest.mark.skipif(not EVAL.is_dir(), reason=f"real registrations not found at {EVAL}")
def test_the_shipped_table_is_what_the_tune_split_gives():
    here = str(ROOT / "benchmarks")
    if here not in sys.path:
        sys.path.insert(0, here)
    spec = importlib.util.spec_from_file_location(
        "calibrate_placements", ROOT / "benchmarks" / "calibrate_placements.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    chains = shipped()
    points = mod.placements(chains)
    _bands, shares = mod.table(points)
    assert tuple(shares) == calibration.SHARES, (
        "the classifier or the chains changed: run "
        "python benchmarks/calibrate_placements.py --write"
    )
