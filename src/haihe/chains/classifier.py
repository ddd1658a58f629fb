"""Placing an organisation on chain segments from its name, business scope and industry codes.

Plain functions over plain data (no database), so that the same rules run in
`haihe chains classify`, in the benchmark that measures their precision and recall,
and in tests.

What a real business scope (经营范围) says is what a firm *may* do. The rules, each
visible in the reason text a placement carries:

- the scope is split into clauses; each clause's verb says the activity: making
  (生产、制造、加工), research (研发、技术开发、设计), service (技术服务、检测、维修) or
  trade (销售、批发、零售、进出口). A verb carries on to the following clauses that
  have none ("生产A，B" makes B too);
- a segment accepts only some activities: a firm that sells medical devices is not a
  device maker, but it can sit on a distribution segment if the chain has one;
- exclusions are honoured: "（不含药品）", "卫星接收设备除外", "不得从事…" take their
  words out before anything is matched;
- a catch-all scope listing many kinds of goods counts for little: a clause whose keywords
  span more than two chains has its weight divided by that spread (a trading clause also
  by the number of goods it lists beyond three), and an organisation hitting more than
  three chains has all its scores scaled down, so a trading firm listing twenty kinds of
  goods is not placed on twenty chains, while a maker listing eight drugs is a drug maker;
- clauses early in the scope (the main business, by convention) weigh more than late ones;
- the registered industry codes count, less when a code is shared by many segments;
- words in the name count half, never alone enough to place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from haihe.chains import calibration
from haihe.chains.definitions import ChainDefinition
from haihe.codes import industries
from haihe.core.limits import is_digits

ROLE_ZH = {"make": "生产", "research": "研发", "service": "服务", "trade": "销售"}
ROLE_EN = {"make": "makes", "research": "R&D", "service": "services", "trade": "sells"}
ROLE_WEIGHT = {"make": 1.0, "research": 0.9, "service": 0.6, "trade": 0.8}
ROLE_RANK = {"make": 0, "research": 1, "service": 2, "trade": 3}
# Keywords that name the product only where the text around them lets them: "计算机" in
# "计算机技术培训" or "计算机网络设计" is the head of another noun, "机床加工" is a job shop's
# machining, "售电" inside "销售电子产品" is no electricity retail. (word, text that may not
# come before it, text that may not follow it).
BOUNDARIES = {
    "计算机": (
        None,
        re.compile(
            r"[及、]?(?:技术|网络|系统|管理|信息|图文|应用|培训|维修|服务|辅助|工程|技能|咨询|专业)"
        ),
    ),
    "机床": (None, re.compile(r"加工")),
    "车床": (None, re.compile(r"加工")),
    "船舶": (None, re.compile(r"保险|代理|运输")),
    "车机": (None, re.compile(r"械")),
    "售电": (re.compile(r"[销零]$"), None),
    "通讯设备": (None, re.compile(r"[及、]?(?:维修|安装|租赁)")),
    "光缆": (None, re.compile(r"金具")),
    "碳化硅": (None, re.compile(r"[、]?(?:工程)?陶瓷|耐火|磨料")),
}
VERBS = (
    (
        "make",
        re.compile(r"生产|制造|加工|研制|组装|装配|制备|封装|冶炼|合成(?!树脂)|培育|种植|主营产品"),
    ),
    ("research", re.compile(r"研发|研究|技术开发|开发|试验发展|设计|技术转让")),
    ("service", re.compile(r"技术服务|技术咨询|咨询|检测|检验|运维|(?<!维修)服务")),
    # repair, rental and installation of goods: a service segment's work (汽车维修, 电梯安装),
    # but not making or developing the goods, so a segment that takes more than services
    # does not take it (a rental yard for construction machinery is not on that segment)
    ("upkeep", re.compile(r"维修|维护|修理|大修|保养|租赁|出租|安装|调试")),
    ("trade", re.compile(r"销售|批发|零售|经销|代理|进出口|贸易|购销|采购|经营(?!活动)")),
)
BOILERPLATE = re.compile(
    r"[（(]?依法须经批准的项目[^）)]*[）)]?|一般项目[:：]|许可项目[:：]|"
    r"[（(]?经相关部门批准后[^）)]*[）)]?|[（(]?不得从事[^）)]*[）)]?|"
    r"[（(]?除依法须经批准的项目外[^）)]*[）)]?"
)
PAREN = re.compile(r"[（(]([^（）()]*)[）)]")
EXCLUDING = re.compile(r"不含|除外|不包括|不得|禁止|限分支机构|不从事|^\s*除|除.*以外")
OPEN_EXCLUSION = re.compile(
    r"(?:不含|不包括|不得从事)[^，,；;。、]*"
    r"|(?:^|(?<=[；;。，,]))[^，,；;。（(]*除外"  # a whole clause "药品、医疗器械除外"
    r"|[^，,；;。、（(]*除外"
    r"|除[^，,；;。（(]*?以外的?"
)
CLAUSE_SPLIT = re.compile(r"[；;。\n]+|[，,](?![^（(]*[）)])")
ITEM_SPLIT = re.compile(r"[、/]")
PLACE_AT = 0.45  # confidence needed to place
MAX_CHAINS = 3  # beyond this many chains an organisation's scores are scaled down
NAME_WEIGHT = 0.5
INDUSTRY_WEIGHT = 0.8
LATE_CLAUSE_WEIGHT = 0.7
MAIN_CLAUSES = 3
# a seller's goods must lead its scope (the first clauses, the first items) or be this
# share of the goods a clause lists
TRADE_LEAD_CLAUSES = 2
TRADE_LEAD_ITEMS = 2
TRADE_SHARE = 0.5


class _Matcher:
    """Finds keywords in text: Aho-Corasick in Rust (ahocorasick-rs)."""

    def __init__(self, words: list[str]) -> None:
        import ahocorasick_rs

        self._ac = ahocorasick_rs.AhoCorasick(
            words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        )

    def findall(self, text: str) -> list[str]:
        return self._ac.find_matches_as_strings(text)

    def find_indexes(self, text: str) -> list[tuple[int, int, int]]:
        return self._ac.find_matches_as_indexes(text)


@dataclass(frozen=True)
class OrgFacts:
    name: str
    kind: str = "enterprise"
    description: str | None = None
    industry_codes: tuple[str, ...] = ()
    name_en: str | None = None


@dataclass(frozen=True)
class Hit:
    chain_key: str
    segment_id: str
    role: str
    confidence: float
    reason_zh: str
    reason_en: str


@dataclass
class _Evidence:
    score: float = 0.0
    keywords: dict[str, str] = field(default_factory=dict)  # keyword → role
    codes: list[str] = field(default_factory=list)
    name_words: list[str] = field(default_factory=list)
    roles: dict[str, float] = field(default_factory=dict)
    # over-broad words: counted only when something else points at the segment too
    weak_score: float = 0.0
    weak_words: dict[str, str] = field(default_factory=dict)
    weak_roles: dict[str, float] = field(default_factory=dict)
    name_weak: bool = False  # the name has one of the segment's over-broad words
    # chains whose over-broad word in the name may stand as the second signal: a word on
    # one chain only ("塑料制品厂"), not a mould shop's 模具 (on four chains, no stated use)
    name_chain_ok: set[str] = field(default_factory=set)


def industry_role(code: str) -> str:
    """The activity an industry code implies: manufacturing, research, trade or service."""
    div = int(code[:2]) if is_digits(code[:2]) else 0
    if 13 <= div <= 43:
        return "make"
    if div == 73:
        return "research"
    if div in (51, 52):
        return "trade"
    return "service"


def strip_exclusions(text: str) -> tuple[str, list[str]]:
    """The scope without its boilerplate and exclusions, and the excluded phrases."""
    excluded: list[str] = []
    text = BOILERPLATE.sub("；", text)

    def paren(m: re.Match) -> str:
        inner = m.group(1)
        if EXCLUDING.search(inner):
            excluded.append(inner)
            return ""
        return "（" + inner + "）"

    text = PAREN.sub(paren, text)

    def open_excl(m: re.Match) -> str:
        excluded.append(m.group(0))
        return ""

    text = OPEN_EXCLUSION.sub(open_excl, text)
    return text, excluded


def clause_parts(text: str) -> list[str]:
    return [p for p in (part.strip(" 　：:") for part in CLAUSE_SPLIT.split(text)) if p]


def read_clause(part: str) -> tuple[str | None, int]:
    """A clause's activity (or None when it names none) and the number of items it lists."""
    role = None
    for r, rx in VERBS:
        if rx.search(part):
            role = r
            break
    items = len([i for i in ITEM_SPLIT.split(PAREN.sub("", part)) if i.strip()])
    return role, max(1, items)


VERB_ANY = re.compile("|".join(f"(?P<{r}>{rx.pattern})" for r, rx in VERBS))
# a verb followed by one of these is part of a noun: 加工中心, 生产线, 开发区, 设计院
NOUN_AFTER = re.compile(r"中心|设备|机械|工具|基地|车间|线|机(?!构)|厂|站|区|院|所|室")
PRODUCTS = re.compile(r"^\s*(?:主营产品|主要产品)")
FILLER = re.compile(r"[的及和与并等以上产品业务项目\s：:（）()]+")
RANK = ("make", "research", "service", "trade")


def read_items(part: str) -> list[tuple[int, int, frozenset[str], str]]:
    """The clause's items (split at 、 and /) as (start, end, activities, kind) where kind
    says where the item's verbs stand: "lead" (生产A: governs the items after it), "trail"
    (A销售: governs itself and the verbless items before it), "verbs" (only verbs: "…的生产、
    销售" governs the items before it), "" (no verb, or a verb inside a noun: 加工中心)."""
    out = []
    pos = 0
    for item in ITEM_SPLIT.split(part):
        start, end = pos, pos + len(item)
        pos = end + 1
        ms = [m for m in VERB_ANY.finditer(item) if not NOUN_AFTER.match(item, m.end())]
        roles: frozenset[str] = frozenset()
        kind = ""
        if ms:
            rest = item
            for m in reversed(ms):
                rest = rest[: m.start()] + rest[m.end() :]
            head = len(item) - len(item.lstrip(" 　（(：:"))
            tail = len(item.rstrip(" 　）)：:。"))
            if not FILLER.sub("", rest):
                kind = "verbs"
            elif ms[0].start() <= head:
                kind = "lead"
            elif ms[-1].end() >= tail or FILLER.fullmatch(item[ms[-1].end() : tail] or "的"):
                kind = "trail"
            if kind:
                roles = frozenset(m.lastgroup for m in ms)
        out.append((start, end, roles, kind))
    # Verbs standing together act together: "生产、销售医疗器械" (verbs before a leading
    # verb) and "汽车零部件的研发、生产及销售" (verbs after a trailing one).
    n = len(out)
    for k in range(n):
        if out[k][3] == "lead":
            j, roles = k - 1, set(out[k][2])
            while j >= 0 and out[j][3] == "verbs":
                roles |= out[j][2]
                j -= 1
            out[k] = (*out[k][:2], frozenset(roles), "lead")
        elif out[k][3] == "trail":
            j, roles = k + 1, set(out[k][2])
            while j < n and out[j][3] == "verbs":
                roles |= out[j][2]
                j += 1
            out[k] = (*out[k][:2], frozenset(roles), "trail")
    for k in range(n - 1, -1, -1):  # a run of verbs after the goods: "A、B的生产、加工、销售"
        if out[k][3] == "verbs" and k + 1 < n and out[k + 1][3] == "verbs":
            out[k] = (*out[k][:2], out[k][2] | out[k + 1][2], "verbs")
    # verbless items: the leading verb before them, else the trailing verb after them
    resolved = []
    carried: frozenset[str] = frozenset()
    for n, (start, end, roles, kind) in enumerate(out):
        if kind == "lead":
            carried = roles
        if not roles:
            roles = carried
        if not roles:
            roles = next((r for _, _, r, k in out[n + 1 :] if k in ("trail", "verbs")), roles)
        resolved.append((start, end, roles, kind))
    return resolved


def _bounded(low: str, a: int, b: int) -> bool:
    """Whether the keyword at low[a:b] stands for itself (see BOUNDARIES)."""
    rule = BOUNDARIES.get(low[a:b])
    if rule is None:
        return True
    before, after = rule
    if before is not None and before.search(low, max(0, a - 2), a):
        return False
    return not (after is not None and after.match(low, b))


def best_role(roles: Iterable[str], accepted: Iterable[str]) -> str | None:
    """The most substantial of an item's activities that a segment takes; selling counts
    only when the item names neither making nor research (a maker that sells its own
    goods is not a distributor)."""
    roles, accepted = set(roles), set(accepted)
    if "upkeep" in roles:
        roles.discard("upkeep")
        if accepted == {"service"}:
            roles.add("service")
        elif not roles:
            return None
    for r in RANK:
        if r in roles and r in accepted:
            if r == "trade" and roles & {"make", "research"}:
                return None
            return r
    return None


def clauses(text: str) -> list[tuple[str, str | None, int]]:
    """(clause, role or None, number of listed items) in scope order."""
    return [(part, *read_clause(part)) for part in clause_parts(text)]


class Classifier:
    """Built once from the chain definitions; `classify` then runs per organisation."""

    def __init__(self, chains: Iterable[ChainDefinition]) -> None:
        self.chains = {c.key: c for c in chains}
        self.kw: dict[str, list[tuple[str, str]]] = {}
        self.codes: dict[str, list[tuple[str, str]]] = {}
        self.activities: dict[tuple[str, str], tuple[str, ...]] = {}
        self.parents: dict[tuple[str, str], str | None] = {}
        # (word, segment) pairs that need a second signal, and words that imply an activity
        self.weak: set[tuple[str, tuple[str, str]]] = set()
        self.implied: dict[tuple[str, tuple[str, str]], str] = {}
        for c in self.chains.values():
            for s in c.segments:
                at = (c.key, s.id)
                self.activities[at] = tuple(s.activities)
                self.parents[at] = s.parent
                weak = {w.lower() for w in s.weak}
                for w in dict.fromkeys(x.lower() for x in (*s.keywords_zh, *s.keywords_en, *weak)):
                    self.kw.setdefault(w, []).append(at)
                    if w in weak:
                        self.weak.add((w, at))
                for w, act in s.implies:
                    self.implied[(w.lower(), at)] = act
                for code in s.industries:
                    self.codes.setdefault(code, []).append(at)
        self._word_chains = {w: frozenset(at[0] for at in ats) for w, ats in self.kw.items()}
        # Aho-Corasick (leftmost-longest): every keyword in one pass over the text, the
        # longer of two overlapping ones winning ("集成电路设计" over "集成电路").
        words = sorted(self.kw)
        self.rx = _Matcher(words) if words else None
        # Scopes are unique but made of common clauses ("技术开发、技术咨询、技术服务",
        # "货物进出口"): what a clause says is worked out once.
        self._clause_cache: dict[str, tuple[str | None, list[str], int, int]] = {}
        self._scope_cache: dict[tuple, tuple] = {}

    def spread(self, words: Iterable[str]) -> int:
        """How many different things the words name: the chains they reach, counting chains
        that share one of the words as one (a power battery is on the vehicle, new-energy
        and green-energy chains at once; that is one thing, not three)."""
        groups: list[set[str]] = []
        for w in dict.fromkeys(words):
            cs = set(self._word_chains.get(w, ()))
            if not cs:
                continue
            keep = []
            for g in groups:
                if g & cs:
                    cs |= g
                else:
                    keep.append(g)
            groups = [*keep, cs]
        return len(groups)

    # -- pieces ---------------------------------------------------------------------

    def _clause(
        self, part: str
    ) -> tuple[str | None, list[tuple[str, frozenset[str], int]], int, int]:
        """(the clause's activity, its keywords each with the activities of its item and the
        item's place in the clause, the chains the keywords span, items listed)."""
        got = self._clause_cache.get(part)
        if got is None:
            verb, items = read_clause(part)
            words: list[tuple[str, frozenset[str], int]] = []
            if self.rx is not None:
                low = part.lower()
                found = [(a, b) for _, a, b in self.rx.find_indexes(low) if _bounded(low, a, b)]
                if found:
                    if PRODUCTS.match(part):  # a listed company's main products: made
                        words = [(low[a:b], frozenset({"make"}), 0) for a, b in found]
                    else:
                        spans = read_items(part)
                        for a, b in found:
                            k = next((k for k, sp in enumerate(spans) if sp[0] <= a < sp[1]), 0)
                            words.append((low[a:b], spans[k][2] if spans else frozenset(), k))
            spread = self.spread(w for w, _, _ in words)
            got = (verb, words, spread, items)
            if len(self._clause_cache) > 500_000:
                self._clause_cache.clear()
            self._clause_cache[part] = got
        return got

    def _scope_hits(
        self, description: str
    ) -> tuple[list[tuple[int, str, frozenset[str], float, bool, int, int]], tuple]:
        """(clause, keyword, its activities, weight, whether its activities come from a verb
        in the clause, items the clause lists, the keyword's item in the clause), and what
        they depend on: the clauses with a verb or a keyword, and where they stand."""
        text, _excluded = strip_exclusions(description)
        found: list[tuple[int, str, frozenset[str], float, bool, int, int]] = []
        role: str | None = None
        parts = [(part, *self._clause(part)) for part in clause_parts(text)]
        # Clauses before the first verb take the first verb that follows: "中成药；中药饮片；
        # 生物制品批发" is a wholesaler's list. A scope with no verb at all is a bare list of
        # goods, which is a shop's.
        upcoming = next((p[1] for p in parts if p[1] is not None), None)
        key = tuple((i, p[0]) for i, p in enumerate(parts) if p[1] is not None or p[2])
        for i, (_part, verb, words, spread, items) in enumerate(parts):
            no_verb_at_all = upcoming is None
            role = verb or role or upcoming or "make"
            if not words:
                continue
            weight = 1.0 if i < MAIN_CLAUSES else LATE_CLAUSE_WEIGHT
            # A clause whose goods span many chains is a catch-all ("销售电子产品、医疗器械、
            # 汽车配件、化工产品…"); one listing eight drugs is not. A bare list of goods with no
            # verb at all ("建筑材料、日用品、汽车配件、电子产品") is a shop's list.
            if spread > 2:
                weight *= 2 / spread
            if no_verb_at_all and items > 3:
                weight *= 3 / items
            for w, roles, k in words:
                found.append((i, w, roles or frozenset({role}), weight, bool(roles), items, k))
        return found, key

    def _scope_evidence(
        self, description: str, research_body: bool
    ) -> tuple[tuple[tuple[str, str], str, float, tuple[str, ...], bool], ...]:
        """What the scope says, per segment and clause: (segment, activity, weight, keywords,
        whether it needs a second signal). A clause counts once per segment, however many
        of its keywords match. Worked out once per distinct reading: scopes are unique, but
        what differs is mostly clauses that name nothing ("登记…号", addresses, licences)."""
        hits, key = self._scope_hits(description)
        key = (research_body, key)
        got = self._scope_cache.get(key)
        if got is not None:
            return got
        per_clause: dict[tuple[tuple[str, str], int], tuple[str, float, list[str]]] = {}
        # the items of each clause that name a chain's goods (for sellers, below)
        chain_items: dict[tuple[int, str], set[int]] = {}
        for i, word, _r, _w, _o, _n, k in hits:
            for ck in self._word_chains[word]:
                chain_items.setdefault((i, ck), set()).add(k)
        for i, word, roles, weight, own_verb, items, k in hits:
            for at in self.kw[word]:
                if not own_verb and (word, at) in self.implied:
                    # "充电站" alone says what is done there
                    item_roles: Iterable[str] = {self.implied[(word, at)]}
                else:
                    item_roles = roles
                if research_body:
                    item_roles = {"research" if r == "make" else r for r in item_roles}
                role = best_role(item_roles, self.activities[at])
                if role is None:
                    continue
                w = weight * ROLE_WEIGHT[role]
                if role == "trade":
                    # A seller is on a chain only when those goods are its main business
                    # (guide §6): they lead the scope, or they are most of what it sells.
                    # A word late in a list of unrelated goods counts for nothing.
                    share = len(chain_items[(i, at[0])]) / items
                    if share >= TRADE_SHARE:
                        pass
                    elif i < TRADE_LEAD_CLAUSES and k < TRADE_LEAD_ITEMS:
                        if items > 3:  # leading a long list of goods
                            w *= 3 / items
                    else:
                        continue
                got_c = per_clause.setdefault((at, i), (role, w, []))
                got_c[2].append(word)
        out = []
        for (at, i), (role, weight, words) in per_clause.items():
            # a minor item (past the main clauses) needs a second signal, like an
            # over-broad word: "软件开发" as the 17th item of a labour-dispatch firm
            weak = i >= MAIN_CLAUSES or all((w, at) in self.weak for w in words)
            out.append((at, role, weight, tuple(words), weak))
        got = tuple(out)
        if len(self._scope_cache) > 200_000:
            self._scope_cache.clear()
        self._scope_cache[key] = got
        return got

    def classify(self, org: OrgFacts, *, calibrated: bool = True) -> list[Hit]:
        """The organisation's placements, most certain first. Each one's confidence is
        calibrated (chains/calibration.py: the share of such placements that were right on
        labelled registrations); `calibrated=False` gives the raw score the calibration is
        learned from."""
        name_text = f"{org.name} {org.name_en or ''}".lower()
        if self.rx is not None and not any(c in self.codes for c in org.industry_codes):
            # Most of a registry is on no chain: one pass over the raw text settles it (the
            # clauses and exclusions below can only find fewer keywords, never more).
            if not self.rx.findall(f"{org.description or ''} {name_text}".lower()):
                return []
        ev: dict[tuple[str, str], _Evidence] = {}
        research_body = org.kind in ("research_institute", "university")

        def add(at: tuple[str, str], role: str, weight: float) -> _Evidence | None:
            if role not in self.activities[at]:
                return None
            e = ev.setdefault(at, _Evidence())
            e.score += weight
            e.roles[role] = e.roles.get(role, 0.0) + weight
            return e

        if org.description and self.rx is not None:
            for at, role, weight, words, weak in self._scope_evidence(
                org.description, research_body
            ):
                if weak:
                    e = ev.setdefault(at, _Evidence())
                    e.weak_score += weight
                    e.weak_roles[role] = e.weak_roles.get(role, 0.0) + weight
                    for w in words:
                        e.weak_words.setdefault(w, role)
                    continue
                e = add(at, role, weight)
                if e is not None:
                    for w in words:
                        e.keywords.setdefault(w, role)
        if self.rx is not None:
            name_role = "research" if research_body else "make"
            for m in set(self.rx.findall(name_text)):
                for at in self.kw[m]:
                    if (m, at) in self.weak:
                        e = ev.setdefault(at, _Evidence())
                        e.name_weak = True
                        if len(self._word_chains[m]) == 1:
                            e.name_chain_ok.add(at[0])
                        continue
                    e = add(at, name_role, NAME_WEIGHT)
                    if e is None and "trade" in self.activities[at] and "贸易" in org.name:
                        e = add(at, "trade", NAME_WEIGHT)
                    if e is not None:
                        e.name_words.append(m)
        for code in org.industry_codes:
            spots = self.codes.get(code, ())
            if not spots:
                continue
            role = "research" if research_body else industry_role(code)
            weight = INDUSTRY_WEIGHT / math.sqrt(len(spots))
            for at in spots:
                e = add(at, role, weight)
                if e is not None:
                    e.codes.append(code)
        # An over-broad word (模具, 塑料制品) counts when something else points at the
        # segment, or when the name says it too ("××塑料制品厂").
        for at in list(ev):
            e = ev[at]
            if e.score <= 0 and e.weak_score and e.name_weak and at[0] in e.name_chain_ok:
                e.score, e.weak_score = e.weak_score, 0.0
                e.roles.update(e.weak_roles)
                e.keywords.update(e.weak_words)
            if e.score <= 0:  # only over-broad words: not enough
                del ev[at]
            elif e.weak_score:
                e.score += e.weak_score
                for r, w in e.weak_roles.items():
                    e.roles[r] = e.roles.get(r, 0.0) + w
                for w, r in e.weak_words.items():
                    e.keywords.setdefault(w, r)
        if not ev:
            return []
        # a child segment hit makes its parent's hit redundant (the child is more specific)
        for at in list(ev):
            parent = self.parents[at]
            if parent and (at[0], parent) in ev and _confidence(ev[at].score) >= PLACE_AT:
                del ev[(at[0], parent)]
        placed = [(at, e) for at, e in ev.items() if _confidence(e.score) >= PLACE_AT]
        n_chains = _things(placed)
        scale = MAX_CHAINS / n_chains if n_chains > MAX_CHAINS else 1.0
        hits = []
        for at, e in ev.items():
            conf = _confidence(e.score * scale)
            if conf < PLACE_AT:
                continue
            role = min(e.roles, key=lambda r: (-e.roles[r], ROLE_RANK[r]))
            zh, en = self._reason(e, scale, n_chains)
            shown = round(conf, 3)
            if calibrated:
                shown = calibration.calibrated(conf)
                pct = round(shown * 100)
                zh += f"；同类归入在已标注的真实登记中约 {pct}% 正确"
                en += f"; about {pct}% of such placements were right on labelled registrations"
            hits.append((conf, Hit(at[0], at[1], role, shown, zh, en)))
        hits.sort(key=lambda x: (-x[0], x[1].chain_key, x[1].segment_id))
        return [h for _, h in hits]

    def _reason(self, e: _Evidence, scale: float, n_chains: int) -> tuple[str, str]:
        zh, en = [], []
        if e.keywords:
            by_role: dict[str, list[str]] = {}
            for w, r in e.keywords.items():
                by_role.setdefault(r, []).append(w)
            zh.append(
                "；".join(
                    f"经营范围关键词 {'、'.join(ws)}（{ROLE_ZH[r]}）" for r, ws in by_role.items()
                )
            )
            en.append(
                "; ".join(
                    f"scope keywords {', '.join(ws)} ({ROLE_EN[r]})" for r, ws in by_role.items()
                )
            )
        for code in dict.fromkeys(e.codes):
            ind = industries.get(code)
            zh.append(f"行业 {code} {ind.name_zh if ind else ''}".strip())
            en.append(f"industry {code} {_english(code)}".strip())
        if e.name_words:
            words = list(dict.fromkeys(e.name_words))
            zh.append(f"名称含 {'、'.join(words)}")
            en.append(f"name has {', '.join(words)}")
        if scale < 1:
            zh.append(f"经营范围涉及 {n_chains} 条产业链，置信度按 {MAX_CHAINS}/{n_chains} 折减")
            en.append(
                f"scope spans {n_chains} chains, confidence scaled by {MAX_CHAINS}/{n_chains}"
            )
        return "；".join(zh), "; ".join(en)


def _things(placed: list[tuple[tuple[str, str], _Evidence]]) -> int:
    """How many different chains an organisation is placed on, counting chains placed on
    the same evidence (one keyword, one code) as one."""
    groups: list[tuple[set[str], set[str]]] = []  # (chains, evidence)
    for at, e in placed:
        chains, marks = {at[0]}, {*e.keywords, *e.codes, *e.name_words}
        keep = []
        for g in groups:
            if g[0] & chains or g[1] & marks:
                chains |= g[0]
                marks |= g[1]
            else:
                keep.append(g)
        groups = [*keep, (chains, marks)]
    return len(groups)


def _english(code: str) -> str:
    ind = industries.get(code)
    if ind is None:
        return ""
    if ind.name_en:
        return ind.name_en
    for anc in industries.ancestors(code):
        if anc.name_en:
            return f"{ind.name_zh} (in {anc.name_en})"
    return ind.name_zh


def _confidence(score: float) -> float:
    return 1.0 - math.exp(-score)
