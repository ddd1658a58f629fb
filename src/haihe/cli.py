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
from rich.progress import BarColumn, Progress, TimeRemainingColumn

from haihe.core.commands import console, err
from haihe.core.errors import HaiheError, exit_code
from haihe.core.i18n import t

# The contexts whose cli.py has COMMANDS, mounted in this order.
CONTEXTS = ("registry", "codes", "accounts", "projects")

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
app.add_typer(db_app, name="db")
chains_app = typer.Typer(
    help="Industrial chains: definitions, placement, diagnosis.", no_args_is_help=True
)
app.add_typer(chains_app, name="chains")


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


@app.command("backup")
def backup_cmd(file: Path) -> None:
    """Back up the whole database to FILE (safe while the app is serving)."""
    from haihe.core.backup import backup

    backup(_engine(), file)
    console.print(f"backup → {file}")


@app.command("restore")
def restore_cmd(
    file: Path, yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")
) -> None:
    """Replace the database with the backup in FILE (stop the server first)."""
    from haihe.core.backup import restore

    if not yes and not typer.confirm(f"Replace every table with the contents of {file}?"):
        raise typer.Exit(1)
    restore(_engine(), file)
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
def chains_place(
    file: Path,
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Write the valid rows and report the bad ones."
    ),
) -> None:
    """Import declared placements (USCC or name, chain, segment[, activity]); all or nothing."""
    from haihe.accounts.scopes import command_line
    from haihe.chains.declared import do_import_declared
    from haihe.core.commands import print_import_report

    principal = command_line(getpass.getuser())
    print_import_report(do_import_declared(_engine(), principal, file, skip_invalid=skip_invalid))


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


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover (every group is mounted by now)
    sys.exit(main())
