"""GB/T 2260 administrative divisions: codes, Chinese and English names, parent links.

Ships all provinces, prefectures and counties of China (National Bureau of Statistics
2023) plus abolished Beijing/Tianjin/Hebei codes with the year they ended, because
old registrations and USCCs still carry them. Lookups accept codes, full names
(天津市滨海新区), short names (滨海), English names (Binhai) and local aliases (开发区).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from haihe.core.limits import is_digits

LEVELS = ("province", "prefecture", "county")
HOME_PROVINCES = ("110000", "120000", "130000")

# Local names officers and exports use that are not division names.
ALIASES: dict[str, str] = {
    "开发区": "120116",
    "泰达": "120116",
    "TEDA": "120116",
    "保税区": "120116",
    "自贸区": "120116",
    "天津港": "120116",
    "塘沽": "120116",
    "汉沽": "120116",
    "大港": "120116",
    "滨海高新区": "120116",
    "天津经济技术开发区": "120116",
    "天津港保税区": "120116",
    "中新天津生态城": "120116",
    "东疆": "120116",
    "亦庄": "110115",
    "经开区": "110115",
    "北京经济技术开发区": "110115",
    "中关村": "110108",
    "雄安": "130600",
    "雄安新区": "130600",
}
# Aliases that mean the same thing only inside one province (开发区 is TEDA in Tianjin).
ALIAS_PROVINCE = {"开发区": "120000", "保税区": "120000", "自贸区": "120000", "经开区": "110000"}

# Abolished codes and the division that took them over.
SUCCESSORS: dict[str, str] = {
    "110103": "110101",
    "110104": "110102",
    "110228": "110118",
    "110229": "110119",
    "120107": "120116",
    "120108": "120116",
    "120109": "120116",
    "120221": "120117",
    "120222": "120114",
    "120223": "120118",
    "120224": "120115",
    "120225": "120119",
    "120205": "120119",
}


@dataclass(frozen=True)
class Region:
    code: str
    parent: str | None
    level: str
    name_zh: str
    short_zh: str
    name_en: str
    valid_to: int | None

    @property
    def current(self) -> bool:
        return self.valid_to is None

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def full_name_zh(self) -> str:
        """Name with its ancestors, as written on envelopes: 天津市滨海新区."""
        parts = [r.name_zh for r in reversed(ancestors(self.code))] + [self.name_zh]
        return "".join(parts)

    @property
    def full_name_en(self) -> str:
        parts = [self.name_en] + [r.name_en for r in ancestors(self.code)]
        return ", ".join(parts)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


@lru_cache(maxsize=1)
def _table() -> dict[str, Region]:
    text = resources.files("haihe.codes").joinpath("data/regions.csv").read_text("utf-8")
    out: dict[str, Region] = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["code"]] = Region(
            code=row["code"],
            parent=row["parent"] or None,
            level=row["level"],
            name_zh=row["name_zh"],
            short_zh=row["short_zh"],
            name_en=row["name_en"],
            valid_to=int(row["valid_to"]) if row["valid_to"] else None,
        )
    return out


def all_regions() -> list[Region]:
    return list(_table().values())


def get(code: str) -> Region | None:
    return _table().get(code)


def require(code: str) -> Region:
    region = get(code)
    if region is None:
        raise KeyError(code)
    return region


@lru_cache(maxsize=1)
def _successors() -> dict[str, str]:
    """Explicit successors, plus: an abolished county whose short name a current county
    of the same province carries (密云县 → 密云区) was renamed into it."""
    out = dict(SUCCESSORS)
    current = {
        (r.province_code, r.short_zh): r.code
        for r in _table().values()
        if r.current and r.level == "county"
    }
    for r in _table().values():
        if not r.current and r.code not in out:
            new = current.get((r.province_code, r.short_zh))
            if new:
                out[r.code] = new
    return out


def successor(code: str) -> str:
    """The current division for an abolished code (itself when current or unknown)."""
    seen = set()
    table = _successors()
    while code in table and code not in seen:
        seen.add(code)
        code = table[code]
    return code


def ancestors(code: str) -> list[Region]:
    """Parent, grandparent, ... (nearest first)."""
    out = []
    region = get(code)
    while region is not None and region.parent:
        region = get(region.parent)
        if region is not None:
            out.append(region)
    return out


@lru_cache(maxsize=65536)
def is_within(code: str, ancestor: str) -> bool:
    """True when `code` is `ancestor` or lies inside it."""
    if code == ancestor:
        return True
    return any(r.code == ancestor for r in ancestors(code))


@lru_cache(maxsize=1)
def _children() -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for r in _table().values():
        if r.parent:
            kids.setdefault(r.parent, []).append(r.code)
    return kids


def children(code: str, *, include_abolished: bool = False) -> list[Region]:
    regs = [require(c) for c in _children().get(code, [])]
    return [r for r in regs if include_abolished or r.current]


def descendants(code: str) -> list[str]:
    """Every code below `code` (abolished ones too), not including itself."""
    out: list[str] = []
    stack = list(_children().get(code, []))
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(_children().get(c, []))
    return out


def home_provinces() -> list[Region]:
    return [require(c) for c in HOME_PROVINCES]


# Full-width ASCII forms to half-width, and white space removed, in one translate.
HALF_WIDTH = {o: o - 0xFEE0 for o in range(0xFF01, 0xFF5F)}
HALF_WIDTH.update({ord(c): None for c in " \t\r\n\u3000\xa0"})


def _clean(text: str) -> str:
    return text.translate(HALF_WIDTH)


def _en_key(text: str) -> str:
    t = re.sub(r"[^a-z]", "", text.lower())
    for suffix in (
        "newarea",
        "district",
        "county",
        "city",
        "autonomouscounty",
        "province",
        "municipality",
    ):
        if t.endswith(suffix) and len(t) > len(suffix):
            t = t[: -len(suffix)]
    return t


@lru_cache(maxsize=1)
def _zone_aliases() -> dict[str, str]:
    """Short forms of development-zone names as addresses write them: 石家庄高新区."""
    out: dict[str, str] = {}
    for r in _table().values():
        if not r.current or r.province_code not in HOME_PROVINCES:
            continue
        for long, short in (
            ("高新技术产业开发区", "高新区"),
            ("经济技术开发区", "经开区"),
            ("经济技术开发区", "开发区"),
            ("经济开发区", "开发区"),
        ):
            if r.name_zh.endswith(long):
                stem = r.name_zh[: -len(long)]
                for variant in {stem, stem.removeprefix("河北"), stem.removesuffix("市")}:
                    if len(variant) >= 2:
                        out.setdefault(variant + short, r.code)
    return out


@lru_cache(maxsize=1)
def _index() -> dict[str, list[str]]:
    idx: dict[str, list[str]] = {}

    def add(key: str, code: str) -> None:
        if key and code not in idx.setdefault(key, []):
            idx[key].append(code)

    for r in _table().values():
        add(r.name_zh, r.code)
        add(r.short_zh, r.code)
        add(_en_key(r.name_en), r.code)
        add(r.code, r.code)
    for alias, code in {**_zone_aliases(), **ALIASES}.items():
        add(alias if not alias.isascii() else _en_key(alias), code)
    return idx


def _rank(code: str, within: str | None) -> tuple:
    r = require(code)
    return (
        not r.current,
        r.province_code not in HOME_PROVINCES,
        LEVELS.index(r.level),
        code,
    )


@lru_cache(maxsize=16384)
def lookup(text: str | None, within: str | None = None) -> Region | None:
    """The division a user means by `text`, optionally inside division `within`.

    Accepts 120116, 滨海新区, 天津市滨海新区, 天津滨海, 滨海, Binhai, Binhai New Area.
    Ambiguous short names prefer current divisions, then Beijing/Tianjin/Hebei, then
    the higher level (河北 is the province; 河北区 is Tianjin's district).
    """
    if not text:
        return None
    t = _clean(text)
    if not t:
        return None
    if is_digits(t) and len(t) in (2, 4, 6, 12):
        code = (t + "0000")[:6] if len(t) < 6 else t[:6]
        r = get(code)
        return r if r and (within is None or is_within(r.code, within)) else None
    found = _lookup_exact(t, within)
    if found:
        return found
    # A name with its ancestors in front: 天津市滨海新区, 河北省唐山市玉田县, 天津滨海.
    for r in sorted(_table().values(), key=lambda r: -len(r.name_zh)):
        if r.level == "county" or (
            within and not is_within(r.code, within) and not is_within(within, r.code)
        ):
            continue
        for prefix in (r.name_zh, r.short_zh):
            if len(prefix) >= 2 and t.startswith(prefix) and len(t) > len(prefix):
                rest = lookup(t[len(prefix) :], within=r.code)
                if rest:
                    return rest
    return None


def _lookup_exact(t: str, within: str | None) -> Region | None:
    idx = _index()
    key = t if not t.isascii() else _en_key(t)
    codes = list(idx.get(key, []))
    if (
        t in ALIAS_PROVINCE
        and within
        and not is_within(within, ALIAS_PROVINCE[t])
        and not is_within(ALIAS_PROVINCE[t], within)
    ):
        codes = [c for c in codes if c != ALIASES.get(t)]
    if within:
        codes = [c for c in codes if is_within(c, within)]
    if not codes:
        return None
    best = min(codes, key=lambda c: _rank(c, within))
    return require(successor(best)) if get(successor(best)) else require(best)


_SUFFIX_CHARS = "省市区县旗"


@lru_cache(maxsize=1)
def _names_ending() -> tuple[frozenset[str], tuple[int, ...], tuple[str, ...]]:
    """Division names (all end in 省/市/区/县/旗), their lengths, and the other aliases."""
    # Abolished two-character names (新区, 郊区) are too generic to trust in free text.
    names = frozenset(
        r.name_zh
        for r in _table().values()
        if len(r.name_zh) >= 3 or (len(r.name_zh) == 2 and r.current)
    )
    names |= frozenset(_zone_aliases())
    names |= frozenset(a for a in ALIASES if not a.isascii())
    lengths = tuple(sorted({len(n) for n in names}, reverse=True))
    others = tuple(a for a in ALIASES if not a.isascii() and a[-1] not in _SUFFIX_CHARS)
    return names, lengths, others


def _names_in(text: str) -> list[str]:
    """Full division names and aliases in `text`, in order, longest at each end."""
    names, lengths, others = _names_ending()
    found: list[tuple[int, str]] = []
    for j, ch in enumerate(text):
        if ch not in _SUFFIX_CHARS:
            continue
        for n in lengths:
            start = j + 1 - n
            if start >= 0 and text[start : j + 1] in names:
                found.append((start, text[start : j + 1]))
                break
    for alias in others:
        i = text.find(alias)
        if i >= 0:
            found.append((i, alias))
    return [name for _, name in sorted(found)]


@lru_cache(maxsize=1)
def _by_full_name() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in _table().values():
        out.setdefault(r.name_zh, []).append(r.code)
    for alias, code in {**_zone_aliases(), **ALIASES}.items():
        out.setdefault(alias, []).append(code)
    return out


def find_in_text(text: str | None, within: str | None = None) -> Region | None:
    """The most specific division named in free text such as an address.

    Only full names (玉田县, 唐山市, 海淀区) and aliases count, so that a street called
    长安街 does not place a firm in 长安区. Names ambiguous inside `within` (桥西区 is in
    three Hebei cities) resolve only as far as the text makes them unambiguous.
    """
    if not text:
        return None
    best: str | None = within
    for name in _names_in(_clean(text)[:60]):
        codes = _by_full_name().get(name, [])
        if (
            name in ALIAS_PROVINCE
            and best
            and not (is_within(best, ALIAS_PROVINCE[name]) or is_within(ALIAS_PROVINCE[name], best))
        ):
            continue
        cands = [successor(c) for c in codes if get(successor(c))]
        cands = sorted({c for c in cands if best is None or is_within(c, best)})
        current = [c for c in cands if require(c).current]
        cands = current or cands
        if len(cands) > 1 and best is None:
            cands = [c for c in cands if require(c).province_code in HOME_PROVINCES] or cands
        if len(cands) == 1:
            best = cands[0]
    if best is None or best == within:
        return None
    return require(best)


@dataclass(frozen=True)
class Resolution:
    code: str | None
    sources: tuple[str, ...]
    conflicts: tuple[str, ...]


def resolve(
    *,
    province: str | None = None,
    district: str | None = None,
    address: str | None = None,
    uscc_region: str | None = None,
    within: str | None = None,
) -> Resolution:
    """The most specific division that a record's columns support together.

    Each clue narrows the one before when it lies inside it: the province column,
    the district column (海淀, 滨海, 唐山), the address (玉田县…), the USCC's region part.
    A clue that contradicts what is already known is recorded as a conflict, not used.
    """
    best: str | None = within
    sources: list[str] = []
    conflicts: list[str] = []

    def narrow(code: str | None, source: str) -> None:
        nonlocal best
        if code is None:
            return
        if best is None or is_within(code, best):
            best = code
            sources.append(source)  # also when it only confirms what is known
        elif not is_within(best, code):
            conflicts.append(f"{source} {code} is not in {best}")

    if province:
        p = lookup(province, within=best)
        narrow(p.code if p else None, "province")
    if district:
        d = lookup(district, within=best)
        if d is None and best is None:
            d = lookup(district)
        narrow(d.code if d else None, "district")
    if address:
        a = find_in_text(address, within=best)
        narrow(a.code if a else None, "address")
    if uscc_region and is_digits(uscc_region):
        u = get(successor(uscc_region))
        if u is not None and u.code[2:] != "0000" or (u is not None and best is None):
            narrow(u.code, "uscc")
    if district and conflicts:
        # The district column is outvoted when the address and the USCC agree against it.
        other = resolve(province=province, address=address, uscc_region=uscc_region, within=within)
        if {"address", "uscc"} <= set(other.sources) and not other.conflicts:
            return Resolution(
                other.code,
                other.sources,
                (f"district {district!r} disagrees with address and USCC",),
            )
    return Resolution(best, tuple(sources), tuple(conflicts))


def name(code: str | None, lang: str = "zh") -> str:
    """A region's name in `lang`, or the code itself when unknown."""
    region = get(code) if code else None
    return region.name(lang) if region else (code or "")
