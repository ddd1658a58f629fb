"""The projects panel on a chain's page: only the projects the reader may read, counted so."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import ANONYMOUS, Principal
from haihe.chains import panels
from haihe.core.i18n import t
from haihe.projects.models import Project, ProjectParty
from haihe.projects.pages import chain_panel
from haihe.web.templating import TEMPLATES


def _render(panel: panels.Panel, lang: str = "zh") -> str:
    from haihe.web.templating import _money

    return TEMPLATES.get_template(panel.template).render(
        lang=lang, t=t, money=_money, panel=panel, **panel.context
    )


def test_the_panel_is_registered_for_chain_pages():
    assert chain_panel in panels.CHAIN_PAGE.sources


@pytest.mark.parametrize("chain", ["robots", "machine_tools"])
def test_a_chain_lists_only_the_projects_its_reader_may_read(demo_engine, chain):
    with Session(demo_engine) as s:
        on_chain = select(Project).where(Project.chain == chain)
        every = list(s.execute(on_chain).scalars())
        in_park = [p for p in every if p.landing_park_id is not None]
        park_id = in_park[0].landing_park_id
        org = every[0].parties[0].organisation_id
        of_org = s.execute(
            select(func.count(Project.id)).where(
                Project.chain == chain,
                Project.id.in_(
                    select(ProjectParty.project_id).where(ProjectParty.organisation_id == org)
                ),
            )
        ).scalar_one()
        readers = {
            "admin": (Principal(username="admin", role="admin"), len(every)),
            "park": (
                Principal(username="park", role="park_manager", park_id=park_id),
                sum(p.landing_park_id == park_id for p in every),
            ),
            "enterprise": (
                Principal(username="co", role="enterprise", organisation_id=org),
                of_org,
            ),
            "fair": (Principal(username="fair", role="fair_organiser", fair_id=999), 0),
        }
        for name, (who, expected) in readers.items():
            panel = chain_panel(s, who, chain, "zh")
            ctx = panel.context["chain_projects"]
            assert ctx["signed_in"] and ctx["total"] == expected, name
            assert len(ctx["items"]) == min(expected, 50), name
            if name == "park":
                assert all(p.landing_park_id == park_id for p in ctx["items"])
            html = _render(panel)
            assert t("projects.count", "zh", total=expected) in html, name
            for p in ctx["items"]:
                assert f'href="/projects/{p.id}"' in html


def test_anonymous_visitors_get_a_sign_in_hint_and_no_project_data(demo_engine):
    with Session(demo_engine) as s:
        panel = chain_panel(s, ANONYMOUS, "robots", "en")
        first = s.execute(select(Project).where(Project.chain == "robots")).scalars().first()
    ctx = panel.context["chain_projects"]
    assert not ctx["signed_in"] and ctx["items"] == [] and ctx["total"] == 0
    html = _render(panel, "en")
    assert 'id="chain-projects-sign-in"' in html and "/login?next=/chains/robots" in html
    assert first.code not in html and "/projects/" not in html
