"""The investment leads, attacked as the demo's users would: hostile text, stale saves,
officers that are no account, attachments that would run, far-off dates, another lead's
attachment, formulas in the export. Each test failed before its fix (or shows a hold)."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts import service as accounts
from haihe.accounts.schemas import UserCreate
from haihe.core.errors import Conflict, InvalidInput, NotFound
from haihe.leads import queries, service, transfer
from haihe.leads.models import Lead, LeadHistory
from tests.conftest import DEMO_PASSWORD, make_admin, signed_client
from tests.leads.test_leads import ADMIN, BINHAI, TIANJIN, TODAY, _lead, world  # noqa: F401


def _user(engine, username: str, role: str = "regional_officer", regions=("120116",)):  # noqa: ANN001, ANN202
    with Session(engine) as s:
        accounts.do_create_user(
            s,
            ADMIN,
            UserCreate(username=username, password=DEMO_PASSWORD, role=role, regions=list(regions)),
        )
        s.commit()


def test_notes_bounded_by_the_shared_limits_and_cleaned(world):  # noqa: F811
    engine, org, _ = world
    with Session(engine) as s:
        with pytest.raises(InvalidInput) as e:
            _lead(s, org, notes="x" * 10_001)
        assert e.value.key == "limits.too_long" and e.value.field == "notes"
        lead = _lead(s, org, notes="a\u200bb\u2060c<script>alert(1)</script>")
        assert lead.notes == "abc<script>alert(1)</script>"
        with pytest.raises(InvalidInput) as e:
            service.do_set_next_step(
                s, TIANJIN, lead.id, "x" * 501, TODAY + timedelta(days=3), today=TODAY
            )
        assert e.value.key == "limits.too_long"
        with pytest.raises(InvalidInput) as e:
            service.do_change_status(
                s, TIANJIN, lead.id, "dropped", TODAY, reason="r" * 2001, today=TODAY
            )
        assert e.value.key == "limits.too_long" and e.value.field == "reason"


def test_officer_is_an_account_that_may_work_the_lead(world):  # noqa: F811
    engine, org, _ = world
    _user(engine, "bh_officer")
    _user(engine, "hebei_officer", regions=("130000",))
    with Session(engine) as s:
        with pytest.raises(InvalidInput) as e:
            _lead(s, org, officer='=HYPERLINK("http://x")')
        assert e.value.field == "officer"
        with pytest.raises(InvalidInput) as e:
            _lead(s, org, officer="nobody")
        assert e.value.key == "leads.officer_unknown"
        with pytest.raises(InvalidInput) as e:  # an account outside the landing region
            _lead(s, org, officer="hebei_officer")
        assert e.value.key == "leads.officer_outside_scope"
        lead = _lead(s, org, officer="bh_officer")
        assert lead.officer == "bh_officer" and lead.officer_user_id is not None
        with pytest.raises(InvalidInput):
            service.do_update_lead(s, TIANJIN, lead.id, officer="nobody", notes=None)
        s.rollback()


def test_concurrent_saves_of_one_version_one_wins(world):  # noqa: F811
    """Both saves read version 1; the conditional update lets exactly one through."""
    engine, org, _ = world
    with Session(engine) as s:
        lead_id = _lead(s, org).id
        s.commit()
    a, b = Session(engine), Session(engine)
    try:
        # both requests have read the lead (held: the identity map is weak) at version 1
        seen = queries.get_lead(a, lead_id), queries.get_lead(b, lead_id)
        assert [x.version for x in seen] == [1, 1]
        service.do_set_next_step(
            a, TIANJIN, lead_id, "call", TODAY + timedelta(1), version=1, today=TODAY
        )
        a.commit()
        with pytest.raises(Conflict) as e:
            service.do_set_next_step(
                b, BINHAI, lead_id, "visit", TODAY + timedelta(2), version=1, today=TODAY
            )
        assert e.value.key == "leads.conflict"  # the lead's own message, not a database's
        b.rollback()
    finally:
        a.close()
        b.close()
    with Session(engine) as s:
        lead = s.get(Lead, lead_id)
        assert (lead.next_step, lead.version) == ("call", 2)


def test_dates_far_off_refused(world):  # noqa: F811
    engine, org, _ = world
    with Session(engine) as s:
        with pytest.raises(InvalidInput) as e:
            _lead(s, org, started_on=date(1900, 1, 1))
        assert e.value.field == "started_on"
        lead = _lead(s, org)
        with pytest.raises(InvalidInput) as e:
            service.do_set_next_step(s, TIANJIN, lead.id, "call", date(9999, 12, 31), today=TODAY)
        assert e.value.field == "next_step_on"
        with pytest.raises(InvalidInput) as e:  # a next step in the past
            service.do_set_next_step(s, TIANJIN, lead.id, "call", TODAY - timedelta(1), today=TODAY)
        assert e.value.key == "leads.next_step_past"
        n = s.scalar(select(LeadHistory.id).where(LeadHistory.action == "next_step"))
        assert n is None  # nothing changed


def test_another_leads_attachment_and_conversion_out_of_scope(world):  # noqa: F811
    engine, org, _ = world
    with Session(engine) as s:
        a = _lead(s, org)
        b = _lead(s, org, region_code="120103")  # Hexi: Tianjin's, not Binhai's
        att = service.do_add_attachment(s, TIANJIN, b.id, "b.pdf", "application/pdf", b"%PDF")
        s.flush()
        with pytest.raises(NotFound):  # lead A (readable) with lead B's attachment
            queries.attachment(s, BINHAI, a.id, att.id)
        with pytest.raises(NotFound):
            queries.attachment(s, BINHAI, b.id, att.id)
        service.do_change_status(s, TIANJIN, b.id, "signed", TODAY, today=TODAY)
        with pytest.raises(NotFound):
            service.check_convertible(s, BINHAI, b.id)
        s.rollback()


def test_export_cells_starting_with_formula_signs_stay_text(world):  # noqa: F811
    engine, org, _ = world
    with Session(engine) as s:
        _lead(s, org, notes='=HYPERLINK("http://evil","x")')
        _lead(s, org, region_code="120103", notes="+cmd|' /C calc'!A0")
        s.commit()
        data = transfer.export_workbook(s, ADMIN, queries.LeadFilter())
    ws = load_workbook(BytesIO(data)).active
    notes = [c for c in ws["O"][1:]]
    assert {c.data_type for c in notes} == {"s"}
    assert {c.value for c in notes} == {'=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0"}


def test_attachment_goes_out_as_a_download_of_a_safe_type(world):  # noqa: F811
    from haihe.web.app import create_app

    engine, org, _ = world
    make_admin(engine)
    c = signed_client(create_app(engine), "admin")
    with Session(engine) as s:
        lead_id = _lead(s, org).id
        s.commit()
    r = c.post(
        f"/leads/{lead_id}/attachments",
        files={"file": ("x.js", b"alert(1)", "application/javascript")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = c.post(
        f"/leads/{lead_id}/attachments",
        files={"file": ("y.html", b"<script>1</script>", "text/html")},
        follow_redirects=False,
    )
    with Session(engine) as s:
        atts = queries.list_attachments(s, lead_id)
    for att in atts:
        r = c.get(f"/leads/{lead_id}/attachments/{att.id}")
        assert r.status_code == 200
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in r.headers["content-security-policy"]  # the projects' policy too
        assert "javascript" not in r.headers["content-type"]
        assert "html" not in r.headers["content-type"]
    # script in the notes shows escaped on the lead's page
    c.post(f"/leads/{lead_id}/edit", data={"notes": "<script>alert(1)</script>", "version": "1"})
    page = c.get(f"/leads/{lead_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # saved, and shown escaped
    assert "<script>alert(1)</script>" not in page
    # a cookie write without the CSRF token is refused
    c.headers.pop("X-CSRF-Token")
    r = c.post(f"/leads/{lead_id}/edit", data={"notes": "csrf"}, follow_redirects=False)
    assert r.status_code == 403
    with Session(engine) as s:
        assert s.get(Lead, lead_id).notes != "csrf"


def test_figures_xlsx_cells_stay_text_even_for_old_hostile_rows(world):  # noqa: F811
    """An officer written before officers were accounts (or by hand in the database) is
    a figures row's key: it goes out as text."""
    from haihe.web.app import create_app

    engine, org, _ = world
    make_admin(engine)
    with Session(engine) as s:
        lead = _lead(s, org)
        lead.officer = '=HYPERLINK("http://evil","x")'
        s.commit()
    c = signed_client(create_app(engine), "admin")
    r = c.get("/leads-figures.xlsx")
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    hostile = [c for c in cells if str(c.value).startswith("=")]
    assert hostile and {c.data_type for c in hostile} == {"s"}


def test_import_export_and_figures_stay_within_the_readers_scope(world, tmp_path):  # noqa: F811
    """Binhai's officer: an import row landing in Hexi (Tianjin's, not Binhai's) is refused;
    a row matching Hexi's lead neither updates it nor says it exists; the export and the
    figures leave Hexi's lead out."""
    from haihe.leads import figures
    from tests.leads.test_leads import _sheet

    engine, org, _ = world
    with Session(engine) as s:
        _lead(s, org, region_code="120103", notes="Hexi's secret")
        s.commit()
    row = [
        "北京某某生物科技有限公司",
        "biomedicine",
        "biologics",
        "120103",
        None,
        None,
        None,
        None,
        "x",
    ]
    report = transfer.do_import_leads(
        engine, BINHAI, _sheet(tmp_path / "a.xlsx", [row]), today=TODAY
    )
    assert not report.committed and report.bad == 1
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
        assert s.scalar(select(Lead.notes)) == "Hexi's secret"
        data = transfer.export_workbook(s, BINHAI, queries.LeadFilter())
        assert "Hexi" not in str(
            [c.value for r in load_workbook(BytesIO(data)).active.iter_rows() for c in r]
        )
        f = figures.compute(s, BINHAI, queries.LeadFilter())
        assert f.total.total == 0 and not f.by_region
        assert figures.compute(s, TIANJIN, queries.LeadFilter()).total.total == 1
