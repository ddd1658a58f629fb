"""`haihe match …`: the matching index and the recommendations of every listing.

Commands raise; the top-level command (haihe/cli.py) prints a HaiheError in HAIHE_LANG
and ends with the exit code core.errors gives its kind.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from haihe.core.commands import console, engine, lang
from haihe.core.db import session_scope
from haihe.core.errors import InvalidInput
from haihe.core.i18n import t

match_app = typer.Typer(help="Partner matching: the index and bulk recommendations.")
COMMANDS = {"match": match_app}


@match_app.command("index")
def match_index() -> None:
    """Build the matching index from the database (and say what it holds); forget the
    recorded changes older than the newest 100,000."""
    from haihe.matching import index

    with session_scope(engine()) as s:
        index.prune(s)
        idx = index.rebuild(s)
        listings = sum(1 for kind, _ in idx.where if kind == index.LISTING)
        console.print(
            t(
                "matching.index_done",
                lang(),
                orgs=len(idx.where) - listings,
                listings=listings,
                seconds=f"{idx.build_seconds:.1f}",
            )
        )


@match_app.command("all")
def match_all(
    k: int = typer.Option(10, "--top", "-k", help="Partners kept per listing (1–200)."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Also write the results to FILE."),
) -> None:
    """Compute the top partners of every open listing (and of their organisations) and
    store them with their explanations."""
    from haihe.matching import bulk, index

    if not 1 <= k <= index.MOST:
        raise InvalidInput("matching.bad_k", field="top", most=index.MOST)
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise InvalidInput("matching.xlsx_name", field="xlsx", path=str(xlsx))
    with session_scope(engine()) as s:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(t("matching.index_building", lang()), total=None)
            index.get_index(s)
            bar.update(task, description=t("matching.bulk_progress", lang()))

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = bulk.recommend_all(s, k=k, progress=step)
        console.print(
            t(
                "matching.bulk_done",
                lang(),
                subjects=result.subjects,
                rows=result.rows,
                seconds=f"{result.seconds:.1f}",
            )
        )
        if xlsx is not None:
            n = bulk.export_xlsx(s, xlsx, lang())
            console.print(t("matching.xlsx_done", lang(), n=n, path=str(xlsx)))
