"""Chain pages take the panels the contexts above chains register (chains.panels)."""

from __future__ import annotations

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.chains import panels, service
from haihe.chains.panels import Panel
from haihe.web.app import create_app
from haihe.web.templating import TEMPLATES

PANEL = '<p id="test-panel">{{ panel.context.word }} {{ chain.key }}</p>'


@pytest.fixture
def panel(monkeypatch):
    seen = []

    def source(session, principal, chain_key, lang):  # noqa: ANN001, ANN202
        seen.append((chain_key, lang, principal.authenticated))
        if chain_key != "hydrogen":
            return None
        return Panel("test/panel.html", {"word": "氢能项目" if lang == "zh" else "projects"})

    loader = ChoiceLoader(
        [
            DictLoader({"test/panel.html": PANEL}),
            TEMPLATES.env.loader,
        ]
    )
    monkeypatch.setattr(TEMPLATES.env, "loader", loader)
    monkeypatch.setattr(panels.CHAIN_PAGE, "sources", [])
    panels.register(source)
    panels.register(source)  # once only
    return seen


def test_a_registered_panel_shows_on_its_chains_page(sqlite_engine, panel):
    from fastapi.testclient import TestClient

    with Session(sqlite_engine) as s:
        service.do_install_shipped(s, command_line("test"))
        s.commit()
    client = TestClient(create_app(sqlite_engine))
    page = client.get("/chains/hydrogen")
    assert page.status_code == 200
    assert '<p id="test-panel">氢能项目 hydrogen</p>' in page.text
    assert 'id="test-panel">projects' in client.get("/chains/hydrogen?lang=en").text
    other = client.get("/chains/biomedicine")
    assert other.status_code == 200 and "test-panel" not in other.text
    assert panel == [
        ("hydrogen", "zh", False),
        ("hydrogen", "en", False),
        ("biomedicine", "en", False),  # the language chosen is kept
    ]
