"""The label files shipped in benchmarks/labels pass the labelled-set checker against today's
chain definitions: a segment renamed or an activity refused breaks this test, not the
benchmark silently (which would then score every such row as a miss)."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from haihe.chains.definitions import shipped

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "benchmarks" / "labels"
GUIDE_SETS = ("registrations_2002_segments.csv", "registrations_2002_segments_second.csv")
EVAL = ROOT.parent / "shared" / "data" / "eval" / "enterprise-registrations-2002"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", GUIDE_SETS)
def test_a_shipped_label_file_passes_the_checker(name):
    ls = _load("labelled_set")
    got = ls.read(LABELS / name, shipped())
    assert not got.problems, "\n".join(got.problems[:20])
    assert got.rows and all(r.labeller for r in got.rows)
    assert {r.region for r in got.rows} == {"北京", "天津", "河北"}
    assert {r.sample for r in got.rows} == {"random", "enriched"}
    assert len({r.uscc for r in got.rows}) == len(got.rows), "a uscc labelled twice in one file"


def test_the_label_files_keep_identifiers_and_labels_only():
    for name in GUIDE_SETS:
        text = (LABELS / name).read_text(encoding="utf-8")
        data = [line for line in text.splitlines() if line and not line.startswith("#")]
        assert data[0] == "uscc,region,sample,labeller,labels"
        # no firm names or scopes: a label is ascii, the region is one of three words
        for line in data[1:]:
            assert re.fullmatch(
                r"[0-9A-Z]{18},(北京|天津|河北),(random|enriched),\w+,[\w/:;?]*", line
            ), line


def test_the_main_set_has_the_sample_the_guide_asks_for():
    ls = _load("labelled_set")
    rows = ls.read(LABELS / GUIDE_SETS[0], shipped()).rows
    assert len(rows) >= 1200
    for region in ("北京", "天津", "河北"):
        mine = [r for r in rows if r.region == region]
        assert sum(r.sample == "random" for r in mine) == 250
        assert sum(r.sample == "enriched" for r in mine) == 150


def test_a_renamed_segment_is_caught_by_the_checker():
    """What the first test guards against: rename a segment the labels use and the shipped
    file is refused, naming the line and the segment."""
    ls = _load("labelled_set")
    chains = shipped()
    nev = next(c for c in chains if c.key == "nev")
    renamed = [
        dataclasses.replace(s, id="parts_renamed") if s.id == "parts" else s for s in nev.segments
    ]
    chains = [  # a fresh segment index (replace would share the shipped one)
        dataclasses.replace(c, segments=renamed, _by_id={}) if c.key == "nev" else c for c in chains
    ]
    got = ls.read(LABELS / GUIDE_SETS[0], chains)
    assert got.problems and all("parts" in p for p in got.problems)
    assert any("第" in p and "labels" in p for p in got.problems)


def test_the_second_reading_shares_its_rows_and_agrees_beyond_chance():
    ls = _load("labelled_set")
    chains = shipped()
    first, second = (ls.read(LABELS / n, chains) for n in GUIDE_SETS)
    shared = {r.uscc for r in second.rows}
    assert len(shared) == 200 and shared <= {r.uscc for r in first.rows}
    by_uscc = {r.uscc: r for r in first.rows}
    for r in second.rows:  # the same firm: same region and sample column
        assert (by_uscc[r.uscc].region, by_uscc[r.uscc].sample) == (r.region, r.sample)
    rows = [r for r in first.rows if r.uscc in shared] + second.rows
    got = ls.agreement(rows, chains)
    assert got["chain"][0] == 200
    assert got["chain"][1] > 0.6 and got["segment"][1] > 0.6  # "substantial" or better


def test_the_benchmark_skips_the_set_with_a_message_without_the_eval_data(
    tmp_path, monkeypatch, capsys
):
    pq = _load("placement_quality")
    monkeypatch.setattr(pq, "DATA", tmp_path)
    assert pq.guide_report() == 0
    assert "skipped" in capsys.readouterr().err


@pytest.mark.realdata
@pytest.mark.skipif(not EVAL.is_dir(), reason=f"{EVAL} not found")
def test_every_labelled_row_is_a_real_registration_of_its_region():
    ls = _load("labelled_set")
    rows = ls.read(LABELS / GUIDE_SETS[0], shipped()).rows
    where: dict[str, str] = {}
    scope: dict[str, str] = {}
    for region in ("北京", "天津", "河北"):
        with (EVAL / f"{region}.csv").open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                where[r["统一社会信用代码"]] = region
                scope[r["统一社会信用代码"]] = r["经营范围"]
    make = re.compile(r"生产|制造|加工|研发|研制|开发|组装|装配")
    for r in rows:
        assert where.get(r.uscc) == r.region, r.uscc
        if r.sample == "enriched":  # the enriched sample was drawn for its make/R&D verb
            assert make.search(scope[r.uscc]), r.uscc


@pytest.mark.realdata
@pytest.mark.skipif(not EVAL.is_dir(), reason=f"{EVAL} not found")
def test_the_benchmark_scores_the_test_and_tune_splits_against_the_targets(capsys):
    pq = _load("placement_quality")
    assert pq.guide_report() == 0
    out = capsys.readouterr().out
    assert "TEST split (天津): 399 rows" in out and "TUNE split (北京+河北): 800 rows" in out
    assert "issue 13 targets (test split, Haihe): chain P" in out
    assert out.count("precision on the random sample of placed firms") == 2
