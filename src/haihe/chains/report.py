"""The chain report as XLSX: diagnosis with its evidence, panorama, complementarity and
the three lists for one region: what an officer takes to a meeting."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from haihe.chains import lists, queries
from haihe.chains.definitions import ChainDefinition
from haihe.chains.panorama import panorama
from haihe.codes import regions
from haihe.core.i18n import t
from haihe.core.tabular import append_row, made_at, width_of

FILLS = {
    "strong": PatternFill("solid", fgColor="C8E6C9"),
    "weak": PatternFill("solid", fgColor="FFF59D"),
    "missing": PatternFill("solid", fgColor="FFCDD2"),
}


def _header(ws, cells: list[str]) -> None:  # noqa: ANN001
    append_row(ws, cells, bold=True)
    ws.freeze_panes = f"A{ws.max_row + 1}"
    for i, text in enumerate(cells, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width_of([text], 12, 40)


def chain_report(session: Session, chain: ChainDefinition, region: str, lang: str = "zh") -> bytes:
    diag = queries.diagnose(session, chain, region)
    wb = Workbook()
    ws = wb.active
    ws.title = t("chains.sheet.diagnosis", lang)
    append_row(ws, [f"{chain.name(lang)} · {regions.name(region, lang)}"])
    append_row(ws, [t("chains.rules_note", lang, **diag.thresholds.__dict__)])
    append_row(ws, [made_at(lang)])
    _header(
        ws,
        [
            t("chains.segment", lang),
            t("chains.stage", lang),
            t("chains.status", lang),
            t("chains.orgs", lang),
            t("chains.makers", lang),
            t("chains.research", lang),
            t("org.employees", lang),
            t("chains.capital", lang),
            t("chains.score", lang),
            t("chains.quotient", lang),
            t("chains.partners_orgs", lang),
            t("chains.breakpoint", lang),
            t("chains.rule", lang),
        ],
    )
    for d in diag.segments:
        f = d.figures
        append_row(
            ws,
            [
                ("  " if d.segment.parent else "") + d.segment.name(lang),
                t(f"chains.stage.{d.segment.stage}", lang),
                t(f"chains.status.{d.status}", lang),
                f.orgs,
                f.makers,
                f.research,
                f.employees,
                float(f.capital),
                round(d.score, 3),
                None if d.quotient is None else round(d.quotient, 3),
                d.partner_orgs,
                "✔" if d.breakpoint else "",
                d.rule_text(lang),
            ],
        )
        ws.cell(ws.max_row, 3).fill = FILLS[d.status]

    pano = panorama(session, chain, None, None, lang)
    ws = wb.create_sheet(t("chains.sheet.panorama", lang))
    head = [t("chains.segment", lang)]
    for _k, label in pano.columns:
        head += [
            f"{label} {t('chains.orgs', lang)}",
            f"{label} {t('chains.makers', lang)}",
            f"{label} {t('chains.research', lang)}",
            f"{label} {t('org.employees', lang)}",
        ]
    _header(ws, head)
    for s in chain.ordered():
        row: list = [s.name(lang)]
        for k, _label in pano.columns:
            c = pano.cell(s.id, k)
            row += [c.orgs, c.makers, c.research, c.employees]
        append_row(ws, row)

    ws = wb.create_sheet(t("chains.sheet.complementarity", lang))
    _header(
        ws,
        [
            t("chains.segment", lang),
            t("chains.research_city", lang),
            t("chains.research", lang),
            t("chains.making_city", lang),
            t("chains.makers", lang),
            t("chains.research_side", lang),
            t("chains.making_side", lang),
        ],
    )
    for p in queries.complementarity(session, chain, diag.thresholds, with_organisations=5):
        append_row(
            ws,
            [
                p.segment.name(lang),
                regions.name(p.research_region, lang),
                p.research_count,
                regions.name(p.making_region, lang),
                p.making_count,
                "、".join(o.display_name(lang) for o in p.research_orgs),
                "、".join(o.display_name(lang) for o in p.making_orgs),
            ],
        )

    got = lists.compute(session, chain, diag)
    ws = wb.create_sheet(t("chains.sheet.bottlenecks", lang))
    _header(
        ws,
        [
            t("chains.segment", lang),
            t("chains.technology", lang),
            t("chains.source", lang),
            t("chains.working_on_it", lang),
        ],
    )
    for b in got.bottlenecks:
        append_row(
            ws,
            [
                b.segment.name(lang),
                b.technology,
                t(f"chains.source.{b.source}", lang),
                "、".join(o.display_name(lang) for o in b.organisations),
            ],
        )
    ws = wb.create_sheet(t("chains.sheet.gaps", lang))
    _header(
        ws,
        [
            t("chains.segment", lang),
            t("chains.status", lang),
            t("chains.candidate", lang),
            t("chains.score", lang),
            t("chains.reason", lang),
        ],
    )
    for g in got.gaps:
        if not g.candidates:
            append_row(
                ws,
                [
                    g.segment.name(lang),
                    t(f"chains.status.{g.status}", lang) if g.status else "",
                    "",
                    "",
                    g.note or "",
                ],
            )
        for c in g.candidates:
            append_row(
                ws,
                [
                    g.segment.name(lang),
                    t(f"chains.status.{g.status}", lang) if g.status else "",
                    c.org.display_name(lang),
                    c.score,
                    c.reason_en if lang == "en" else c.reason_zh,
                ],
            )
    ws = wb.create_sheet(t("chains.sheet.key", lang))
    _header(
        ws,
        [
            t("org.name", lang),
            t("chains.segment", lang),
            t("chains.source", lang),
            t("chains.note", lang),
        ],
    )
    for k in got.key_enterprises:
        append_row(
            ws,
            [
                k.name,
                k.segment.name(lang) if k.segment else "",
                t(f"chains.source.{k.source}", lang),
                k.note or "",
            ],
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
