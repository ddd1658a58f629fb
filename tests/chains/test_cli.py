"""`haihe chains …` on a real SQLite file: the commands raise, the shell answers."""

import pytest
import yaml
from typer.testing import CliRunner

from haihe.cli import app

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path, monkeypatch):
    from haihe.core import db
    from haihe.core.settings import get_settings

    monkeypatch.setenv("HAIHE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    db.engine_for.cache_clear()


def test_install_list_export_and_import_a_new_version(db_env):
    r = runner.invoke(app, ["chains", "install"])
    assert r.exit_code == 0 and "hydrogen" in r.output, r.output
    r = runner.invoke(app, ["chains", "list"])
    assert r.exit_code == 0 and "氢能" in r.output
    out = db_env / "hydrogen.yaml"
    r = runner.invoke(app, ["chains", "export", "hydrogen", str(out)])
    assert r.exit_code == 0 and out.exists()
    data = yaml.safe_load(out.read_text("utf-8"))
    data["description"] = {"zh": "新说明", "en": "new"}
    out.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    r = runner.invoke(app, ["chains", "import", str(out)])
    assert r.exit_code == 0 and "hydrogen v2" in r.output, r.output
    from haihe.chains import queries
    from haihe.core.db import get_engine, session_scope

    with session_scope(get_engine()) as s:  # written as the command line's operator
        assert queries.versions(s, "hydrogen")[0].created_by.startswith("cli:")


def test_diagnose_and_report(db_env):
    runner.invoke(app, ["chains", "install"])
    r = runner.invoke(app, ["chains", "classify"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["chains", "diagnose", "hydrogen", "--region", "120000"])
    assert r.exit_code == 0 and "min_orgs" in r.output
    out = db_env / "report.xlsx"
    r = runner.invoke(app, ["chains", "report", "hydrogen", str(out)])
    assert r.exit_code == 0 and out.stat().st_size > 0


def test_errors_are_answered_by_the_shell_with_their_exit_codes(db_env):
    runner.invoke(app, ["chains", "install"])
    en = {"HAIHE_LANG": "en"}
    r = runner.invoke(app, ["chains", "export", "nope", str(db_env / "x.yaml")], env=en)
    assert r.exit_code == 3 and "there is no chain “nope”" in r.output
    r = runner.invoke(app, ["chains", "diagnose", "hydrogen", "--region", "999999"], env=en)
    assert r.exit_code == 2 and "unknown region code '999999'" in r.output
    r = runner.invoke(app, ["chains", "import", str(db_env / "missing.yaml")], env=en)
    assert r.exit_code == 2 and "missing.yaml" in r.output
    bad = db_env / "bad.yaml"
    bad.write_text("key: [unclosed", "utf-8")
    r = runner.invoke(app, ["chains", "import", str(bad)], env=en)
    assert r.exit_code == 2 and "YAML" in r.output


def test_segments_lists_every_label_a_labeller_may_write(db_env):
    from pathlib import Path

    from haihe.chains import definitions

    r = runner.invoke(app, ["chains", "segments"])
    assert r.exit_code == 0, r.output
    labels = {line.split()[0] for line in r.output.splitlines() if line.strip()}
    want = {f"{c.key}/{s.id}" for c in definitions.shipped() for s in c.segments}
    assert labels == want
    assert "trade(销售)" in r.output
    # the guide's appendix is the current list
    guide = (Path(__file__).resolve().parents[2] / "docs" / "labelling-guide.md").read_text("utf-8")
    assert definitions.segments_markdown(definitions.shipped()) in guide
