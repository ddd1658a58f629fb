"""The `haihe` command: mounts each context's command groups through one error wrapper.

Each context's `cli.py` lists its Typer sub-apps in `COMMANDS`; `mount` wraps every
command so that a `HaiheError` it raises is printed in the user's language (HAIHE_LANG)
and ends the command with the exit code core.errors gives its kind. The commands that
belong to no context (db, backup, restore, demo, serve) live here.
"""

from __future__ import annotations

import functools
import getpass
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from haihe.core.commands import console, err
from haihe.core.errors import HaiheError, exit_code
from haihe.core.i18n import t

# The contexts whose cli.py has COMMANDS, mounted in this order.
CONTEXTS = ("chains",)

app = typer.Typer(
    help="Haihe: cross-city advanced-manufacturing cluster platform.", no_args_is_help=True
)


@app.callback()
def _everyone() -> None:
    """Every table known, and every write recorded as the machine's operator's."""
    from haihe.audit.recorder import Actor, current_actor
    from haihe.models import load_all

    load_all()
    current_actor.set(Actor(username=f"cli:{getpass.getuser()}"))


def guarded(fn: Callable[..., object]) -> Callable[..., object]:
    """The one error wrapper: a HaiheError becomes its message and exit code."""

    @functools.wraps(fn)
    def run(*args: object, **kwargs: object) -> object:
        from haihe.core.commands import lang

        try:
            return fn(*args, **kwargs)
        except HaiheError as exc:
            for line in exc.details(lang()):
                err.print(line, style="red", markup=False, highlight=False)
            raise typer.Exit(exit_code(exc)) from exc

    return run


def guard_all(group: typer.Typer) -> None:
    """Every command of `group` and of its sub-groups, guarded (once)."""
    for command in group.registered_commands:
        if command.callback is not None and not hasattr(command.callback, "__wrapped__"):
            command.callback = guarded(command.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            guard_all(sub.typer_instance)


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import data from CSV or XLSX.", no_args_is_help=True)
export_app = typer.Typer(help="Export data to CSV or XLSX.", no_args_is_help=True)
parks_app = typer.Typer(help="Science and industrial parks.", no_args_is_help=True)
codes_app = typer.Typer(
    help="Look up national codes (USCC, regions, industries).", no_args_is_help=True
)
orgs_app = typer.Typer(help="Organisations in the registry.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(parks_app, name="parks")
app.add_typer(codes_app, name="codes")
app.add_typer(orgs_app, name="orgs")
projects_app = typer.Typer(
    help="Cooperation projects and the cluster figures.", no_args_is_help=True
)
app.add_typer(projects_app, name="projects")
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option(
        ..., help="admin, regional_officer, park_manager, fair_organiser, enterprise"
    ),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    name: str = typer.Option(None, help="display name"),
    region: list[str] = typer.Option(None, help="region (repeat for several)"),
    park: int = typer.Option(None),
    organisation: int = typer.Option(None),
    fair: int = typer.Option(None),
) -> None:
    """Create a user (the first administrator of a new deployment, for instance)."""
    from haihe.accounts import service
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput

    try:
        with session_scope(_engine()) as s:
            user = service.do_create_user(
                s,
                username=username,
                password=password,
                role=role,
                display_name=name,
                regions_=region or [],
                park_id=park,
                organisation_id=organisation,
                fair_id=fair,
            )
            console.print(f"user {user.id}: {user.username} ({user.role})")
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@users_app.command("list")
def users_list() -> None:
    """List users and their roles."""
    from haihe.accounts import service
    from haihe.core.db import session_scope

    with session_scope(_engine()) as s:
        table = Table("id", "username", "role", "scope")
        for u in service.list_users(s):
            table.add_row(
                str(u.id),
                u.username,
                u.role,
                u.region_codes or str(u.park_id or u.organisation_id or u.fair_id or ""),
            )
    console.print(table)


@users_app.command("reset-password")
def users_reset(
    username: str,
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Set a new password; the user must change it at next sign-in."""
    from haihe.accounts import service
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput

    try:
        with session_scope(_engine()) as s:
            service.do_reset_password(s, username, password)
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"password of {username} reset")


def _lang() -> str:
    from haihe.core.commands import lang

    return lang()


def _engine():  # noqa: ANN202
    from haihe.core.commands import engine

    return engine()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version."""
    from haihe.core.db import current_revision, get_engine, upgrade

    engine = get_engine()
    upgrade(engine)
    console.print(f"schema at {current_revision(engine)} ({engine.url.render_as_string()})")


@db_app.command("current")
def db_current() -> None:
    """Show the schema version of the database."""
    from haihe.core.db import current_revision

    console.print(current_revision() or "empty")


@import_app.command("organisations")
def import_organisations(
    file: Path = typer.Argument(..., help=".csv (UTF-8, UTF-8 with BOM, GBK/GB18030) or .xlsx"),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Write the valid rows and report the bad ones."
    ),
) -> None:
    """Import organisations; all-or-nothing unless --skip-invalid."""
    from haihe.registry.imports import import_organisations as run

    lang = _lang()
    engine = _engine()
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task(file.name, total=None)
        report = run(
            engine,
            file,
            skip_invalid=skip_invalid,
            on_start=lambda n: progress.update(task, total=n),
            on_bytes=lambda n: progress.advance(task, n),
        )
    if report.file_problem:
        err.print(f"[red]{file}: {report.file_problem.message(lang)}[/red]")
        raise typer.Exit(2)
    for e in report.errors:
        err.print(e.line(lang), markup=False, highlight=False)
    if report.ignored_columns:
        err.print(t("import.ignored_columns", lang, columns=", ".join(report.ignored_columns)))
    bad = len(report.bad_rows)
    console.print(
        t(
            "import.summary",
            lang,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            bad=bad,
        )
    )
    if report.report_path:
        err.print(t("import.report_written", lang, path=report.report_path))
    if bad and not report.committed:
        err.print(f"[red]{t('import.rolled_back', lang, bad=bad)}[/red]")
        raise typer.Exit(1)
    if bad:
        err.print(t("import.skipped", lang, bad=bad))
    if report.created:
        err.print(t("chains.classify_hint", lang))


@export_app.command("organisations")
def export_organisations(
    file: Path = typer.Argument(..., help="FILE.csv or FILE.xlsx"),
    q: str = typer.Option(None, help="name or USCC contains"),
    region: str = typer.Option(None, help="region code or name (includes its districts)"),
    industry: str = typer.Option(None, help="GB/T 4754 code (section, division, group, class)"),
) -> None:
    """Export organisations in the columns the import reads back."""
    from haihe.core.errors import InvalidInput
    from haihe.registry.exports import export_organisations as run
    from haihe.registry.service import OrganisationFilter

    try:
        n = run(_engine(), file, OrganisationFilter(q=q, region=region, industry=industry))
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"{n} → {file}")


@parks_app.command("add")
def parks_add(
    name: str,
    region: str = typer.Option(..., help="region code or name"),
    name_en: str = typer.Option(None),
    operator: str = typer.Option(None),
) -> None:
    """Create a park."""
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput
    from haihe.registry import service

    engine = _engine()
    try:
        with session_scope(engine) as s:
            park = service.do_create_park(
                s, name=name, region_code=region, name_en=name_en, operator=operator
            )
            console.print(f"park {park.id}: {park.name} ({park.region_code})")
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@parks_app.command("list")
def parks_list() -> None:
    """List parks with their organisation counts."""
    from haihe.core.db import session_scope
    from haihe.registry import service

    with session_scope(_engine()) as s:
        table = Table("id", "园区 park", "地区 region", "组织数 organisations")
        for p in service.list_parks(s):
            table.add_row(
                str(p.park.id), p.park.name, p.park.region_code, str(p.organisation_count)
            )
    console.print(table)


@orgs_app.command("search")
def orgs_search(
    q: str = typer.Argument(None),
    region: str = typer.Option(None),
    industry: str = typer.Option(None),
    limit: int = 20,
) -> None:
    """Search organisations by name, USCC, region and industry."""
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput
    from haihe.registry import service

    try:
        with session_scope(_engine()) as s:
            page = service.search_organisations(
                s,
                service.OrganisationFilter(q=q, region=region, industry=industry),
                page_size=limit,
            )
            table = Table("id", "名称 name", "USCC", "地区 region")
            for o in page.items:
                table.add_row(str(o.id), o.name, o.uscc or "", o.region_code or "")
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(table)
    console.print(f"total {page.total}")


@codes_app.command("uscc")
def codes_uscc(code: str) -> None:
    """Validate and decode a Unified Social Credit Code."""
    from haihe.codes import uscc

    check = uscc.validate(code)
    if not check.ok:
        err.print(f"[red]{check.code}: {check.problem.message(_lang())}[/red]")
        raise typer.Exit(1)
    parts = uscc.decode(check.code)
    console.print(f"{check.code} valid")
    console.print(
        f"  authority {parts.authority} {parts.authority_zh or '?'} / "
        f"type {parts.org_type} {parts.org_type_zh or '?'}"
    )
    console.print(f"  region {parts.region_code} {parts.region_name_zh or '?'}")
    for w in check.warnings:
        console.print(f"  [yellow]warning: {w}[/yellow]")


@codes_app.command("region")
def codes_region(text: str) -> None:
    """Find a GB/T 2260 division by code, name, short name or English name."""
    from haihe.codes import regions

    r = regions.lookup(text)
    if r is None:
        err.print(f"[red]unknown region {text!r}[/red]")
        raise typer.Exit(1)
    console.print(
        f"{r.code} {r.full_name_zh} / {r.full_name_en}"
        + (f" (abolished {r.valid_to})" if r.valid_to else "")
    )


@codes_app.command("industry")
def codes_industry(text: str) -> None:
    """Find GB/T 4754-2017 industries by code or name."""
    from haihe.codes import industries

    for i in industries.search(text):
        console.print(f"{i.code:>5} {i.level:<8} {i.name_zh}")


def _figure_filter(
    fair: int | None,
    chain: str | None,
    date_from: str | None,
    date_to: str | None,
    origin: str | None,
    landing: str | None,
):  # noqa: ANN202
    from haihe.web.filters import figure_filter

    return figure_filter(
        fair=str(fair) if fair else None,
        chain=chain,
        date_from=date_from,
        date_to=date_to,
        origin=origin,
        landing=landing,
    )


@projects_app.command("figures")
def projects_figures(
    fair: int = typer.Option(None),
    chain: str = typer.Option(None),
    date_from: str = typer.Option(None, "--from"),
    date_to: str = typer.Option(None, "--to"),
    origin: str = typer.Option(None),
    landing: str = typer.Option(None),
) -> None:
    """The cluster figures, counted as on the dashboard."""
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput
    from haihe.core.money import format_yuan
    from haihe.core.settings import get_settings
    from haihe.projects import figures, lifecycle

    lang = _lang()
    try:
        with session_scope(_engine()) as s:
            f = figures.compute(
                s,
                _figure_filter(fair, chain, date_from, date_to, origin, landing),
                thresholds=lifecycle.parse_stall_days(get_settings().stall_days),
            )
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    table = Table(t("figures.figure", lang), t("figures.value", lang), t("figures.how", lang))
    for key, value in (
        ("signed", str(f.signed)),
        ("intended_investment", format_yuan(f.intended_investment_yuan, lang=lang)),
        ("construction_started", str(f.construction_started)),
        ("in_operation", str(f.in_operation)),
        ("paying_tax", str(f.paying_tax)),
        ("stalled", str(f.stalled)),
        ("cancelled", str(f.cancelled)),
    ):
        table.add_row(t(f"figures.{key}", lang), value, t(f"figures.rule.{key}", lang))
    console.print(table)


@projects_app.command("list")
def projects_list(
    figure: str = typer.Option(
        None, help="signed, construction_started, in_operation, paying_tax, stalled, cancelled"
    ),
    fair: int = typer.Option(None),
    landing: str = typer.Option(None),
    limit: int = 50,
) -> None:
    """List projects, or the projects behind one figure."""
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput
    from haihe.projects import figures

    lang = _lang()
    try:
        with session_scope(_engine()) as s:
            items, total = figures.list_projects(
                s, _figure_filter(fair, None, None, None, None, landing), figure, page_size=limit
            )
            table = Table(
                "id",
                t("project.code", lang),
                t("project.title", lang),
                t("project.stage", lang),
                t("figures.signed_on", lang),
            )
            for p in items:
                table.add_row(
                    str(p.id), p.code, p.title, t(f"stage.{p.stage}", lang), str(p.signed_on or "")
                )
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(table)
    console.print(t("projects.count", lang, total=total))


@projects_app.command("show")
def projects_show(code: str) -> None:
    """A project with its milestones and history."""
    from haihe.core.db import session_scope
    from haihe.core.money import format_yuan
    from haihe.projects import service

    lang = _lang()
    with session_scope(_engine()) as s:
        p = service.find_project(s, code)
        if p is None:
            err.print(f"[red]{t('projects.unknown_code', lang, value=code)}[/red]")
            raise typer.Exit(1)
        console.print(
            f"[bold]{p.code} {p.title}[/bold] · {t('stage.' + p.stage, lang)} · v{p.version}"
        )
        console.print(
            f"{t('figures.intended_investment', lang)}: "
            f"{format_yuan(p.intended_investment, lang=lang)}"
        )
        for m in p.milestones:
            mark = " (×)" if m.reverted else ""
            console.print(f"  {m.reached_on} {t('stage.' + m.kind, lang)}{mark} {m.evidence or ''}")
        for h in service.history(s, p.id):
            console.print(
                f"  [dim]{h.at:%Y-%m-%d %H:%M} {h.by or ''} {t('action.' + h.action, lang)}[/dim]"
            )


@projects_app.command("milestone")
def projects_milestone(
    code: str,
    kind: str = typer.Argument(..., help="stage, paying_tax or cancelled"),
    on: str = typer.Argument(..., help="date, e.g. 2024-02-08"),
    evidence: str = typer.Option(None),
    by: str = typer.Option(None),
    reason: str = typer.Option(None, help="required to cancel"),
) -> None:
    """Record a milestone reached by a project."""
    from datetime import date

    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput
    from haihe.projects import lifecycle, service

    lang = _lang()
    try:
        day = date.fromisoformat(on)
    except ValueError as exc:
        err.print(f"[red]{t('value.date_unreadable', lang, value=on)}[/red]")
        raise typer.Exit(2) from exc
    try:
        with session_scope(_engine()) as s:
            p = service.find_project(s, code)
            if p is None:
                raise InvalidInput("projects.unknown_code", value=code)
            if kind == lifecycle.CANCELLED:
                service.do_cancel(s, p.id, day, reason or "", by=by)
            else:
                service.do_record_milestone(s, p.id, kind, day, by=by, evidence=evidence)
            console.print(f"{p.code}: {t('stage.' + p.stage, lang)}")
    except InvalidInput as exc:
        err.print(f"[red]{exc.message(lang)}[/red]")
        raise typer.Exit(1) from exc


@projects_app.command("import")
def projects_import(file: Path) -> None:
    """Import projects (and a 节点/milestones sheet) from .xlsx or .csv, all-or-nothing."""
    from haihe.projects.transfer import import_projects

    lang = _lang()
    report = import_projects(_engine(), file, by="import")
    if report.file_problem:
        err.print(f"[red]{file}: {report.file_problem.message(lang)}[/red]")
        raise typer.Exit(2)
    for e in report.errors:
        err.print(e.line(lang), markup=False, highlight=False)
    console.print(
        t(
            "import.summary",
            lang,
            rows=report.projects,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            bad=len(report.bad_rows),
        )
    )
    if report.report_path:
        err.print(t("import.report_written", lang, path=report.report_path))
    if not report.committed:
        err.print(f"[red]{t('import.rolled_back', lang, bad=len(report.bad_rows))}[/red]")
        raise typer.Exit(1)


@projects_app.command("export")
def projects_export(file: Path) -> None:
    """Export projects and milestones to .xlsx (the import reads it back)."""
    from haihe.core.errors import InvalidInput
    from haihe.projects.transfer import export_projects

    try:
        n = export_projects(_engine(), file)
    except InvalidInput as exc:
        err.print(f"[red]{exc.message(_lang())}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"{n} → {file}")


@app.command("backup")
def backup_cmd(file: Path) -> None:
    """Back up the whole database to FILE (safe while the app is serving)."""
    from haihe.core.backup import BackupError, backup

    try:
        backup(_engine(), file)
    except BackupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"backup → {file}")


@app.command("restore")
def restore_cmd(
    file: Path, yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")
) -> None:
    """Replace the database with the backup in FILE (stop the server first)."""
    from haihe.core.backup import BackupError, restore

    if not yes and not typer.confirm(f"Replace every table with the contents of {file}?"):
        raise typer.Exit(1)
    try:
        restore(_engine(), file)
    except BackupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"restored ← {file}")


@app.command("demo")
def demo(
    force: bool = typer.Option(False, help="Rebuild even if the database has data."),
    seed: int = typer.Option(20240208, help="Random seed (same seed, same demo)."),
) -> None:
    """Build the source-article demo database (deterministic)."""
    from haihe.demo import build_demo

    engine = _engine()
    summary = build_demo(engine, seed=seed, force=force, log=console.print)
    if summary is None:
        console.print("database already has data; use --force to rebuild the demo")


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    demo: bool = typer.Option(False, "--demo", help="Build the demo first if empty."),
) -> None:
    """Serve the web app and the JSON API."""
    import uvicorn

    engine = _engine()
    if demo:
        from haihe.demo import build_demo

        build_demo(engine, log=console.print)
    console.print(f"Haihe on http://{host}:{port}/  (database {engine.url.render_as_string()})")
    uvicorn.run(
        "haihe.web.warm:serving_app",  # each worker warms its figures as it starts
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        # Longer than a person's pause between clicks, so the server does not close a
        # kept-alive connection just as the browser reuses it (seen in the load test as a
        # reset request under load with uvicorn's 5 s default).
        timeout_keep_alive=75,
    )


for _context in CONTEXTS:
    for _name, _group in import_module(f"haihe.{_context}.cli").COMMANDS.items():
        app.add_typer(_group, name=_name)
guard_all(app)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
