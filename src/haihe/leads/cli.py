"""`haihe leads`: list, show, start, move, next step, figures, import and export. The
commands act as the machine's operator (an administrator, accounts.scopes.command_line)
and raise HaiheErrors; the `haihe` shell prints them and sets the exit code."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from haihe.accounts.scopes import Principal, command_line
from haihe.core.commands import console, engine, lang, print_import_report
from haihe.core.db import session_scope
from haihe.core.errors import InvalidInput
from haihe.core.i18n import t

app = typer.Typer(help="Investment leads (招商线索).", no_args_is_help=True)
COMMANDS = {"leads": app}


def _principal() -> Principal:
    return command_line(getpass.getuser())


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("leads.date_unreadable", field=field, value=value) from None


@app.command("list")
def leads_list(
    chain: str = typer.Option(None),
    region: str = typer.Option(None),
    officer: str = typer.Option(None),
    status: str = typer.Option(None, help="a status, or open"),
    overdue: bool = typer.Option(False, "--overdue"),
) -> None:
    """The leads, overdue next steps first."""
    from haihe.leads import queries

    lg = lang()
    f = queries.lead_filter(
        chain=chain, region=region, officer=officer, status=status, overdue=overdue
    )
    with session_scope(engine()) as s:
        items, total = queries.list_leads(s, _principal(), f, page_size=1000)
        table = Table(
            "id",
            t("leads.target", lg),
            t("leads.chain", lg),
            t("leads.segment", lg),
            t("leads.region", lg),
            t("leads.officer", lg),
            t("leads.status", lg),
            t("leads.next_step", lg),
        )
        for x in items:
            flag = " !" if queries.is_overdue(x) else ""
            table.add_row(
                str(x.id),
                x.organisation_name,
                x.chain,
                x.segment,
                x.region_code,
                x.officer or "",
                t(f"leads.status.{x.status}", lg),
                f"{x.next_step or ''} {x.next_step_on or ''}{flag}".strip(),
            )
        console.print(table)
        console.print(t("leads.count", lg, total=total))


@app.command("show")
def leads_show(lead_id: int) -> None:
    """One lead with its steps."""
    from haihe.leads import queries

    lg = lang()
    with session_scope(engine()) as s:
        v = queries.lead_view(s, _principal(), lead_id)
        x = v.lead
        console.print(
            f"{x.id} {x.organisation_name} · {x.chain}/{x.segment} · {x.region_code}"
            f" · {t('leads.status.' + x.status, lg)}",
            markup=False,
        )
        if x.project_code:
            console.print(f"{t('leads.project', lg)}: {x.project_code}", markup=False)
        for st in v.steps:
            console.print(
                f"  {st.on} {t('leads.status.' + st.status, lg)} {st.note or ''} ({st.by})",
                markup=False,
            )


@app.command("add")
def leads_add(
    organisation_id: int,
    chain: str,
    segment: str,
    region: str,
    officer: str = typer.Option(None),
    source: str = typer.Option("manual"),
    notes: str = typer.Option(None),
) -> None:
    """Start a lead: organisation id, chain key, segment id, landing region."""
    from haihe.leads import service

    with session_scope(engine()) as s:
        lead = service.do_create_lead(
            s,
            _principal(),
            service.LeadInput(
                organisation_id, chain, segment, region, officer=officer, source=source, notes=notes
            ),
        )
        console.print(f"lead {lead.id}")


@app.command("status")
def leads_status(
    lead_id: int,
    status: str,
    on: str = typer.Option(None, help="YYYY-MM-DD, today by default"),
    reason: str = typer.Option(None),
    note: str = typer.Option(None),
) -> None:
    """Move a lead to a status (dropping or going back needs --reason)."""
    from haihe.leads import service

    with session_scope(engine()) as s:
        lead = service.do_change_status(
            s,
            _principal(),
            lead_id,
            status,
            _day(on, "on") or date.today(),
            reason=reason,
            note=note,
        )
        console.print(f"lead {lead.id}: {t('leads.status.' + lead.status, lang())}", markup=False)


@app.command("next")
def leads_next(lead_id: int, text: str, on: str) -> None:
    """Set a lead's next step and its date (not in the past)."""
    from haihe.leads import service

    with session_scope(engine()) as s:
        service.do_set_next_step(s, _principal(), lead_id, text, _day(on, "on"))
        console.print(f"lead {lead_id}: {text} {on}", markup=False)


@app.command("figures")
def leads_figures(region: str = typer.Option(None), chain: str = typer.Option(None)) -> None:
    """The leads' figures, counted as on the figures page."""
    from haihe.leads import figures, queries

    lg = lang()
    with session_scope(engine()) as s:
        f = figures.compute(s, _principal(), queries.lead_filter(region=region, chain=chain))
        tot = f.total
        for k in ("total", "open", "overdue", "signed", "dropped", "converted"):
            console.print(f"{t('leads.fig.' + k, lg)}: {getattr(tot, k)}", markup=False)
        console.print(f"{t('leads.fig.days_median', lg)}: {f.days_to_signing_median}", markup=False)
        for c in f.coverage:
            console.print(f"{c.chain} {c.region}: {len(c.worked)}/{len(c.gaps)}", markup=False)


@app.command("import")
def leads_import(file: Path, skip_invalid: bool = typer.Option(False, "--skip-invalid")) -> None:
    """Import leads from .xlsx/.csv: all or nothing; FILE.errors.xlsx names the rows to fix."""
    from haihe.leads.transfer import do_import_leads

    print_import_report(do_import_leads(engine(), _principal(), file, skip_invalid=skip_invalid))


@app.command("export")
def leads_export(file: Path) -> None:
    """Export the leads to .xlsx (the import reads it back)."""
    from haihe.leads import queries, transfer

    if file.suffix.lower() != ".xlsx":
        raise InvalidInput("file.unsupported", suffix=file.suffix or file.name)
    with session_scope(engine()) as s:
        file.write_bytes(transfer.export_workbook(s, _principal(), queries.LeadFilter()))
    console.print(f"→ {file}", markup=False)
