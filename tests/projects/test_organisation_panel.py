"""The projects panel on an organisation's page (issue 12.6): the projects it is a party
to, its role in each and the fair signed at, only those the reader may read, counted so."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import ANONYMOUS, Principal
from haihe.core.i18n import t
from haihe.projects.models import Project, ProjectParty
from haihe.projects.pages import organisation_panel
from haihe.registry import panels
from haihe.registry import queries as registry
from haihe.web.app import create_app
from haihe.web.templating import TEMPLATES
from tests.conftest import signed_client


def _render(panel, lang: str = "zh") -> str:  # noqa: ANN001
    from haihe.web.templating import _money

    return TEMPLATES.get_template(panel.template).render(lang=lang, t=t, money=_money, panel=panel)


def _busiest(s: Session) -> int:
    """The organisation party to the most projects."""
    return (
        s.execute(
            select(ProjectParty.organisation_id)
            .where(ProjectParty.organisation_id.is_not(None))
            .group_by(ProjectParty.organisation_id)
            .order_by(func.count().desc(), ProjectParty.organisation_id)
        )
        .scalars()
        .first()
    )


def _projects_of(s: Session, org_id: int) -> list[Project]:
    return list(
        s.execute(
            select(Project).where(
                Project.id.in_(
                    select(ProjectParty.project_id).where(ProjectParty.organisation_id == org_id)
                )
            )
        ).scalars()
    )


def test_the_panel_is_registered_for_organisation_pages():
    assert organisation_panel in panels.ORGANISATION_PAGE.sources


def test_an_organisation_lists_its_projects_as_each_reader_may_read_them(demo_engine):
    with Session(demo_engine) as s:
        org_id = _busiest(s)
        org = registry.get_organisation(s, org_id)
        every = _projects_of(s, org_id)
        assert len(every) >= 2
        park_id = next((p.landing_park_id for p in every if p.landing_park_id), 1)
        readers = {
            "admin": (Principal(username="admin", role="admin"), every),
            "its own user": (
                Principal(username="co", role="enterprise", organisation_id=org_id),
                every,
            ),
            "another enterprise": (
                Principal(username="x", role="enterprise", organisation_id=org_id + 100000),
                [],
            ),
            "park": (
                Principal(username="park", role="park_manager", park_id=park_id),
                [p for p in every if p.landing_park_id == park_id],
            ),
            # an account missing its park reads none of them (not those in no park)
            "park manager without a park": (
                Principal(username="nopark", role="park_manager", park_id=None),
                [],
            ),
        }
        for name, (who, expected) in readers.items():
            panel = organisation_panel(s, who, org, "zh")
            ctx = panel.context["org_projects"]
            assert ctx["total"] == len(expected), name
            assert {p.id for p, _ in ctx["items"]} == {p.id for p in expected}, name
            html = _render(panel)
            for p in every:
                assert (f'href="/projects/{p.id}"' in html) == (p in expected), (name, p.code)
            if expected:
                assert t("projects.count", "zh", total=len(expected)) in html
                roles = {x.role for p in expected for x in p.parties if x.organisation_id == org_id}
                for r in roles:
                    assert t(f"role.{r}", "zh") in html
            else:
                assert t("projects.of_organisation_none", "zh") in html
        # the fair a project was signed at is named and linked
        admin_html = _render(organisation_panel(s, readers["admin"][0], org, "en"), "en")
        for p in every:
            if p.fair_id:
                assert f'href="/fairs/{p.fair_id}"' in admin_html


def test_anonymous_visitors_get_a_sign_in_hint_and_no_project_data(demo_engine):
    with Session(demo_engine) as s:
        org_id = _busiest(s)
        org = registry.get_organisation(s, org_id)
        panel = organisation_panel(s, ANONYMOUS, org, "en")
        every = _projects_of(s, org_id)
    ctx = panel.context["org_projects"]
    assert not ctx["signed_in"] and ctx["items"] == [] and ctx["total"] == 0
    html = _render(panel, "en")
    assert 'id="org-projects-sign-in"' in html and f"/login?next=/organisations/{org_id}" in html
    assert "/projects/" not in html and not any(p.code in html for p in every)


def test_the_organisation_page_shows_the_panel(demo_engine):
    with Session(demo_engine) as s:
        org_id = _busiest(s)
        codes = [p.code for p in _projects_of(s, org_id)]
    client = signed_client(create_app(demo_engine), "tianjin")
    for lang in ("zh", "en"):
        page = client.get(f"/organisations/{org_id}", params={"lang": lang}).text
        assert 'id="org-projects"' in page and t("projects.of_organisation", lang) in page
        assert all(code in page for code in codes)
