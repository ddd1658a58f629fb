"""Chinese organisation-name normalisation for search and duplicate detection.

Registered names carry the same firm in many spellings: full-width or half-width
characters and brackets, the region in front (天津某某科技) or in brackets
(某某科技（天津）), and a legal-form suffix (有限公司, 股份有限公司, 集团). The
normalised form drops those so that 天津某某科技有限公司 and 某某科技（天津）有限公司
meet; the original name is always kept beside it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from haihe.codes import regions
from haihe.core.limits import strip_invisible

LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份有限公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "有限合伙",
    "普通合伙",
    "合伙企业",
    "集团",
    "公司",
    "co.,ltd.",
    "co., ltd.",
    "co.ltd.",
    "co.,ltd",
    "co., ltd",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corporation",
    "corp.",
    "limited",
    "group",
)
# A region followed only by one of these is the institution's own name (北京大学).
_INSTITUTION = re.compile(
    r"^(第?[一二三四五六七八九十\d]*)?(师范|理工|工业|科技|交通|医科|中医药|外国语|财经|农业|工商|"
    r"化工|邮电|体育|大|中|人民|市)?(大学|学院|医院|研究院|研究所|中学|小学)$"
)
_LEGAL_SUFFIX = re.compile(
    "(?:" + "|".join(re.escape(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True)) + ")$"
)
_BRACKETS = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]")


@lru_cache(maxsize=1)
def _prefixes_by_length() -> tuple[tuple[int, frozenset[str]], ...]:
    by_len: dict[int, set[str]] = {}
    for name in _region_prefixes():
        by_len.setdefault(len(name), set()).add(name)
    return tuple((n, frozenset(by_len[n])) for n in sorted(by_len, reverse=True))


def _leading_region(t: str) -> int:
    """Length of the region name that `t` starts with (0 when none)."""
    for n, names in _prefixes_by_length():
        if n < len(t) and t[:n] in names:
            return n
    return 0


@lru_cache(maxsize=1)
def _region_prefixes() -> tuple[str, ...]:
    names = {"中国", "中华"}
    for r in regions.all_regions():
        if r.level in ("province", "prefecture"):
            names.add(r.name_zh)
            if len(r.short_zh) >= 2:
                names.add(r.short_zh)
        elif r.province_code in regions.HOME_PROVINCES and r.level == "county":
            if len(r.name_zh) >= 3:
                names.add(r.name_zh)
    return tuple(sorted(names, key=len, reverse=True))


def _is_region(text: str) -> bool:
    return text in _region_prefixes() or regions.lookup(text) is not None and len(text) >= 2


def fold(text: str) -> str:
    """Full-width to half-width, brackets unified, spaces and invisible characters
    (zero-width, soft hyphen: core.limits) removed, Latin lower-cased."""
    t = unicodedata.normalize("NFKC", strip_invisible(text))
    t = t.replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    return re.sub(r"\s+", "", t).lower()


def normalise(name: str) -> str:
    """The comparable form of an organisation name (never empty for a non-empty name)."""
    folded = fold(name)
    if not folded:
        return ""
    t = folded

    # Bracketed region or legal form anywhere: 某某科技(天津)有限公司, (有限合伙).
    def drop(m: re.Match[str]) -> str:
        inner = m.group(1)
        if _is_region(inner) or inner in LEGAL_FORMS or inner == "":
            return ""
        return m.group(0)

    t = _BRACKETS.sub(drop, t)
    for _ in range(3):
        m = _LEGAL_SUFFIX.search(t)
        if not m or m.start() < 2:
            break
        t = t[: m.start()]
    for _ in range(2):  # 天津市滨海新区某某 → 某某
        n = _leading_region(t)
        if n and len(t) - n >= 2 and not _INSTITUTION.match(t[n:]):
            t = t[n:]
        else:
            break
    t = t.strip("()·-_.,")
    return t or folded
