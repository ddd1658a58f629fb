"""A fair's slots, tables, participants and requests in the database, "schedule all"
storing meetings (organiser scope), re-scheduling keeping what can stay and the calendar
UIDs, and `haihe fairs schedule` on the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haihe.accounts.scopes import Principal, command_line
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.fairs import scheduler, service
from haihe.fairs.models import FairMeeting, FairTable, MeetingRequest
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate

OPERATOR = command_line("setup")
ADMIN = Principal(username="admin", role="admin")
DAY = datetime(2024, 5, 20, 9, 0)


@pytest.fixture
def fair(engine):
    with engine.begin() as conn:
        orgs = registry.do_bulk_create_organisations(
            conn,
            OPERATOR,
            [
                OrganisationCreate(name=f"测试企业{i}有限公司", region_code="120116")
                for i in range(6)
            ],
        )
    with Session(engine) as s:
        f = service.do_create_fair(s, ADMIN, name="排程测试对接会", starts_on=date(2024, 5, 20))
        slots = service.do_add_slots(
            s,
            ADMIN,
            f.id,
            [
                (DAY + timedelta(minutes=30 * i), DAY + timedelta(minutes=30 * i + 25))
                for i in range(4)
            ],
        )
        service.do_set_tables(s, ADMIN, f.id, 2)
        people = [
            service.do_add_participant(s, ADMIN, f.id, org, slot_ids=slots if i else slots[:2])
            for i, org in enumerate(orgs)
        ]
        s.commit()
    return {"id": f.id, "slots": slots, "people": people, "orgs": orgs}


def _accepted(s, fair, a, b, priority=2):
    people = fair["people"]
    rid = service.do_request_meeting(s, ADMIN, fair["id"], people[a], people[b], priority=priority)
    service.do_answer_request(s, ADMIN, rid, accept=True)
    return rid


def _meetings(s, fair_id):
    return {
        m.request_id: (m.slot_id, m.table_id, m.uid)
        for m in s.execute(select(FairMeeting).where(FairMeeting.fair_id == fair_id)).scalars()
    }


def test_schedule_all_stores_valid_meetings_and_rescheduling_keeps_them(engine, fair):
    with Session(engine) as s:
        rids = [_accepted(s, fair, a, b) for a, b in [(0, 1), (0, 2), (1, 2), (3, 4), (4, 5)]]
        # A request both sides made is one mutual request.
        people = fair["people"]
        pending = service.do_request_meeting(s, ADMIN, fair["id"], people[5], people[3])
        again = service.do_request_meeting(s, ADMIN, fair["id"], people[3], people[5], priority=3)
        assert again == pending
        row = s.get(MeetingRequest, pending)
        assert (row.mutual, row.status, row.priority) == (True, "accepted", 3)
        # A pending request never blocks a slot; a declined one is not scheduled.
        service.do_request_meeting(s, ADMIN, fair["id"], people[2], people[3])
        declined = service.do_request_meeting(s, ADMIN, fair["id"], people[1], people[5])
        service.do_answer_request(s, ADMIN, declined, accept=False)
        out = service.do_schedule_fair(s, ADMIN, fair["id"], time_limit=0.5)
        s.commit()
        first = _meetings(s, fair["id"])
        assert set(first) == {*rids, pending}
        assert out.meetings == 6 and out.added == 6 and out.proven_optimal
        pairs = {(slot, table) for slot, table, _ in first.values()}
        assert len(pairs) == 6  # no table twice in a slot
        # Participant 0 is free in the first two slots only.
        for rid in rids[:2]:
            assert first[rid][0] in fair["slots"][:2]

        # Late changes: a cancellation and a new request; the rest stays, UIDs stay.
        s.get(MeetingRequest, rids[3]).status = "cancelled"
        new = _accepted(s, fair, 2, 5)
        again = service.do_schedule_fair(s, ADMIN, fair["id"], time_limit=0.5)
        s.commit()
        second = _meetings(s, fair["id"])
        assert rids[3] not in second and new in second
        for rid in set(first) - {rids[3]}:
            assert second[rid] == first[rid]
        assert (again.kept, again.moved, again.removed, again.added) == (5, 0, 1, 1)


def test_scheduling_is_the_organisers_and_refuses_others(engine, fair):
    with Session(engine) as s:
        _accepted(s, fair, 0, 1)
        other = Principal(username="x", role="fair_organiser", fair_id=fair["id"] + 1)
        with pytest.raises(NotAllowed):
            service.do_schedule_fair(s, other, fair["id"])
        enterprise = Principal(username="e", role="enterprise", organisation_id=fair["orgs"][0])
        with pytest.raises(NotAllowed):
            service.do_schedule_fair(s, enterprise, fair["id"])
        with pytest.raises(NotFound):
            service.do_schedule_fair(s, ADMIN, 9999)
        own = Principal(username="o", role="fair_organiser", fair_id=fair["id"])
        assert service.do_schedule_fair(s, own, fair["id"], time_limit=0.2).meetings == 1
        # An enterprise requests for its own participant only.
        people = fair["people"]
        service.do_request_meeting(s, enterprise, fair["id"], people[0], people[3])
        with pytest.raises(NotAllowed):
            service.do_request_meeting(s, enterprise, fair["id"], people[2], people[3])
        assert s.execute(select(FairMeeting)).scalars().all()


def test_bad_input_changes_nothing(engine, fair):
    with Session(engine) as s:
        people = fair["people"]
        with pytest.raises(InvalidInput) as err:
            service.do_request_meeting(s, ADMIN, fair["id"], people[0], people[0])
        assert err.value.key == "fairs.request_self"
        with pytest.raises(InvalidInput):
            service.do_request_meeting(s, ADMIN, fair["id"], people[0], people[1], priority=7)
        with pytest.raises(InvalidInput) as err:
            service.do_add_slots(s, ADMIN, fair["id"], [(DAY, DAY + timedelta(minutes=10))])
        assert err.value.key == "fairs.slot_overlap"
        with pytest.raises(InvalidInput):
            service.do_add_slots(s, ADMIN, fair["id"], [(DAY + timedelta(days=1), DAY)])
        with pytest.raises(InvalidInput):
            service.do_set_tables(s, ADMIN, fair["id"], -1)
        assert s.execute(select(MeetingRequest)).first() is None
        assert len(s.execute(select(FairTable)).all()) == 2
        # A request that expired before it was answered is not scheduled, never blocks.
        rid = service.do_request_meeting(
            s, ADMIN, fair["id"], people[0], people[1], expires_at=datetime.now(UTC)
        )
        with pytest.raises(InvalidInput):
            service.do_answer_request(s, ADMIN, rid, accept=True)
        out = service.do_schedule_fair(s, ADMIN, fair["id"], time_limit=0.1)
        assert out.meetings == 0 and s.get(MeetingRequest, rid).status == "expired"


def test_the_command_schedules_a_fair(sqlite_engine, monkeypatch):
    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    with sqlite_engine.begin() as conn:
        a, b = registry.do_bulk_create_organisations(
            conn, OPERATOR, [OrganisationCreate(name=n) for n in ("甲公司", "乙公司")]
        )
    with Session(sqlite_engine) as s:
        f = service.do_create_fair(s, ADMIN, name="命令行对接会", starts_on=date(2024, 5, 20))
        service.do_add_slots(s, ADMIN, f.id, [(DAY, DAY + timedelta(minutes=20))])
        service.do_set_tables(s, ADMIN, f.id, 1)
        pa = service.do_add_participant(s, ADMIN, f.id, a)
        pb = service.do_add_participant(s, ADMIN, f.id, b)
        service.do_request_meeting(s, ADMIN, f.id, pa, pb)
        service.do_request_meeting(s, ADMIN, f.id, pb, pa)
        s.commit()
    monkeypatch.setenv("HAIHE_DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("HAIHE_LANG", "en")
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    try:
        r = CliRunner().invoke(app, ["fairs", "schedule", "命令行对接会", "--time", "0.2"])
        assert r.exit_code == 0, r.output
        assert "1 meetings scheduled, weight 5" in r.output and "proven optimal" in r.output
        r = CliRunner().invoke(app, ["fairs", "schedule", "没有这场"])
        assert r.exit_code == 3 and "no fair" in r.output
    finally:
        get_settings.cache_clear()
        db.engine_for.cache_clear()
    assert scheduler.request_weight(mutual=True) == 5
