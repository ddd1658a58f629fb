"""The `haihe` command line on a real SQLite file."""

import pytest
from typer.testing import CliRunner

from haihe.cli import app
from tests.registry.helpers import row, write_csv

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


def test_import_then_export_then_reimport(db_env):
    path = write_csv(db_env / "orgs.csv", [row(1), row(2)])
    r = runner.invoke(app, ["import", "organisations", str(path)])
    assert r.exit_code == 0, r.output
    assert "新增 2" in r.output
    out = db_env / "out.xlsx"
    r = runner.invoke(app, ["export", "organisations", str(out)])
    assert r.exit_code == 0 and out.exists()
    r = runner.invoke(app, ["import", "organisations", str(out)])
    assert r.exit_code == 0 and "未变 2" in r.output


def test_bad_file_exits_nonzero_and_names_every_bad_row(db_env):
    path = write_csv(db_env / "bad.csv", [row(1), row(2, 所属地区="火星"), row(3, 成立日期="明天")])
    r = runner.invoke(app, ["import", "organisations", str(path)], env={"HAIHE_LANG": "en"})
    assert r.exit_code == 1
    assert "row 3" in r.output and "row 4" in r.output and "nothing was written" in r.output
    assert (db_env / "bad.errors.xlsx").exists()
    r = runner.invoke(app, ["import", "organisations", str(path), "--skip-invalid"])
    assert r.exit_code == 0
    r = runner.invoke(app, ["orgs", "search", "测试1号"])
    assert "天津测试1号科技有限公司" in r.output


def test_empty_file_exits_with_a_message(db_env):
    path = db_env / "empty.csv"
    path.write_text("")
    r = runner.invoke(app, ["import", "organisations", str(path)])
    assert r.exit_code == 2 and "空" in r.output


def test_parks_and_demo(db_env):
    r = runner.invoke(app, ["parks", "add", "测试园区", "--region", "滨海"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["parks", "add", "测试园区", "--region", "火星"])
    assert r.exit_code == 2 and "火星" in r.output
    r = runner.invoke(
        app, ["parks", "add", "测试园区", "--region", "滨海"], env={"HAIHE_LANG": "en"}
    )
    assert r.exit_code == 2 and "exists already" in r.output
    r = runner.invoke(app, ["parks", "list"])
    assert r.exit_code == 0 and "测试园区" in r.output and "120116" in r.output
    r = runner.invoke(app, ["demo"])
    assert r.exit_code == 0 and "demo data" not in r.output


def test_export_and_search_refuse_bad_filters_with_the_reason(db_env):
    r = runner.invoke(
        app,
        ["export", "organisations", str(db_env / "o.csv"), "--region", "火星"],
        env={"HAIHE_LANG": "en"},
    )
    assert r.exit_code == 2 and "unknown region" in r.output
    r = runner.invoke(app, ["orgs", "search", "--industry", "9999"])
    assert r.exit_code == 2 and "9999" in r.output
