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
CONTEXTS = ("projects",)

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
chains_app = typer.Typer(
    help="Industrial chains: definitions, placement, diagnosis.", no_args_is_help=True
)
app.add_typer(chains_app, name="chains")
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


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


@chains_app.command("list")
def chains_list() -> None:
    """The chains in the database, with their segments and version."""
    from haihe.chains import service
    from haihe.core.db import session_scope

    lang = _lang()
    with session_scope(_engine()) as s:
        for c in service.all_chains(s):
            d = c.definition
            console.print(f"{d.key:22} v{c.version:<3} {len(d.segments):>3}  {d.name(lang)}")


@chains_app.command("install")
def chains_install() -> None:
    """Add the chains shipped with Haihe that the database does not have yet."""
    from haihe.chains import service
    from haihe.core.db import session_scope

    with session_scope(_engine()) as s:
        added = service.install_shipped(s, username=None)
    console.print(", ".join(added) or "—")


@chains_app.command("import")
def chains_import(file: Path) -> None:
    """Import a chain definition (.yaml or .xlsx): a new chain or a new version."""
    from haihe.chains import service
    from haihe.chains.definitions import DefinitionError
    from haihe.core.db import session_scope

    lang = _lang()
    engine = _engine()
    if not file.exists():
        err.print(f"[red]{file}: {t('file.not_found', lang, path=str(file))}[/red]")
        raise typer.Exit(2)
    try:
        with session_scope(engine) as s:
            info = service.import_file(s, file.name, file.read_bytes(), username=None)
    except DefinitionError as exc:
        for m in exc.details(lang):
            err.print(m, markup=False, highlight=False)
        err.print(f"[red]{t('chains.nothing_changed', lang)}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"{info.key} v{info.version}")


@chains_app.command("export")
def chains_export(key: str, file: Path) -> None:
    """Write a chain definition to .yaml or .xlsx (the import reads either back)."""
    from haihe.chains import definitions, service
    from haihe.core.db import session_scope
    from haihe.core.errors import NotFound

    try:
        with session_scope(_engine()) as s:
            d = service.get_chain(s, key).definition
    except NotFound as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if file.suffix.lower() == ".xlsx":
        file.write_bytes(definitions.to_xlsx(d))
    else:
        file.write_text(d.to_yaml(), "utf-8")
    console.print(f"{key} → {file}")


@chains_app.command("classify")
def chains_classify() -> None:
    """Re-place every organisation on the chains; officers' decisions are kept."""
    from haihe.chains.placements import classify_all

    lang = _lang()
    engine = _engine()
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "{task.completed:,}/{task.total:,}",
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("classify", total=None)
        with engine.begin() as conn:
            result = classify_all(
                conn,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    console.print(
        t(
            "chains.classified",
            lang,
            organisations=result.organisations,
            placements=result.placements,
            kept=result.kept,
        )
    )


@chains_app.command("place")
def chains_place(file: Path) -> None:
    """Import declared placements (USCC or name, chain, segment[, activity]); all or nothing."""
    from haihe.chains.declared import import_declared
    from haihe.core.errors import InvalidInput

    lang = _lang()
    try:
        report = import_declared(_engine(), file)
    except InvalidInput as exc:
        err.print(f"[red]{file}: {exc.message(lang)}[/red]")
        raise typer.Exit(2) from exc
    for e in report.errors:
        err.print(e.line(lang), markup=False, highlight=False)
    if report.errors:
        err.print(f"[red]{t('chains.nothing_changed', lang)}[/red]")
        raise typer.Exit(1)
    console.print(f"{report.written}/{report.rows}")


@chains_app.command("diagnose")
def chains_diagnose(
    key: str, region: str = typer.Option("120000", help="region code, e.g. 120000")
) -> None:
    """Each segment's status (strong / weak / missing) in REGION, with its evidence."""
    from haihe.chains import diagnosis, service
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput, NotFound

    lang = _lang()
    try:
        with session_scope(_engine()) as s:
            d = service.get_chain(s, key).definition
            diag = diagnosis.diagnose(s, d, region)
    except (NotFound, InvalidInput) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    for x in diag.segments:
        name = ("  " if x.segment.parent else "") + x.segment.name(lang)
        mark = " ⚠" if x.breakpoint else ""
        console.print(
            f"{name:24} {t('chains.status.' + x.status, lang)}{mark:3} {x.figures.orgs:>6}  "
            f"{x.score:5.2f}  {x.rule}",
            markup=False,
        )


@chains_app.command("report")
def chains_report(
    key: str, file: Path, region: str = typer.Option("120000", help="region code")
) -> None:
    """Write the chain report (diagnosis, panorama, complementarity, three lists) as .xlsx."""
    from haihe.chains import report, service
    from haihe.chains.diagnosis import check_region
    from haihe.core.db import session_scope
    from haihe.core.errors import InvalidInput, NotFound

    try:
        with session_scope(_engine()) as s:
            d = service.get_chain(s, key).definition
            check_region(region)
            file.write_bytes(report.chain_report(s, d, region, _lang()))
    except (NotFound, InvalidInput) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"{key} {region} → {file}")


for _context in CONTEXTS:
    for _name, _group in import_module(f"haihe.{_context}.cli").COMMANDS.items():
        app.add_typer(_group, name=_name)
guard_all(app)
