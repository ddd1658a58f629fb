"""Strong, weak and missing links; breakpoints; cross-city complementarity.

The rules, with every number they use returned as evidence:

- a segment is **missing** in a region with fewer than `min_orgs` organisations on it;
- otherwise its **score** is the mean of two ratios: how it stands against the region's
  own average segment of this chain (organisations and employees, averaged), and its
  location quotient against the partner cities (its share of the region's chain over its
  share of the partners' chain: 1.0 means as present as at the partners);
- it is **strong** with at least `strong_min_orgs` organisations and a score of
  `strong_at` or more, **weak** otherwise;
- a **breakpoint** is a missing or weak segment whose supplier segment and customer
  segment in the same region are both strong: the chain is there on both sides and
  breaks in the middle;
- **complementarity**: on a segment, one city holds at least `lead_share` of the three
  cities' research organisations and another at least `lead_share` of their manufacturers,
  each with `min_side` or more ("Beijing R&D, Tianjin transformation").

Thresholds come from HAIHE_CHAIN_THRESHOLDS and can be given per request.

Plain functions over counted figures (no database): chains.queries counts the figures
(panorama.grouped) and the organisations shown beside a pair, and calls these.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from statistics import mean

from haihe.chains.definitions import ChainDefinition, Segment
from haihe.chains.panorama import Figures, OrgOnSegment, home_provinces
from haihe.codes import regions
from haihe.core.errors import InvalidInput
from haihe.core.settings import get_settings

STATUSES = ("strong", "weak", "missing")


@dataclass(frozen=True)
class Thresholds:
    min_orgs: int = 1
    strong_min_orgs: int = 3
    strong_at: float = 1.0
    lead_share: float = 0.4
    min_side: int = 2

    @classmethod
    def parse(cls, text: str | None, base: Thresholds | None = None) -> Thresholds:
        """'strong_at=1.2,min_orgs=2' over `base` (or the defaults); names what is wrong."""
        out = base or cls()
        if not text:
            return out
        kinds = {f.name: f.type for f in fields(cls)}
        for part in text.split(","):
            if not part.strip():
                continue
            name, _, value = part.partition("=")
            name = name.strip()
            if name not in kinds:
                raise InvalidInput(
                    "chains.unknown_threshold",
                    field="thresholds",
                    name=name,
                    known=", ".join(kinds),
                )
            try:
                v = int(value) if kinds[name] == "int" else float(value)
            except ValueError:
                raise InvalidInput(
                    "chains.threshold_not_number", field="thresholds", name=name, value=value
                ) from None
            if v < 0:
                raise InvalidInput("chains.threshold_negative", field="thresholds", name=name)
            out = replace(out, **{name: v})
        return out

    @classmethod
    def configured(cls) -> Thresholds:
        return cls.parse(get_settings().chain_thresholds)


@dataclass
class SegmentDiagnosis:
    segment: Segment
    status: str
    figures: Figures
    score: float
    relative: float
    quotient: float | None
    region_average_orgs: float
    region_average_employees: float
    partner_orgs: int
    breakpoint: bool = False
    rule: str = ""  # the rule as the thresholds name it (API, command line)
    reasons: tuple[tuple[str, dict], ...] = ()  # the same in words: locale keys, params

    def rule_text(self, lang: str = "zh") -> str:
        """'得分 0.64，低于“强”的门槛 1.0' / 'a score of 0.64, below the 1.0 needed for
        strong': the rule in the reader's words."""
        from haihe.core.i18n import t

        joiner = "; " if lang == "en" else "；"
        return joiner.join(t(key, lang, **params) for key, params in self.reasons)

    def evidence(self) -> dict:
        return {
            **self.figures.as_dict(),
            "score": round(self.score, 3),
            "relative_to_region_average": round(self.relative, 3),
            "location_quotient_vs_partners": None
            if self.quotient is None
            else round(self.quotient, 3),
            "region_average_organisations": round(self.region_average_orgs, 2),
            "region_average_employees": round(self.region_average_employees, 1),
            "partner_organisations": self.partner_orgs,
            "breakpoint": self.breakpoint,
            "rule": self.rule,
        }


@dataclass
class Diagnosis:
    chain: ChainDefinition
    region: str
    partners: list[str]
    thresholds: Thresholds
    segments: list[SegmentDiagnosis]

    def by_id(self) -> dict[str, SegmentDiagnosis]:
        return {d.segment.id: d for d in self.segments}

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for d in self.segments:
            out[d.status] += 1
        return out

    @property
    def breakpoints(self) -> list[SegmentDiagnosis]:
        return [d for d in self.segments if d.breakpoint]


def check_region(code: str) -> str:
    if not code or regions.get(code) is None:
        raise InvalidInput("chains.unknown_region", field="region", code=code)
    return code


def partners_of(region: str) -> list[str]:
    own = regions.require(region).province_code
    return [p for p in home_provinces() if p != own]


def from_figures(
    chain: ChainDefinition,
    region: str,
    by_province: dict[tuple[str, str], Figures],
    in_region: dict[tuple[str, str], Figures] | None = None,
    thresholds: Thresholds | None = None,
) -> Diagnosis:
    """The diagnosis of `region` from the chain's figures per (segment, province) and, for
    a region below a province, its own figures per (segment, "all")."""
    th = thresholds or Thresholds.configured()
    check_region(region)
    partners = partners_of(region)
    if region.endswith("0000"):
        mine = {seg: f for (seg, k), f in by_province.items() if k == region}
    else:
        mine = {seg: f for (seg, _k), f in (in_region or {}).items()}
    theirs: dict[str, Figures] = {}
    for (seg, k), f in by_province.items():
        if k in partners:
            t = theirs.setdefault(seg, Figures())
            t.orgs += f.orgs
            t.employees += f.employees
    return _rules(chain, region, partners, th, mine, theirs)


def _rules(
    chain: ChainDefinition,
    region: str,
    partners: list[str],
    th: Thresholds,
    mine: dict[str, Figures],
    theirs: dict[str, Figures],
) -> Diagnosis:
    """The pure part: statuses and breakpoints from the counted figures."""
    segs = chain.ordered()
    avg_orgs = mean([mine.get(s.id, Figures()).orgs for s in segs]) if segs else 0.0
    avg_emp = mean([mine.get(s.id, Figures()).employees for s in segs]) if segs else 0.0
    total_mine = sum(mine.get(s.id, Figures()).orgs for s in segs)
    total_theirs = sum(theirs.get(s.id, Figures()).orgs for s in segs)
    out = []
    for s in segs:
        f = mine.get(s.id, Figures())
        p = theirs.get(s.id, Figures())
        rel_o = f.orgs / avg_orgs if avg_orgs else 0.0
        rel_e = f.employees / avg_emp if avg_emp else 0.0
        relative = (rel_o + rel_e) / 2
        if total_mine and total_theirs and p.orgs:
            quotient = (f.orgs / total_mine) / (p.orgs / total_theirs)
        elif f.orgs and not p.orgs:
            quotient = None  # present here, absent at the partners: no ratio, counts as 2
        else:
            quotient = 0.0 if total_theirs else None
        q_for_score = min(quotient, 3.0) if quotient is not None else (2.0 if f.orgs else 0.0)
        score = (relative + q_for_score) / 2
        shown = f"{score:.2f}"
        if f.orgs < th.min_orgs:
            status = "missing"
            rule = f"{f.orgs} < min_orgs {th.min_orgs}"
            reasons = (("chains.why.missing", {"n": f.orgs, "least": th.min_orgs}),)
        elif f.orgs >= th.strong_min_orgs and score >= th.strong_at:
            status = "strong"
            rule = (
                f"{f.orgs} ≥ strong_min_orgs {th.strong_min_orgs}, "
                f"score {shown} ≥ strong_at {th.strong_at}"
            )
            reasons = (
                (
                    "chains.why.strong",
                    {"n": f.orgs, "least": th.strong_min_orgs, "score": shown, "at": th.strong_at},
                ),
            )
        else:
            status = "weak"
            why, told = [], []
            if f.orgs < th.strong_min_orgs:
                why.append(f"{f.orgs} < strong_min_orgs {th.strong_min_orgs}")
                told.append(("chains.why.few", {"n": f.orgs, "least": th.strong_min_orgs}))
            if score < th.strong_at:
                why.append(f"score {shown} < strong_at {th.strong_at}")
                told.append(("chains.why.low", {"score": shown, "at": th.strong_at}))
            rule = "; ".join(why)
            reasons = tuple(told)
        out.append(
            SegmentDiagnosis(
                s,
                status,
                f,
                score,
                relative,
                quotient,
                avg_orgs,
                avg_emp,
                p.orgs,
                rule=rule,
                reasons=reasons,
            )
        )
    by_id = {d.segment.id: d for d in out}
    for d in out:
        if d.status == "strong":
            continue
        sup = [by_id[x] for x in chain.suppliers(d.segment.id) if x in by_id]
        cus = [by_id[x] for x in chain.customers(d.segment.id) if x in by_id]
        if any(x.status == "strong" for x in sup) and any(x.status == "strong" for x in cus):
            d.breakpoint = True
    return Diagnosis(chain, region, partners, th, out)


@dataclass
class Pair:
    segment: Segment
    research_region: str
    making_region: str
    research_count: int
    making_count: int
    research_share: float
    making_share: float
    research_orgs: list[OrgOnSegment]
    making_orgs: list[OrgOnSegment]


def pairs(
    chain: ChainDefinition,
    by_province: dict[tuple[str, str], Figures],
    thresholds: Thresholds | None = None,
) -> list[Pair]:
    """Segments where one home city's research meets another's manufacturing (without
    their organisations: the caller fetches those it shows)."""
    th = thresholds or Thresholds.configured()
    homes = home_provinces()
    out = []
    for s in chain.ordered():
        res = {h: by_province.get((s.id, h), Figures()).research for h in homes}
        mak = {h: by_province.get((s.id, h), Figures()).makers for h in homes}
        tr, tm = sum(res.values()), sum(mak.values())
        if not tr or not tm:
            continue
        for a in homes:
            for b in homes:
                if a == b:
                    continue
                ra, mb = res[a], mak[b]
                if ra < th.min_side or mb < th.min_side:
                    continue
                if ra / tr < th.lead_share or mb / tm < th.lead_share:
                    continue
                out.append(Pair(s, a, b, ra, mb, ra / tr, mb / tm, [], []))
    out.sort(key=lambda p: -(p.research_count * p.making_count))
    return out


def research_meets_making(a: Figures, b: Figures, thresholds: Thresholds | None = None) -> str:
    """Between two cities on one segment: "ab" when city a's research meets city b's
    manufacturing (a has more research organisations than b, b more manufacturers than a,
    each side at least `min_side`), "ba" the other way round, "" neither."""
    th = thresholds or Thresholds.configured()
    if a.research >= th.min_side and b.makers >= th.min_side:
        if a.research > b.research and b.makers > a.makers:
            return "ab"
    if b.research >= th.min_side and a.makers >= th.min_side:
        if b.research > a.research and a.makers > b.makers:
            return "ba"
    return ""
