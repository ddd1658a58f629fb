"""Back up, change the data, restore: the data is as it was, on both backends."""

import pytest
from sqlalchemy.orm import Session

from haihe.core.backup import BackupError, backup, restore
from haihe.registry import queries, service
from haihe.registry.schemas import OrganisationCreate
from tests.registry.helpers import OPERATOR, all_orgs


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
    with pytest.raises(BackupError):
        restore(engine, bad)
    with pytest.raises(BackupError):
        restore(engine, tmp_path / "missing")
