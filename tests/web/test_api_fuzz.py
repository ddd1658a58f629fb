"""Schemathesis against the app's own OpenAPI schema, as a visitor and as each role:
no server error and no response that breaks the documented schema, whatever is sent."""

import re
import tempfile

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from haihe.core.db import make_engine, upgrade
from haihe.demo import build_demo
from haihe.web.app import create_app
from tests.conftest import DEMO_PASSWORD, login

ROLES = [None, "admin", "tianjin", "park", "winute"]


def _fuzz_app():  # noqa: ANN202
    """Built at collection (schemathesis needs the schema then), on a demo database."""
    folder = tempfile.mkdtemp(prefix="haihe-fuzz-")
    engine = make_engine(f"sqlite:///{folder}/fuzz.db")
    upgrade(engine)
    build_demo(engine)
    app = create_app(engine)
    tokens = {}
    for role in ROLES[1:]:
        c = TestClient(app)
        login(c, role, DEMO_PASSWORD)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/account").text).group(1)
        page = c.post("/account/tokens", data={"name": "fuzz"}, headers={"X-CSRF-Token": csrf}).text
        tokens[role] = re.search(r'id="new-token">[^<]*<code>([^<]+)</code>', page).group(1)
    app.state.fuzz_tokens = tokens
    return app


APP = _fuzz_app()
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.filter_too_much,
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_no_server_error_and_schema_kept_for_every_role(case):
    for role in ROLES:
        headers = {} if role is None else {"Authorization": f"Bearer {APP.state.fuzz_tokens[role]}"}
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )
