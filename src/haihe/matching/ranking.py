"""Partner ranking: plain functions over plain data (no session, no web).

The types below are the contract between the ranking (`index.py`, `ranking.py`) and the
pages, API, exports and bulk run that show its results (`queries.py`, `service.py`).
A recommendation's score is the sum of its parts, each a number a person can read, and
its reasons say in words (through matching/locales) why the partner was suggested.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# The score's parts, in the order they are shown.
PARTS = ("text", "chain", "city", "scale", "preference")


@dataclass(frozen=True)
class Reason:
    """One reason in words: `key` names a message in matching/locales ("reason.<key>"),
    `params` fills it (e.g. {"words": "单克隆抗体、细胞培养"})."""

    key: str
    params: dict[str, str] = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        """The reason in words: params named `<name>_en` stand for `<name>` in English."""
        from haihe.core.i18n import t

        params = {k: v for k, v in self.params.items() if not k.endswith("_en")}
        if lang == "en":
            params.update({k[:-3]: v for k, v in self.params.items() if k.endswith("_en") and v})
        key = self.key if self.key.startswith("reason.") else f"reason.{self.key}"
        return t(key, lang, **params)


@dataclass(frozen=True)
class MatchFilters:
    region: str | None = None  # a region code (its districts included)
    park_id: int | None = None
    chain: str | None = None
    segment: str | None = None
    organisation_kind: str | None = None  # registry kinds: enterprise, research, ...
    min_maturity: int | None = None  # technology readiness level 1–9
    partner_kind: str | None = None  # "listing" | "organisation" | None for both
    include_existing: bool = False  # also existing partners (never itself or its own listings)


@dataclass(frozen=True)
class Recommendation:
    partner_kind: str  # "listing" | "organisation"
    partner_id: int
    organisation_id: int  # the partner organisation (the listing's owner)
    score: float
    parts: dict[str, float]  # PARTS → value; they add up to `score`
    reasons: tuple[Reason, ...]
    public: bool = True  # a private listing: shown only to its owner and officers in scope


# --- the scoring: plain functions over plain data ---------------------------------------

RESEARCH_KINDS = ("research_institute", "university")


@dataclass(frozen=True)
class Weights:
    """The most each part can add to a score (a perfect partner scores their sum)."""

    text: float = 0.45
    chain: float = 0.15
    city: float = 0.15
    scale: float = 0.05
    preference: float = 0.10
    # the share of the chain part a partner gets without a word in common with the subject
    chain_alone: float = 0.25
    # (chain 0.15 and chain_alone 0.25 were chosen on the quality benchmark's tune halves of
    # the chain-knowledge-graph and ICKG sets, from 0.05–0.35 and 0–1; never on their tests)

    def without(self, *parts: str) -> Weights:
        """These weights with some parts switched off (the quality benchmark's ablation)."""
        return replace(self, **{p: 0.0 for p in parts})


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Side:
    """One side of a match as the ranking sees it: where it sits and what it does."""

    kind: str  # "listing" | "organisation"
    id: int
    organisation_id: int
    organisation_kind: str = "enterprise"
    province: str | None = None  # 110000, 120000, …
    region_code: str | None = None
    park_id: int | None = None
    employees: int = 0
    research: bool = False  # does research or offers a technology
    maker: bool = False  # makes things, or wants a technology to make with
    segments: tuple[tuple[str, str], ...] = ()  # (chain key, segment id)
    direction: str | None = None  # a listing's offer | seek
    listing_kind: str | None = None
    maturity: int | None = None
    region_preference: tuple[str, ...] = ()
    park_preference: tuple[int, ...] = ()
    public: bool = True


@dataclass(frozen=True)
class ChainLink:
    """How two segments meet: `a` (the subject's) supplies `b`, `b` supplies `a`, or the
    same segment."""

    chain: str
    a: str
    b: str
    relation: str  # "supplies" | "supplied_by" | "same"
    a_name: str = ""
    b_name: str = ""
    a_name_en: str = ""
    b_name_en: str = ""


PEER_RESEARCH = 0.6


def research_only(side: Side) -> bool:
    return side.research and not side.maker


def chain_link(
    subject: Side, partner: Side, edges: dict[str, set[tuple[str, str]]]
) -> tuple[float, ChainLink | None]:
    """The best link between the two sides' segments along the chains' supply edges
    (`edges[chain]` holds (supplier, customer) pairs, sub-segments already lifted to their
    parents' edges): 1.0 for a supply edge (0.9 against it; × 0.6 between two research
    sides), and for the same segment 1.0 when one side researches and the other makes
    (technology transfer), 0.5 otherwise."""
    best, link = 0.0, None
    mine = set(subject.segments)
    # two research sides on linked segments trade ideas, not goods: worth less
    peers = PEER_RESEARCH if research_only(subject) and research_only(partner) else 1.0
    for chain, seg in partner.segments:
        e = edges.get(chain, ())
        for c2, s2 in mine:
            if c2 != chain:
                continue
            if (s2, seg) in e:
                value, rel = 1.0 * peers, "supplies"
            elif (seg, s2) in e:
                value, rel = 0.9 * peers, "supplied_by"
            elif s2 == seg:
                transfer = (subject.research and partner.maker) or (
                    subject.maker and partner.research
                )
                value, rel = (1.0 if transfer else 0.5), "same"
            else:
                continue
            if value > best:
                best, link = value, ChainLink(chain, s2, seg, rel)
    return best, link


def complementary(subject: Side, partner: Side) -> tuple[float, str | None]:
    """Cross-city complementarity: research in one home city with making in another
    (1.0; "北京研发 → 天津制造"), or just two cities (0.3); None: the same city or unknown.
    Returns the value and the direction ("research_to_making", "making_to_research",
    "cross_city")."""
    if not subject.province or not partner.province or subject.province == partner.province:
        return 0.0, None
    if subject.research and partner.maker:
        return 1.0, "research_to_making"
    if subject.maker and partner.research:
        return 1.0, "making_to_research"
    return 0.3, "cross_city"


def scale_fit(subject: Side, partner: Side) -> float:
    """0–1: a research side's partner should be large enough to industrialise (≥ 300
    employees scores 1); otherwise partners of a similar size fit best (a tenfold
    difference halves it). Unknown sizes score a neutral 0.5."""
    import math

    if not partner.employees:
        return 0.5 if subject.employees else 0.5
    pe = math.log10(partner.employees + 1)
    if subject.research and partner.maker:
        return min(1.0, pe / math.log10(301))
    if not subject.employees:
        return 0.5
    se = math.log10(subject.employees + 1)
    return 0.5 ** abs(pe - se)


def within(code: str | None, wanted: str) -> bool:
    """Is the region `code` the region `wanted` or inside it (110000 holds 110108)?"""
    if not code or not wanted:
        return False
    if wanted.endswith("0000"):
        return code[:2] == wanted[:2]
    if wanted.endswith("00"):
        return code[:4] == wanted[:4]
    return code == wanted


def preference(subject: Side, partner: Side) -> tuple[float, str | None]:
    """1.0 when the partner sits where the subject's listing would like its partner (a
    region or park it names), 0.5 when the partner's listing would like the subject's
    place; 0 when neither names a place or it is elsewhere."""
    if subject.park_preference and partner.park_id in subject.park_preference:
        return 1.0, "park"
    for code in subject.region_preference:
        if within(partner.region_code, code):
            return 1.0, code
    if partner.park_preference and subject.park_id in partner.park_preference:
        return 0.5, "their_park"
    for code in partner.region_preference:
        if within(subject.region_code, code):
            return 0.5, "their_region"
    return 0.0, None


def _city(province: str | None) -> tuple[str, str]:
    from haihe.codes import regions

    r = regions.get(province) if province else None
    if r is None:
        return "", ""
    return r.short_zh or r.name_zh, r.name_en


def _people(n: int) -> str:
    return f"{n:,}"


def explain(
    subject: Side,
    partner: Side,
    text_value: float,
    shared: list[str],
    edges: dict[str, set[tuple[str, str]]],
    segment_names: dict[tuple[str, str], tuple[str, str]],
    weights: Weights = DEFAULT_WEIGHTS,
) -> Recommendation:
    """The partner's score as parts (each its weight × how well it fits, 0–1) and the
    reasons in words. `text_value` is the text relevance already scaled to 0–1, `shared`
    the words both texts hold (most telling first)."""
    parts: dict[str, float] = {}
    reasons: list[Reason] = []
    parts["text"] = round(weights.text * max(0.0, min(1.0, text_value)), 4)
    if shared and parts["text"] > 0:
        reasons.append(
            Reason("words", {"words": "、".join(shared[:4]), "words_en": ", ".join(shared[:4])})
        )
    value, link = chain_link(subject, partner, edges) if weights.chain else (0.0, None)
    alone = 1.0 if parts["text"] > 0 else weights.chain_alone
    parts["chain"] = round(weights.chain * value * alone, 4)
    if link is not None and parts["chain"] > 0:
        a = segment_names.get((link.chain, link.a), (link.a, link.a))
        b = segment_names.get((link.chain, link.b), (link.b, link.b))
        key = {"supplies": "supplies", "supplied_by": "supplied_by", "same": "same_segment"}[
            link.relation
        ]
        reasons.append(Reason(key, {"a": a[0], "a_en": a[1], "b": b[0], "b_en": b[1]}))
    value, how = complementary(subject, partner) if weights.city else (0.0, None)
    parts["city"] = round(weights.city * value, 4)
    if how is not None and parts["city"] > 0:
        mine, theirs = _city(subject.province), _city(partner.province)
        if how == "making_to_research":
            key, first, second = "research_to_making", theirs, mine
        else:
            key, first, second = how, mine, theirs
        reasons.append(
            Reason(
                key,
                {
                    "city_a": first[0],
                    "city_a_en": first[1],
                    "city_b": second[0],
                    "city_b_en": second[1],
                },
            )
        )
    fit = scale_fit(subject, partner) if weights.scale else 0.0
    parts["scale"] = round(weights.scale * fit, 4)
    if partner.employees and fit >= 0.75 and parts["scale"] > 0:
        key = "scale_industrialise" if subject.research and partner.maker else "scale_similar"
        reasons.append(Reason(key, {"n": _people(partner.employees)}))
    value, where = preference(subject, partner) if weights.preference else (0.0, None)
    parts["preference"] = round(weights.preference * value, 4)
    if where is not None and parts["preference"] > 0:
        if where == "park":
            reasons.append(Reason("preferred_park"))
        elif where in ("their_park", "their_region"):
            reasons.append(Reason("their_preference"))
        else:
            name = _region_name(where)
            reasons.append(Reason("preferred_region", {"region": name[0], "region_en": name[1]}))
    return Recommendation(
        partner.kind,
        partner.id,
        partner.organisation_id,
        round(sum(parts.values()), 4),
        parts,
        tuple(reasons),
        partner.public,
    )


def _region_name(code: str) -> tuple[str, str]:
    from haihe.codes import regions

    r = regions.get(code)
    return (r.name_zh, r.name_en) if r else (code, code)


def rough_scores(
    subject: Side,
    text_value,  # noqa: ANN001 - np.ndarray per candidate, 0–1
    chain_value,  # noqa: ANN001 - np.ndarray per candidate, 0–1 (supply edges, same segment)
    province,  # noqa: ANN001 - np.ndarray of the candidates' province (11, 12, …; 0 unknown)
    research,  # noqa: ANN001
    maker,  # noqa: ANN001
    employees,  # noqa: ANN001
    region,  # noqa: ANN001
    park,  # noqa: ANN001
    weights: Weights = DEFAULT_WEIGHTS,
):  # noqa: ANN201 - np.ndarray
    """The same parts as `explain`, for many candidates at once (numpy arrays), without
    the reasons: the request keeps the best of these and explains only those. The
    partner's own place preferences (worth half) are left to `explain`."""
    import numpy as np

    alone = np.where(text_value > 0, 1.0, weights.chain_alone)
    total = weights.text * np.clip(text_value, 0, 1) + weights.chain * chain_value * alone
    sp = int(subject.province[:2]) if subject.province else 0
    if weights.city and sp:
        other = (province != sp) & (province != 0)
        comp = (subject.research & maker) | (subject.maker & research)
        total += weights.city * np.where(other, np.where(comp, 1.0, 0.3), 0.0)
    if weights.scale:
        pe = np.log10(employees.astype(np.float64) + 1)
        if subject.research:
            fit = np.where(maker, np.minimum(1.0, pe / np.log10(301)), 0.0)
        else:
            fit = np.zeros(len(pe))
        if subject.employees:
            se = np.log10(subject.employees + 1)
            similar = 0.5 ** np.abs(pe - se)
        else:
            similar = np.full(len(pe), 0.5)
        fit = np.where(subject.research & maker, fit, similar)
        fit = np.where(employees > 0, fit, 0.5)
        total += weights.scale * fit
    if weights.preference and (subject.region_preference or subject.park_preference):
        hit = np.zeros(len(region), dtype=bool)
        if subject.park_preference:
            hit |= np.isin(park, np.asarray(subject.park_preference))
        for code in subject.region_preference:
            if code.endswith("0000"):
                hit |= region // 10000 == int(code[:2])
            elif code.endswith("00"):
                hit |= region // 100 == int(code[:4])
            else:
                hit |= region == int(code)
        total += weights.preference * hit
    return total
