"""Diagnosis rules on figures we choose, then on the demo: statuses, breakpoints,
complementarity, lists and the API that returns them."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from haihe.chains import definitions, lists, queries
from haihe.chains.diagnosis import Thresholds, _rules
from haihe.chains.panorama import Figures
from haihe.core.errors import InvalidInput

CHAIN = definitions.from_data(
    {
        "key": "toy",
        "name": {"zh": "玩具链", "en": "Toy"},
        "segments": [
            {"id": "a", "stage": "upstream", "name": {"zh": "甲"}, "industries": ["2761"]},
            {"id": "b", "stage": "midstream", "name": {"zh": "乙"}, "industries": ["2761"]},
            {"id": "c", "stage": "downstream", "name": {"zh": "丙"}, "industries": ["2761"]},
            {"id": "d", "stage": "downstream", "name": {"zh": "丁"}, "industries": ["2761"]},
        ],
        "edges": [["a", "b"], ["b", "c"], ["a", "d"]],
    }
)


def fig(n: int, emp: int = 0) -> Figures:
    f = Figures()
    f.add("make", "enterprise", n, emp or n * 10, 0)
    return f


def test_statuses_follow_the_rules_and_say_why():
    mine = {"a": fig(20), "b": fig(1), "c": fig(20)}
    theirs = {"a": fig(20), "b": fig(20), "c": fig(20), "d": fig(5)}
    d = _rules(CHAIN, "120000", ["110000"], Thresholds(), mine, theirs).by_id()
    assert d["a"].status == "strong" and "score" in d["a"].rule
    assert d["b"].status == "weak" and "strong_min_orgs" in d["b"].rule
    assert d["d"].status == "missing" and d["d"].rule.startswith("0 < min_orgs")
    assert d["b"].breakpoint  # a and c around it are strong
    assert not d["d"].breakpoint  # missing, but it has no customer segment
    assert d["a"].evidence()["location_quotient_vs_partners"] is not None


def test_thresholds_change_the_verdict_and_bad_ones_are_named():
    mine = {"a": fig(4), "b": fig(4), "c": fig(4), "d": fig(4)}
    theirs = dict(mine)
    loose = _rules(CHAIN, "120000", ["110000"], Thresholds(), mine, theirs)
    strict = _rules(
        CHAIN, "120000", ["110000"], Thresholds.parse("strong_min_orgs=5"), mine, theirs
    )
    assert loose.counts()["strong"] == 4 and strict.counts()["weak"] == 4
    with pytest.raises(InvalidInput, match="unknown threshold 'bogus'"):
        Thresholds.parse("bogus=1")
    with pytest.raises(InvalidInput, match="strong_at must be a number"):
        Thresholds.parse("strong_at=high")


@pytest.fixture(scope="module")
def demo(demo_engine):
    with Session(demo_engine) as s:
        yield s


def test_the_demo_shows_strong_weak_and_missing_links(demo):
    seen = set()
    for info in queries.all_chains(demo):
        for region in ("110000", "120000", "130000"):
            seen |= {d.status for d in queries.diagnose(demo, info.definition, region).segments}
    assert seen == {"strong", "weak", "missing"}


def test_beijing_research_meets_tianjin_manufacturing_in_biomedicine(demo):
    chain = queries.get_chain(demo, "biomedicine").definition
    pairs = queries.complementarity(demo, chain)
    bj_tj = [p for p in pairs if (p.research_region, p.making_region) == ("110000", "120000")]
    assert bj_tj, [(p.segment.id, p.research_region, p.making_region) for p in pairs]
    p = bj_tj[0]
    assert p.research_orgs and p.making_orgs
    assert all(o.region_code.startswith("11") for o in p.research_orgs)
    assert all(o.region_code.startswith("12") for o in p.making_orgs)
    tj = queries.diagnose(demo, chain, "120000").by_id()
    assert tj["med_devices"].status == "strong" and tj["med_devices"].figures.makers > 100


def test_the_three_lists(demo):
    chain = queries.get_chain(demo, "biomedicine").definition
    diag = queries.diagnose(demo, chain, "120000")
    got = lists.compute(demo, chain, diag)
    assert any(b.technology == "双特异性抗体" for b in got.bottlenecks)
    assert any(b.source == "officer" for b in got.bottlenecks)  # the demo's own entry
    weak = {d.segment.id for d in diag.segments if d.status in ("weak", "missing")}
    assert weak <= {g.segment.id for g in got.gaps}
    with_candidates = [g for g in got.gaps if g.candidates]
    assert with_candidates
    for g in with_candidates:
        assert all(not (c.org.region_code or "").startswith("12") for c in g.candidates)
        assert [c.score for c in g.candidates] == sorted(
            (c.score for c in g.candidates), reverse=True
        )
        assert all(c.reason_zh for c in g.candidates)
    assert any(k.source == "officer" for k in got.key_enterprises)
    assert any(k.source == "largest" for k in got.key_enterprises)


def test_a_district_can_be_diagnosed_and_panoramas_drill_down(demo):
    from haihe.chains.panorama import panorama

    chain = queries.get_chain(demo, "cybersecurity").definition
    d = queries.diagnose(demo, chain, "120116")
    assert d.partners == ["110000", "130000"]
    by_district = panorama(demo, chain, "120000", "county")
    assert all(k.startswith("12") for k, _ in by_district.columns)
    by_park = panorama(demo, chain, "120000", "park")
    assert by_park.columns and sum(f.orgs for f in by_park.cells.values()) > 0


def test_unknown_regions_are_refused(demo):
    chain = queries.get_chain(demo, "biomedicine").definition
    with pytest.raises(InvalidInput, match="unknown region"):
        queries.diagnose(demo, chain, "999999")
