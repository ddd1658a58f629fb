"""The organiser's desk and registration (services, on SQLite and PostgreSQL): options and
request deadline, slots by length and breaks, participants registered by the organiser
and by themselves, requests arranged and vetoed, expired requests never scheduled, the
grid's lock / move (refused in words) / remove, and "schedule all" saying what moved."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal, command_line
from haihe.audit.models import AuditEntry
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.fairs import boards, grid, queries, registration, service
from haihe.fairs.models import FairAvailability, FairMeeting, MeetingRequest
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate

OPERATOR = command_line("setup")
ADMIN = Principal(username="admin", role="admin")
DAY = date(2024, 5, 20)


@pytest.fixture
def desk(engine):
    with engine.begin() as conn:
        orgs = registry.do_bulk_create_organisations(
            conn,
            OPERATOR,
            [
                OrganisationCreate(name="天津甲科技有限公司", name_en="Tianjin A Tech"),
                OrganisationCreate(name="北京乙材料有限公司", name_en="Beijing B Materials"),
                OrganisationCreate(name="丙公司"),
                OrganisationCreate(name="丁公司"),
                OrganisationCreate(name="戊公司"),
            ],
        )
    with Session(engine) as s:
        f = service.do_create_fair(s, ADMIN, name="对接会", starts_on=DAY, ends_on=DAY)
        other = service.do_create_fair(s, ADMIN, name="别的对接会", starts_on=DAY)
        s.commit()
    organiser = Principal(username="org", role="fair_organiser", fair_id=f.id)
    return {
        "fair": f.id,
        "other": other.id,
        "orgs": orgs,
        "organiser": organiser,
        "stranger_org": Principal(username="o2", role="fair_organiser", fair_id=other.id),
        "ent": [
            Principal(username=f"e{i}", role="enterprise", organisation_id=o)
            for i, o in enumerate(orgs)
        ],
    }


def _setup(s: Session, d: dict, *, slots: int = 4, tables: int = 2) -> dict:
    org = d["organiser"]
    ids = registration.do_plan_slots(
        s, org, d["fair"], day=DAY, start=time(9), minutes=25, count=slots, break_minutes=5
    )
    service.do_set_tables(s, org, d["fair"], tables)
    return {"slots": ids}


def test_slots_by_length_and_breaks_and_their_refusals(engine, desk):
    org = desk["organiser"]
    with Session(engine) as s:
        ids = _setup(s, desk)["slots"]
        got = boards.slots(s, desk["fair"])
        assert [g.id for g in got] == ids
        assert [f"{g.starts_at:%H:%M}-{g.ends_at:%H:%M}" for g in got] == [
            "09:00-09:25",
            "09:30-09:55",
            "10:00-10:25",
            "10:30-10:55",
        ]
        for kw, key in (
            ({"minutes": 2}, "fairs.slot_minutes"),
            ({"count": 0}, "fairs.slot_count"),
            ({"break_minutes": -1}, "fairs.break_minutes"),
            ({"count": 48, "minutes": 60}, "fairs.slots_past_midnight"),
        ):
            args = {"day": DAY, "start": time(14), "minutes": 30, "count": 2, **kw}
            with pytest.raises(InvalidInput) as err:
                registration.do_plan_slots(s, org, desk["fair"], **args)
            assert err.value.key == key
        with pytest.raises(InvalidInput) as err:  # overlapping the morning's
            registration.do_plan_slots(
                s, org, desk["fair"], day=DAY, start=time(9, 10), minutes=30, count=1
            )
        assert err.value.key == "fairs.slot_overlap"
        with pytest.raises(InvalidInput) as err:
            registration.do_plan_slots(
                s,
                org,
                desk["fair"],
                day=DAY + timedelta(days=3),
                start=time(9),
                minutes=30,
                count=1,
            )
        assert err.value.key == "fairs.slot_day_outside"
        with pytest.raises(NotAllowed):  # another fair's organiser
            registration.do_plan_slots(
                s, desk["stranger_org"], desk["fair"], day=DAY, start=time(15), minutes=30, count=1
            )
        registration.do_remove_slot(s, org, desk["fair"], ids[-1])
        assert len(boards.slots(s, desk["fair"])) == 3
        with pytest.raises(NotFound):
            registration.do_remove_slot(s, ADMIN, desk["other"], ids[0])


def test_registration_by_the_organiser_and_by_the_participant(engine, desk):
    org, ent, orgs = desk["organiser"], desk["ent"], desk["orgs"]
    with Session(engine) as s:
        slots = _setup(s, desk)["slots"]
        # closed: an enterprise cannot register itself, the organiser can register anyone
        with pytest.raises(InvalidInput) as err:
            registration.do_register_participant(
                s, ent[0], desk["fair"], orgs[0], representatives="张三"
            )
        assert err.value.key == "fairs.registration_closed"
        p1 = registration.do_register_participant(s, org, desk["fair"], orgs[1], quota=3)
        registration.do_set_fair_options(
            s, org, desk["fair"], registration_open=True, requests_expire_at=None
        )
        with pytest.raises(NotAllowed):  # not its own organisation
            registration.do_register_participant(
                s, ent[0], desk["fair"], orgs[2], representatives="张三"
            )
        with pytest.raises(InvalidInput) as err:
            registration.do_register_participant(s, ent[0], desk["fair"], orgs[0])
        assert err.value.key == "fairs.representatives_missing"
        with pytest.raises(InvalidInput) as err:
            registration.do_register_participant(
                s, ent[0], desk["fair"], orgs[0], representatives="张三", slot_ids=[]
            )
        assert err.value.key == "fairs.availability_missing"
        with pytest.raises(InvalidInput) as err:
            registration.do_register_participant(
                s, ent[0], desk["fair"], orgs[0], representatives="x" * 101
            )
        assert err.value.key == "limits.too_long"
        hostile = "<script>alert(1)</script>\u200b李四\n=1+1\n李四\n"
        p0 = registration.do_register_participant(
            s, ent[0], desk["fair"], orgs[0], representatives=hostile, slot_ids=slots[:2], quota=2
        )
        with pytest.raises(InvalidInput) as err:
            registration.do_register_participant(
                s, ent[0], desk["fair"], orgs[0], representatives="张三"
            )
        assert err.value.key == "fairs.participant_twice"
        s.commit()
        me = boards.participant(s, desk["fair"], p0)
        assert me.representatives == ["<script>alert(1)</script>李四", "=1+1", "李四"]
        assert me.slot_ids == frozenset(slots[:2]) and me.quota == 2
        assert boards.participant(s, desk["fair"], p1).slot_ids == frozenset(slots)
        # the participant changes its own; not another's
        registration.do_update_participant(
            s, ent[0], desk["fair"], p0, representatives="王五", slot_ids=slots[1:], quota=None
        )
        with pytest.raises(NotAllowed):
            registration.do_update_participant(
                s, ent[0], desk["fair"], p1, representatives="王五", slot_ids=slots, quota=None
            )
        me = boards.participant(s, desk["fair"], p0)
        assert me.representatives == ["王五"] and me.slot_ids == frozenset(slots[1:])
        # every write is in the audit trail
        assert (
            s.scalars(select(AuditEntry).where(AuditEntry.object_type.like("%fair%"))).first()
            is not None
        )


def _people(s: Session, desk: dict, n: int = 4) -> list[int]:
    return [
        registration.do_register_participant(s, desk["organiser"], desk["fair"], o)
        for o in desk["orgs"][:n]
    ]


def test_deadline_expires_unanswered_requests_which_are_never_scheduled(engine, desk):
    org, ent = desk["organiser"], desk["ent"]
    with Session(engine) as s:
        _setup(s, desk)
        a, b, c, d = _people(s, desk)
        future = datetime.now(UTC) + timedelta(days=1)
        registration.do_set_fair_options(
            s, org, desk["fair"], registration_open=False, requests_expire_at=future
        )
        ab = service.do_request_meeting(s, ent[0], desk["fair"], a, b)
        assert s.get(MeetingRequest, ab).expires_at is not None  # the fair's time
        cd = service.do_request_meeting(s, ent[2], desk["fair"], c, d)
        service.do_answer_request(s, ent[3], cd, accept=True)
        # the deadline passes: the waiting one expires (shown so), the accepted one stays
        past = datetime.now(UTC) - timedelta(minutes=1)
        registration.do_set_fair_options(
            s, org, desk["fair"], registration_open=False, requests_expire_at=past
        )
        rows = {r.id: r for r in boards.requests(s, desk["fair"])}
        assert rows[ab].status == "expired" and rows[cd].status == "accepted"
        assert {r.id: r.status for r in queries.list_requests(s, desk["fair"])}[ab] == "expired"
        with pytest.raises(InvalidInput) as err:
            service.do_answer_request(s, ent[1], ab, accept=True)
        assert err.value.key == "fairs.request_not_pending"
        out = grid.do_schedule_all(s, org, desk["fair"], time_limit=0.5)
        assert out.report.meetings == 1
        assert {m.request_id for m in queries.list_meetings(s, desk["fair"])} == {cd}
        assert s.get(MeetingRequest, ab).status == "expired"
        s.commit()


def test_organiser_arranges_and_vetoes_requests(engine, desk):
    org, ent = desk["organiser"], desk["ent"]
    with Session(engine) as s:
        _setup(s, desk)
        a, b, c, _d = _people(s, desk)
        with pytest.raises(NotAllowed):  # a participant cannot arrange
            registration.do_arrange_request(s, ent[0], desk["fair"], a, b)
        ab = registration.do_arrange_request(s, org, desk["fair"], a, b, priority=3)
        assert s.get(MeetingRequest, ab).status == "accepted"
        ca = service.do_request_meeting(s, ent[2], desk["fair"], c, a)
        service.do_answer_request(s, ent[0], ca, accept=False)
        # arranging the declined pair again re-opens it as accepted (the organiser's call)
        assert registration.do_arrange_request(s, org, desk["fair"], a, c) == ca
        assert s.get(MeetingRequest, ca).status == "accepted"
        grid.do_schedule_all(s, org, desk["fair"], time_limit=0.5)
        assert len(queries.list_meetings(s, desk["fair"])) == 2
        with pytest.raises(NotAllowed):
            registration.do_veto_request(s, ent[0], ab)
        assert registration.do_veto_request(s, org, ab) == "vetoed"
        assert {m.request_id for m in queries.list_meetings(s, desk["fair"])} == {ca}
        with pytest.raises(InvalidInput) as err:
            registration.do_veto_request(s, org, ab)
        assert err.value.key == "fairs.request_not_open"
        grid.do_schedule_all(s, org, desk["fair"], time_limit=0.5)
        assert {m.request_id for m in queries.list_meetings(s, desk["fair"])} == {ca}
        with pytest.raises(InvalidInput) as err:
            registration.do_arrange_request(s, org, desk["fair"], a, a)
        assert err.value.key == "fairs.request_self"
        s.commit()


def test_grid_lock_move_remove_and_reasons_for_a_refused_move(engine, desk):
    org, ent = desk["organiser"], desk["ent"]
    with Session(engine) as s:
        slots = _setup(s, desk, slots=3, tables=2)["slots"]
        a, b, c, d = _people(s, desk)
        # d is free only in the first slot
        registration.do_update_participant(
            s, org, desk["fair"], d, representatives=None, slot_ids=slots[:1], quota=None
        )
        ab = registration.do_arrange_request(s, org, desk["fair"], a, b)
        ac = registration.do_arrange_request(s, org, desk["fair"], a, c)
        cd = registration.do_arrange_request(s, org, desk["fair"], c, d)
        grid.do_schedule_all(s, org, desk["fair"], time_limit=0.5)
        by = {m.request_id: m for m in queries.list_meetings(s, desk["fair"])}
        assert set(by) == {ab, ac, cd}
        slot_of = {sl.starts_at: sl.id for sl in boards.slots(s, desk["fair"])}
        m_ab, m_cd = by[ab], by[cd]
        assert slot_of[m_cd.starts_at] == slots[0]
        fair = desk["fair"]

        def refused(meeting, slot, table):  # noqa: ANN001, ANN202
            with pytest.raises(InvalidInput) as err:
                grid.do_move_meeting(s, org, fair, meeting.id, slot_id=slot, table=table)
            return err.value

        def free_table(slot):  # noqa: ANN001, ANN202
            cells = boards.grid(s, fair).cells
            return next(n for n in (1, 2) if (slot, n) not in cells)

        here = slot_of[m_ab.starts_at]
        # d is not there in the second slot
        e = refused(m_cd, slots[1], free_table(slots[1]))
        assert e.key == "fairs.move_unavailable" and "丁公司" in e.message("zh")
        # the table is taken in that slot, and by whom is said
        e = refused(m_ab, slots[0], m_cd.table)
        assert e.key == "fairs.move_table_taken" and "丙公司 — 丁公司" in e.message("en")
        # a is busy in ac's slot
        ac_slot = slot_of[by[ac].starts_at]
        e = refused(m_ab, ac_slot, free_table(ac_slot))
        assert e.key == "fairs.move_busy" and "天津甲科技有限公司" in e.message("zh")
        assert e.message("en").startswith("天津甲科技有限公司 has another meeting")
        e = refused(m_ab, 999999, 1)
        assert e.key == "fairs.move_slot_unknown"
        e = refused(m_ab, slots[0], 9)
        assert e.key == "fairs.move_table_unknown"
        with pytest.raises(NotAllowed):
            grid.do_move_meeting(s, ent[0], fair, m_ab.id, slot_id=slots[0], table=1)
        with pytest.raises(NotFound):  # another fair's id for it
            grid.do_move_meeting(s, ADMIN, desk["other"], m_ab.id, slot_id=slots[0], table=1)
        # a valid place from the grid's own offer: moved, locked, the event updated
        offer = boards.grid(s, fair).moves[m_ab.id]
        target = next(p for p in offer if p != (here, m_ab.table))
        grid.do_move_meeting(s, org, fair, m_ab.id, slot_id=target[0], table=target[1])
        row = s.get(FairMeeting, m_ab.id)
        assert (row.slot_id, row.locked, row.sequence) == (target[0], True, m_ab.sequence + 1)
        # schedule all keeps the moved (locked) meeting where it was put
        out = grid.do_schedule_all(s, org, fair, time_limit=0.5)
        row = s.get(FairMeeting, m_ab.id)
        assert row.slot_id == target[0] and out.report.meetings == 3
        assert all(mv.request_id != ab for mv in out.moves)
        grid.do_lock_meeting(s, org, fair, m_ab.id, locked=False)
        assert s.get(FairMeeting, m_ab.id).locked is False
        # removed: its request cancelled, schedule all does not put it back
        grid.do_remove_meeting(s, org, fair, m_cd.id)
        assert s.get(MeetingRequest, cd).status == "cancelled"
        out = grid.do_schedule_all(s, org, fair, time_limit=0.5)
        assert cd not in {m.request_id for m in queries.list_meetings(s, fair)}
        assert grid.without_meeting(s, fair) == []
        # a meeting marked held is history: neither moved nor removed
        m_ac = next(m for m in queries.list_meetings(s, fair) if m.request_id == ac)
        service.do_mark_held(s, ent[0], m_ac.id, held=True)
        with pytest.raises(InvalidInput) as err:
            grid.do_remove_meeting(s, org, fair, m_ac.id)
        assert err.value.key == "fairs.meeting_marked"
        with pytest.raises(InvalidInput) as err:
            grid.do_move_meeting(s, org, fair, m_ac.id, slot_id=slots[0], table=1)
        assert err.value.key == "fairs.move_marked"
        s.commit()


def test_schedule_all_says_what_moved_and_who_got_no_meeting(engine, desk):
    org, orgs, fair = desk["organiser"], desk["orgs"], desk["fair"]
    with Session(engine) as s:
        slots = _setup(s, desk, slots=2, tables=1)["slots"]
        a, b = _people(s, desk, 2)
        ab = registration.do_arrange_request(s, org, fair, a, b)
        first = grid.do_schedule_all(s, org, fair, time_limit=0.5)
        assert first.report.meetings == 1 and first.moves == [] and first.without_meeting == []
        start = queries.list_meetings(s, fair)[0].starts_at
        x = next(sl.id for sl in boards.slots(s, fair) if sl.starts_at == start)
        y = next(sl for sl in slots if sl != x)
        # a late change: a can no longer come in ab's slot (as a participant leaving the
        # morning would), and c, free only then, asks d
        s.execute(
            delete(FairAvailability).where(
                FairAvailability.participant_id == a, FairAvailability.slot_id == x
            )
        )
        c = registration.do_register_participant(s, org, fair, orgs[2], slot_ids=[x])
        d = registration.do_register_participant(s, org, fair, orgs[3])
        cd = registration.do_arrange_request(s, org, fair, c, d)
        e = registration.do_register_participant(s, org, fair, orgs[4], slot_ids=[x])
        registration.do_arrange_request(s, org, fair, c, e, priority=1)  # no room for it
        out = grid.do_schedule_all(s, org, fair, time_limit=0.5)
        placed = {m.request_id: m for m in queries.list_meetings(s, fair)}
        assert set(placed) == {ab, cd}
        assert [(mv.request_id, mv.before[0], mv.after[0]) for mv in out.moves] == [(ab, x, y)]
        assert out.report.moved == 1 and out.report.added == 1 and out.report.unscheduled == 1
        assert out.without_meeting == [e]
        s.commit()
