"""The dashboard as XLSX: the figures with how each is counted, the breakdowns by chain,
region pair and month, and the projects signed (for a signed-in reader, within their scope)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.codes import regions
from haihe.core.i18n import t
from haihe.projects import figures, queries
from haihe.projects.figures import FigureFilter


def pair_label(key: str, lang: str) -> str:
    """ "110000→120000" → "北京市 → 天津市"."""
    a, _, b = key.partition("→")

    def name(code: str) -> str:
        found = regions.get(code) if code else None
        return found.name(lang) if found else "—"

    return f"{name(a)} → {name(b)}"


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
    withheld = t("figures.suppressed", lang, n=figures.min_projects())

    def amount(v: object) -> str:  # a withheld (small) private sum says so in words
        return withheld if v is None else str(v)

    wb = Workbook()
    ws = wb.active
    ws.title = t("figures.sheet", lang)[:31]
    ws.append([t("figures.figure", lang), t("figures.value", lang), t("figures.how", lang)])
    for key, value in (
        ("signed", fig.signed),
        ("intended_investment", str(fig.intended_investment_yuan)),
        ("contracted_investment", amount(fig.contracted_investment_yuan)),
        ("invested_in_place", amount(fig.invested_in_place_yuan)),
        ("construction_started", fig.construction_started),
        ("in_operation", fig.in_operation),
        ("paying_tax", fig.paying_tax),
        ("stalled", fig.stalled),
        ("cancelled", fig.cancelled),
    ):
        ws.append([t(f"figures.{key}", lang), value, t(f"figures.rule.{key}", lang)])
    for title, rows in (
        (t("dashboard.by_chain", lang), board.chains),
        (t("dashboard.by_pair", lang), board.pairs),
        (t("dashboard.by_month", lang), board.months),
    ):
        sheet = wb.create_sheet(title[:31])
        sheet.append(
            [
                "",
                t("figures.signed", lang),
                t("figures.intended_investment", lang),
                t("figures.invested_in_place", lang),
            ]
        )
        for b in rows:
            label = pair_label(b.key, lang) if "→" in b.key else b.key
            sheet.append([label, b.signed, str(b.intended), amount(b.in_place)])
    items: list = []
    if principal.authenticated:
        items, _ = queries.list_projects(
            session, principal, f, "signed", page_size=100000, thresholds=th
        )
    sheet = wb.create_sheet(t("dashboard.projects", lang)[:31])
    sheet.append(
        [
            "code",
            t("project.title", lang),
            t("project.stage", lang),
            t("figures.signed_on", lang),
            t("figures.intended_investment", lang),
            t("figures.invested_in_place", lang),
            t("project.officer", lang),
        ]
    )
    for p in items:
        sheet.append(
            [
                p.code,
                p.title,
                t(f"stage.{p.stage}", lang),
                p.signed_on,
                str(p.intended_investment),
                str(p.invested_in_place) if p.invested_in_place is not None else None,
                p.officer,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
