"""The fairs an organisation took part in, on its page (issue 12.6): the fair, whether it
checked in, its meetings there (scheduled, held, agreements), for those who may read them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import ANONYMOUS, Principal, command_line
from haihe.core.i18n import t
from haihe.fairs import queries, service
from haihe.fairs.pages import organisation_panel
from haihe.registry import panels
from haihe.registry import queries as registry_queries
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate
from haihe.web.templating import TEMPLATES

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
                OrganisationCreate(name="天津丙装备有限公司", region_code="120104"),
                OrganisationCreate(name="天津丁从未参会有限公司", region_code="120104"),
            ],
        )
    with Session(engine) as s:
        f = service.do_create_fair(
            s, ADMIN, name="京津对接会", name_en="Beijing-Tianjin Fair", starts_on=date(2024, 5, 20)
        )
        service.do_add_slots(
            s,
            ADMIN,
            f.id,
            [
                (DAY + timedelta(minutes=30 * i), DAY + timedelta(minutes=30 * i + 25))
                for i in range(3)
            ],
        )
        service.do_set_tables(s, ADMIN, f.id, 2)
        people = [service.do_add_participant(s, ADMIN, f.id, o) for o in orgs[:3]]
        for a, b in [(0, 1), (0, 2)]:
            rid = service.do_request_meeting(s, ADMIN, f.id, people[a], people[b])
            service.do_answer_request(s, ADMIN, rid, accept=True)
        service.do_schedule_fair(s, ADMIN, f.id, time_limit=0.5)
        service.do_check_in(s, ADMIN, f.id, people[0])
        first = queries.list_meetings(s, f.id, people[0])[0]
        service.do_mark_held(s, ADMIN, first.id, held=True, side="requester")
        service.do_record_outcome(s, ADMIN, first.id, "agreement", intended_investment="5000万")
        s.commit()
    return {"id": f.id, "orgs": orgs, "people": people}


def _render(panel, lang="zh") -> str:  # noqa: ANN001
    return TEMPLATES.get_template(panel.template).render(lang=lang, t=t, panel=panel)


def test_the_panel_is_registered_for_organisation_pages():
    assert organisation_panel in panels.ORGANISATION_PAGE.sources


def test_an_organisation_shows_its_fair_and_meetings(engine, fair):
    with Session(engine) as s:
        got = queries.organisation_fairs(s, fair["orgs"][0])
        assert len(got) == 1
        x = got[0]
        assert x.fair.id == fair["id"] and x.checked_in
        assert (x.meetings, x.held, x.agreements) == (2, 1, 1)
        # its two partners had one meeting each, one of them held and signed
        others = [queries.organisation_fairs(s, o)[0] for o in fair["orgs"][1:3]]
        assert [o.meetings for o in others] == [1, 1]
        assert sum(o.held for o in others) == 1 and sum(o.agreements for o in others) == 1
        assert not any(o.checked_in for o in others)
        assert queries.organisation_fairs(s, fair["orgs"][3]) == []
        org = registry_queries.get_organisation(s, fair["orgs"][0])
        for lang, title in (("zh", "京津对接会"), ("en", "Beijing-Tianjin Fair")):
            html = _render(organisation_panel(s, ADMIN, org, lang), lang)
            assert title in html and f'href="/fairs/{fair["id"]}"' in html
            assert t("fairs.of_organisation", lang) in html


def test_only_those_who_may_read_see_the_fairs(engine, fair):
    with Session(engine) as s:
        org = registry_queries.get_organisation(s, fair["orgs"][0])
        never = registry_queries.get_organisation(s, fair["orgs"][3])
        may = {
            "admin": ADMIN,
            "officer": Principal(username="o", role="regional_officer", region_codes=("110000",)),
            "own user": Principal(username="e", role="enterprise", organisation_id=org.id),
            "organiser": Principal(username="f", role="fair_organiser", fair_id=fair["id"]),
        }
        for name, who in may.items():
            assert organisation_panel(s, who, org, "zh") is not None, name
        may_not = {
            "anonymous": ANONYMOUS,
            "another enterprise": Principal(
                username="x", role="enterprise", organisation_id=fair["orgs"][1]
            ),
            "another fair's organiser": Principal(
                username="g", role="fair_organiser", fair_id=fair["id"] + 1
            ),
            "another park's manager": Principal(username="p", role="park_manager", park_id=999),
        }
        for name, who in may_not.items():
            assert organisation_panel(s, who, org, "zh") is None, name
        # an organisation that took part in no fair has no such section
        assert organisation_panel(s, ADMIN, never, "zh") is None
