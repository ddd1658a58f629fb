"""`haihe chains …`: definitions, placement, diagnosis and the chain report.

Commands raise; the top-level command (haihe/cli.py) prints a HaiheError in HAIHE_LANG
and ends with the exit code core.errors gives its kind. Writes are the command-line
operator's (an administrator, accounts.scopes.command_line).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TimeRemainingColumn

from haihe.accounts.scopes import Principal, command_line
from haihe.core.commands import console, engine, err, lang, print_import_report
from haihe.core.db import session_scope
from haihe.core.errors import InvalidInput
from haihe.core.i18n import t

chains_app = typer.Typer(
    help="Industrial chains: definitions, placement, diagnosis.", no_args_is_help=True
)
COMMANDS = {"chains": chains_app}


def _operator() -> Principal:
    return command_line(getpass.getuser())


def _existing(file: Path) -> Path:
    if not file.exists():
        raise InvalidInput("file.not_found", field="file", path=str(file))
    return file


@chains_app.command("list")
def chains_list() -> None:
    """The chains in the database, with their segments and version."""
    from haihe.chains import queries

    with session_scope(engine()) as s:
        for c in queries.all_chains(s):
            d = c.definition
            console.print(f"{d.key:22} v{c.version:<3} {len(d.segments):>3}  {d.name(lang())}")


@chains_app.command("segments")
def chains_segments(
    markdown: bool = typer.Option(False, "--markdown", help="Markdown tables, one per chain."),
) -> None:
    """Every shipped chain's segments as labels (chain/segment), with names and activities."""
    from haihe.chains import definitions

    chains = definitions.shipped()
    if markdown:
        typer.echo(definitions.segments_markdown(chains))
        return
    for r in definitions.segment_rows(chains):
        typer.echo(
            f"{r['label']:42} {r['stage']} {r['chain']} / {r['segment']}  [{r['activities']}]"
        )


@chains_app.command("install")
def chains_install() -> None:
    """Add the chains shipped with Haihe that the database does not have yet."""
    from haihe.chains import service

    with session_scope(engine()) as s:
        added = service.do_install_shipped(s, _operator())
    console.print(", ".join(added) or "—")


@chains_app.command("import")
def chains_import(file: Path) -> None:
    """Import a chain definition (.yaml or .xlsx): a new chain or a new version."""
    from haihe.chains import service

    content = _existing(file).read_bytes()
    with session_scope(engine()) as s:
        info = service.do_import_definition(s, _operator(), file.name, content)
    console.print(f"{info.key} v{info.version}")


@chains_app.command("export")
def chains_export(key: str, file: Path) -> None:
    """Write a chain definition to .yaml or .xlsx (the import reads either back)."""
    from haihe.chains import definitions, queries

    with session_scope(engine()) as s:
        d = queries.chain_definition(s, key)
    if file.suffix.lower() == ".xlsx":
        file.write_bytes(definitions.to_xlsx(d))
    else:
        file.write_text(d.to_yaml(), "utf-8")
    console.print(f"{key} → {file}")


@chains_app.command("classify")
def chains_classify() -> None:
    """Re-place every organisation on the chains; officers' decisions are kept."""
    from haihe.chains.placements import classify_all

    db = engine()
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
        with db.begin() as conn:
            result = classify_all(
                conn,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    if result.installed:
        console.print(
            t(
                "chains.installed_first",
                lang(),
                count=len(result.installed),
                keys="、".join(result.installed),
            )
        )
    if not result.chains:
        err.print(t("chains.classified_no_chains", lang()))
    elif not result.organisations:
        err.print(t("chains.classified_no_organisations", lang()))
    console.print(
        t(
            "chains.classified",
            lang(),
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
    from haihe.chains.declared import do_import_declared

    principal = command_line(getpass.getuser())
    print_import_report(do_import_declared(engine(), principal, file, skip_invalid=skip_invalid))


@chains_app.command("diagnose")
def chains_diagnose(
    key: str, region: str = typer.Option("120000", help="region code, e.g. 120000")
) -> None:
    """Each segment's status (strong / weak / missing) in REGION, with its evidence."""
    from haihe.chains import queries

    with session_scope(engine()) as s:
        diag = queries.diagnose(s, queries.chain_definition(s, key), region)
    for x in diag.segments:
        name = ("  " if x.segment.parent else "") + x.segment.name(lang())
        mark = " ⚠" if x.breakpoint else ""
        console.print(
            f"{name:24} {t('chains.status.' + x.status, lang())}{mark:3} {x.figures.orgs:>6}  "
            f"{x.score:5.2f}  {x.rule}",
            markup=False,
        )


@chains_app.command("report")
def chains_report(
    key: str, file: Path, region: str = typer.Option("120000", help="region code")
) -> None:
    """Write the chain report (diagnosis, panorama, complementarity, three lists) as .xlsx."""
    from haihe.chains import queries, report
    from haihe.chains.diagnosis import check_region

    with session_scope(engine()) as s:
        d = queries.chain_definition(s, key)
        check_region(region)
        file.write_bytes(report.chain_report(s, d, region, lang()))
    console.print(f"{key} {region} → {file}")
