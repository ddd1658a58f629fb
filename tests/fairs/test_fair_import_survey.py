"""The article's fair in the demo, the import of participants and requests, and the
outcome survey six months on."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haihe.accounts.scopes import Principal, command_line
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.fairs import figures, imports, queries, service, surveys
from haihe.registry import queries as registry

ADMIN = command_line("test")


def test_the_article_fair_in_the_demo(demo_engine):
    """Hundreds of Beijing and Tianjin participants, requests answered, declined and
    expired, a schedule, no-shows, the 44 agreements worth 27.1 billion yuan that are the
    44 projects (each its meeting as source), the dashboard's 44 / 27.1 bn / 4 / 12 / 2,
    and survey answers six months on."""
    from haihe.projects import figures as project_figures
    from haihe.projects.models import Project

    with Session(demo_engine) as s:
        fair = queries.find_fair(s, "2023京津产业链供需对接会")
        f = figures.fair_figures(s, fair.id)
        regions = {r.region_code: r.participants for r in f.participants_by_region}
        assert f.participants >= 200 and set(regions) == {"110000", "120000"}
        assert min(regions.values()) >= 50
        st = f.requests_by_status
        assert st["accepted"] > 300 and st["declined"] > 0 and st["expired"] > 0
        assert "pending" not in st  # unanswered requests expired: none blocks a slot
        mutual = [r for r in queries.list_requests(s, fair.id) if r.mutual]
        assert 0.1 < len(mutual) / f.requests < 0.5
        assert f.meetings_scheduled > 300 and f.meetings_not_held > 0 and f.meetings_held > 200
        assert (f.agreements, f.intended_investment) == (44, Decimal("27100000000.00"))
        meetings = {m.id: m for m in queries.list_meetings(s, fair.id)}
        projects = s.execute(select(Project).where(Project.fair_id == fair.id)).scalars().all()
        assert len(projects) == 44
        for p in projects:
            m = meetings[p.meeting_id]
            assert m.outcome == "agreement" and m.intended_investment == p.intended_investment
            parties = {x.organisation_id for x in p.parties}
            assert parties == {m.requester_organisation_id, m.requested_organisation_id}
        pf = project_figures.compute(s, project_figures.FigureFilter(fair_id=fair.id))
        assert (pf.signed, pf.intended_investment_yuan) == (44, Decimal("27100000000.00"))
        assert (pf.construction_started, pf.in_operation, pf.paying_tax) == (4, 12, 2)
        six = f.six_months
        assert six is not None and 0 < six.answered < six.asked
        assert six.agreements >= 40
        # Winute (a demo account) takes part and has its questions still to answer.
        winute = next(
            o.id
            for o in registry.registry_overview(s).named_in_source
            if o.name_en == "Tianjin Winute Information Technology"
        )
        w = queries.participant_for(s, fair.id, winute)
        assert w is not None
        assert all(v.outcome is None for v in surveys.list_surveys(s, fair.id, w))


def _fair(s: Session, name: str, starts_on: date = date(2023, 5, 20)) -> int:
    fair = service.do_create_fair(s, ADMIN, name=name, starts_on=starts_on)
    day = datetime(starts_on.year, starts_on.month, starts_on.day, 9)
    service.do_add_slots(
        s,
        ADMIN,
        fair.id,
        [(day + timedelta(hours=i), day + timedelta(hours=i, minutes=30)) for i in range(4)],
    )
    service.do_set_tables(s, ADMIN, fair.id, 3)
    return fair.id


def test_import_participants_and_requests_all_or_nothing(demo_engine, tmp_path):
    with Session(demo_engine) as s:
        fair_id = _fair(s, "导入测试对接会")
        orgs = registry.search_organisations(
            s, registry.OrganisationFilter(region="120000"), page_size=30
        ).items
        orgs = [o for o in (registry.get_organisation(s, o.id) for o in orgs) if o.uscc][:3]
        orgs = [type("Org", (), {"id": o.id, "name": o.name, "uscc": o.uscc}) for o in orgs]
        assert orgs[1].uscc
        s.commit()
    a, b, c = orgs
    good = tmp_path / "people.csv"
    good.write_text(
        "企业名称,统一社会信用代码,参会代表,可约时段,洽谈上限\n"
        f"{a.name},,王明、李红,1-2,3\n"
        f",{b.uscc},张三,,\n"
        f'{c.name},,,"1,3,4",\n',
        "utf-8",
    )
    report = imports.do_import(demo_engine, ADMIN, fair_id, "participants", good)
    assert report.committed and report.created == 3, [e.line("en") for e in report.errors]
    with Session(demo_engine) as s:
        people = {p.organisation_id: p for p in queries.list_participants(s, fair_id)}
        assert set(people) == {a.id, b.id, c.id} and people[a.id].quota == 3
    # Again: unchanged; a bad row (unknown slot) keeps the whole file out, named.
    again = imports.do_import(demo_engine, ADMIN, fair_id, "participants", good)
    assert again.committed and again.unchanged == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f'企业名称,可约时段,洽谈上限\n{a.name},1-9,\n=HYPERLINK("x"),,\n{c.name},,2\n', "utf-8"
    )
    r = imports.do_import(demo_engine, ADMIN, fair_id, "participants", bad)
    assert not r.committed and r.bad == 2
    assert [(e.row, e.problem.key) for e in r.errors] == [
        (2, "fairs.import_slot_range"),
        (3, "fairs.import_organisation_unknown"),
    ]
    assert r.report_path is not None and r.report_path.exists()
    with Session(demo_engine) as s:
        assert {p.quota for p in queries.list_participants(s, fair_id)} == {3, None}  # unchanged
    # Requests: by name or credit code, with a priority; the reverse becomes mutual.
    reqs = tmp_path / "requests.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["发起方", "受邀方信用代码", "受邀方", "优先级"])
    wb.active.append([a.name, b.uscc, None, "高"])
    wb.active.append([b.name, None, a.name, 2])
    wb.active.append([c.name, None, a.name, "low"])
    wb.save(reqs)
    r = imports.do_import(demo_engine, ADMIN, fair_id, "requests", reqs)
    assert r.committed and r.created == 3, [e.line("en") for e in r.errors]
    with Session(demo_engine) as s:
        rs = queries.list_requests(s, fair_id)
        assert len(rs) == 2 and sorted(x.priority for x in rs) == [1, 3]
        assert [x.mutual for x in rs if x.priority == 3] == [True]
    # Only the organiser imports.
    with pytest.raises(NotAllowed):
        imports.do_import(
            demo_engine,
            Principal(role="enterprise", username="e", organisation_id=a.id),
            fair_id,
            "requests",
            reqs,
        )


def test_import_and_survey_commands(demo_engine, tmp_path, monkeypatch):
    """`haihe fairs import participants FAIR FILE` (all or nothing) and `haihe fairs
    survey FAIR`; the answers join the fair's figures."""
    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    if demo_engine.dialect.name != "sqlite":
        pytest.skip("the command reads HAIHE_DATABASE_URL (the PostgreSQL tests use a schema)")
    monkeypatch.setenv("HAIHE_DATABASE_URL", str(demo_engine.url))
    monkeypatch.setenv("HAIHE_LANG", "zh")
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    try:
        _commands(app, demo_engine, tmp_path)
    finally:
        get_settings.cache_clear()
        db.engine_for.cache_clear()


def _commands(app, demo_engine, tmp_path) -> None:  # noqa: ANN001
    with Session(demo_engine) as s:
        fair_id = _fair(s, "命令行导入对接会", date(2023, 1, 10))
        orgs = registry.search_organisations(
            s, registry.OrganisationFilter(region="110000"), page_size=2
        ).items
        orgs = [type("Org", (), {"id": o.id, "name": o.name}) for o in orgs]
        s.commit()
    f = tmp_path / "p.csv"
    f.write_text("企业名称\n" + "\n".join(o.name for o in orgs) + "\n没有的单位\n", "utf-8")
    r = CliRunner().invoke(app, ["fairs", "import", "participants", "命令行导入对接会", str(f)])
    assert r.exit_code != 0 and "没有的单位" in r.output
    f.write_text("企业名称\n" + "\n".join(o.name for o in orgs) + "\n", "utf-8")
    r = CliRunner().invoke(app, ["fairs", "import", "participants", "命令行导入对接会", str(f)])
    assert r.exit_code == 0, r.output
    with Session(demo_engine) as s:
        a, b = (p.id for p in queries.list_participants(s, fair_id))
        rid = service.do_request_meeting(s, ADMIN, fair_id, a, b)
        service.do_answer_request(s, ADMIN, rid, accept=True)
        service.do_schedule_fair(s, ADMIN, fair_id, time_limit=0.3)
        (m,) = queries.list_meetings(s, fair_id)
        service.do_mark_held(s, ADMIN, m.id, held=True)
        service.do_record_outcome(s, ADMIN, m.id, "follow_up")
        s.commit()
    r = CliRunner().invoke(app, ["fairs", "survey", "命令行导入对接会"])
    assert r.exit_code == 0, r.output
    with Session(demo_engine) as s:
        asked = surveys.list_surveys(s, fair_id)
        assert {v.participant_id for v in asked} == {a, b}
        surveys.do_answer_survey(s, ADMIN, asked[0].id, "negotiation", note="  二期洽谈\u200b ")
        six = figures.fair_figures(s, fair_id).six_months
        assert (six.asked, six.answered, six.went_further) == (2, 1, 1)
        assert surveys.list_surveys(s, fair_id)[0].note in ("二期洽谈", None)
        with pytest.raises(InvalidInput) as e:
            surveys.do_answer_survey(s, ADMIN, asked[0].id, "negotiation", note="x" * 3000)
        assert e.value.key == "limits.too_long"
        # too early for a fair that has just been: refused, naming the day it opens
        soon = service.do_create_fair(s, ADMIN, name="刚结束的对接会", starts_on=date.today())
        with pytest.raises(InvalidInput) as e:
            surveys.do_open_survey(s, ADMIN, soon.id)
        assert e.value.key == "fairs.survey_too_early"
