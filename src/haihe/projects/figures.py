"""Cluster figures: one set of counting rules, used by the dashboard, the API and exports.

How each figure is counted (shown to users beside it, see locales `figures.rule.*`):
- signed: projects whose signing date falls in the period, not cancelled;
- intended investment: their intended investment, capital increases included;
- construction started: of those, the ones now at construction started or under
  construction (a project that has gone on to operation is counted there instead);
- in operation: now in operation or at design capacity;
- paying tax: in operation and paying tax;
- stalled: not at its next milestone within the configured days for its stage.

Contracted and in-place investment are private to those who may read the project. Figures
for a reader who may not read some of the projects behind them (anonymous visitors, a park
manager, an enterprise) publish a private sum only when at least HAIHE_FIGURES_MIN_PROJECTS
of those projects contribute to it, as statistics offices suppress small cells: otherwise a
filter narrow enough (one day, one fair) would give away one project's amount. Suppressed
sums are None and named in `suppressed`; the page says so in words (figures.suppressed).

Comparing two figures must not give it away either (the difference of two overlapping
date ranges, of a region and a district in it, of all chains and one): for such a reader
every private sum is built from fixed cells, the projects signed on one day with the same
chain, regions, park and fair (`CELL`), which every filter and every breakdown is a union
of. A cell's hidden amounts count only when at least the minimum of its projects
contribute, in every figure alike, so any difference of figures is itself a sum over whole
cells of at least that many projects. A sum leaving out some cells is named in `partial`
(with how many projects it leaves out); one leaving out every hidden amount is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, extract, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from haihe.codes import regions
from haihe.core.errors import InvalidInput
from haihe.core.limits import is_digits
from haihe.core.settings import get_settings
from haihe.projects import lifecycle
from haihe.projects.models import Project
from haihe.registry.queries import region_range


@dataclass(frozen=True)
class FigureFilter:
    date_from: date | None = None
    date_to: date | None = None
    fair_id: int | None = None
    chain: str | None = None
    origin: str | None = None  # region code or name: where the investor comes from
    landing: str | None = None  # region code or name: where the project lands
    park_id: int | None = None


PRIVATE_SUMS = ("contracted_investment_yuan", "invested_in_place_yuan")


@dataclass
class Figures:
    signed: int
    intended_investment_yuan: Decimal
    contracted_investment_yuan: Decimal | None  # None: suppressed (too few projects)
    invested_in_place_yuan: Decimal | None  # None: suppressed (too few projects)
    construction_started: int
    in_operation: int
    paying_tax: int
    stalled: int
    cancelled: int
    reached_construction: int = 0  # funnel: at construction started or any later stage
    reached_operation: int = 0  # funnel: in operation or at capacity
    # Of the projects the reader may not read, how many contribute to each private sum.
    hidden_contracted: int = 0
    hidden_in_place: int = 0
    suppressed: tuple[str, ...] = ()  # the private sums withheld (names of the fields)
    min_projects: int = 0  # the threshold they were withheld under
    # Private sums published without the cells of too few projects, and how many projects
    # each leaves out (see the module's docstring).
    partial: tuple[str, ...] = ()
    left_out: dict[str, int] | None = None

    @property
    def in_operation_share(self) -> float:
        return self.in_operation / self.signed if self.signed else 0.0


FIGURES = ("signed", "construction_started", "in_operation", "paying_tax", "stalled", "cancelled")


def stall_thresholds() -> dict[str, int]:
    """Days a project may stay at each stage before it counts as stalled (settings)."""
    return lifecycle.parse_stall_days(get_settings().stall_days)


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("figures.bad_date", field=field, value=value) from exc


def _id(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    if not is_digits(str(value)) or not 1 <= int(value) <= 2_147_483_647:
        raise InvalidInput("figures.bad_id", field=field, value=value)
    return int(value)


def figure_filter(
    fair: str | None = None,
    chain: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    origin: str | None = None,
    landing: str | None = None,
    park: str | None = None,
) -> FigureFilter:
    """The filter from its text form (query parameters, command-line options)."""
    return FigureFilter(
        date_from=_date(date_from, "from"),
        date_to=_date(date_to, "to"),
        fair_id=_id(fair, "fair"),
        chain=chain or None,
        origin=origin or None,
        landing=landing or None,
        park_id=_id(park, "park"),
    )


def _region_cond(column, text: str, field: str):  # noqa: ANN001, ANN202
    r = regions.lookup(text)
    if r is None:
        raise InvalidInput("figures.region_unknown", field=field, value=text)
    lo, hi = region_range(r.code)
    return and_(column >= lo, column < hi)


def base_conditions(f: FigureFilter) -> list:
    conds = []
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InvalidInput(
            "figures.from_after_to",
            field="from",
            date_from=f.date_from.isoformat(),
            date_to=f.date_to.isoformat(),
        )
    if f.date_from:
        conds.append(Project.signed_on >= f.date_from)
    if f.date_to:
        conds.append(Project.signed_on <= f.date_to)
    if f.fair_id is not None:
        conds.append(Project.fair_id == f.fair_id)
    if f.chain:
        conds.append(Project.chain == f.chain)
    if f.origin:
        conds.append(_region_cond(Project.origin_region_code, f.origin, "origin"))
    if f.landing:
        conds.append(_region_cond(Project.landing_region_code, f.landing, "landing"))
    if f.park_id is not None:
        conds.append(Project.landing_park_id == f.park_id)
    return conds


def stalled_condition(today: date, thresholds: dict[str, int]):  # noqa: ANN201
    parts = []
    for stage, days in thresholds.items():
        cond = and_(Project.stage == stage, Project.stage_on < today - timedelta(days=days))
        if stage == "in_operation":
            cond = and_(cond, Project.paying_tax_on.is_(None))
        parts.append(cond)
    return and_(Project.cancelled_on.is_(None), or_(*parts))


def figure_condition(name: str, today: date, thresholds: dict[str, int]):  # noqa: ANN201
    """The condition that puts a project behind figure `name` (for its list of projects)."""
    active = and_(Project.signed_on.is_not(None), Project.cancelled_on.is_(None))
    return {
        "signed": active,
        "construction_started": and_(active, Project.stage.in_(lifecycle.CONSTRUCTION)),
        "in_operation": and_(active, Project.stage.in_(lifecycle.OPERATING)),
        "paying_tax": and_(active, Project.paying_tax_on.is_not(None)),
        "stalled": and_(Project.signed_on.is_not(None), stalled_condition(today, thresholds)),
        "cancelled": Project.cancelled_on.is_not(None),
    }[name]


def min_projects() -> int:
    """Fewest projects a private sum may be published over (settings)."""
    return max(1, get_settings().figures_min_projects)


def _hidden(private_scope: ColumnElement[bool] | None) -> ColumnElement[bool] | None:
    """The projects whose private fields the reader may not see (None: there are none).

    `private_scope` is the SQL condition of the projects the reader may read (projects
    .queries.read_scope: for signed projects, the same as seeing their private fields)."""
    return None if private_scope is None else not_(private_scope)


def _aggregates(
    today: date, thresholds: dict[str, int], hidden: ColumnElement[bool] | None = None
) -> list:
    """The aggregate columns of every figure, in the order of Figures' fields, then the
    number of hidden projects contributing to each private sum."""
    active = Project.cancelled_on.is_(None)

    def count(cond) -> object:  # noqa: ANN001
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    def total(col, cond) -> object:  # noqa: ANN001
        return func.coalesce(func.sum(case((cond, col), else_=0)), 0)

    return [
        count(active),
        total(Project.intended_investment, active),
        total(Project.contracted_investment, active),
        total(Project.invested_in_place, active),
        count(and_(active, Project.stage.in_(lifecycle.CONSTRUCTION))),
        count(and_(active, Project.stage.in_(lifecycle.OPERATING))),
        count(and_(active, Project.paying_tax_on.is_not(None))),
        count(stalled_condition(today, thresholds)),
        count(Project.cancelled_on.is_not(None)),
        count(and_(active, Project.stage.in_(lifecycle.STAGES[3:]))),
        *(
            literal(0)
            if hidden is None
            else count(and_(active, hidden, col.is_not(None), col != 0))
            for col in (Project.contracted_investment, Project.invested_in_place)
        ),
    ]


def _withheld(hidden_contributors: int, minimum: int) -> bool:
    """A private sum over fewer than `minimum` projects the reader may not read (and at
    least one: a sum of only the reader's own projects reveals nothing)."""
    return 0 < hidden_contributors < minimum


def _figures(rows: list, minimum: int | None = None) -> Figures:
    """Figures from one or more aggregate rows (groups add up); private sums withheld
    under `minimum` hidden contributors (see the module's docstring)."""
    sums = [sum((Decimal(r[i]) for r in rows), Decimal(0)) for i in range(12)]
    cents = Decimal("0.01")
    fig = Figures(
        signed=int(sums[0]),
        intended_investment_yuan=sums[1].quantize(cents),
        contracted_investment_yuan=sums[2].quantize(cents),
        invested_in_place_yuan=sums[3].quantize(cents),
        construction_started=int(sums[4]),
        in_operation=int(sums[5]),
        paying_tax=int(sums[6]),
        stalled=int(sums[7]),
        cancelled=int(sums[8]),
        reached_construction=int(sums[9]),
        reached_operation=int(sums[5]),
        hidden_contracted=int(sums[10]),
        hidden_in_place=int(sums[11]),
    )
    minimum = minimum or min_projects()
    withheld = []
    if _withheld(fig.hidden_contracted, minimum):
        fig.contracted_investment_yuan = None
        withheld.append("contracted_investment_yuan")
    if _withheld(fig.hidden_in_place, minimum):
        fig.invested_in_place_yuan = None
        withheld.append("invested_in_place_yuan")
    fig.suppressed, fig.min_projects = tuple(withheld), minimum
    return fig


def compute(
    session: Session,
    f: FigureFilter,
    *,
    today: date | None = None,
    thresholds: dict[str, int] | None = None,
    private_scope: ColumnElement[bool] | None = None,
) -> Figures:
    """The figures for `f`. `private_scope`: the projects the reader may read (None: all,
    as for administrators, officers and the command line); private sums over too few of
    the others are withheld."""
    today = today or date.today()
    thresholds = thresholds or lifecycle.DEFAULT_STALL_DAYS
    row = session.execute(
        select(*_aggregates(today, thresholds, _hidden(private_scope))).where(
            Project.signed_on.is_not(None), *base_conditions(f)
        )
    ).one()
    fig = _figures([row])
    if private_scope is not None:
        _by_cells(fig, list(private_cells(session, f, private_scope).values()))
    return fig


# The cell every private sum is built of for readers who may not read every project: the
# finest grouping any filter or breakdown makes (a day, a chain, both regions and their
# provinces, a park, a fair). Filters and breakdowns are unions of cells, so figures made
# of whole cells differ only by whole cells.
CELL = (
    Project.signed_on,
    Project.chain,
    Project.origin_region_code,
    Project.origin_province,
    Project.landing_region_code,
    Project.landing_province,
    Project.landing_park_id,
    Project.fair_id,
)


@dataclass
class Cell:
    """One cell's private sums: what the reader may read, and the others' (hidden) part
    with how many hidden projects contribute to it, per private sum."""

    key: tuple
    readable: list[Decimal]
    hidden: list[Decimal]
    contributors: list[int]

    @property
    def chain(self) -> str:
        return self.key[1] or ""

    @property
    def pair(self) -> str:
        return f"{self.key[3] or ''}→{self.key[5] or ''}"

    @property
    def month(self) -> str:
        day = self.key[0]
        day = date.fromisoformat(str(day)[:10]) if not isinstance(day, date) else day
        return f"{day.year:04d}-{day.month:02d}"


def private_cells(
    session: Session, f: FigureFilter, private_scope: ColumnElement[bool]
) -> dict[tuple, Cell]:
    """The private sums of the projects behind `f` cell by cell (see CELL)."""
    hidden = not_(private_scope)
    active = Project.cancelled_on.is_(None)
    cols = []
    for col in (Project.contracted_investment, Project.invested_in_place):
        cols += [
            func.coalesce(func.sum(case((private_scope, col), else_=0)), 0),
            func.coalesce(func.sum(case((hidden, col), else_=0)), 0),
            func.coalesce(
                func.sum(case((and_(hidden, col.is_not(None), col != 0), 1), else_=0)), 0
            ),
        ]
    rows = session.execute(
        select(*CELL, *cols)
        .where(Project.signed_on.is_not(None), active, *base_conditions(f))
        .group_by(*CELL)
    ).all()
    n = len(CELL)
    return {
        tuple(r[:n]): Cell(
            tuple(r[:n]),
            [Decimal(r[n]), Decimal(r[n + 3])],
            [Decimal(r[n + 1]), Decimal(r[n + 4])],
            [int(r[n + 2]), int(r[n + 5])],
        )
        for r in rows
    }


def _cell_sums(cells: list[Cell], minimum: int) -> tuple[list[Decimal], list[int], list[int]]:
    """Per private sum: the readable part plus the hidden part of cells with at least
    `minimum` hidden contributors; the hidden contributors in all; those left out."""
    sums, hidden, left = [Decimal(0)] * 2, [0, 0], [0, 0]
    for c in cells:
        for i in range(2):
            sums[i] += c.readable[i]
            hidden[i] += c.contributors[i]
            if c.contributors[i] >= minimum:
                sums[i] += c.hidden[i]
            else:
                left[i] += c.contributors[i]
    return sums, hidden, left


def _by_cells(fig: Figures, cells: list[Cell], minimum: int | None = None) -> Figures:
    """Replace `fig`'s private sums by their sums over whole cells (see the docstring)."""
    minimum = minimum or min_projects()
    sums, hidden, left = _cell_sums(cells, minimum)
    cents = Decimal("0.01")
    withheld, partial, left_out = [], [], {}
    for i, name in enumerate(PRIVATE_SUMS):
        value: Decimal | None = sums[i].quantize(cents)
        if hidden[i] and left[i] == hidden[i]:
            value = None  # every hidden amount is in a cell too small: nothing to publish
            withheld.append(name)
        elif left[i]:
            partial.append(name)
            left_out[name] = left[i]
        setattr(fig, name, value)
    fig.hidden_contracted, fig.hidden_in_place = hidden
    fig.suppressed, fig.partial, fig.min_projects = tuple(withheld), tuple(partial), minimum
    fig.left_out = left_out or None
    return fig


def _in_place_by(cells: list[Cell], group, minimum: int) -> dict[str, Decimal | None]:  # noqa: ANN001
    """In-place investment per group of cells (`group(cell)` → key), as _by_cells counts."""
    grouped: dict[str, list[Cell]] = {}
    for c in cells:
        grouped.setdefault(group(c), []).append(c)
    out: dict[str, Decimal | None] = {}
    for key, part in grouped.items():
        sums, hidden, left = _cell_sums(part, minimum)
        out[key] = None if hidden[1] and left[1] == hidden[1] else sums[1]
    return out


@dataclass
class Dashboard:
    figures: Figures
    chains: list[Breakdown]
    pairs: list[Breakdown]
    months: list[Breakdown]


def dashboard(
    session: Session,
    f: FigureFilter,
    *,
    today: date | None = None,
    thresholds: dict[str, int] | None = None,
    private_scope: ColumnElement[bool] | None = None,
) -> Dashboard:
    """Figures and breakdowns in two scans (the dashboard's hot path).

    Same rules as compute(): the groups (chain × investor's province × landing province)
    add up to exactly its figures; the monthly trend is a second, narrow grouping. Each
    group's in-place investment is withheld like the totals' (None) when too few of the
    projects the reader may not read contribute to it.
    """
    today = today or date.today()
    thresholds = thresholds or lifecycle.DEFAULT_STALL_DAYS
    keys = (Project.chain, Project.origin_province, Project.landing_province)
    rows = session.execute(
        select(*keys, *_aggregates(today, thresholds, _hidden(private_scope)))
        .where(Project.signed_on.is_not(None), *base_conditions(f))
        .group_by(*keys)
    ).all()
    parts: dict[str, dict[str, list]] = {"chain": {}, "pair": {}}
    for r in rows:
        chain, origin, landing, agg = r[0], r[1], r[2], r[3:]
        for kind, key in (("chain", chain or ""), ("pair", f"{origin or ''}→{landing or ''}")):
            parts[kind].setdefault(key, []).append(agg)

    def breakdown(kind: str) -> list[Breakdown]:
        out = []
        for key, aggs in sorted(parts[kind].items()):
            fig = _figures(aggs)
            if fig.signed:  # groups of only cancelled projects leave the breakdowns
                out.append(
                    Breakdown(
                        key, fig.signed, fig.intended_investment_yuan, fig.invested_in_place_yuan
                    )
                )
        return out

    totals = _figures([r[3:] for r in rows])
    chains, pairs = breakdown("chain"), breakdown("pair")
    months = monthly(session, f, private_scope)
    if private_scope is not None:  # private sums over whole cells only (module docstring)
        cells = list(private_cells(session, f, private_scope).values())
        minimum = min_projects()
        _by_cells(totals, cells, minimum)
        for parts, group in (
            (chains, lambda c: c.chain),
            (pairs, lambda c: c.pair),
            (months, lambda c: c.month),
        ):
            safe = _in_place_by(cells, group, minimum)
            for b in parts:
                b.in_place = safe.get(b.key, Decimal(0))
    return Dashboard(totals, chains, pairs, months)


@dataclass
class Breakdown:
    key: str
    signed: int
    intended: Decimal
    in_place: Decimal | None  # None: withheld (too few projects, see Figures.suppressed)


def _breakdown(
    session: Session,
    f: FigureFilter,
    *keys,  # noqa: ANN002
    private_scope: ColumnElement[bool] | None = None,
) -> list[tuple]:
    active = Project.cancelled_on.is_(None)
    hidden = _hidden(private_scope)
    in_place = Project.invested_in_place
    stmt = (
        select(
            *keys,
            func.count(),
            func.coalesce(func.sum(Project.intended_investment), 0),
            func.coalesce(func.sum(in_place), 0),
            literal(0)
            if hidden is None
            else func.coalesce(
                func.sum(case((and_(hidden, in_place.is_not(None), in_place != 0), 1), else_=0)),
                0,
            ),
        )
        .where(Project.signed_on.is_not(None), active, *base_conditions(f))
        .group_by(*keys)
        .order_by(*keys)
    )
    return list(session.execute(stmt).all())


def monthly(
    session: Session, f: FigureFilter, private_scope: ColumnElement[bool] | None = None
) -> list[Breakdown]:
    """Signings per month ("2023-06"), oldest first."""
    year = extract("year", Project.signed_on).label("year")
    month = extract("month", Project.signed_on).label("month")
    minimum = min_projects()
    return [
        Breakdown(
            f"{int(y):04d}-{int(m):02d}",
            n,
            Decimal(a),
            None if _withheld(int(h), minimum) else Decimal(b),
        )
        for y, m, n, a, b, h in _breakdown(session, f, year, month, private_scope=private_scope)
    ]


def funnel(session: Session, f: FigureFilter, fig: Figures | None = None) -> list[tuple[str, int]]:
    """How many signed projects reached at least each milestone (from `fig` if given)."""
    fig = fig or compute(session, f)
    return [
        ("signed", fig.signed),
        ("construction_started", fig.reached_construction),
        ("in_operation", fig.reached_operation),
        ("paying_tax", fig.paying_tax),
    ]


def list_projects(
    session: Session,
    f: FigureFilter,
    figure: str | None = None,
    *,
    today: date | None = None,
    thresholds: dict[str, int] | None = None,
    page: int = 1,
    page_size: int = 50,
    total: int | None = None,
    scope=None,  # noqa: ANN001 - an SQL condition limiting what the caller may read
) -> tuple[list[Project], int]:
    """The projects behind a figure (or all matching the filter), newest signing first."""
    today = today or date.today()
    thresholds = thresholds or lifecycle.DEFAULT_STALL_DAYS
    conds = base_conditions(f)
    if figure:
        if figure not in FIGURES:
            raise InvalidInput(
                "figures.figure_unknown", field="figure", value=figure, choices=", ".join(FIGURES)
            )
        conds.append(figure_condition(figure, today, thresholds))
    if scope is not None:
        conds.append(scope)
        total = None  # a count given for everyone is not this reader's count
    stmt = select(Project).where(*conds)
    if total is None:  # callers that know the count (the dashboard) spare a scan
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    # Projects still planned (no signing date) come last on both backends.
    signed_order = Project.signed_on.desc().nulls_last()
    # Stalled projects: the longest stuck first; otherwise the newest signing first.
    order = (
        (Project.stage_on, Project.id) if figure == "stalled" else (signed_order, Project.id.desc())
    )
    items = list(
        session.execute(
            stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)
        ).scalars()
    )
    return items, total


def longest_stalled(
    session: Session,
    f: FigureFilter,
    n: int = 20,
    *,
    today: date | None = None,
    thresholds: dict[str, int] | None = None,
    scope=None,  # noqa: ANN001
) -> list[Project]:
    """The `n` projects stuck longest (the dashboard's list), one index walk per stage.

    Same rule as the stalled figure; the (stage, stage_on) index gives each stage's oldest
    first, so no scan or sort of every stalled project is needed.
    """
    today = today or date.today()
    thresholds = thresholds or lifecycle.DEFAULT_STALL_DAYS
    found: list[Project] = []
    for stage, days in thresholds.items():
        conds = [
            Project.stage == stage,
            Project.stage_on < today - timedelta(days=days),
            Project.cancelled_on.is_(None),
            Project.signed_on.is_not(None),
            *base_conditions(f),
        ]
        if stage == "in_operation":
            conds.append(Project.paying_tax_on.is_(None))
        if scope is not None:
            conds.append(scope)
        found += session.execute(
            select(Project).where(*conds).order_by(Project.stage_on, Project.id).limit(n)
        ).scalars()
    return sorted(found, key=lambda p: (p.stage_on, p.id))[:n]
