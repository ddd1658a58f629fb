"""`haihe codes`: the national codes (USCC, GB/T 2260 regions, GB/T 4754 industries).

A code that is not valid, or names nothing, is raised as a HaiheError kind and answered by
the shell's one wrapper (haihe/cli.py) in HAIHE_LANG.
"""

from __future__ import annotations

import typer

from haihe.codes import industries, regions, uscc
from haihe.core.commands import console
from haihe.core.errors import NotFound

codes_app = typer.Typer(
    help="Look up national codes (USCC, regions, industries).", no_args_is_help=True
)
COMMANDS = {"codes": codes_app}


@codes_app.command("uscc")
def codes_uscc(code: str) -> None:
    """Validate and decode a Unified Social Credit Code."""
    check = uscc.validate(code)
    if check.problem is not None:
        raise check.problem
    parts = uscc.decode(check.code)
    console.print(f"{check.code} valid")
    console.print(
        f"  authority {parts.authority} {parts.authority_zh or '?'} / "
        f"type {parts.org_type} {parts.org_type_zh or '?'}"
    )
    console.print(f"  region {parts.region_code} {parts.region_name_zh or '?'}")
    for w in check.warnings:
        console.print(f"  [yellow]warning: {w}[/yellow]")


@codes_app.command("region")
def codes_region(text: str) -> None:
    """Find a GB/T 2260 division by code, name, short name or English name."""
    r = regions.lookup(text)
    if r is None:
        raise NotFound("codes.region_unknown", value=text)
    console.print(
        f"{r.code} {r.full_name_zh} / {r.full_name_en}"
        + (f" (abolished {r.valid_to})" if r.valid_to else "")
    )


@codes_app.command("industry")
def codes_industry(text: str) -> None:
    """Find GB/T 4754-2017 industries by code or name."""
    for i in industries.search(text):
        console.print(f"{i.code:>5} {i.level:<8} {i.name_zh}")
