"""A project's history names who did it and reads as sentences (issue 12.2); private
investment never reaches a reader who may not see it, through the history either (11.3)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts.models import User
from haihe.accounts.service import principal_of
from haihe.fairs import queries as fairs
from haihe.projects import service
from haihe.projects.models import Project
from haihe.web.app import create_app
from tests.conftest import signed_client

CONTRACTED = Decimal("876540000")
IN_PLACE = Decimal("123450000")


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _history_table(page: str) -> str:
    return _text(page[page.index('id="history"') :].split("</table>")[0])


@pytest.fixture(scope="module")
def app(demo_engine):
    return create_app(demo_engine)


@pytest.fixture(scope="module")
def unsigned(demo_engine, app) -> int:
    """A project under negotiation in Beijing, at the article's fair, whose contracted and
    in-place investment an administrator sets (and so its history holds them)."""
    with Session(demo_engine) as s:
        admin = principal_of(s.execute(select(User).where(User.username == "admin")).scalar_one())
        fair = fairs.find_fair(s, "2023京津产业链供需对接会")
        p = service.do_create_project(
            s,
            admin,
            service.ProjectInput(
                code="T-PRIVATE-1",
                title="洽谈中的项目",
                intended_investment=Decimal("2000000000"),
                contracted_investment=CONTRACTED,
                landing_region_code="110108",
                fair_id=fair.id,
                officer="王磊（天津市工业和信息化局）",
            ),
        )
        s.commit()
        project_id, version = p.id, p.version
    client = signed_client(app, "admin")
    r = client.patch(
        f"/api/v1/projects/{project_id}",
        json={
            "version": version,
            "changes": {"invested_in_place": str(IN_PLACE), "notes": "新备注"},
        },
    )
    assert r.status_code == 200, r.text
    return project_id


@pytest.mark.parametrize("username", ["fair", "binhai"])
def test_private_investment_stays_out_of_the_history_of_who_may_not_see_it(app, unsigned, username):
    client = signed_client(app, username)
    body = client.get(f"/api/v1/projects/{unsigned}")
    assert body.status_code == 200
    data = body.json()
    assert data["contracted_investment_yuan"] is None and data["invested_in_place_yuan"] is None
    for h in data["history"]:
        text = str(h["detail"])
        assert "contracted_investment" not in text and "invested_in_place" not in text, h
    assert "876540000" not in body.text and "123450000" not in body.text
    for lang in ("zh", "en"):
        page = client.get(f"/projects/{unsigned}", params={"lang": lang}).text
        for amount in (
            "876540000",
            "123450000",
            "8.77亿",
            "1.23亿",
            "0.877 billion",
            "123.45 million",
        ):
            assert amount not in page, (amount, lang)
    # The notes changed in the same edit are still told.
    assert "新备注" in _history_table(client.get(f"/projects/{unsigned}").text)


def test_who_may_see_it_reads_the_amounts_in_words(app, unsigned):
    page = signed_client(app, "admin").get(f"/projects/{unsigned}").text
    history = _history_table(page)
    assert "到位资金由 （空） 改为 1.23亿元" in history, history
    assert "123450000" not in history and "{" not in history and "invested_in_place" not in history
    en = _history_table(signed_client(app, "admin").get(f"/projects/{unsigned}?lang=en").text)
    assert "the investment in place from (empty) to 123.45 million yuan" in en, en


def test_history_names_the_signed_in_user_never_the_officer_in_charge(app, demo_engine):
    with Session(demo_engine) as s:
        p = (
            s.execute(
                select(Project)
                .where(Project.landing_province == "120000", Project.stage == "signed")
                .where(Project.cancelled_on.is_(None), Project.landing_park_id.is_(None))
                .order_by(Project.id)
            )
            .scalars()
            .first()
        )
        project_id, version, officer = p.id, p.version, p.officer
    day = (date.today() - timedelta(days=1)).isoformat()
    client = signed_client(app, "tianjin")
    r = client.post(
        f"/api/v1/projects/{project_id}/milestones",
        json={"kind": "construction_started", "on": day, "version": version},
    )
    assert r.status_code == 200, r.text
    r = client.patch(
        f"/api/v1/projects/{project_id}",
        json={"version": version + 1, "changes": {"notes": "现场已平整"}},
    )
    assert r.status_code == 200, r.text
    zh = client.get(f"/projects/{project_id}").text
    rows = re.findall(r"<tr><td[^>]*>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", zh)
    last_two = [(unescape(a), unescape(b)) for a, b in rows[-2:]]
    assert last_two[0] == (
        "天津市工信局（区域主管部门 · 天津市）",
        f"天津市工信局 将阶段改为 已开工（{day}）",
    )
    assert last_two[1][0] == "天津市工信局（区域主管部门 · 天津市）"
    assert last_two[1][1].startswith("天津市工信局 将备注由 ") and "现场已平整" in last_two[1][1]
    assert officer and officer not in last_two[1][0]
    # The milestone list names the user too, not the bare username.
    milestones = _text(zh[zh.index('id="milestones"') :].split("</ol>")[0])
    assert "天津市工信局（区域主管部门 · 天津市）" in milestones
    en = _history_table(client.get(f"/projects/{project_id}?lang=en").text)
    assert f"天津市工信局 changed the stage to Construction started ({day})" in en, en
    assert "(Regional officer, Tianjin)" in en or "Tianjin" in en
    # The demo's own rows say who made them, in words, and no row shows stored JSON.
    assert "演示数据（系统）" in _history_table(zh)
    table = _history_table(zh)
    assert '"kind"' not in table and "{" not in table and "construction_started" not in table


def test_the_audit_page_reads_as_sentences(app):
    client = signed_client(app, "admin")
    for lang, words in (("zh", "修改了项目"), ("en", "changed project")):
        page = client.get("/audit", params={"lang": lang}).text
        table = _text(page[page.index('id="audit"') :].split("</table>")[0])
        assert words in table
        assert '{"' not in table and "stage_on" not in table and "updated_at" not in table


def test_every_audited_field_has_a_name_in_both_languages():
    """A new table or column gets its words, or the audit page would say "other detail"."""
    from sqlalchemy import inspect

    from haihe.audit.recorder import AUDITED
    from haihe.audit.wording import HIDDEN
    from haihe.core.i18n import catalogue
    from haihe.models import load_all

    load_all()
    for lang in ("zh", "en"):
        words = catalogue(lang)
        missing = [
            f"{name}.{a.key}"
            for cls, name in AUDITED.items()
            for a in inspect(cls).column_attrs
            if a.key not in HIDDEN and f"audit.field.{a.key}" not in words
        ]
        missing += [n for n in AUDITED.values() if f"audit.type.{n}" not in words]
        assert not missing, (lang, missing)
