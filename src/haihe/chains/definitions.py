"""Chain definitions: what a chain is made of, read from YAML or XLSX and checked.

A definition is plain data (dataclasses) so that the classifier, the diagnosis and the
web pages can use it without the database. The shipped definitions live in
chains/data/*.yaml; users import their own through `parse_yaml`/`parse_xlsx`, which
reject a bad file as a whole with every problem named by its place ("segments[3]
(id: api)", "sheet 环节 row 5") and nothing changed.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass, field
from graphlib import CycleError, TopologicalSorter
from importlib import resources

import yaml

from haihe.codes import industries
from haihe.core.errors import InvalidInput

STAGES = ("upstream", "midstream", "downstream")
ACTIVITIES = ("make", "research", "service", "trade")
DEFAULT_ACTIVITIES = ("make", "research", "service")
GROUPS = ("shared", "tianjin", "beijing", "custom")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
MAX_SEGMENTS = 60


@dataclass(frozen=True)
class Segment:
    id: str
    name_zh: str
    name_en: str
    stage: str
    parent: str | None = None
    keywords_zh: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    activities: tuple[str, ...] = DEFAULT_ACTIVITIES
    bottleneck: tuple[str, ...] = ()  # technologies to break through here
    # over-broad words (模具, 铸件, 塑料制品): matched like keywords, but they count only
    # when the organisation has a second signal for the same segment
    weak: tuple[str, ...] = ()
    # the activity a keyword implies when its clause names no verb ("充电站" → service)
    implies: tuple[tuple[str, str], ...] = ()

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class ChainDefinition:
    key: str
    name_zh: str
    name_en: str
    group: str = "custom"
    description_zh: str = ""
    description_en: str = ""
    named_by_zh: str = ""  # which government names the chain, and where
    named_by_en: str = ""
    segments: tuple[Segment, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()  # supplier segment → customer segment
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.segments})

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh

    def segment(self, segment_id: str) -> Segment | None:
        return self._by_id.get(segment_id)

    def children(self, segment_id: str | None) -> list[Segment]:
        return [s for s in self.segments if s.parent == segment_id]

    def ancestors(self, segment_id: str) -> list[str]:
        out, seg = [], self.segment(segment_id)
        while seg is not None and seg.parent:
            out.append(seg.parent)
            seg = self.segment(seg.parent)
        return out

    def suppliers(self, segment_id: str) -> list[str]:
        return [a for a, b in self.edges if b == segment_id]

    def customers(self, segment_id: str) -> list[str]:
        return [b for a, b in self.edges if a == segment_id]

    def ordered(self) -> list[Segment]:
        """Segments upstream → downstream, parents before their children."""
        rank = {s: i for i, s in enumerate(STAGES)}
        top = sorted(
            (s for s in self.segments if not s.parent),
            key=lambda s: (rank[s.stage], self.segments.index(s)),
        )
        out: list[Segment] = []
        for s in top:
            out.append(s)
            out.extend(self.children(s.id))
        return out

    def to_data(self) -> dict:
        """The definition as the YAML file holds it (used for versions and exports)."""
        segs = []
        for s in self.segments:
            d: dict = {"id": s.id}
            if s.parent:
                d["parent"] = s.parent
            d["stage"] = s.stage
            d["name"] = {"zh": s.name_zh, "en": s.name_en}
            d["keywords"] = {"zh": list(s.keywords_zh), "en": list(s.keywords_en)}
            d["industries"] = list(s.industries)
            if tuple(s.activities) != DEFAULT_ACTIVITIES:
                d["activities"] = list(s.activities)
            if s.bottleneck:
                d["bottleneck"] = list(s.bottleneck)
            if s.weak:
                d["weak"] = list(s.weak)
            if s.implies:
                by: dict[str, list[str]] = {}
                for w, a in s.implies:
                    by.setdefault(a, []).append(w)
                d["implies"] = by
            segs.append(d)
        named = (
            {"named_by": {"zh": self.named_by_zh, "en": self.named_by_en}}
            if self.named_by_zh or self.named_by_en
            else {}
        )
        return {
            "key": self.key,
            "name": {"zh": self.name_zh, "en": self.name_en},
            "group": self.group,
            **named,
            "description": {"zh": self.description_zh, "en": self.description_en},
            "segments": segs,
            "edges": [list(e) for e in self.edges],
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(
            self.to_data(), allow_unicode=True, sort_keys=False, width=100, default_flow_style=None
        )


class DefinitionError(InvalidInput):
    """A chain file with problems; `problems` name each place. Nothing was changed."""

    def __init__(self, problems: list[InvalidInput]) -> None:
        self.problems = problems
        super().__init__("chains.definition_invalid", field="file", count=len(problems))

    def details(self, lang: str = "zh") -> list[str]:
        return [p.message(lang) for p in self.problems]

    def message(self, lang: str = "zh") -> str:
        return "；".join(self.details(lang)[:10])

    def __reduce__(self):  # noqa: ANN204
        return (DefinitionError, (self.problems,))


# --- reading ---------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _names(value: object) -> tuple[str, str]:
    if isinstance(value, dict):
        return _text(value.get("zh")), _text(value.get("en"))
    return _text(value), ""


def _words(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,，;；、\n]", value)
    if not isinstance(value, list | tuple):
        value = [value]
    return tuple(dict.fromkeys(w for w in (_text(v) for v in value) if w))


def _code(value: object) -> str:
    text = _text(value)
    if isinstance(value, int) and len(text) < 4:
        text = text.zfill(4)
    return text


def from_data(data: object, source: str = "") -> ChainDefinition:
    """Check a parsed definition and build it; DefinitionError lists every problem."""
    problems: list[InvalidInput] = []
    where = source or "chain"

    def bad(key: str, place: str, **params: object) -> None:
        problems.append(InvalidInput(key, place=f"{where}: {place}", **params))

    if not isinstance(data, dict):
        raise DefinitionError([InvalidInput("chains.file_not_mapping", place=where)])
    key = _text(data.get("key"))
    if not KEY_RE.match(key):
        bad("chains.bad_key", "key", value=key)
    name_zh, name_en = _names(data.get("name"))
    if not name_zh:
        bad("chains.missing_field", "name.zh", field="name.zh")
    group = _text(data.get("group")) or "custom"
    if group not in GROUPS:
        bad("chains.bad_choice", "group", value=group, choices=", ".join(GROUPS))
    desc_zh, desc_en = _names(data.get("description"))
    named_zh, named_en = _names(data.get("named_by"))
    raw_segments = data.get("segments")
    if not isinstance(raw_segments, list) or not raw_segments:
        bad("chains.no_segments", "segments")
        raw_segments = []
    segments: list[Segment] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(raw_segments, start=1):
        place = f"segments[{i}]"
        if not isinstance(raw, dict):
            bad("chains.segment_not_mapping", place)
            continue
        sid = _text(raw.get("id"))
        place = f"segments[{i}] (id: {sid or '?'})"
        if not KEY_RE.match(sid):
            bad("chains.bad_segment_id", place, value=sid)
        elif sid in seen:
            bad("chains.duplicate_segment", place, id=sid, first=seen[sid])
        else:
            seen[sid] = f"segments[{i}]"
        s_zh, s_en = _names(raw.get("name"))
        if not s_zh:
            bad("chains.missing_field", place, field="name.zh")
        stage = _text(raw.get("stage"))
        if not stage:
            bad("chains.missing_stage", place)
        elif stage not in STAGES:
            bad("chains.bad_choice", place, value=stage, choices=", ".join(STAGES))
        kw = raw.get("keywords") or {}
        kw_zh = _words(kw.get("zh") if isinstance(kw, dict) else kw)
        kw_en = _words(kw.get("en")) if isinstance(kw, dict) else ()
        codes = tuple(_code(c) for c in (raw.get("industries") or []))
        for c in codes:
            ind = industries.get(c)
            if ind is None:
                bad("chains.unknown_industry", place, code=c)
        acts = _words(raw.get("activities")) or DEFAULT_ACTIVITIES
        for a in acts:
            if a not in ACTIVITIES:
                bad("chains.bad_choice", place, value=a, choices=", ".join(ACTIVITIES))
        if not kw_zh and not codes:
            bad("chains.segment_without_clues", place)
        weak = _words(raw.get("weak"))
        implies: list[tuple[str, str]] = []
        raw_implies = raw.get("implies") or {}
        if not isinstance(raw_implies, dict):
            bad("chains.bad_implies", place)
            raw_implies = {}
        known = {w.lower() for w in (*kw_zh, *kw_en, *weak)}
        for act, words in raw_implies.items():
            act = _text(act)
            for w in _words(words):
                if w.lower() not in known:
                    bad("chains.implies_unknown_keyword", place, keyword=w)
                elif act not in ACTIVITIES:
                    bad("chains.bad_choice", place, value=act, choices=", ".join(ACTIVITIES))
                elif act not in acts:
                    bad(
                        "chains.keyword_activity_not_on_segment",
                        place,
                        keyword=w,
                        activity=act,
                        activities=", ".join(acts),
                    )
                else:
                    implies.append((w.lower(), act))
        segments.append(
            Segment(
                id=sid,
                name_zh=s_zh,
                name_en=s_en,
                stage=stage,
                parent=_text(raw.get("parent")) or None,
                keywords_zh=kw_zh,
                keywords_en=tuple(w.lower() for w in kw_en),
                industries=codes,
                activities=acts,
                bottleneck=_words(raw.get("bottleneck")),
                weak=weak,
                implies=tuple(implies),
            )
        )
    if len(segments) > MAX_SEGMENTS:
        bad("chains.too_many_segments", "segments", count=len(segments), limit=MAX_SEGMENTS)
    ids = set(seen)
    for i, s in enumerate(segments, start=1):
        if s.parent and s.parent not in ids:
            bad("chains.unknown_parent", f"segments[{i}] (id: {s.id})", parent=s.parent)
        elif s.parent and s.parent == s.id:
            bad("chains.unknown_parent", f"segments[{i}] (id: {s.id})", parent=s.parent)
    parents = {s.id: s.parent for s in segments}
    for s in segments:
        seen_up, up = {s.id}, s.parent
        while up:
            if up in seen_up:
                bad("chains.parent_cycle", f"segment {s.id}", path=" → ".join([s.id, up]))
                break
            seen_up.add(up)
            up = parents.get(up)
    edges: list[tuple[str, str]] = []
    raw_edges = data.get("edges") or []
    if not isinstance(raw_edges, list):
        bad("chains.bad_edge", "edges", value=str(raw_edges)[:40])
        raw_edges = []
    for i, raw in enumerate(raw_edges, start=1):
        place = f"edges[{i}]"
        if isinstance(raw, dict):
            pair = (
                _text(raw.get("supplier") or raw.get("from")),
                _text(raw.get("customer") or raw.get("to")),
            )
        elif isinstance(raw, list | tuple) and len(raw) == 2:
            pair = (_text(raw[0]), _text(raw[1]))
        else:
            bad("chains.bad_edge", place, value=str(raw)[:40])
            continue
        for end in pair:
            if end not in ids:
                bad("chains.edge_to_missing", f"{place} ({pair[0]} → {pair[1]})", id=end)
        if pair[0] == pair[1]:
            bad("chains.edge_cycle", place, path=f"{pair[0]} → {pair[1]}")
        elif pair in edges:
            bad("chains.duplicate_edge", place, edge=f"{pair[0]} → {pair[1]}")
        else:
            edges.append(pair)
    cycle = find_cycle(edges)
    if cycle and not any(p.key == "chains.edge_cycle" for p in problems):
        bad("chains.edge_cycle", "edges", path=" → ".join(cycle))
    if problems:
        raise DefinitionError(problems)
    return ChainDefinition(
        key=key,
        name_zh=name_zh,
        name_en=name_en,
        group=group,
        description_zh=desc_zh,
        description_en=desc_en,
        named_by_zh=named_zh,
        named_by_en=named_en,
        segments=tuple(segments),
        edges=tuple(edges),
    )


def find_cycle(edges: list[tuple[str, str]]) -> list[str] | None:
    """A cycle in the supply graph as a path (first node repeated at the end), or None."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(b, set()).add(a)
        graph.setdefault(a, set())
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as e:
        nodes = list(e.args[1])
        return list(reversed(nodes))
    return None


def parse_yaml(text: str | bytes, source: str = "") -> ChainDefinition:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        raise DefinitionError(
            [
                InvalidInput(
                    "chains.yaml_syntax",
                    place=f"{source or 'chain'}: {place}",
                    error=str(getattr(e, "problem", e)),
                )
            ]
        ) from None
    return from_data(data, source)


# XLSX: sheet 产业链/chain (field, value), 环节/segments (one row each), 供需/edges.
SEGMENT_COLUMNS = {
    "id": ("id", "环节编号"),
    "parent": ("parent", "上级环节"),
    "stage": ("stage", "环节位置"),
    "name_zh": ("name_zh", "名称"),
    "name_en": ("name_en", "英文名称"),
    "keywords_zh": ("keywords_zh", "关键词"),
    "keywords_en": ("keywords_en", "英文关键词"),
    "industries": ("industries", "行业代码"),
    "activities": ("activities", "活动"),
    "bottleneck": ("bottleneck", "卡脖子技术"),
    "weak": ("weak", "弱关键词"),
    "implies": ("implies", "关键词活动"),
}
STAGE_WORDS = {"上游": "upstream", "中游": "midstream", "下游": "downstream"}


def _sheet(wb, *names: str):  # noqa: ANN001, ANN202
    for n in names:
        if n in wb.sheetnames:
            return wb[n]
    return None


def parse_xlsx(content: bytes, source: str = "") -> ChainDefinition:
    """Read the three-sheet workbook that `to_xlsx` writes; row numbers name the places."""
    from openpyxl import load_workbook

    where = source or "chain.xlsx"
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise DefinitionError(
            [InvalidInput("chains.xlsx_unreadable", place=where, error=str(e))]
        ) from None
    chain_ws = _sheet(wb, "产业链", "chain")
    seg_ws = _sheet(wb, "环节", "segments")
    edge_ws = _sheet(wb, "供需", "edges")
    missing = [n for n, ws in (("产业链/chain", chain_ws), ("环节/segments", seg_ws)) if ws is None]
    if missing:
        raise DefinitionError(
            [InvalidInput("chains.xlsx_missing_sheet", place=where, sheet=m) for m in missing]
        )
    info: dict[str, str] = {}
    for row in chain_ws.iter_rows(values_only=True):
        if row and row[0] is not None:
            info[_text(row[0]).lower()] = _text(row[1] if len(row) > 1 else "")
    rows = list(seg_ws.iter_rows(values_only=True))
    header = [_text(h).lower() for h in (rows[0] if rows else [])]
    col: dict[str, int] = {}
    for name, aliases in SEGMENT_COLUMNS.items():
        for i, h in enumerate(header):
            if h in aliases:
                col[name] = i
    problems = [
        InvalidInput("chains.xlsx_missing_column", place=f"{where}: 环节/segments", column=c)
        for c in ("id", "stage", "name_zh")
        if c not in col
    ]
    if problems:
        raise DefinitionError(problems)
    segments = []
    for r in rows[1:]:
        if not any(v not in (None, "") for v in r):
            continue

        def get(name: str, r=r) -> object:  # noqa: ANN001
            i = col.get(name)
            return r[i] if i is not None and i < len(r) else None

        stage = _text(get("stage"))
        segments.append(
            {
                "id": _text(get("id")),
                "parent": _text(get("parent")) or None,
                "stage": STAGE_WORDS.get(stage, stage),
                "name": {"zh": _text(get("name_zh")), "en": _text(get("name_en"))},
                "keywords": {"zh": _words(get("keywords_zh")), "en": _words(get("keywords_en"))},
                "industries": list(_words(_text(get("industries")))),
                "activities": list(_words(get("activities"))) or None,
                "bottleneck": list(_words(get("bottleneck"))),
                "weak": list(_words(get("weak"))),
                "implies": _implies_cell(get("implies")),
            }
        )
    edges = []
    if edge_ws is not None:
        for i, r in enumerate(edge_ws.iter_rows(values_only=True)):
            if i == 0 or not r or all(v in (None, "") for v in r):
                continue
            edges.append([_text(r[0]), _text(r[1] if len(r) > 1 else "")])
    data = {
        "key": info.get("key") or info.get("编号"),
        "name": {
            "zh": info.get("name_zh") or info.get("名称"),
            "en": info.get("name_en") or info.get("英文名称"),
        },
        "group": info.get("group") or info.get("类别"),
        "named_by": {
            "zh": info.get("named_by_zh") or info.get("提出方"),
            "en": info.get("named_by_en"),
        },
        "description": {
            "zh": info.get("description_zh") or info.get("说明"),
            "en": info.get("description_en"),
        },
        "segments": segments,
        "edges": edges,
    }
    return from_data(data, where)


def _implies_cell(value: object) -> dict[str, list[str]]:
    """ "service: 充电站、换电站; research: 汽车设计" → {activity: [keywords]}."""
    out: dict[str, list[str]] = {}
    for part in re.split(r"[;；\n]", _text(value)):
        if not part.strip():
            continue
        act, _, words = part.partition(":") if ":" in part else part.partition("：")
        out.setdefault(act.strip(), []).extend(_words(words))
    return out


def to_xlsx(defn: ChainDefinition) -> bytes:
    """The definition as the workbook `parse_xlsx` reads (a template for users' own)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "产业链"
    for k, v in (
        ("key", defn.key),
        ("name_zh", defn.name_zh),
        ("name_en", defn.name_en),
        ("group", defn.group),
        ("named_by_zh", defn.named_by_zh),
        ("named_by_en", defn.named_by_en),
        ("description_zh", defn.description_zh),
        ("description_en", defn.description_en),
    ):
        ws.append([k, v])
    seg = wb.create_sheet("环节")
    seg.append(list(SEGMENT_COLUMNS))
    for s in defn.segments:
        seg.append(
            [
                s.id,
                s.parent or "",
                s.stage,
                s.name_zh,
                s.name_en,
                "、".join(s.keywords_zh),
                ", ".join(s.keywords_en),
                ", ".join(s.industries),
                ", ".join(s.activities),
                "、".join(s.bottleneck),
                "、".join(s.weak),
                "; ".join(
                    f"{a}: {'、'.join(w for w, b in s.implies if b == a)}"
                    for a in dict.fromkeys(b for _, b in s.implies)
                ),
            ]
        )
    edges = wb.create_sheet("供需")
    edges.append(["supplier", "customer"])
    for a, b in defn.edges:
        edges.append([a, b])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def parse_file(filename: str, content: bytes) -> ChainDefinition:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return parse_xlsx(content, filename)
    if name.endswith((".yaml", ".yml")):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError([InvalidInput("chains.not_utf8", place=filename)]) from None
        return parse_yaml(text, filename)
    raise DefinitionError([InvalidInput("chains.unknown_format", place=filename)])


def shipped() -> list[ChainDefinition]:
    """The definitions that come with Haihe (chains/data/*.yaml), shared chains first."""
    folder = resources.files("haihe.chains").joinpath("data")
    out = [
        parse_yaml(f.read_text("utf-8"), f"data/{f.name}")
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".yaml")
    ]
    order = {g: i for i, g in enumerate(GROUPS)}
    return sorted(out, key=lambda d: (order.get(d.group, 9), d.key))


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
