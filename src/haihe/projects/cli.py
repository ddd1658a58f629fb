"""The projects' commands: the cluster figures, lists, one project, milestones, and the
project workbook's import and export. They act as the machine's operator (an
administrator, accounts.scopes.command_line) and raise HaiheErrors; the `haihe` shell
prints them and sets the exit code."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from haihe.accounts.scopes import Principal, command_line
from haihe.core.commands import console, engine, lang, print_import_report
from haihe.core.db import session_scope
from haihe.core.errors import InvalidInput, NotFound
from haihe.core.i18n import t
from haihe.core.money import format_yuan

app = typer.Typer(help="Cooperation projects and the cluster figures.", no_args_is_help=True)
COMMANDS = {"projects": app}


def _principal() -> Principal:
    return command_line(getpass.getuser())


def _filter(
    fair: int | None,
    chain: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    origin: str | None = None,
    landing: str | None = None,
):  # noqa: ANN202
    from haihe.projects.figures import figure_filter

    return figure_filter(
        fair=str(fair) if fair else None,
        chain=chain,
        date_from=date_from,
        date_to=date_to,
        origin=origin,
        landing=landing,
    )


@app.command("figures")
def projects_figures(
    fair: int = typer.Option(None),
    chain: str = typer.Option(None),
    date_from: str = typer.Option(None, "--from"),
    date_to: str = typer.Option(None, "--to"),
    origin: str = typer.Option(None),
    landing: str = typer.Option(None),
) -> None:
    """The cluster figures, counted as on the dashboard."""
    from haihe.projects import figures

    language = lang()
    with session_scope(engine()) as s:
        f = figures.compute(
            s,
            _filter(fair, chain, date_from, date_to, origin, landing),
            thresholds=figures.stall_thresholds(),
        )
    table = Table(
        t("figures.figure", language), t("figures.value", language), t("figures.how", language)
    )
    for key, value in (
        ("signed", str(f.signed)),
        ("intended_investment", format_yuan(f.intended_investment_yuan, lang=language)),
        ("construction_started", str(f.construction_started)),
        ("in_operation", str(f.in_operation)),
        ("paying_tax", str(f.paying_tax)),
        ("stalled", str(f.stalled)),
        ("cancelled", str(f.cancelled)),
    ):
        table.add_row(t(f"figures.{key}", language), value, t(f"figures.rule.{key}", language))
    console.print(table)


@app.command("list")
def projects_list(
    figure: str = typer.Option(
        None, help="signed, construction_started, in_operation, paying_tax, stalled, cancelled"
    ),
    fair: int = typer.Option(None),
    landing: str = typer.Option(None),
    limit: int = 50,
) -> None:
    """List projects, or the projects behind one figure."""
    from haihe.projects import queries

    language = lang()
    with session_scope(engine()) as s:
        items, total = queries.list_projects(
            s, _principal(), _filter(fair, landing=landing), figure, page_size=limit
        )
        table = Table(
            "id",
            t("project.code", language),
            t("project.title", language),
            t("project.stage", language),
            t("figures.signed_on", language),
        )
        for p in items:
            table.add_row(
                str(p.id), p.code, p.title, t(f"stage.{p.stage}", language), str(p.signed_on or "")
            )
    console.print(table)
    console.print(t("projects.count", language, total=total))


@app.command("show")
def projects_show(code: str) -> None:
    """A project with its milestones and history."""
    from haihe.projects import queries

    language = lang()
    with session_scope(engine()) as s:
        p = queries.find_project(s, code)
        if p is None:
            raise NotFound("projects.unknown_code", value=code)
        console.print(
            f"[bold]{p.code} {p.title}[/bold] · {t('stage.' + p.stage, language)} · v{p.version}"
        )
        console.print(
            f"{t('figures.intended_investment', language)}: "
            f"{format_yuan(p.intended_investment, lang=language)}"
        )
        for m in p.milestones:
            mark = " (×)" if m.reverted else ""
            console.print(
                f"  {m.reached_on} {t('stage.' + m.kind, language)}{mark} {m.evidence or ''}"
            )
        for h in queries.history(s, p.id, lang=language):
            console.print(f"  [dim]{h.at:%Y-%m-%d %H:%M}[/dim] {h.text}")


@app.command("milestone")
def projects_milestone(
    code: str,
    kind: str = typer.Argument(..., help="stage, paying_tax or cancelled"),
    on: str = typer.Argument(..., help="date, e.g. 2024-02-08"),
    evidence: str = typer.Option(None),
    reason: str = typer.Option(None, help="required to cancel"),
) -> None:
    """Record a milestone reached by a project (recorded as the machine's operator)."""
    from haihe.projects import lifecycle, queries, service

    try:
        day = date.fromisoformat(on)
    except ValueError as exc:
        raise InvalidInput("projects.date_unreadable", field="on", value=on) from exc
    principal = _principal()
    with session_scope(engine()) as s:
        p = queries.find_project(s, code)
        if p is None:
            raise NotFound("projects.unknown_code", value=code)
        if kind == lifecycle.CANCELLED:
            service.do_cancel_project(s, principal, p.id, day, reason or "")
        else:
            service.do_record_milestone(s, principal, p.id, kind, day, evidence=evidence)
        console.print(f"{p.code}: {t('stage.' + p.stage, lang())}")


@app.command("import")
def projects_import(
    file: Path,
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Write the valid rows and report the bad ones."
    ),
) -> None:
    """Import projects (and a 节点/milestones sheet) from .xlsx or .csv, all-or-nothing."""
    from haihe.projects.transfer import do_import_projects

    principal = command_line(getpass.getuser())
    print_import_report(do_import_projects(engine(), principal, file, skip_invalid=skip_invalid))


@app.command("export")
def projects_export(file: Path) -> None:
    """Export projects and milestones to .xlsx (the import reads it back)."""
    from haihe.projects.transfer import export_projects

    n = export_projects(engine(), file)
    console.print(f"{n} → {file}")
