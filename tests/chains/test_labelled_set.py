"""A labelled set written to the labelling guide is checked before it is used: unknown
chains and segments and activities a segment refuses are named by row and column."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location(
        "labelled_set", ROOT / "benchmarks" / "labelled_set.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


HEADER = "# guide labels\nuscc,region,sample,labeller,labels,note\n"


def test_a_good_file_is_read_with_its_labels(tmp_path):
    ls = _module()
    f = tmp_path / "l.csv"
    f.write_text(
        HEADER
        + "A1,天津,enriched,x,automotive/body_trim:make;nev/parts:make,座椅\n"
        + "A2,北京,random,x,,商贸\n"
        + "A3,河北,random,x,?,乱码\n",
        encoding="utf-8",
    )
    got = ls.read(f)
    assert not got.problems
    assert got.rows[0].chains == {"automotive", "nev"}
    assert got.rows[1].labels == frozenset() and got.rows[2].labels is None


def test_an_unknown_segment_or_refused_activity_is_named_by_line_and_column(tmp_path):
    ls = _module()
    f = tmp_path / "l.csv"
    f.write_text(
        HEADER
        + "A1,天津,enriched,x,biomedicine/no_such:make,\n"
        + "A2,天津,enriched,x,biomedicine/distribution:make,\n"
        + "A3,上海,sometimes,x,nochain/x:make,\n",
        encoding="utf-8",
    )
    got = ls.read(f)
    text = "\n".join(got.problems)
    assert "第 3 行" in text and "no_such" in text
    assert "第 4 行" in text and "distribution" in text and "make" in text
    assert "第 5 行" in text and "region" in text and "sample" in text and "nochain" in text
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "labelled_set.py"), str(f)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2 and "refused" in run.stdout


def test_kappa_of_rows_labelled_twice():
    ls = _module()
    assert ls.kappa([(True, True), (False, False)] * 5) == 1.0
    assert abs(ls.kappa([(True, False), (False, True)] * 5) + 1.0) < 1e-9
    # 40 yes/no pairs with 80% agreement and 50% base rates: kappa 0.6
    pairs = [(True, True)] * 16 + [(False, False)] * 16 + [(True, False)] * 4 + [(False, True)] * 4
    assert abs(ls.kappa(pairs) - 0.6) < 1e-9
