"""The fairs' commands: `haihe fairs schedule FAIR` ("schedule all"). They act as the
machine's operator (an administrator, accounts.scopes.command_line) and raise HaiheErrors;
the `haihe` shell prints them and sets the exit code."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from haihe.accounts.scopes import command_line
from haihe.core.commands import console, engine, lang
from haihe.core.db import session_scope
from haihe.core.errors import NotFound
from haihe.core.i18n import t
from haihe.core.limits import is_digits

app = typer.Typer(help="Industrial-chain fairs.", no_args_is_help=True)
COMMANDS = {"fairs": app}


@app.command("schedule")
def fairs_schedule(
    fair: str = typer.Argument(..., help="the fair's id or its Chinese or English name"),
    time_limit: float = typer.Option(5.0, "--time", help="seconds to search"),
    seed: int = typer.Option(0),
) -> None:
    """Schedule every accepted request it can place; meetings that can stay, stay."""
    from haihe.fairs import queries, service

    language = lang()
    with session_scope(engine()) as s:
        found = queries.find_fair(s, fair)
        if found is None and is_digits(fair):
            found = queries.get_fair(s, int(fair))
        if found is None:
            raise NotFound("fairs.not_found", field="fair", fair=fair)
        out = service.do_schedule_fair(
            s, command_line(getpass.getuser()), found.id, time_limit=time_limit, seed=seed
        )
    console.print(t("fairs.schedule_done", language, meetings=out.meetings, weight=out.weight))
    if out.proven_optimal:
        console.print(t("fairs.schedule_optimal", language, how=out.bound_method))
    else:
        console.print(
            t(
                "fairs.schedule_gap",
                language,
                gap=f"{100 * out.gap:.2f}%",
                bound=out.upper_bound,
                how=out.bound_method,
            )
        )
    console.print(
        t(
            "fairs.schedule_moves",
            language,
            kept=out.kept,
            moved=out.moved,
            removed=out.removed,
            added=out.added,
            unscheduled=out.unscheduled,
        )
    )
    console.print(
        t(
            "fairs.schedule_secondary",
            language,
            covered=out.covered,
            coverable=out.coverable,
            gaps=f"{out.mean_idle_gaps:.2f}",
        )
    )


def _find(s, fair: str):  # noqa: ANN001, ANN202
    from haihe.fairs import queries

    found = queries.find_fair(s, fair)
    if found is None and is_digits(fair):
        found = queries.get_fair(s, int(fair))
    if found is None:
        raise NotFound("fairs.not_found", field="fair", fair=fair)
    return found


@app.command("agendas")
def fairs_agendas(
    fair: str = typer.Argument(..., help="the fair's id or its Chinese or English name"),
    out: Path = typer.Option(..., "--out", help="the folder to write the agendas into"),
) -> None:
    """Write every participant's agenda (text and .ics), every table's door sheet and the
    fair's timetable, in Chinese and English."""
    from haihe.fairs import agendas

    with session_scope(engine()) as s:
        found = _find(s, fair)
        files = agendas.write_agendas(s, found.id, out)
    console.print(t("fairs.agendas_written", lang(), files=len(files), out=str(out)))


@app.command("import")
def fairs_import(
    kind: str = typer.Argument(..., help="participants | requests"),
    fair: str = typer.Argument(..., help="the fair's id or its Chinese or English name"),
    file: Path = typer.Argument(..., help="an .xlsx or .csv file"),
) -> None:
    """Import a fair's participants (organisation, representatives, free slots, quota) or
    meeting requests (requester, requested, priority): all or nothing, with an error
    report (FILE.errors.xlsx) naming each row to fix."""
    from haihe.core.commands import print_import_report
    from haihe.core.importing import import_slot
    from haihe.fairs import imports

    eng = engine()
    with session_scope(eng) as s:
        found = _find(s, fair)
    with import_slot(eng, f"cli:{getpass.getuser()}", file.name, wait_s=3600):
        report = imports.do_import(eng, command_line(getpass.getuser()), found.id, kind, file)
    print_import_report(report)


@app.command("survey")
def fairs_survey(
    fair: str = typer.Argument(..., help="the fair's id or its Chinese or English name"),
) -> None:
    """Open the outcome survey (six months after the fair): every participant of every
    meeting held is asked what came of it since."""
    from haihe.fairs import surveys

    with session_scope(engine()) as s:
        found = _find(s, fair)
        n = surveys.do_open_survey(s, command_line(getpass.getuser()), found.id)
        total = len(surveys.list_surveys(s, found.id))
    console.print(t("fairs.survey_opened", lang(), n=n, total=total))
