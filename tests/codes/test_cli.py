"""`haihe codes`: look-ups that need no database."""

from typer.testing import CliRunner

from haihe.cli import app

runner = CliRunner()


def test_code_lookups():
    r = runner.invoke(app, ["codes", "uscc", "91120116735441915A"])
    assert r.exit_code == 2 and "N" in r.output  # bad input: the check character names N
    r = runner.invoke(app, ["codes", "uscc", "91120116735441915N"])
    assert r.exit_code == 0 and "valid" in r.output
    r = runner.invoke(app, ["codes", "region", "Binhai"])
    assert "120116" in r.output
    r = runner.invoke(app, ["codes", "region", "火星"], env={"HAIHE_LANG": "en"})
    assert r.exit_code == 3 and "火星" in r.output
    r = runner.invoke(app, ["codes", "industry", "集成电路"])
    assert "3973" in r.output
