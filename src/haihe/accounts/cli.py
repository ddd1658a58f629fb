"""`haihe users`: user accounts from the command line (where a deployment's first
administrator is made). The operator acts as an administrator (accounts.scopes.command_line)."""

from __future__ import annotations

import getpass

import typer
from rich.table import Table

from haihe.accounts import queries, service
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import Principal, command_line
from haihe.core.commands import console, engine
from haihe.core.db import session_scope

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
COMMANDS = {"users": users_app}


def _operator() -> Principal:
    return command_line(getpass.getuser())


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option(
        ..., help="admin, regional_officer, park_manager, fair_organiser, enterprise"
    ),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    name: str = typer.Option(None, help="display name"),
    region: list[str] = typer.Option(None, help="region (repeat for several)"),
    park: int = typer.Option(None),
    organisation: int = typer.Option(None),
    fair: int = typer.Option(None),
) -> None:
    """Create a user (the first administrator of a new deployment, for instance)."""
    new = UserCreate(
        username=username,
        password=password,
        role=role,
        display_name=name,
        regions=region or [],
        park_id=park,
        organisation_id=organisation,
        fair_id=fair,
    )
    with session_scope(engine()) as s:
        user = service.do_create_user(s, _operator(), new)
    console.print(f"user {user.id}: {user.username} ({user.role})")


@users_app.command("list")
def users_list() -> None:
    """List users and their roles."""
    with session_scope(engine()) as s:
        found = queries.list_users(s, _operator())
    table = Table("id", "username", "role", "scope")
    for u in found:
        table.add_row(str(u.id), u.username, u.role, u.scope)
    console.print(table)


@users_app.command("reset-password")
def users_reset(
    username: str,
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Set a new password; the user must change it at next sign-in."""
    with session_scope(engine()) as s:
        service.do_reset_password(s, _operator(), username, password)
    console.print(f"password of {username} reset")
