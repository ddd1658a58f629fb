"""GB/T 4754-2017 national economic industry classification (国民经济行业分类).

Sections (门类, A-T) → divisions (大类, 2 digits) → groups (中类, 3) → classes (小类, 4).
The source table gives a group that holds a single class no row of its own; such a
group is synthesised here from its class so that every level can be looked up.
English names are shipped for sections and the main divisions; elsewhere English
pages fall back to the nearest ancestor that has one, after the Chinese name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LEVELS = {1: "section", 2: "division", 3: "group", 4: "class"}


@dataclass(frozen=True)
class Industry:
    code: str
    level: str
    section: str
    parent: str | None
    name_zh: str
    name_en: str | None
    description_zh: str

    def name(self, lang: str) -> str:
        if lang == "en":
            return self.name_en or english_fallback(self.code)
        return self.name_zh


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("haihe.codes").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def _table() -> dict[str, Industry]:
    en = {r["code"]: r["name_en"] for r in _read("industries_en.csv")}
    out: dict[str, Industry] = {}
    rows = _read("industries.csv")
    for r in rows:
        level = int(r["level"])
        parent = {1: None, 2: r["section"], 3: r["division"], 4: r["group"]}[level]
        out[r["code"]] = Industry(
            r["code"],
            LEVELS[level],
            r["section"],
            parent,
            r["name_zh"],
            en.get(r["code"]),
            r["description_zh"],
        )
    for r in rows:  # groups with a single class have no row of their own
        if r["level"] == "4" and r["group"] not in out:
            out[r["group"]] = Industry(
                r["group"],
                "group",
                r["section"],
                r["division"],
                r["name_zh"],
                en.get(r["group"]),
                r["description_zh"],
            )
    return out


def get(code: str) -> Industry | None:
    return _table().get(code.strip().upper())


def all_industries() -> list[Industry]:
    return list(_table().values())


def is_valid(code: str) -> bool:
    return get(code) is not None


def ancestors(code: str) -> list[Industry]:
    out = []
    ind = get(code)
    while ind is not None and ind.parent:
        ind = get(ind.parent)
        if ind:
            out.append(ind)
    return out


def english_fallback(code: str) -> str:
    for anc in ancestors(code):
        if anc.name_en:
            ind = get(code)
            return f"{ind.name_zh if ind else code} ({anc.name_en})"
    return get(code).name_zh if get(code) else code


def is_within(code: str, ancestor: str) -> bool:
    return code == ancestor or any(a.code == ancestor for a in ancestors(code))


def children(code: str | None) -> list[Industry]:
    return sorted((i for i in _table().values() if i.parent == code), key=lambda i: i.code)


def search(text: str, limit: int = 20) -> list[Industry]:
    """Codes or names containing `text` (集成电路 → 3973 集成电路制造, 6520 集成电路设计)."""
    t = text.strip()
    hits = [
        i
        for i in _table().values()
        if i.code.startswith(t.upper())
        or t in i.name_zh
        or (i.name_en and t.lower() in i.name_en.lower())
    ]
    return sorted(hits, key=lambda i: (len(i.code), i.code))[:limit]
