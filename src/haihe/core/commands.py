"""What every context's commands share: the consoles, the language, the database.

A context's `cli.py` builds its Typer sub-apps from these and lists them in `COMMANDS`
({"name": typer_app}); the top-level `haihe` command (haihe/cli.py) mounts them all
through one error wrapper, so a command raises a `HaiheError` and never handles one.
"""

from __future__ import annotations

import os

from rich.console import Console
from sqlalchemy import Engine

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
