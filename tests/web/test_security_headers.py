"""Headers every answer carries: a strict content security policy and its friends."""

from haihe.web.app import create_app
from tests.conftest import signed_client


def test_security_headers(engine):
    client = signed_client(create_app(engine), None)
    r = client.get("/organisations")
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text  # no inline script anywhere
