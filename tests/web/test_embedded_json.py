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


def test_every_unescaped_value_in_a_template_is_json_from_the_one_helper():
    """`|safe` (and Jinja's own tojson, which escapes differently) only on `*_json` values,
    and every `*_json` value a page hands its template comes from embedded_json."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "haihe"
    unsafe = []
    for path in (src / "web" / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        unsafe += [(path.name, m) for m in re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe", text)]
        unsafe += [(path.name, "tojson") for _ in re.findall(r"\|\s*tojson", text)]
    assert unsafe and all(name.endswith("_json") for _, name in unsafe), unsafe
    for path in src.rglob("*.py"):
        for value in re.findall(r"\b\w+_json=([^\n]+)", path.read_text(encoding="utf-8")):
            assert value.startswith("embedded_json("), (path, value)
    assert "Markup(" not in "".join(p.read_text(encoding="utf-8") for p in src.rglob("*.py"))
