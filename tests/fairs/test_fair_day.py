"""Agendas (text and .ics with stable UIDs and a growing SEQUENCE), check-in, meetings
marked held or not by each side, outcomes, and an agreement signed becoming a project
credited to the fair."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import icalendar
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal, command_line
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.fairs import agendas, figures, queries, service
from haihe.fairs.models import FairAvailability, FairMeeting
from haihe.projects.models import Project
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
                OrganisationCreate(name="天津甲科技有限公司", region_code="120116"),
                OrganisationCreate(name="北京乙材料有限公司", region_code="110108"),
                OrganisationCreate(name='丙<script>alert(1)</script>公司\u200b", =1+1'),
                OrganisationCreate(name="丁公司"),
            ],
        )
    with Session(engine) as s:
        f = service.do_create_fair(
            s,
            ADMIN,
            name="京津对接会",
            name_en="Beijing-Tianjin Fair",
            starts_on=date(2024, 5, 20),
            place="梅江会展中心",
        )
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
        people = [service.do_add_participant(s, ADMIN, f.id, o) for o in orgs]
        rids = []
        for a, b in [(0, 1), (0, 2), (1, 2)]:
            rid = service.do_request_meeting(s, ADMIN, f.id, people[a], people[b])
            service.do_answer_request(s, ADMIN, rid, accept=True)
            rids.append(rid)
        service.do_schedule_fair(s, ADMIN, f.id, time_limit=0.5)
        s.commit()
    return {"id": f.id, "slots": slots, "people": people, "orgs": orgs, "rids": rids}


def _events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(ev["uid"]): ev for ev in cal.walk("VEVENT")}


def test_rescheduled_ics_keeps_uids_with_higher_sequence_and_moved_times(engine, fair):
    p0 = fair["people"][0]
    with Session(engine) as s:
        before = _events(agendas.participant_ics(s, fair["id"], p0))
        assert len(before) == 2
        assert all(int(ev["sequence"]) == 0 for ev in before.values())
        # Participant 0 cannot come any more in the slot of its first meeting: it moves.
        first = queries.list_meetings(s, fair["id"], p0)[0]
        gone = next(
            sl
            for sl in fair["slots"]
            if queries.list_meetings(s, fair["id"], p0)[0].starts_at == _start(s, sl)
        )
        s.execute(
            delete(FairAvailability).where(
                FairAvailability.participant_id == p0, FairAvailability.slot_id == gone
            )
        )
        out = service.do_schedule_fair(s, ADMIN, fair["id"], time_limit=0.5)
        s.commit()
        assert out.moved >= 1 and out.meetings == 3
        after = _events(agendas.participant_ics(s, fair["id"], p0))
    assert set(after) == set(before)  # the same events: a calendar updates them
    moved = after[first.uid]
    assert int(moved["sequence"]) == 1
    assert moved.decoded("dtstart") != before[first.uid].decoded("dtstart")
    assert moved.decoded("dtstart").utcoffset() == timedelta(hours=8)
    still = [u for u in after if u != first.uid]
    for uid in still:
        if after[uid].decoded("dtstart") == before[uid].decoded("dtstart"):
            assert int(after[uid]["sequence"]) == 0


def _start(s, slot_id):
    from haihe.fairs.models import FairSlot

    return s.get(FairSlot, slot_id).starts_at


def test_agendas_in_both_languages_and_hostile_names_stay_text(engine, fair, tmp_path):
    p0 = fair["people"][0]
    with Session(engine) as s:
        zh = agendas.participant_agenda(s, fair["id"], p0, "zh")
        en = agendas.participant_agenda(s, fair["id"], p0, "en")
        assert "京津对接会" in zh and "号桌" in zh and "共 2 场洽谈" in zh
        assert "Beijing-Tianjin Fair" in en and "table " in en and "2 meetings" in en
        assert "尚未安排洽谈" in agendas.participant_agenda(s, fair["id"], fair["people"][3])
        sheets = agendas.table_sheets(s, fair["id"], "en")
        assert sum(sheet.count("—") - 1 for sheet in sheets.values()) == 3
        whole = agendas.timetable(s, fair["id"], "zh")
        assert "合计 3 场洽谈" in whole
        ics = agendas.participant_ics(s, fair["id"], p0, "en")
        hostile = queries.participant_of(s, fair["id"], fair["people"][2]).name
        files = agendas.write_agendas(s, fair["id"], tmp_path)
    # RFC 5545: CRLF lines of at most 75 octets, text escaped; the name comes back whole.
    for line in ics.split(b"\r\n"):
        assert len(line) <= 75
    summaries = [str(ev["summary"]) for ev in _events(ics).values()]
    # the name as the registry keeps it (it drops zero-width characters itself)
    assert any(hostile in x and "<script>" in x for x in summaries)
    assert b"\\," in ics  # a comma in a text value is escaped
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    assert {"timetable.zh.txt", "timetable.en.txt", f"participants/{p0}.zh.ics"} <= names
    assert len([n for n in names if n.startswith("tables/")]) == 2 * len(sheets)


def test_check_in_mark_held_outcome_and_agreement_becomes_a_project(engine, fair):
    people, orgs = fair["people"], fair["orgs"]
    first = Principal(username="a", role="enterprise", organisation_id=orgs[0])
    second = Principal(username="b", role="enterprise", organisation_id=orgs[1])
    stranger = Principal(username="d", role="enterprise", organisation_id=orgs[3])
    with Session(engine) as s:
        at = service.do_check_in(s, first, fair["id"], people[0])
        assert service.do_check_in(s, ADMIN, fair["id"], people[0]) == at  # the first time
        with pytest.raises(NotAllowed):
            service.do_check_in(s, stranger, fair["id"], people[0])
        ms = {(m.requester_id, m.requested_id): m for m in queries.list_meetings(s, fair["id"])}
        m01 = ms[(people[0], people[1])].id
        m02 = ms[(people[0], people[2])].id
        with pytest.raises(InvalidInput) as err:  # not held yet: no outcome
            service.do_record_outcome(s, first, m01, "agreement")
        assert err.value.key == "fairs.outcome_not_held"
        with pytest.raises(NotAllowed):
            service.do_mark_held(s, stranger, m01, held=True)
        assert service.do_mark_held(s, first, m01, held=True) == "held"
        assert service.do_mark_held(s, second, m01, held=True) == "held"
        # A no-show: the other side says it did not take place.
        assert service.do_mark_held(s, ADMIN, m02, held=False, side="requester") == "not_held"
        with pytest.raises(InvalidInput) as err:
            service.do_record_outcome(s, ADMIN, m02, "follow_up")
        assert err.value.key == "fairs.outcome_not_held"
        with pytest.raises(InvalidInput) as err:
            service.do_record_outcome(s, first, m01, "signed-ish")
        assert err.value.key == "fairs.outcome_unknown"
        with pytest.raises(InvalidInput) as err:
            service.do_record_outcome(s, first, m01, "agreement", intended_investment="1e999x")
        assert err.value.key == "fairs.investment_invalid"
        with pytest.raises(NotFound):
            service.do_record_outcome(s, first, 99999, "none")
        assert s.scalars(select(Project)).first() is None  # nothing changed
        assert s.get(FairMeeting, m01).outcome is None

        service.do_record_outcome(s, second, m01, "agreement", intended_investment="120,000,000")
        project = s.scalars(select(Project).where(Project.meeting_id == m01)).one()
        assert project.fair_id == fair["id"] and project.stage == "signed"
        assert project.intended_investment == Decimal("120000000.00")
        assert {p.organisation_id for p in project.parties} == {orgs[0], orgs[1]}
        with pytest.raises(InvalidInput) as err:
            service.do_record_outcome(s, second, m01, "none")
        assert err.value.key == "fairs.outcome_final"
        from haihe.projects import service as projects

        with pytest.raises(InvalidInput) as err:
            projects.do_create_project_from_meeting(s, ADMIN, m01)
        assert err.value.key == "fairs.meeting_has_project"
        with pytest.raises(InvalidInput) as err:
            projects.do_create_project_from_meeting(s, ADMIN, m02)
        assert err.value.key == "fairs.meeting_no_agreement"
        s.commit()


def test_fair_figures_by_region_rates_and_chain(engine, fair):
    from haihe.chains import service as chains

    people, orgs = fair["people"], fair["orgs"]
    with Session(engine) as s:
        chains.do_install_shipped(s, ADMIN)
        chains.do_decide_placement(s, ADMIN, orgs[0], "biomedicine", "cro", "add")
        # one more request, declined; one pending
        rid = service.do_request_meeting(s, ADMIN, fair["id"], people[3], people[0])
        service.do_answer_request(s, ADMIN, rid, accept=False)
        service.do_request_meeting(s, ADMIN, fair["id"], people[3], people[1])
        ms = {(m.requester_id, m.requested_id): m.id for m in queries.list_meetings(s, fair["id"])}
        service.do_mark_held(s, ADMIN, ms[(people[0], people[1])], held=True)
        service.do_mark_held(s, ADMIN, ms[(people[0], people[2])], held=False, side="requested")
        service.do_record_outcome(
            s, ADMIN, ms[(people[0], people[1])], "agreement", intended_investment=Decimal(7)
        )
        service.do_check_in(s, ADMIN, fair["id"], people[1])
        f = figures.fair_figures(s, fair["id"], "en")
    assert (f.participants, f.checked_in, f.requests) == (4, 1, 5)
    regions = {r.region_code: r.participants for r in f.participants_by_region}
    assert regions == {"120000": 1, "110000": 1, None: 2}
    assert f.requests_by_status == {"accepted": 3, "declined": 1, "pending": 1}
    assert f.acceptance_rate == pytest.approx(3 / 4)
    assert (f.meetings_scheduled, f.meetings_held, f.meetings_not_held) == (3, 1, 1)
    assert f.no_show_rate == pytest.approx(0.5)
    assert (f.agreements, f.intended_investment) == (1, Decimal("7.00"))
    [bio] = f.per_chain
    assert (bio.chain, bio.participants, bio.meetings_scheduled) == ("biomedicine", 1, 2)
    assert (bio.meetings_held, bio.agreements, bio.intended_investment) == (1, 1, Decimal(7))


def test_the_command_writes_the_agendas(engine, fair, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    if engine.dialect.name != "sqlite":
        pytest.skip("the command reads HAIHE_DATABASE_URL; one backend is enough")
    monkeypatch.setenv("HAIHE_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("HAIHE_LANG", "en")
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    try:
        r = CliRunner().invoke(app, ["fairs", "agendas", "京津对接会", "--out", str(tmp_path)])
        assert r.exit_code == 0, r.output
        assert "files written" in r.output
        ics = (tmp_path / "participants" / f"{fair['people'][0]}.zh.ics").read_bytes()
        assert ics.count(b"BEGIN:VEVENT") == 2 and b"UID:" in ics
        r = CliRunner().invoke(app, ["fairs", "agendas", "没有这场", "--out", str(tmp_path)])
        assert r.exit_code == 3
    finally:
        get_settings.cache_clear()
        db.engine_for.cache_clear()


def test_a_meeting_marked_held_stays_put_at_a_reschedule(engine, fair):
    p0 = fair["people"][0]
    with Session(engine) as s:
        first = queries.list_meetings(s, fair["id"], p0)[0]
        service.do_mark_held(s, ADMIN, first.id, held=True)
        slot = s.get(FairMeeting, first.id).slot_id
        s.execute(
            delete(FairAvailability).where(
                FairAvailability.participant_id == p0, FairAvailability.slot_id == slot
            )
        )
        out = service.do_schedule_fair(s, ADMIN, fair["id"], time_limit=0.5)
        s.commit()
        again = queries.get_meeting(s, first.id)
    assert out.meetings == 3 and out.moved == 0
    assert (again.starts_at, again.table, again.sequence) == (first.starts_at, first.table, 0)
    assert again.status == "held"
