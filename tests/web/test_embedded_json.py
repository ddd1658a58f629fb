"""Data embedded in pages as JSON cannot close its script element (issue 11, item 1)."""

import json

from fastapi.testclient import TestClient
from sqlalchemy import text

from haihe.web.app import create_app
from haihe.web.templating import embedded_json

HOSTILE = "</script><script src=/x.js></script><!--&"


def test_embedded_json_escapes_what_could_end_the_script_and_reads_back_the_same():
    out = embedded_json({"name": HOSTILE})
    assert "<" not in out and ">" not in out and "&" not in out
    assert json.loads(out) == {"name": HOSTILE}


def test_a_hostile_chain_name_does_not_escape_the_dashboard_data(demo_engine):
    """A chain's name, which officers edit, is drawn in the dashboard's charts."""
    get = text("SELECT name_zh, definition FROM chains WHERE key = 'nev'")
    put = text("UPDATE chains SET name_zh = :n, definition = :d WHERE key = 'nev'")
    with demo_engine.begin() as conn:
        old_name, old_definition = conn.execute(get).one()
        hostile = json.loads(old_definition)
        hostile["name"]["zh"] = HOSTILE
        conn.execute(put, {"n": HOSTILE, "d": json.dumps(hostile, ensure_ascii=False)})
    try:
        page = TestClient(create_app(demo_engine)).get("/").text
        assert "x.js" in page  # the name is on the page …
        assert "<script src=/x.js>" not in page  # … but cannot open a script
        assert page.count("</script>") == page.count("<script")
    finally:
        with demo_engine.begin() as conn:
            conn.execute(put, {"n": old_name, "d": old_definition})
