"""Text analysis for matching: the words a listing, an organisation or a query is matched by.

The same steps for every text so that the two sides of a match meet on the same words:
NFKC folding, traditional characters turned simplified (OpenCC's t2s), jieba segmentation
(rjieba, search mode, as registry/terms.py does for organisations' `search_terms`), then
words that say nothing about what an organisation does are dropped: place names (a
partner in the same city must not look relevant for it), legal-form words (有限公司), and
single characters. Only the first `MAX_CHARS` characters of a text are read, so a
100,000-character abstract costs what a long one does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import rjieba

from haihe.codes import regions
from haihe.core.errors import InvalidInput
from haihe.core.limits import strip_invisible

MAX_CHARS = 6_000  # of one text read for matching (title and keywords come first)
MAX_QUERY_TERMS = 64  # distinct words of a query used for the ranking
_SEPARATOR = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TAGS = re.compile(r"<[^>]{0,200}>")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Words of organisations' names and descriptions that match everyone.
GENERIC = frozenset(
    """
    有限 公司 有限公司 责任 有限责任 有限责任公司 股份 股份有限公司 集团 控股 分公司 总公司
    企业 单位 中心 研究 研究院 研究所 大学 学院 工程院 实验室 医院 工厂 厂 合作社 事务所 个体 工商户
    科技 技术 发展 服务 咨询 经营 销售 生产 制造 开发 研发 推广 转让 相关 及其 以及 一般
    项目 许可 依法 须经 批准 方可 开展 活动 具体 经营项目 审批 结果 准 除外 凭 营业执照 自主
    进出口 货物 代理 业务 范围 主营 主要 提供 包括 其他 各类 各种 我们 本公司 公司 致力 于
    领域 行业 产品 国内 国际 中国 全国 北京 天津 河北 市 省 区 县 新区 开发区 园区 高新区
    the and of for with ltd co inc company limited corporation group technology
    """.split()
)
# Single characters that are words of their own (铜, 铝, 锂, 钢) count; these do not.
FUNCTION_CHARS = frozenset(
    "的和及与等或其为在对以于了是有各类用型式化性品件套个种并含不非由从向按经可"
)


@lru_cache(maxsize=1)
def _converter():  # noqa: ANN202 - opencc.OpenCC
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Every region's names and their segments (天津市, 天津, 滨海新区, 滨海, tianjin)."""
    out: set[str] = set()
    for r in regions.all_regions():
        for name in (r.name_zh, r.short_zh, (r.name_en or "").lower()):
            if not name:
                continue
            out.add(name)
            out.update(t for t in _SEPARATOR.split(" ".join(rjieba.cut(name))) if len(t) > 1)
    return frozenset(out)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return GENERIC | place_words()


def simplify(text: str) -> str:
    """Traditional characters as simplified ones (單克隆抗體 → 单克隆抗体)."""
    if not text or not _CJK.search(text):
        return text
    return _converter().convert(text)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_invisible(text[: MAX_CHARS * 2]))[:MAX_CHARS]
    return simplify(_TAGS.sub(" ", text)).lower()


def words(text: str | None) -> list[str]:
    """The words of a text in order (duplicates kept: a word said twice counts twice),
    without place names, legal-form words, single letters and function characters."""
    if not text:
        return []
    stop = stopwords()
    out = []
    for piece in rjieba.cut_for_search(_clean(text)):
        for t in _SEPARATOR.split(piece):
            if len(t) > 1:
                if t not in stop:
                    out.append(t)
            elif t and _CJK.match(t) and t not in FUNCTION_CHARS and t not in stop:
                out.append(t)
    return out


_STORED: dict[str, str] = {}  # a stored term → its matching word ("" for none)


def _stored_term(term: str) -> str:
    t = simplify(term)
    if not t or t in stopwords() or t in FUNCTION_CHARS:
        return ""
    return t if len(t) > 1 or _CJK.match(t) else ""


def stored_words(search_terms: str | None) -> list[str]:
    """An organisation's stored `search_terms` (registry/terms.py: already segmented and
    folded) as matching words: simplified, without place and legal-form words."""
    if not search_terms:
        return []
    if len(_STORED) > 1_000_000:
        _STORED.clear()
    known = _STORED.get
    out = []
    for term in search_terms[: MAX_CHARS * 2].split():
        t = known(term)
        if t is None:
            t = _STORED[term] = _stored_term(term)
        if t:
            out.append(t)
    return out


def query_words(text: str | None) -> list[str]:
    """The distinct words of a search query; a clear message when there is nothing to
    search by (empty, one character, only place or legal-form words)."""
    raw = unicodedata.normalize("NFKC", strip_invisible(text or "")).strip()
    if len(raw.replace(" ", "")) < 2:
        raise InvalidInput("matching.query_too_short", field="q")
    found = list(dict.fromkeys(words(raw)))[:MAX_QUERY_TERMS]
    if not found:
        raise InvalidInput("matching.query_no_words", field="q", query=raw[:40])
    return found


def listing_text(
    title: str | None,
    title_en: str | None = None,
    keywords: str | None = None,
    field: str | None = None,
    abstract: str | None = None,
    capacity: str | None = None,
) -> str:
    """A listing's text in the order its words matter: title and keywords twice (they say
    what it is about), then field, capacity and the abstract (bounded)."""
    head = " ".join(p for p in (title, title_en, keywords) if p)
    rest = " ".join(p for p in (field, capacity, (abstract or "")[:MAX_CHARS]) if p)
    return f"{head} {head} {rest}"


def listing_terms(**parts: str | None) -> str:
    """The `search_terms` to store on a listing: its words, space-separated."""
    return " ".join(words(listing_text(**parts)))
