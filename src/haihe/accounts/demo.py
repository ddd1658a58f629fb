"""The accounts' part of the demo: one user of each role, with the passwords in README.

A real deployment starts with no user; `haihe users add --role admin` makes the first.
"""

from __future__ import annotations

import random

from sqlalchemy import Connection, delete
from sqlalchemy.orm import Session

from haihe.accounts import service
from haihe.accounts.models import ApiToken, LoginAttempt, LoginSession, User
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import command_line

DEMO_PASSWORD = "haihe-demo-2024"


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        users = [
            dict(username="admin", role="admin", display_name="系统管理员"),
            dict(
                username="tianjin",
                role="regional_officer",
                display_name="天津市工信局",
                regions=["120000"],
            ),
            dict(
                username="binhai",
                role="regional_officer",
                display_name="滨海新区投促局",
                regions=["120116"],
            ),
            dict(
                username="park",
                role="park_manager",
                display_name="滨海—中关村科技园",
                park_id=scenario.parks["binhai_zhongguancun"],
            ),
            dict(
                username="fair",
                role="fair_organiser",
                display_name="对接会组委会",
                fair_id=scenario.fairs["article_fair"],
            ),
            dict(
                username="winute",
                role="enterprise",
                display_name="威努特",
                organisation_id=scenario.named["winute"],
            ),
        ]
        operator = command_line("demo")  # the demo is built by the deployment's operator
        for u in users:
            service.do_create_user(s, operator, UserCreate(password=DEMO_PASSWORD, **u))
        s.flush()
        scenario.counts["users"] = len(users)


def clear(conn: Connection) -> None:
    for table in (ApiToken, LoginSession, LoginAttempt, User):
        conn.execute(delete(table))


def demo_accounts(session: Session) -> list[tuple[str, str, str]]:
    """The demo's accounts that still sign in with the demo password: (username, role,
    display name), for `haihe serve` to print; none on a real deployment."""
    from argon2.exceptions import VerificationError

    from haihe.accounts.service import HASHER

    out = []
    for user in session.query(User).order_by(User.id):
        try:
            if HASHER.verify(user.password_hash, DEMO_PASSWORD):
                out.append((user.username, user.role, user.display_name))
        except (VerificationError, ValueError):
            continue
    return out
