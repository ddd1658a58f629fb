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
from sqlalchemy.exc import DBAPIError

from haihe.core.commands import console, err
from haihe.core.db import storage_problem
from haihe.core.errors import HaiheError, exit_code

# The contexts whose cli.py has COMMANDS, mounted in this order.
CONTEXTS = ("registry", "codes", "accounts", "projects", "chains", "matching", "leads", "fairs")

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
        except DBAPIError as exc:  # a busy or read-only database, in words
            problem = storage_problem(exc)
            if problem is None:
                raise
            err.print(problem.message(lang()), style="red", markup=False, highlight=False)
            raise typer.Exit(exit_code(problem)) from exc

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
    from haihe.core.db import get_engine

    backup(get_engine(), file)  # not _engine(): that would create a mistyped database
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


def serve_options() -> dict[str, object]:
    """How uvicorn treats forwarded headers: believed only from HAIHE_TRUSTED_PROXIES (by
    default from no one: uvicorn's own default trusts 127.0.0.1, so any local caller
    could pick the address the login limit and the audit trail see)."""
    from haihe.core.settings import get_settings

    trusted = [a.strip() for a in get_settings().trusted_proxies.split(",") if a.strip()]
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def _welcome(engine, host: str, port: int) -> None:  # noqa: ANN001
    """Where to go and, on the demo, whom to sign in as."""
    from rich.table import Table
    from sqlalchemy.orm import Session

    from haihe.accounts.demo import DEMO_PASSWORD, demo_accounts
    from haihe.core.i18n import t

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    console.print(f"Haihe: http://{shown}:{port}/  (database {engine.url.render_as_string()})")
    try:
        with Session(engine) as s:
            accounts = demo_accounts(s)
    except Exception:  # noqa: BLE001 - an empty or older database: nothing to list
        accounts = []
    if not accounts:
        return
    table = Table(title=f"demo accounts, password {DEMO_PASSWORD}")
    for column in ("username", "role", "name"):
        table.add_column(column)
    for username, role, name in accounts:
        table.add_row(
            username, f"{t(f'role_name.{role}', 'zh')} {t(f'role_name.{role}', 'en')}", name
        )
    console.print(table)
    console.print(f"Sign in at http://{shown}:{port}/login")


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    demo: bool = typer.Option(False, "--demo", help="Build the demo first if empty."),
) -> None:
    """Serve the web app and the JSON API."""
    engine = _engine()
    if demo:
        from haihe.demo import build_demo

        build_demo(engine, log=console.print)
    _welcome(engine, host, port)
    from haihe.core.backup import serving

    with serving(engine):  # `haihe restore` refuses while this is held
        _uvicorn(host, port, workers)


def _uvicorn(host: str, port: int, workers: int) -> None:
    import uvicorn

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
        **serve_options(),  # forwarded headers only from HAIHE_TRUSTED_PROXIES
    )


for _context in CONTEXTS:
    for _name, _group in import_module(f"haihe.{_context}.cli").COMMANDS.items():
        app.add_typer(_group, name=_name)
guard_all(app)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # python -m haihe.cli (after every group is mounted)
    sys.exit(main())
