"""Two saves of one record based on the same version, at the same moment: exactly one wins,
the other is told of the conflict and changes nothing (issue 11, point 4). Real threads and
two database sessions, on both backends."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import definitions
from haihe.chains import queries as chain_queries
from haihe.chains import service as chains
from haihe.core.errors import Conflict
from haihe.projects import queries, service
from haihe.projects.models import Project
from haihe.projects.service import ProjectInput
from tests.registry.helpers import OPERATOR

ADMIN = Principal(user_id=7, username="甲", role="admin")
OTHER = Principal(user_id=8, username="乙", role="admin")


def _in_thread(target) -> tuple[threading.Thread, dict]:  # noqa: ANN001
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = target()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_two_project_saves_of_one_version_exactly_one_wins(engine):
    with Session(engine) as s:
        p = service.do_create_project(
            s,
            ADMIN,
            ProjectInput(
                code="RACE-1",
                title="并发",
                intended_investment=Decimal(1),
                landing_region_code="120116",
                signed_on=date(2024, 1, 1),
            ),
        )
        s.commit()
        pid, version = p.id, p.version

    first = Session(engine)
    # The first officer's save is written but not yet committed …
    service.do_update_project(first, ADMIN, pid, {"notes": "甲的修改"}, version=version)

    def second_save() -> int:
        with Session(engine) as s:
            # … while the second officer's save, based on the same version, runs now.
            got = service.do_update_project(s, OTHER, pid, {"notes": "乙的修改"}, version=version)
            s.commit()
            return got.version

    thread, out = _in_thread(second_save)
    thread.join(0.5)  # it must wait for the first (SQLite's write lock, PostgreSQL's row lock)
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(out.get("error"), Conflict), out
    with Session(engine) as s:
        p = s.get(Project, pid)
        assert (p.notes, p.version) == ("甲的修改", version + 1)
        assert [h.action for h in queries.history(s, pid)] == ["create", "update"]


def test_two_chain_edits_of_one_version_give_a_conflict_not_a_crash(engine):
    with Session(engine) as s:
        chains.do_install_shipped(s, OPERATOR)
        s.commit()
        chain = chain_queries.get_chain(s, "hydrogen")
        base = chain.definition.to_data()
        version = chain.version

    def edited(text: str):  # noqa: ANN202
        return definitions.from_data({**base, "description": {"zh": text, "en": text}})

    first = Session(engine)
    chains.do_save_definition(first, ADMIN, edited("甲"), based_on=version)

    def second_save() -> int:
        with Session(engine) as s:
            info = chains.do_save_definition(s, OTHER, edited("乙"), based_on=version)
            s.commit()
            return info.version

    thread, out = _in_thread(second_save)
    thread.join(0.5)
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(out.get("error"), Conflict), out
    with Session(engine) as s:
        chain = chain_queries.get_chain(s, "hydrogen")
        assert chain.version == version + 1
        assert chain.definition.description_zh == "甲"


def test_every_versioned_table_is_guarded():
    """Each table with a `version` column is mapped with a version check, so every UPDATE
    says WHERE version = the one read (a new versioned table is caught here)."""
    from haihe.core.db import Base
    from haihe.models import load_all

    load_all()
    unguarded = [
        m.class_.__name__
        for m in Base.registry.mappers
        if "version" in m.columns and m.version_id_col is None
    ]
    assert unguarded == ["ChainVersion"]  # the append-only list of versions: never updated


def test_two_lead_saves_of_one_version_exactly_one_wins(engine):
    from haihe.chains import service as chains_service
    from haihe.leads import service as leads
    from haihe.leads.models import Lead
    from haihe.models import load_all
    from haihe.registry import service as registry
    from haihe.registry.schemas import OrganisationCreate

    load_all()
    with Session(engine) as s:
        chains_service.do_install_shipped(s, OPERATOR)
        org = registry.do_create_organisation(
            s, OPERATOR, OrganisationCreate(name="北京并发生物有限公司", region_code="110108")
        )
        lead = leads.do_create_lead(
            s,
            ADMIN,
            leads.LeadInput(
                organisation_id=org.id,
                chain="biomedicine",
                segment="biologics",
                region_code="120116",
                started_on=date(2025, 1, 1),
            ),
            today=date(2025, 6, 1),
        )
        s.commit()
        lead_id, version = lead.id, lead.version

    first = Session(engine)
    leads.do_update_lead(first, ADMIN, lead_id, notes="甲", version=version)

    def second_save() -> int:
        with Session(engine) as s:
            got = leads.do_update_lead(s, OTHER, lead_id, notes="乙", version=version)
            s.commit()
            return got.version

    thread, out = _in_thread(second_save)
    thread.join(0.5)
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(out.get("error"), Conflict), out
    with Session(engine) as s:
        assert s.get(Lead, lead_id).notes == "甲"
