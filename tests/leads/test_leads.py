"""Investment leads: the status rules, refused input changing nothing, scope by role,
conversion into a project, the figures, import/export, the demo's leads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal, command_line
from haihe.chains import service as chains_service
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.leads import figures, queries, service, transfer
from haihe.leads.models import Lead, LeadHistory, LeadStep
from haihe.projects import queries as project_queries
from haihe.projects import service as projects
from haihe.registry import service as registry_service

ADMIN = command_line("test")
TODAY = date(2025, 6, 1)
TIANJIN = Principal(user_id=2, role="regional_officer", username="tj", region_codes=("120000",))
BINHAI = Principal(user_id=3, role="regional_officer", username="bh", region_codes=("120116",))
HEBEI = Principal(user_id=4, role="regional_officer", username="hb", region_codes=("130000",))
ENTERPRISE = Principal(user_id=5, role="enterprise", username="ent", organisation_id=1)


@pytest.fixture
def world(engine):
    """Chains installed, two organisations (a Beijing firm, a Tianjin host)."""
    from haihe.models import load_all
    from haihe.registry.schemas import OrganisationCreate

    load_all()
    with Session(engine) as s:
        chains_service.do_install_shipped(s, ADMIN)
        a = registry_service.do_create_organisation(
            s, ADMIN, OrganisationCreate(name="北京某某生物科技有限公司", region_code="110108")
        )
        b = registry_service.do_create_organisation(
            s, ADMIN, OrganisationCreate(name="天津某某医药有限公司", region_code="120116")
        )
        s.commit()
        return engine, a.id, b.id


def _lead(s, org_id, principal=TIANJIN, **kw):  # noqa: ANN001, ANN202
    data = dict(
        organisation_id=org_id,
        chain="biomedicine",
        segment="biologics",
        region_code="120116",
        started_on=TODAY - timedelta(days=100),
    )
    data.update(kw)
    return service.do_create_lead(s, principal, service.LeadInput(**data), today=TODAY)


def _counts(s):  # noqa: ANN001, ANN202
    return tuple(
        s.scalar(select(func.count()).select_from(t)) for t in (Lead, LeadStep, LeadHistory)
    )


def test_a_lead_goes_from_new_to_signed_with_dated_steps_and_history(world):
    engine, org, _ = world
    with Session(engine) as s:
        lead = _lead(s, org, next_step="电话联系", next_step_on=TODAY + timedelta(days=3))
        assert lead.status == "new" and lead.officer == "tj"
        for i, st in enumerate(("contacted", "visited", "negotiating", "signed")):
            service.do_change_status(
                s, TIANJIN, lead.id, st, TODAY - timedelta(days=40 - i), note="n", today=TODAY
            )
        assert lead.status == "signed" and lead.signed_on == TODAY - timedelta(days=37)
        assert [x.status for x in queries.steps(s, lead.id)] == [
            "new",
            "contacted",
            "visited",
            "negotiating",
            "signed",
        ]
        assert all(x.by == "tj" for x in queries.steps(s, lead.id))
        assert [h.action for h in queries.history(s, lead.id)][-1] == "status"
        assert lead.next_step is None  # a signed lead has no next step


@pytest.mark.parametrize(
    ("kw", "key", "field"),
    [
        ({"segment": "no_such_segment"}, "leads.segment_unknown", "segment"),
        ({"chain": "no_such_chain"}, "leads.chain_unknown", "chain"),
        ({"region_code": "999999"}, "leads.region_unknown", "region_code"),
        (
            {"next_step": "回访", "next_step_on": TODAY - timedelta(days=1)},
            "leads.next_step_past",
            "next_step_on",
        ),
        ({"source": "rumour"}, "leads.source_unknown", "source"),
        ({"notes": "x" * 10_001}, "limits.too_long", "notes"),
    ],
)
def test_bad_input_when_starting_a_lead_is_refused_naming_it_and_changes_nothing(
    world, kw, key, field
):
    engine, org, _ = world
    with Session(engine) as s:
        before = _counts(s)
        with pytest.raises(InvalidInput) as e:
            _lead(s, org, **kw)
        assert e.value.key == key and e.value.field == field
        assert e.value.message("zh") != key and e.value.message("en") != key
        s.rollback()
        assert _counts(s) == before


def test_a_step_backwards_needs_a_reason_and_a_drop_too(world):
    engine, org, _ = world
    with Session(engine) as s:
        lead = _lead(s, org)
        service.do_change_status(
            s, TIANJIN, lead.id, "visited", TODAY - timedelta(days=5), today=TODAY
        )
        s.commit()
        before = _counts(s)
        with pytest.raises(InvalidInput) as e:
            service.do_change_status(s, TIANJIN, lead.id, "contacted", TODAY, today=TODAY)
        assert e.value.key == "leads.back_needs_reason"
        assert "已拜访" in e.value.message("zh") and "Visited" in e.value.message("en")
        with pytest.raises(InvalidInput) as e:
            service.do_change_status(s, TIANJIN, lead.id, "dropped", TODAY, today=TODAY)
        assert e.value.key == "leads.drop_needs_reason"
        with pytest.raises(InvalidInput) as e:
            service.do_change_status(
                s, TIANJIN, lead.id, "negotiating", TODAY + timedelta(days=1), today=TODAY
            )
        assert e.value.key == "leads.date_future"
        with pytest.raises(InvalidInput) as e:
            service.do_change_status(
                s, TIANJIN, lead.id, "negotiating", TODAY - timedelta(days=30), today=TODAY
            )
        assert e.value.key == "leads.date_before_last"
        s.rollback()
        assert _counts(s) == before and s.get(Lead, lead.id).status == "visited"
        service.do_change_status(
            s, TIANJIN, lead.id, "dropped", TODAY, reason="企业已选择他处", today=TODAY
        )
        assert s.get(Lead, lead.id).dropped_reason == "企业已选择他处"


def test_overdue_next_steps_are_flagged_and_listed_first(world):
    engine, org, _ = world
    with Session(engine) as s:
        a = _lead(s, org, next_step="回访", next_step_on=TODAY + timedelta(days=2))
        b = _lead(
            s,
            org,
            segment="chemical_drugs",
            next_step="考察",
            next_step_on=TODAY + timedelta(days=20),
        )
        s.commit()
        later = TODAY + timedelta(days=10)
        items, total = queries.list_leads(s, TIANJIN, queries.LeadFilter(), today=later)
        assert [x.id for x in items] == [a.id, b.id] and queries.is_overdue(a, later)
        assert not queries.is_overdue(b, later)
        items, total = queries.list_leads(s, TIANJIN, queries.LeadFilter(overdue=True), today=later)
        assert total == 1 and items[0].id == a.id
        f = figures.compute(s, TIANJIN, queries.LeadFilter(), with_coverage=False, today=later)
        assert f.total.overdue == 1 and f.total.open == 2


def test_scope_district_officer_park_manager_and_enterprise(world):
    engine, org, _ = world
    with Session(engine) as s:
        in_binhai = _lead(s, org)
        in_hexi = _lead(s, org, region_code="120103")
        s.commit()
        assert queries.readable_lead(s, BINHAI, in_binhai.id)
        with pytest.raises(NotFound):
            queries.readable_lead(s, BINHAI, in_hexi.id)
        with pytest.raises(NotFound):
            queries.readable_lead(s, ENTERPRISE, in_binhai.id)
        with pytest.raises(NotFound):
            service.do_change_status(s, HEBEI, in_binhai.id, "contacted", TODAY, today=TODAY)
        with pytest.raises(NotAllowed):
            _lead(s, org, principal=BINHAI, region_code="120103")
        with pytest.raises(NotAllowed):
            _lead(s, org, principal=ENTERPRISE)
        s.rollback()
        ids = {x.id for x in queries.list_leads(s, BINHAI, queries.LeadFilter())[0]}
        assert ids == {in_binhai.id}
        assert queries.list_leads(s, ENTERPRISE, queries.LeadFilter()) == ([], 0)
        assert figures.compute(s, HEBEI, queries.LeadFilter(), with_coverage=False).total.total == 0


def test_only_a_signed_lead_becomes_a_project_and_each_names_the_other(world):
    engine, org, host = world
    with Session(engine) as s:
        lead = _lead(s, org)
        s.commit()
        conv = projects.ConversionInput(
            code="L-1", title="生物药基地", intended_investment="5000000"
        )
        with pytest.raises(InvalidInput) as e:
            projects.do_convert_lead(s, TIANJIN, lead.id, conv, today=TODAY)
        assert e.value.key == "leads.convert_unsigned" and "新线索" in e.value.message("zh")
        s.rollback()
        assert project_queries.find_project(s, "L-1") is None
        service.do_change_status(
            s, TIANJIN, lead.id, "signed", TODAY - timedelta(days=1), today=TODAY
        )
        conv.host_organisation_id = host
        p = projects.do_convert_lead(s, TIANJIN, lead.id, conv, today=TODAY)
        s.commit()
        assert p.lead_id == lead.id and p.chain == "biomedicine" and p.segment == "biologics"
        assert p.landing_region_code == "120116" and p.signed_on == TODAY - timedelta(days=1)
        assert {x.role: x.organisation_id for x in p.parties} == {"investor": org, "host": host}
        lead = s.get(Lead, lead.id)
        assert lead.project_id == p.id and lead.project_code == "L-1"
        with pytest.raises(InvalidInput) as e:
            projects.do_convert_lead(
                s, TIANJIN, lead.id, projects.ConversionInput(code="L-2", title="x"), today=TODAY
            )
        assert e.value.key == "leads.already_converted"
        with pytest.raises(InvalidInput):
            service.do_change_status(s, TIANJIN, lead.id, "dropped", TODAY, reason="r", today=TODAY)
        f = figures.compute(s, TIANJIN, queries.LeadFilter(), with_coverage=False, today=TODAY)
        assert f.total.converted == 1 and f.conversion_share == 1.0
        assert f.days_to_signing_median == 99


def test_gap_coverage_counts_open_leads_on_the_regions_gap_segments(world):
    engine, org, _ = world
    with Session(engine) as s:
        before = figures.chain_coverage(s, TIANJIN, "120000", "biomedicine")[0]
        assert before.gaps and before.worked == []  # an empty registry: every segment is a gap
        seg = before.gaps[0]
        lead = _lead(s, org, segment=seg)
        after = figures.chain_coverage(s, TIANJIN, "120000", "biomedicine")[0]
        assert after.worked == [seg] and after.share == pytest.approx(1 / len(after.gaps))
        assert figures.chain_coverage(s, HEBEI, "120000", "biomedicine")[0].worked == []
        service.do_change_status(s, TIANJIN, lead.id, "dropped", TODAY, reason="r", today=TODAY)
        assert figures.chain_coverage(s, TIANJIN, "120000", "biomedicine")[0].worked == []


def _sheet(path, rows):  # noqa: ANN001, ANN202
    wb = Workbook()
    ws = wb.active
    ws.append(
        ["目标企业", "产业链", "环节", "落地地区", "状态", "状态日期", "原因", "开始日期", "备注"]
    )
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_import_is_all_or_nothing_with_a_report_and_export_reads_back(world, tmp_path):
    engine, org, _ = world
    good = [
        "北京某某生物科技有限公司",
        "biomedicine",
        "biologics",
        "滨海新区",
        "visited",
        "2025-05-01",
        None,
        "2025-04-01",
        '=HYPERLINK("x")',
    ]
    bad = [
        "北京某某生物科技有限公司",
        "biomedicine",
        "nope",
        "120116",
        None,
        None,
        None,
        None,
        None,
    ]
    path = _sheet(tmp_path / "leads.xlsx", [good, bad])
    report = transfer.do_import_leads(engine, ADMIN, path, today=TODAY)
    assert not report.committed and report.bad == 1 and report.errors[0].row == 3
    assert report.errors[0].problem.key == "leads.segment_unknown"
    assert report.report_path and report.report_path.exists()
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 0
    path = _sheet(tmp_path / "ok.xlsx", [good])
    report = transfer.do_import_leads(engine, ADMIN, path, today=TODAY)
    assert report.committed and report.created == 1
    with Session(engine) as s:
        lead = s.execute(select(Lead)).scalar_one()
        assert lead.status == "visited" and lead.region_code == "120116"
        service.do_update_lead(s, ADMIN, lead.id, notes='=HYPERLINK("x")\u200b')  # hostile
        s.commit()
        content = transfer.export_workbook(s, ADMIN, queries.LeadFilter())
    out = tmp_path / "export.xlsx"
    out.write_bytes(content)
    ws = load_workbook(out).active
    notes = [c.value for c in ws[2]][14]
    assert notes == '=HYPERLINK("x")' and ws.cell(2, 15).data_type == "s"  # text, not a formula
    again = transfer.do_import_leads(engine, ADMIN, out, today=TODAY)
    assert again.committed and again.created == 0 and again.unchanged == 1
