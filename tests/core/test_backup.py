"""Back up, change the data, restore: the data is as it was, on both backends."""

import re

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haihe.cli import app
from haihe.core.backup import backup, restore
from haihe.core.errors import InvalidInput, Unavailable, exit_code
from haihe.registry import queries, service
from haihe.registry.schemas import OrganisationCreate
from tests.registry.helpers import OPERATOR, all_orgs

runner = CliRunner()


def test_backup_change_restore(engine, tmp_path):
    with engine.begin() as conn:
        service.do_bulk_create_organisations(
            conn,
            OPERATOR,
            [
                OrganisationCreate(name=f"备份测试{i}有限公司", region_code="120116")
                for i in range(50)
            ],
        )
    before = [(o.id, o.name, o.employees) for o in all_orgs(engine)]
    path = backup(engine, tmp_path / "haihe.backup")
    assert path.exists() and path.stat().st_size > 0
    with Session(engine) as s:  # change, delete and add after the backup
        orgs = all_orgs(engine)
        s.get(type(orgs[0]), orgs[0].id).employees = 999
        s.delete(s.get(type(orgs[1]), orgs[1].id))
        service.do_create_organisation(s, OPERATOR, OrganisationCreate(name="备份之后新增有限公司"))
        s.commit()
    assert [(o.id, o.name, o.employees) for o in all_orgs(engine)] != before
    restore(engine, path)
    assert [(o.id, o.name, o.employees) for o in all_orgs(engine)] == before
    # The name index came back too.
    with Session(engine) as s:
        assert (
            queries.search_organisations(s, queries.OrganisationFilter(q="备份测试1有限")).total
            >= 1
        )


def test_restore_refuses_what_is_not_a_backup(engine, tmp_path):
    bad = tmp_path / "not-a-backup"
    bad.write_text("hello")
    with pytest.raises((InvalidInput, Unavailable)) as refused:
        restore(engine, bad)
    assert refused.value.key in ("backup.not_sqlite", "backup.not_pgdump")
    with pytest.raises(InvalidInput) as refused:
        restore(engine, tmp_path / "missing")
    assert refused.value.key == "file.not_found" and refused.value.field == "file"


@pytest.fixture
def db_env(engine, monkeypatch):
    """The command line pointed at the test database (SQLite and PostgreSQL)."""
    from haihe.core import db
    from haihe.core.settings import get_settings

    monkeypatch.setenv("HAIHE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    yield engine
    get_settings.cache_clear()
    db.engine_for.cache_clear()


@pytest.mark.parametrize(
    ("lang", "says"), [("zh", "运行失败|无法写入"), ("en", "failed|cannot write")]
)
def test_a_failing_backup_exits_with_the_wrappers_code_and_a_message(db_env, tmp_path, lang, says):
    target = tmp_path / "no-such-folder" / "haihe.backup"
    r = runner.invoke(app, ["backup", str(target)], env={"HAIHE_LANG": lang})
    assert r.exit_code == exit_code(Unavailable("backup.tool_failed")) == 1
    assert re.search(says, r.output) and "Traceback" not in r.output
    assert not target.exists()


@pytest.mark.parametrize(("lang", "says"), [("zh", "找不到文件"), ("en", "file not found")])
def test_restoring_a_missing_backup_is_bad_input(db_env, tmp_path, lang, says):
    r = runner.invoke(
        app, ["restore", str(tmp_path / "missing"), "--yes"], env={"HAIHE_LANG": lang}
    )
    assert r.exit_code == exit_code(InvalidInput("file.not_found")) == 2
    assert says in r.output
