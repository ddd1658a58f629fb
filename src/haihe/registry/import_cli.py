"""`haihe import organisations`: the organisation import from the command line.

The command line's principal (the machine's operator, an administrator) imports through
the registry's door and prints the report as every import command does.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from haihe.accounts.scopes import command_line
from haihe.core.commands import engine, err, lang, print_import_report
from haihe.core.i18n import t
from haihe.registry.imports import do_import_organisations

import_app = typer.Typer(help="Import data from CSV or XLSX.", no_args_is_help=True)


@import_app.command("organisations")
def import_organisations(
    file: Path = typer.Argument(..., help=".csv (UTF-8, UTF-8 with BOM, GBK/GB18030) or .xlsx"),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Write the valid rows and report the bad ones."
    ),
) -> None:
    """Import organisations; all-or-nothing unless --skip-invalid."""
    found = engine()
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
        report = do_import_organisations(
            found,
            command_line(getpass.getuser()),
            file,
            skip_invalid=skip_invalid,
            on_start=lambda n: progress.update(task, total=n),
            on_bytes=lambda n: progress.advance(task, n),
        )
    print_import_report(report)
    if report.created:
        err.print(t("chains.classify_hint", lang()))


COMMANDS = {"import": import_app}
