"""Read and check a labelled set written to docs/labelling-guide.md, and report the
agreement of rows labelled twice.

    python benchmarks/labelled_set.py benchmarks/labels/registrations_guide.csv

A file with an unknown chain or segment, an activity the segment does not take, or a
malformed row is refused as a whole: every problem is printed with its row and column,
and the exit code is 2. Rows labelled by two labellers (same uscc, different `labeller`)
give Cohen's kappa at chain and segment level.

    python benchmarks/labelled_set.py --agreement first.csv second.csv

checks both files and gives the kappa of the rows they share (the second reading of a sample
kept in its own file). Kappa here: every shipped chain (segment level: every chain/segment) is
one yes/no decision per row and labeller, all pooled into one 2×2 table; activities are not
compared and '?' rows are left out. With so many 'no' decisions this pooled kappa is close to
the positive agreement 2·both / (2·both + first only + second only).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from haihe.chains.definitions import ACTIVITIES, ChainDefinition, shipped

COLUMNS = ("uscc", "region", "sample", "labeller", "labels")
SAMPLES = ("random", "enriched")
REGIONS = ("北京", "天津", "河北")


@dataclass
class Row:
    line: int
    uscc: str
    region: str
    sample: str
    labeller: str
    labels: frozenset[tuple[str, str, str]] | None  # (chain, segment, activity); None: '?'
    note: str = ""

    @property
    def chains(self) -> frozenset[str]:
        return frozenset(c for c, _, _ in self.labels or ())

    @property
    def segments(self) -> frozenset[str]:
        return frozenset(f"{c}/{s}" for c, s, _ in self.labels or ())


@dataclass
class LabelledSet:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_labels(text: str, chains: dict[str, ChainDefinition]) -> tuple[set, list[str]]:
    """`chain/segment:activity;…` → the labels and what is wrong with them (in words)."""
    out, bad = set(), []
    for item in (x.strip() for x in text.split(";")):
        if not item:
            continue
        where, _, act = item.partition(":")
        chain_key, _, seg_id = where.strip().partition("/")
        chain = chains.get(chain_key)
        if chain is None:
            bad.append(f"“{item}”：没有产业链 {chain_key!r} / no chain {chain_key!r}")
            continue
        seg = chain.segment(seg_id)
        if seg is None:
            bad.append(
                f"“{item}”：{chain.name_zh}没有环节 {seg_id!r} / chain {chain_key} has no "
                f"segment {seg_id!r} (haihe chains segments lists them)"
            )
            continue
        act = act.strip()
        if act not in ACTIVITIES:
            bad.append(
                f"“{item}”：活动应为 {', '.join(ACTIVITIES)} 之一 / the activity must be one of "
                f"{', '.join(ACTIVITIES)}"
            )
        elif act not in seg.activities:
            bad.append(
                f"“{item}”：环节“{seg.name_zh}”不接受活动 {act}（接受 {', '.join(seg.activities)}）"
                f" / segment {seg_id} does not take {act}"
            )
        else:
            out.add((chain_key, seg_id, act))
    return out, bad


def read(path: Path, chains: list[ChainDefinition] | None = None) -> LabelledSet:
    by_key = {c.key: c for c in (chains if chains is not None else shipped())}
    got = LabelledSet()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        got.problems.append(f"{path}: 无法读取（须为 UTF-8 CSV）/ cannot read: {e}")
        return got
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    data = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    if not data:
        got.problems.append(f"{path}: 没有数据行 / no rows")
        return got
    reader = csv.DictReader(line for _, line in data)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        got.problems.append(f"{path}: 缺少列 / missing columns: {', '.join(missing)}")
        return got
    for (n, _line), r in zip(data[1:], reader, strict=False):
        place = f"{path.name} 第 {n} 行 / line {n}"
        uscc = (r.get("uscc") or "").strip()
        if not uscc:
            got.problems.append(f"{place}，列 uscc：为空 / empty")
        region = (r.get("region") or "").strip()
        if region not in REGIONS:
            got.problems.append(f"{place}，列 region：“{region}”应为 {'、'.join(REGIONS)} 之一")
        sample = (r.get("sample") or "").strip()
        if sample not in SAMPLES:
            got.problems.append(f"{place}，列 sample：“{sample}”应为 random 或 enriched")
        raw = (r.get("labels") or "").strip()
        labels = None
        if raw != "?":
            found, bad = parse_labels(raw, by_key)
            got.problems.extend(f"{place}，列 labels：{b}" for b in bad)
            labels = frozenset(found)
        got.rows.append(
            Row(
                n,
                uscc,
                region,
                sample,
                (r.get("labeller") or "").strip(),
                labels,
                r.get("note") or "",
            )
        )
    return got


def kappa(pairs: list[tuple[bool, bool]]) -> float:
    """Cohen's kappa of two labellers' yes/no decisions (nan when undefined)."""
    n = len(pairs)
    if not n:
        return float("nan")
    agree = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return float("nan") if chance == 1 else (agree - chance) / (1 - chance)


def agreement(rows: list[Row], chains: list[ChainDefinition]) -> dict[str, tuple[int, float]]:
    """Kappa over rows labelled by two labellers: chain level (each chain yes/no) and
    segment level (each chain/segment yes/no), pooled over all chains."""
    by_uscc: dict[str, list[Row]] = {}
    for r in rows:
        if r.labels is not None:
            by_uscc.setdefault(r.uscc, []).append(r)
    twice = [(a, b) for rs in by_uscc.values() if len(rs) >= 2 for a, b in [rs[:2]]]
    chain_keys = [c.key for c in chains]
    seg_keys = [f"{c.key}/{s.id}" for c in chains for s in c.segments]
    chain_pairs = [(k in a.chains, k in b.chains) for a, b in twice for k in chain_keys]
    seg_pairs = [(k in a.segments, k in b.segments) for a, b in twice for k in seg_keys]
    return {"chain": (len(twice), kappa(chain_pairs)), "segment": (len(twice), kappa(seg_pairs))}


def two_readings(first: Path, second: Path, chains: list[ChainDefinition]) -> int:
    """Kappa of the rows two files share; both files must pass the checks."""
    got = [read(first, chains), read(second, chains)]
    if any(g.problems for g in got):
        for path, g in zip((first, second), got, strict=True):
            for p in g.problems[:50]:
                print(f"{path}: {p}")
        return 2
    shared = {r.uscc for r in got[0].rows} & {r.uscc for r in got[1].rows}
    rows = [r for g in got for r in g.rows if r.uscc in shared]
    print(f"{first} and {second}: {len(shared)} rows in both")
    for level, (n, k) in agreement(rows, chains).items():
        print(f"  Cohen's kappa, {level} level, {n} rows labelled twice: {k:.3f}")
    return 0


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    chains = shipped()
    if argv[0] == "--agreement":
        if len(argv) != 3:
            print("--agreement takes two files / 需要两个文件")
            return 2
        return two_readings(Path(argv[1]), Path(argv[2]), chains)
    status = 0
    for name in argv:
        got = read(Path(name), chains)
        if got.problems:
            print(f"{name}: {len(got.problems)} 处问题，整个文件不采用 / problems, file refused:")
            for p in got.problems[:50]:
                print("  " + p)
            status = 2
            continue
        placed = sum(1 for r in got.rows if r.labels)
        print(f"{name}: {len(got.rows)} rows, {placed} on some chain")
        for level, (n, k) in agreement(got.rows, chains).items():
            print(f"  Cohen's kappa, {level} level, {n} rows labelled twice: {k:.3f}")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
