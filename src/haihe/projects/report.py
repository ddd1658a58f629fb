"""The dashboard as XLSX: what it covers (filters, period, reader, when it was made), the
figures with how each is counted, the breakdowns by chain, region pair and month, and the
projects signed (for a signed-in reader, within their scope). Money cells are numbers in
the unit their header names (亿元 / billion yuan for totals, 万元 / million yuan for
projects); chains and regions by name; headers frozen, columns sized; text never a
formula (core.tabular)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains.queries import chain_choices
from haihe.codes import regions
from haihe.core.errors import NotFound
from haihe.core.i18n import t
from haihe.core.tabular import (
    COUNT_FORMAT,
    WAN_FORMAT,
    append_row,
    made_at,
    prepare_sheet,
    width_of,
)
from haihe.fairs import queries as fairs
from haihe.projects import figures, queries
from haihe.projects.figures import FigureFilter
from haihe.registry import queries as registry


def pair_label(key: str, lang: str) -> str:
    """ "110000→120000" → "北京市 → 天津市"."""
    a, _, b = key.partition("→")

    def name(code: str) -> str:
        found = regions.get(code) if code else None
        return found.name(lang) if found else "—"

    return f"{name(a)} → {name(b)}"


def big_unit(lang: str) -> tuple[Decimal, str]:
    """Totals: 亿元 in Chinese, billion yuan in English (the header says which)."""
    return (Decimal(10**9), "billion yuan") if lang == "en" else (Decimal(10**8), "亿元")


def small_unit(lang: str) -> tuple[Decimal, str]:
    """A project's amounts: 万元 in Chinese, million yuan in English."""
    return (Decimal(10**6), "million yuan") if lang == "en" else (Decimal(10**4), "万元")


def in_unit(amount: Decimal | None, unit: Decimal) -> Decimal | None:
    return None if amount is None else (Decimal(amount) / unit).quantize(Decimal("0.0001"))


def headed(label: str, unit: str, lang: str) -> str:
    return f"{label} ({unit})" if lang == "en" else f"{label}（{unit}）"


def filter_description(session: Session, f: FigureFilter, lang: str) -> str:
    """What the figures cover, in words: '对接会 …；产业链 …；签约 2023-01-01 至 …'."""
    sep = "; " if lang == "en" else "；"
    parts: list[str] = []
    if f.fair_id is not None:
        try:
            parts.append(
                t("report.fair", lang, name=fairs.get_fair(session, f.fair_id).title(lang))
            )
        except NotFound:
            parts.append(t("report.fair", lang, name=f.fair_id))
    if f.chain:
        names = {c.key: c.name(lang) for c in chain_choices(session)}
        parts.append(t("report.chain", lang, name=names.get(f.chain, f.chain)))
    for key, value in (("report.origin", f.origin), ("report.landing", f.landing)):
        if value:
            r = regions.lookup(value)
            parts.append(t(key, lang, name=r.name(lang) if r else value))
    if f.park_id is not None:
        try:
            park = registry.get_park(session, f.park_id)
            parts.append(
                t(
                    "report.park",
                    lang,
                    name=park.name_en if lang == "en" and park.name_en else park.name,
                )
            )
        except NotFound:
            parts.append(t("report.park", lang, name=f.park_id))
    if f.date_from or f.date_to:
        parts.append(
            t(
                "report.period",
                lang,
                start=f.date_from.isoformat() if f.date_from else "…",
                end=f.date_to.isoformat() if f.date_to else "…",
            )
        )
    return sep.join(parts) if parts else t("report.everything", lang)


def reader_description(principal: Principal, lang: str) -> str:
    if not principal.authenticated:
        return t("report.anonymous", lang)
    return t(
        "report.reader", lang, user=principal.username, role=t(f"role_name.{principal.role}", lang)
    )


def dashboard_workbook(
    session: Session,
    principal: Principal,
    f: FigureFilter,
    lang: str = "zh",
    *,
    thresholds: dict[str, int] | None = None,
) -> bytes:
    th = thresholds or figures.stall_thresholds()
    board = figures.dashboard(
        session, f, thresholds=th, private_scope=queries.read_scope(principal)
    )
    fig = board.figures
    big, big_name = big_unit(lang)
    small, small_name = small_unit(lang)
    chains = {c.key: c.name(lang) for c in chain_choices(session)}
    about = [
        t("dashboard.title", lang),
        t("report.covers", lang, what=filter_description(session, f, lang)),
        t("report.for", lang, who=reader_description(principal, lang)),
        made_at(lang),
    ]
    wb = Workbook(write_only=True)

    ws = wb.create_sheet(t("figures.sheet", lang)[:31])
    prepare_sheet(ws, [24, 16, 14, 90], header_row=len(about) + 2)
    for line in about:
        append_row(ws, [line])
    append_row(ws, [])
    append_row(
        ws,
        [
            t("figures.figure", lang),
            t("figures.value", lang),
            t("report.unit", lang),
            t("figures.how", lang),
        ],
        bold=True,
    )
    money = {"intended_investment", "contracted_investment", "invested_in_place"}
    withheld = t("figures.suppressed", lang, n=figures.min_projects())

    def amount(v: Decimal | None) -> object:  # a withheld (small) private sum says so
        return withheld if v is None else in_unit(v, big)

    for key, value in (
        ("signed", fig.signed),
        ("intended_investment", fig.intended_investment_yuan),
        ("contracted_investment", fig.contracted_investment_yuan),
        ("invested_in_place", fig.invested_in_place_yuan),
        ("construction_started", fig.construction_started),
        ("in_operation", fig.in_operation),
        ("paying_tax", fig.paying_tax),
        ("stalled", fig.stalled),
        ("cancelled", fig.cancelled),
    ):
        is_money = key in money
        append_row(
            ws,
            [
                t(f"figures.{key}", lang),
                amount(value) if is_money else value,
                big_name if is_money else t("report.projects_unit", lang),
                t(f"figures.rule.{key}", lang),
            ],
            {1: WAN_FORMAT if is_money else COUNT_FORMAT},
        )

    def label(kind: str, key: str) -> str:
        if kind == "chain":
            return chains.get(key, key) if key else "—"
        if kind == "pair":
            return pair_label(key, lang)
        return key

    for kind, title, rows in (
        ("chain", t("report.sheet_chains", lang), board.chains),
        ("pair", t("report.sheet_pairs", lang), board.pairs),
        ("month", t("report.sheet_months", lang), board.months),
    ):
        sheet = wb.create_sheet(title[:31])
        labels = [label(kind, b.key) for b in rows]
        first = {
            "chain": t("report.chain_column", lang),
            "pair": t("report.pair_column", lang),
        }.get(kind, t("report.month_column", lang))
        heads = [
            first,
            t("figures.signed", lang),
            headed(t("figures.intended_investment", lang), big_name, lang),
            headed(t("figures.invested_in_place", lang), big_name, lang),
        ]
        prepare_sheet(
            sheet, [width_of([first, *labels]), *(width_of([h], 14) for h in heads[1:])], 2
        )
        append_row(sheet, [about[1]])
        append_row(sheet, heads, bold=True)
        for name, b in zip(labels, rows, strict=True):
            append_row(
                sheet,
                [name, b.signed, in_unit(b.intended, big), amount(b.in_place)],
                {1: COUNT_FORMAT, 2: WAN_FORMAT, 3: WAN_FORMAT},
            )

    items: list = []
    if principal.authenticated:
        items, _ = queries.list_projects(
            session, principal, f, "signed", page_size=100000, thresholds=th
        )
    sheet = wb.create_sheet(t("dashboard.projects", lang)[:31])
    heads = [
        t("project.code", lang),
        t("project.title", lang),
        t("report.chain_column", lang),
        t("project.landing", lang),
        t("project.stage", lang),
        t("figures.signed_on", lang),
        headed(t("figures.intended_investment", lang), small_name, lang),
        headed(t("figures.contracted_investment", lang), small_name, lang),
        headed(t("figures.invested_in_place", lang), small_name, lang),
        t("project.officer", lang),
    ]
    prepare_sheet(sheet, [14, 36, 18, 22, 10, 12, 18, 18, 18, 30], 2)
    append_row(
        sheet,
        [
            t("report.projects_note", lang)
            if principal.authenticated
            else t("report.projects_signed_out", lang)
        ],
    )
    append_row(sheet, heads, bold=True)
    for p in items:
        private = queries.sees_private(principal, p)
        landing = regions.get(p.landing_region_code) if p.landing_region_code else None
        append_row(
            sheet,
            [
                p.code,
                p.title_en if lang == "en" and p.title_en else p.title,
                chains.get(p.chain, p.chain) if p.chain else None,
                landing.name(lang) if landing else None,
                t(f"stage.{p.stage}", lang),
                p.signed_on,
                in_unit(p.intended_investment, small),
                in_unit(p.contracted_investment, small) if private else None,
                in_unit(p.invested_in_place, small) if private else None,
                p.officer,
            ],
            {6: WAN_FORMAT, 7: WAN_FORMAT, 8: WAN_FORMAT},
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
