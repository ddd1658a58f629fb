"""Projects API and pages on a demo database."""

from datetime import date

import pytest

from haihe.web.app import create_app
from tests.conftest import signed_client

TODAY = date.today().isoformat()


@pytest.fixture
def client(demo_engine):
    return signed_client(create_app(demo_engine), "admin")


def _article_fair(client):  # noqa: ANN001, ANN202
    fairs = client.get("/api/v1/fairs").json()
    return next(f for f in fairs["items"] if f["name"] == "2023京津产业链供需对接会")


def test_figures_of_the_article_fair(client):
    fair = _article_fair(client)
    body = client.get("/api/v1/projects/figures", params={"fair": fair["id"]}).json()
    assert body["signed"] == 44
    assert body["intended_investment_yuan"] == "27100000000.00"
    assert (body["construction_started"], body["in_operation"], body["paying_tax"]) == (4, 12, 2)
    assert isinstance(body["stalled"], int)
    assert set(body["how_counted"]) >= {"signed", "construction_started", "stalled"}


def test_each_figure_links_to_the_projects_behind_it(client):
    fair = _article_fair(client)
    figs = client.get("/api/v1/projects/figures", params={"fair": fair["id"]}).json()
    for name in ("signed", "construction_started", "in_operation", "paying_tax", "stalled"):
        listed = client.get(
            "/api/v1/projects", params={"fair": fair["id"], "figure": name, "page_size": 500}
        ).json()
        assert listed["total"] == figs[name] == len(listed["items"]), name


def test_filters_and_bad_filters(client):
    assert (
        client.get("/api/v1/projects/figures", params={"from": "2030-01-01"}).json()["signed"] == 0
    )
    assert client.get("/api/v1/projects/figures", params={"landing": "火星"}).status_code == 422
    assert client.get("/api/v1/projects/figures", params={"from": "昨天"}).status_code == 422
    assert client.get("/api/v1/projects", params={"figure": "bogus"}).status_code == 422


def test_milestone_and_conflict_through_the_api(client):
    items = client.get(
        "/api/v1/projects", params={"landing": "130000", "figure": "signed", "page_size": 100}
    ).json()["items"]
    p = next(x for x in items if x["stage"] == "signed")
    r = client.post(
        f"/api/v1/projects/{p['id']}/milestones",
        json={
            "kind": "construction_started",
            "on": TODAY,
            "recorded_by": "someone else",  # no longer a field: the actor is who signed in
            "version": p["version"],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "construction_started"
    assert r.json()["milestones"][-1]["recorded_by"] == "admin"
    stale = client.post(
        f"/api/v1/projects/{p['id']}/milestones",
        json={"kind": "under_construction", "on": TODAY, "version": p["version"]},
    )
    assert stale.status_code == 409 and stale.json()["key"] == "project.conflict"
    bad = client.post(
        f"/api/v1/projects/{p['id']}/milestones",
        json={"kind": "at_capacity", "on": TODAY},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422 and bad.json()["key"] == "lifecycle.not_next"
    assert "cannot go" in bad.json()["detail"][0]["msg"]
    detail = client.get(f"/api/v1/projects/{p['id']}").json()
    assert [h["action"] for h in detail["history"]][-1] == "milestone"
    assert detail["history"][-1]["by"] == "admin"
    r = client.patch(
        f"/api/v1/projects/{p['id']}",
        json={"version": detail["version"], "changes": {"officer": "赵敏"}, "by": "赵敏"},
    )
    assert r.status_code == 200 and r.json()["officer"] == "赵敏"
    assert r.json()["history"][-1]["by"] == "admin"
    r = client.patch(
        f"/api/v1/projects/{p['id']}",
        json={"version": detail["version"], "changes": {"officer": "孙悟"}},
    )
    assert r.status_code == 409
    r = client.patch(
        f"/api/v1/projects/{p['id']}",
        json={"version": detail["version"] + 1, "changes": {"chain": "high_end_equipment"}},
    )
    assert r.status_code == 422 and "high_end_equipment" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    "url", ["/", "/projects", "/projects?figure=stalled", "/projects/1", "/briefing"]
)
def test_project_pages_in_both_languages(client, url):
    zh = client.get(url)
    assert zh.status_code == 200 and "海河" in zh.text or "简报" in zh.text
    en = client.get(url, params={"lang": "en"})
    assert en.status_code == 200 and ('lang="en"' in en.text)


def test_dashboard_xlsx(client):
    from io import BytesIO

    from openpyxl import load_workbook

    fair = _article_fair(client)
    r = client.get("/dashboard.xlsx", params={"fair": fair["id"]})
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.content))
    rows = {r[0]: r for r in wb.worksheets[0].values if r and r[0]}
    assert rows["签约项目"][1] == 44
    assert rows["意向投资"][1] == 271 and rows["意向投资"][2] == "亿元"  # a number, in 亿元
    assert len(list(wb.worksheets[-1].values)) == 46  # what it is, the header, 44 projects


def test_stale_form_save_says_so(client):
    p = client.get("/api/v1/projects/2").json()
    r = client.post(
        "/projects/2/edit", data={"version": p["version"] - 1 or 999, "officer": "某人"}
    )
    assert r.status_code == 409 and "刷新" in r.text


def test_attachments_upload_and_download(client):
    p = client.get("/api/v1/projects", params={"page_size": 1}).json()["items"][0]
    content = "签约协议".encode() * 100
    r = client.post(
        f"/projects/{p['id']}/attachments",
        files={"file": ("合作协议.pdf", content, "application/pdf")},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "合作协议.pdf" in r.text
    assert "admin ·" in r.text.split('id="attachments"')[1].split("</ul>")[0]
    link = r.text.split('id="attachments"')[1].split('href="')[1].split('"')[0]
    got = client.get(link)
    assert got.content == content and got.headers["content-type"] == "application/pdf"
    empty = client.post(
        f"/projects/{p['id']}/attachments", files={"file": ("x.txt", b"", "text/plain")}
    )
    assert empty.status_code == 400
    assert client.get(f"/projects/{p['id']}/attachments/999999").status_code == 404
    history = client.get(f"/api/v1/projects/{p['id']}").json()["history"]
    assert history[-1]["action"] == "attachment"
