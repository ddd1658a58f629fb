"""The quality benchmark's label sets read real relations (skipped without ../shared/data)
and the ranking finds some of them: a check that the sets and the ranking still meet, not
the benchmark's figures (benchmarks/match_quality.py prints those)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


def test_companies_needing_a_material_find_its_makers(shared_data, monkeypatch):
    import match_quality as mq

    from haihe.matching.ranking import DEFAULT_WEIGHTS

    monkeypatch.setattr(mq, "SHARED", shared_data)
    ls = mq.load_ckg("test", 25)
    assert len(ls.queries) == 25
    assert all(rel and key not in rel for key, (_, rel, _) in ls.queries.items())
    haihe, plain = mq.Haihe(ls.companies), mq.PlainBM25(ls.companies)
    ours = np.array(
        [
            mq.metrics(haihe.rank(k, q, ex, DEFAULT_WEIGHTS, ls.seek), rel)
            for k, (q, rel, ex) in ls.queries.items()
        ]
    )
    base = np.array(
        [mq.metrics(plain.rank(q, ex | {k}), rel) for k, (q, rel, ex) in ls.queries.items()]
    )
    assert ours[:, 1].mean() > 0.5  # recall@50: most makers are found
    assert ours[:, 2].mean() > 0.8 * base[:, 2].mean()  # not far behind words alone


def test_dated_edges_split_into_earlier_and_later_partners(shared_data, monkeypatch):
    import match_quality as mq

    monkeypatch.setattr(mq, "SHARED", shared_data)
    later = mq.load_ickg("test", 50)
    assert later.queries
    for _, (query, relevant, existing) in later.queries.items():
        assert query and relevant
        assert not relevant & existing  # an earlier partner is not a later one to find
