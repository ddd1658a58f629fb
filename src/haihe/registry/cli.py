"""`haihe import`, `haihe export`, `haihe parks`, `haihe orgs`: the registry from the command line.

The operator acts as an administrator (accounts.scopes.command_line); errors are raised
as HaiheError kinds and answered by the shell's one wrapper (haihe/cli.py).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from haihe.accounts.scopes import command_line
from haihe.core.commands import console, engine, err, lang, print_import_report
from haihe.core.db import session_scope
from haihe.core.i18n import t
from haihe.registry import queries, service
from haihe.registry.exports import export_organisations as write_organisations
from haihe.registry.imports import do_import_organisations
from haihe.registry.schemas import ParkCreate

export_app = typer.Typer(help="Export data to CSV or XLSX.", no_args_is_help=True)
parks_app = typer.Typer(help="Science and industrial parks.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations in the registry.", no_args_is_help=True)


@export_app.command("organisations")
def export_organisations(
    file: Path = typer.Argument(..., help="FILE.csv or FILE.xlsx"),
    q: str = typer.Option(None, help="name or USCC contains"),
    region: str = typer.Option(None, help="region code or name (includes its districts)"),
    industry: str = typer.Option(None, help="GB/T 4754 code (section, division, group, class)"),
) -> None:
    """Export organisations in the columns the import reads back."""
    n = write_organisations(
        engine(), file, queries.OrganisationFilter(q=q, region=region, industry=industry)
    )
    console.print(f"{n} → {file}")


@parks_app.command("add")
def parks_add(
    name: str,
    region: str = typer.Option(..., help="region code or name"),
    name_en: str = typer.Option(None),
    operator: str = typer.Option(None),
) -> None:
    """Create a park."""
    with session_scope(engine()) as s:
        park = service.do_create_park(
            s,
            command_line(getpass.getuser()),
            ParkCreate(name=name, region=region, name_en=name_en, operator=operator),
        )
        console.print(f"park {park.id}: {park.name} ({park.region_code})")


@parks_app.command("list")
def parks_list() -> None:
    """List parks with their organisation counts."""
    with session_scope(engine()) as s:
        table = Table("id", "园区 park", "地区 region", "组织数 organisations")
        for p in queries.list_parks(s):
            table.add_row(str(p.id), p.name, p.region_code, str(p.organisation_count))
    console.print(table)


@orgs_app.command("search")
def orgs_search(
    q: str = typer.Argument(None),
    region: str = typer.Option(None),
    industry: str = typer.Option(None),
    limit: int = 20,
) -> None:
    """Search organisations by name, USCC, region and industry."""
    with session_scope(engine()) as s:
        page = queries.search_organisations(
            s, queries.OrganisationFilter(q=q, region=region, industry=industry), page_size=limit
        )
        table = Table("id", "名称 name", "USCC", "地区 region")
        for o in page.items:
            table.add_row(str(o.id), o.name, o.uscc or "", o.region_code or "")
    console.print(table)
    console.print(f"total {page.total}")


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
    from haihe.core.importing import import_slot

    with progress, import_slot(found, f"cli:{getpass.getuser()}", file.name, wait_s=3600):
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


COMMANDS = {"import": import_app, "export": export_app, "parks": parks_app, "orgs": orgs_app}
