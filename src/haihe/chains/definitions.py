"""Chain definitions: what a chain is made of, read from YAML or XLSX and checked.

A definition is plain data (dataclasses) so that the classifier, the diagnosis and the
web pages can use it without the database. The shipped definitions live in
chains/data/*.yaml; users import their own through `parse_yaml`/`parse_xlsx`, which
reject a bad file as a whole with every problem named by its place ("segments[3]
(id: api)", "sheet 环节 row 5") and nothing changed.

This module is the definitions' one door: what a definition is and how it is checked live
in definition_model.py, its files (YAML, XLSX, the shipped ones) in definition_files.py;
comparing two versions and the segment listing for labellers are here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from haihe.chains.definition_files import (
    parse_file,
    parse_xlsx,
    parse_yaml,
    shipped,
    to_xlsx,
)
from haihe.chains.definition_model import (
    ACTIVITIES,
    GROUPS,
    STAGES,
    ChainDefinition,
    DefinitionError,
    Segment,
    find_cycle,
    from_data,
)

__all__ = [
    "ACTIVITIES",
    "ACTIVITY_ZH",
    "ChainDefinition",
    "Change",
    "DefinitionError",
    "GROUPS",
    "STAGES",
    "STAGE_ZH",
    "Segment",
    "compare",
    "find_cycle",
    "from_data",
    "parse_file",
    "parse_xlsx",
    "parse_yaml",
    "segment_rows",
    "segments_markdown",
    "shipped",
    "to_xlsx",
]


# --- comparing versions ----------------------------------------------------------------


@dataclass
class Change:
    kind: str  # added / removed / changed / chain
    segment: str
    field: str = ""
    before: str = ""
    after: str = ""


def _fmt(x: object) -> str:
    return "、".join(x) if isinstance(x, list | tuple) else str(x or "")


def compare(old: ChainDefinition, new: ChainDefinition) -> list[Change]:
    """What changed between two versions, segment by segment and edge by edge."""
    changes: list[Change] = []
    for f in (
        "name_zh",
        "name_en",
        "group",
        "named_by_zh",
        "named_by_en",
        "description_zh",
        "description_en",
    ):
        if getattr(old, f) != getattr(new, f):
            changes.append(Change("chain", "", f, str(getattr(old, f)), str(getattr(new, f))))
    old_s = {s.id: asdict(s) for s in old.segments}
    new_s = {s.id: asdict(s) for s in new.segments}
    for sid in old_s.keys() - new_s.keys():
        changes.append(Change("removed", sid, before=old_s[sid]["name_zh"]))
    for sid in new_s.keys() - old_s.keys():
        changes.append(Change("added", sid, after=new_s[sid]["name_zh"]))
    for sid in sorted(old_s.keys() & new_s.keys()):
        for f, v in old_s[sid].items():
            w = new_s[sid][f]
            if v != w:
                changes.append(Change("changed", sid, f, _fmt(v), _fmt(w)))
    for e in sorted(set(old.edges) - set(new.edges)):
        changes.append(Change("edge_removed", f"{e[0]} → {e[1]}"))
    for e in sorted(set(new.edges) - set(old.edges)):
        changes.append(Change("edge_added", f"{e[0]} → {e[1]}"))
    return changes


# --- listing (for labellers and officers) ------------------------------------------------

STAGE_ZH = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
ACTIVITY_ZH = {"make": "生产", "research": "研发", "service": "服务", "trade": "销售"}


def segment_rows(chains: list[ChainDefinition]) -> list[dict[str, str]]:
    """One row per segment: chain/segment keys, names, stage, the activities it takes and
    its first keywords — what a labeller needs to write `chain/segment:activity`."""
    rows = []
    for c in chains:
        for s in c.ordered():
            rows.append(
                {
                    "label": f"{c.key}/{s.id}",
                    "chain": c.name_zh,
                    "segment": s.name_zh,
                    "segment_en": s.name_en,
                    "parent": s.parent or "",
                    "stage": STAGE_ZH[s.stage],
                    "activities": "、".join(f"{a}({ACTIVITY_ZH[a]})" for a in s.activities),
                    "keywords": "、".join(s.keywords_zh[:8]),
                }
            )
    return rows


def segments_markdown(chains: list[ChainDefinition]) -> str:
    """The segment list as Markdown tables, one per chain (docs/labelling-guide.md's appendix)."""
    out = []
    for c in chains:
        out.append(f"### {c.key} — {c.name_zh}（{c.named_by_zh}）\n")
        out.append("| 标签 | 环节 | 位置 | 接受的活动 | 关键词举例 |")
        out.append("| --- | --- | --- | --- | --- |")
        for r in segment_rows([c]):
            name = r["segment"] + (f"（属 {r['parent']}）" if r["parent"] else "")
            out.append(
                f"| `{r['label']}` | {name} | {r['stage']} | {r['activities']} | {r['keywords']} |"
            )
        out.append("")
    return "\n".join(out)
