"""Attachments are served as downloads that no browser runs as this site's page or script
(issue 11, point 1): an inert content type or bytes, nosniff, a sandboxing policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.projects import service
from haihe.projects.service import ProjectInput
from haihe.web.app import create_app
from tests.conftest import make_admin, signed_client


@pytest.fixture
def project(engine):  # noqa: ANN201
    make_admin(engine)
    with Session(engine) as s:
        p = service.do_create_project(
            s,
            command_line("test"),
            ProjectInput(
                code="ATT-1",
                title="附件",
                intended_investment=Decimal(1),
                landing_region_code="120116",
                signed_on=date(2024, 1, 1),
            ),
        )
        s.commit()
        return p.id


def _upload(client, pid: int, name: str, content_type: str, data: bytes):  # noqa: ANN001, ANN202
    r = client.post(
        f"/projects/{pid}/attachments",
        files={"file": (name, data, content_type)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    page = client.get(f"/projects/{pid}").text
    import re

    href = re.findall(rf'href="(/projects/{pid}/attachments/\d+)"', page)[-1]
    return client.get(href)


@pytest.mark.parametrize(
    ("declared", "served"),
    [
        ("application/javascript", "application/octet-stream"),
        ("text/html", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("text/javascript; charset=utf-8", "application/octet-stream"),
        ("application/pdf", "application/pdf"),
        ("image/png", "image/png"),
    ],
)
def test_an_attachment_is_a_download_with_an_inert_type(engine, project, declared, served):
    admin = signed_client(create_app(engine), "admin")
    r = _upload(admin, project, "x.js", declared, b"fetch('/api/v1/audit')")
    assert r.status_code == 200 and r.content == b"fetch('/api/v1/audit')"
    assert r.headers["content-type"].split(";")[0] == served
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("attachment;")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp


def test_the_download_keeps_a_chinese_name_and_a_plain_fallback(engine, project):
    admin = signed_client(create_app(engine), "admin")
    r = _upload(admin, project, "协议;终稿 v2.pdf", "application/pdf", b"%PDF-1.4")
    disposition = r.headers["content-disposition"]
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and '"' not in fallback and ";" not in fallback
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "协议;终稿 v2.pdf"
