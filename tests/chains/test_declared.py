"""Declared placements from a file: all or nothing or skip the bad rows, re-import changes
nothing, and a row may place only an organisation its importer may place."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import service
from haihe.chains.declared import do_import_declared
from haihe.chains.models import Placement
from haihe.codes import uscc
from haihe.core.errors import NotAllowed
from haihe.core.importing import FIX_SHEET
from haihe.registry.schemas import OrganisationCreate
from haihe.registry.service import do_bulk_create_organisations
from tests.registry.helpers import ADMIN

GOOD = "天津甲骨科器械有限公司,生物医药,高值耗材与植入物,生产"
BAD = "天津乙医药商贸有限公司,生物医药,不存在的环节,销售"
OTHER = "北京丙生物医学研究院,生物医药,高值耗材与植入物,研发"


ORGS = [
    OrganisationCreate(
        name="天津甲骨科器械有限公司", uscc=uscc.make("91120116MA05ABCD0"), region_code="120116"
    ),
    OrganisationCreate(name="天津乙医药商贸有限公司", region_code="120101"),
    OrganisationCreate(
        name="北京丙生物医学研究院", kind="research_institute", region_code="110108"
    ),
]


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        ids = do_bulk_create_organisations(conn, ADMIN, ORGS)
    with Session(engine) as s:
        service.do_install_shipped(s, ADMIN)
        s.commit()
    return engine, ids


def _file(tmp_path, *lines: str, name: str = "declared.csv"):  # noqa: ANN001, ANN202
    path = tmp_path / name
    path.write_text("名称,产业链,环节,活动\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _placed(engine) -> set[tuple[int, str, str, str]]:  # noqa: ANN001
    with Session(engine) as s:
        return {
            (p.organisation_id, p.chain_key, p.segment_id, p.role)
            for p in s.scalars(select(Placement).where(Placement.source == "declared"))
        }


def test_skip_invalid_writes_the_good_rows_and_the_rows_to_fix(world, tmp_path):
    engine, (maker, _seller, _lab) = world
    path = _file(tmp_path, GOOD, BAD)
    report = do_import_declared(engine, ADMIN, path)
    assert not report.committed and report.bad_rows == [3] and _placed(engine) == set()
    report = do_import_declared(engine, ADMIN, path, skip_invalid=True)
    assert report.committed and report.created == 1 and report.bad_rows == [3]
    assert _placed(engine) == {(maker, "biomedicine", "implants", "make")}
    fix = list(load_workbook(report.report_path)[FIX_SHEET].values)
    assert fix[1][:3] == ("天津乙医药商贸有限公司", "生物医药", "不存在的环节")


def test_reimporting_the_same_file_changes_nothing(world, tmp_path):
    engine, _ids = world
    path = _file(tmp_path, GOOD, OTHER)
    first = do_import_declared(engine, ADMIN, path)
    assert first.committed and (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = do_import_declared(engine, ADMIN, path)
    assert again.committed and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = do_import_declared(engine, ADMIN, _file(tmp_path, GOOD.replace("生产", "服务")))
    assert (changed.created, changed.updated) == (0, 1)


def test_rows_outside_the_importers_scope_are_refused(world, tmp_path):
    engine, (maker, _seller, lab) = world
    officer = Principal(username="tj", role="regional_officer", region_codes=("120000",))
    path = _file(tmp_path, GOOD, OTHER)  # the institute is in Beijing
    report = do_import_declared(engine, officer, path, skip_invalid=True)
    assert report.created == 1 and report.bad_rows == [3]
    assert report.errors[0].problem.key == "auth.out_of_scope"
    own = Principal(username="lab", role="enterprise", organisation_id=lab)
    report = do_import_declared(engine, own, path)
    assert not report.committed and report.bad_rows == [2]  # the other row is not theirs
    assert {p[0] for p in _placed(engine)} == {maker}


@pytest.mark.parametrize("role", ["fair_organiser", None])
def test_who_may_place_no_organisation_is_refused_outright(world, tmp_path, role):
    engine, _ids = world
    with pytest.raises(NotAllowed):
        do_import_declared(engine, Principal(role=role), _file(tmp_path, GOOD))


def test_a_file_without_a_segment_column_is_refused_whole(world, tmp_path):
    engine, _ids = world
    path = tmp_path / "x.csv"
    path.write_text("名称,产业链\n天津甲骨科器械有限公司,生物医药\n", encoding="utf-8")
    report = do_import_declared(engine, ADMIN, path)
    assert report.file_problem.key == "import.missing_column" and not report.committed
    assert "环节 / segment" in report.file_problem.message("en")


def test_the_place_command_prints_the_report_like_every_import(world, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    engine, _ids = world
    url = engine.url.render_as_string(hide_password=False)
    if not url.startswith("sqlite"):
        pytest.skip("the CLI test drives the SQLite file the CLI opens")
    monkeypatch.setenv("HAIHE_DATABASE_URL", url)
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    runner = CliRunner()
    path = _file(tmp_path, GOOD, BAD)
    r = runner.invoke(app, ["chains", "place", str(path)], env={"HAIHE_LANG": "en"})
    assert r.exit_code == 1, r.output
    assert "row 3" in r.output and "nothing was written" in r.output and "1 bad" in r.output
    r = runner.invoke(app, ["chains", "place", str(path), "--skip-invalid"])
    assert r.exit_code == 0 and "新增 1" in r.output, r.output
    r = runner.invoke(app, ["chains", "place", str(tmp_path / "missing.csv")])
    assert r.exit_code == 2
    get_settings.cache_clear()
    db.engine_for.cache_clear()
