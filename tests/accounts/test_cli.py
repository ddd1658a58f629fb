"""`haihe users` on a real database: the operator makes the first administrator; refusals
come through the one error wrapper, in Chinese or English, with the kind's exit code."""

import getpass
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haihe.accounts import queries
from haihe.accounts.scopes import command_line
from haihe.audit import queries as audit
from haihe.cli import app
from haihe.core.errors import InvalidInput, exit_code

runner = CliRunner()


@pytest.fixture
def db_env(engine, monkeypatch):
    """The command line pointed at the test database (SQLite and PostgreSQL)."""
    from haihe.core import db
    from haihe.core.settings import get_settings

    monkeypatch.setenv("HAIHE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    yield engine
    get_settings.cache_clear()
    db.engine_for.cache_clear()


def test_the_first_administrator_is_made_from_the_command_line(db_env):
    r = runner.invoke(
        app, ["users", "add", "root", "--role", "admin", "--password", "a-long-password"]
    )
    assert r.exit_code == 0, r.output
    assert "root (admin)" in r.output
    r = runner.invoke(
        app,
        ["users", "add", "tj", "--role", "regional_officer", "--region", "天津"],
        input="a-long-password\na-long-password\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "list"])
    assert r.exit_code == 0 and "root" in r.output and "120000" in r.output
    r = runner.invoke(app, ["users", "reset-password", "tj", "--password", "another-password"])
    assert r.exit_code == 0 and "tj" in r.output
    with Session(db_env) as s:
        users = {u.username: u for u in queries.list_users(s, command_line("test"))}
        entries, _ = audit.list_entries(s, object_type="user")
    assert users["tj"].must_change_password and users["tj"].region_codes == "120000"
    assert {e.username for e in entries} == {f"cli:{getpass.getuser()}"}


@pytest.mark.parametrize(
    ("lang", "says"), [("zh", "角色必须是以下之一"), ("en", "the role must be one of")]
)
def test_refusals_exit_with_the_wrappers_code_in_the_users_language(db_env, lang, says):
    r = runner.invoke(
        app,
        ["users", "add", "x", "--role", "emperor", "--password", "a-long-password"],
        env={"HAIHE_LANG": lang},
    )
    assert r.exit_code == exit_code(InvalidInput("users.role_unknown")) == 2
    assert says in r.output and "Traceback" not in r.output
    r = runner.invoke(
        app,
        ["users", "reset-password", "nobody", "--password", "a-long-password"],
        env={"HAIHE_LANG": lang},
    )
    assert r.exit_code == 2 and "nobody" in r.output


def test_python_dash_m_haihe_mounts_every_group_too():
    """`python -m haihe.cli` (as the browser tests start it) has the users commands."""
    out = subprocess.run(
        [sys.executable, "-m", "haihe.cli", "users", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "reset-password" in out.stdout, out.stdout + out.stderr
