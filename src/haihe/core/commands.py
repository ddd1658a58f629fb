"""What every context's commands share: the consoles, the language, the database.

A context's `cli.py` builds its Typer sub-apps from these and lists them in `COMMANDS`
({"name": typer_app}); the top-level `haihe` command (haihe/cli.py) mounts them all
through one error wrapper, so a command raises a `HaiheError` and never handles one.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rich.console import Console
from sqlalchemy import Engine

if TYPE_CHECKING:
    from haihe.core.importing import ImportReport

console = Console()
err = Console(stderr=True)


def lang() -> str:
    """Language of command-line messages: HAIHE_LANG (zh by default, or en)."""
    return "en" if os.environ.get("HAIHE_LANG", "zh").lower().startswith("en") else "zh"


def engine() -> Engine:
    """The configured database, its schema brought to the newest migration."""
    from haihe.core.db import get_engine, upgrade

    found = get_engine()
    upgrade(found)
    return found


def print_import_report(report: ImportReport) -> None:
    """Print what an import did, the same way for every import command: each bad row and
    the notes on stderr, the summary on stdout. Then raise the import's failure (the file's
    problem, or the bad rows that kept everything out), which ends the command with that
    error's message and exit code."""
    from haihe.core.i18n import t

    lg = lang()
    if report.file_problem is not None:
        raise report.file_problem
    for e in report.errors:
        err.print(e.line(lg), markup=False, highlight=False)
    if report.ignored_columns:
        columns = ", ".join(report.ignored_columns)
        err.print(t("import.ignored_columns", lg, columns=columns), markup=False)
    summary = t(
        "import.summary",
        lg,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        bad=report.bad,
    )
    console.print(summary, markup=False)
    for name, n in report.counts.items():
        console.print(t(f"import.{name}", lg, n=n), markup=False)
    if report.report_path:
        err.print(t("import.report_written", lg, path=report.report_path), markup=False)
    failure = report.failure()
    if failure is not None:
        raise failure
    if report.bad:
        err.print(t("import.skipped", lg, bad=report.bad), markup=False)
