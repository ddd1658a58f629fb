"""`haihe projects ...`: the commands act as the machine's operator and answer refusals
through the shell's one error wrapper."""

import getpass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haihe.accounts.scopes import command_line
from haihe.projects import queries, service


@pytest.fixture
def cli(sqlite_engine, monkeypatch):
    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    with Session(sqlite_engine) as s:
        service.do_create_project(
            s,
            command_line("setup"),
            service.ProjectInput(
                code="CLI-1",
                title="命令行项目",
                landing_region_code="120116",
                intended_investment=Decimal("500000000"),
                signed_on=date(2023, 6, 15),
            ),
            today=date(2024, 2, 8),
        )
        s.commit()
    monkeypatch.setenv("HAIHE_DATABASE_URL", str(sqlite_engine.url))
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["projects", *args])
    get_settings.cache_clear()
    db.engine_for.cache_clear()


def test_a_milestone_from_the_command_line_is_the_operators(cli, sqlite_engine):
    r = cli("milestone", "CLI-1", "in_operation", "2023-09-01", "--evidence", "投产")
    assert r.exit_code == 0, r.output
    with Session(sqlite_engine) as s:
        p = queries.find_project(s, "CLI-1")
        assert p.milestones[-1].recorded_by == f"cli:{getpass.getuser()}"
        assert queries.history(s, p.id)[-1].by == f"cli:{getpass.getuser()}"
    r = cli("show", "CLI-1")
    assert (
        r.exit_code == 0 and "投产" in r.output and f"命令行操作员 {getpass.getuser()}" in r.output
    )
    r = cli("list", "--figure", "in_operation")
    assert r.exit_code == 0 and "CLI-1" in r.output
    r = cli("figures", "--landing", "天津")
    assert r.exit_code == 0 and "5亿元" in r.output


def test_refusals_are_answered_by_the_shell(cli):
    assert cli("milestone", "CLI-1", "at_capacity", "2023-09-01").exit_code == 2  # lifecycle
    assert cli("milestone", "CLI-1", "in_operation", "昨天").exit_code == 2
    assert cli("milestone", "NONE", "in_operation", "2023-09-01").exit_code == 3
    assert cli("show", "NONE").exit_code == 3
    assert cli("figures", "--landing", "火星").exit_code == 2
    assert cli("list", "--figure", "bogus").exit_code == 2
    # The actor is whoever runs the command: there is no --by any more.
    assert cli("milestone", "CLI-1", "in_operation", "2023-09-01", "--by", "某人").exit_code == 2
