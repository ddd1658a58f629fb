"""What a chain definition is: its segments and supply edges as plain data (frozen
dataclasses), and `from_data`, which checks a parsed definition and builds it, naming
every problem by its place (DefinitionError)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

import yaml

from haihe.codes import industries
from haihe.core.errors import InvalidInput
from haihe.core.limits import clean_text, strip_invisible

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


def text_of(value: object) -> str:
    return "" if value is None else strip_invisible(str(value)).strip()


def _names(value: object) -> tuple[str, str]:
    if isinstance(value, dict):
        return text_of(value.get("zh")), text_of(value.get("en"))
    return text_of(value), ""


def words_of(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,，;；、\n]", value)
    if not isinstance(value, list | tuple):
        value = [value]
    return tuple(dict.fromkeys(w for w in (text_of(v) for v in value) if w))


def _code(value: object) -> str:
    text = text_of(value)
    if isinstance(value, int) and len(text) < 4:
        text = text.zfill(4)
    return text


def from_data(data: object, source: str = "") -> ChainDefinition:
    """Check a parsed definition and build it; DefinitionError lists every problem."""
    problems: list[InvalidInput] = []
    where = source or "chain"

    def bad(key: str, place: str, **params: object) -> None:
        problems.append(InvalidInput(key, place=f"{where}: {place}", **params))

    def names(value: object, place: str, field_zh: str, field_en: str) -> tuple[str, str]:
        """A name in both languages, bounded and cleaned as every text (core.limits)."""
        out = []
        for text, limit in zip(_names(value), (field_zh, field_en), strict=True):
            try:
                out.append(clean_text(text, limit, name=True) or "")
            except InvalidInput as refused:
                bad("chains.text_refused", place, reason=refused)
                out.append(text)  # refused already: not "missing" as well
        return out[0], out[1]

    if not isinstance(data, dict):
        raise DefinitionError([InvalidInput("chains.file_not_mapping", place=where)])
    key = text_of(data.get("key"))
    if not KEY_RE.match(key):
        bad("chains.bad_key", "key", value=key)
    name_zh, name_en = names(data.get("name"), "name", "chain.name_zh", "chain.name_en")
    if not name_zh:
        bad("chains.missing_field", "name.zh", field="name.zh")
    group = text_of(data.get("group")) or "custom"
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
        sid = text_of(raw.get("id"))
        place = f"segments[{i}] (id: {sid or '?'})"
        if not KEY_RE.match(sid):
            bad("chains.bad_segment_id", place, value=sid)
        elif sid in seen:
            bad("chains.duplicate_segment", place, id=sid, first=seen[sid])
        else:
            seen[sid] = f"segments[{i}]"
        s_zh, s_en = names(raw.get("name"), place, "chain.segment_name", "chain.segment_name")
        if not s_zh:
            bad("chains.missing_field", place, field="name.zh")
        stage = text_of(raw.get("stage"))
        if not stage:
            bad("chains.missing_stage", place)
        elif stage not in STAGES:
            bad("chains.bad_choice", place, value=stage, choices=", ".join(STAGES))
        kw = raw.get("keywords") or {}
        kw_zh = words_of(kw.get("zh") if isinstance(kw, dict) else kw)
        kw_en = words_of(kw.get("en")) if isinstance(kw, dict) else ()
        codes = tuple(_code(c) for c in (raw.get("industries") or []))
        for c in codes:
            ind = industries.get(c)
            if ind is None:
                bad("chains.unknown_industry", place, code=c)
        acts = words_of(raw.get("activities")) or DEFAULT_ACTIVITIES
        for a in acts:
            if a not in ACTIVITIES:
                bad("chains.bad_choice", place, value=a, choices=", ".join(ACTIVITIES))
        if not kw_zh and not codes:
            bad("chains.segment_without_clues", place)
        weak = words_of(raw.get("weak"))
        implies: list[tuple[str, str]] = []
        raw_implies = raw.get("implies") or {}
        if not isinstance(raw_implies, dict):
            bad("chains.bad_implies", place)
            raw_implies = {}
        known = {w.lower() for w in (*kw_zh, *kw_en, *weak)}
        for act, words in raw_implies.items():
            act = text_of(act)
            for w in words_of(words):
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
                parent=text_of(raw.get("parent")) or None,
                keywords_zh=kw_zh,
                keywords_en=tuple(w.lower() for w in kw_en),
                industries=codes,
                activities=acts,
                bottleneck=words_of(raw.get("bottleneck")),
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
                text_of(raw.get("supplier") or raw.get("from")),
                text_of(raw.get("customer") or raw.get("to")),
            )
        elif isinstance(raw, list | tuple) and len(raw) == 2:
            pair = (text_of(raw[0]), text_of(raw[1]))
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
