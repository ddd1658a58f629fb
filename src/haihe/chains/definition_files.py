"""Chain definitions as files: YAML (safe, without anchors or aliases, bounded) and the
three-sheet XLSX workbook users fill in, read into a checked ChainDefinition and written
back; and the definitions Haihe ships (chains/data/*.yaml)."""

from __future__ import annotations

import io
import re
from importlib import resources

import yaml

from haihe.chains.definition_model import (
    GROUPS,
    ChainDefinition,
    DefinitionError,
    from_data,
    text_of,
    words_of,
)
from haihe.core.errors import InvalidInput

# A chain file is a few kilobytes, a handful of levels deep, and never needs YAML's
# anchors and aliases: refusing them stops "billion laughs" (aliases of aliases expanding
# to gigabytes), bounding the depth stops a RecursionError, bounding the size the rest.
MAX_YAML_CHARS = 1_000_000
MAX_YAML_DEPTH = 32


class _Refused(Exception):
    def __init__(self, key: str, mark: yaml.Mark | None, **params: object) -> None:
        self.key, self.mark, self.params = key, mark, params


class ChainLoader(yaml.SafeLoader):
    """YAML's safe loader without anchors and aliases, and with bounded nesting."""

    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused("chains.yaml_alias", event.start_mark)
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _Refused("chains.yaml_too_deep", event.start_mark, limit=MAX_YAML_DEPTH)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _place(source: str, mark: yaml.Mark | None) -> str:
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
    return f"{source or 'chain'}: {where}"


def parse_yaml(text: str | bytes, source: str = "") -> ChainDefinition:
    if len(text) > MAX_YAML_CHARS:
        raise DefinitionError(
            [InvalidInput("chains.yaml_too_large", place=source or "chain", limit=MAX_YAML_CHARS)]
        )
    loader = ChainLoader(text)
    try:
        data = loader.get_single_data()
    except _Refused as e:
        raise DefinitionError(
            [InvalidInput(e.key, place=_place(source, e.mark), **e.params)]
        ) from None
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
    finally:
        loader.dispose()
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
            info[text_of(row[0]).lower()] = text_of(row[1] if len(row) > 1 else "")
    rows = list(seg_ws.iter_rows(values_only=True))
    header = [text_of(h).lower() for h in (rows[0] if rows else [])]
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

        stage = text_of(get("stage"))
        segments.append(
            {
                "id": text_of(get("id")),
                "parent": text_of(get("parent")) or None,
                "stage": STAGE_WORDS.get(stage, stage),
                "name": {"zh": text_of(get("name_zh")), "en": text_of(get("name_en"))},
                "keywords": {
                    "zh": words_of(get("keywords_zh")),
                    "en": words_of(get("keywords_en")),
                },
                "industries": list(words_of(text_of(get("industries")))),
                "activities": list(words_of(get("activities"))) or None,
                "bottleneck": list(words_of(get("bottleneck"))),
                "weak": list(words_of(get("weak"))),
                "implies": _implies_cell(get("implies")),
            }
        )
    edges = []
    if edge_ws is not None:
        for i, r in enumerate(edge_ws.iter_rows(values_only=True)):
            if i == 0 or not r or all(v in (None, "") for v in r):
                continue
            edges.append([text_of(r[0]), text_of(r[1] if len(r) > 1 else "")])
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
    for part in re.split(r"[;；\n]", text_of(value)):
        if not part.strip():
            continue
        act, _, words = part.partition(":") if ":" in part else part.partition("：")
        out.setdefault(act.strip(), []).extend(words_of(words))
    return out


def to_xlsx(defn: ChainDefinition) -> bytes:
    """The definition as the workbook `parse_xlsx` reads (a template for users' own)."""
    from openpyxl import Workbook

    from haihe.core.tabular import append_row

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
        append_row(ws, [k, v])
    seg = wb.create_sheet("环节")
    append_row(seg, list(SEGMENT_COLUMNS))
    for s in defn.segments:
        append_row(
            seg,
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
            ],
        )
    edges = wb.create_sheet("供需")
    append_row(edges, ["supplier", "customer"])
    for a, b in defn.edges:
        append_row(edges, [a, b])
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
