"""Placement kept in step without a separate step: a new database gets the shipped chains
on first use, an import (command line or web) and an edit place the organisations they
add or change, and a classification that places nobody says why."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haihe.chains import definitions, placements
from haihe.chains.models import Chain, Placement
from haihe.models import load_all
from haihe.registry.imports import do_import_organisations
from haihe.registry.models import Organisation
from haihe.registry.schemas import OrganisationCreate
from haihe.registry.service import do_create_organisation
from haihe.web.app import create_app
from tests.conftest import make_admin, signed_client
from tests.registry.helpers import ADMIN, OPERATOR, row, write_csv


def _placed(engine) -> dict[str, set[tuple[str, str]]]:
    with Session(engine) as s:
        out: dict[str, set[tuple[str, str]]] = {}
        for name, chain, seg in s.execute(
            select(Organisation.name, Placement.chain_key, Placement.segment_id).join(
                Organisation, Organisation.id == Placement.organisation_id
            )
        ):
            out.setdefault(name, set()).add((chain, seg))
        return out


def _chains(engine) -> set[str]:
    with Session(engine) as s:
        return set(s.scalars(select(Chain.key)))


def test_an_import_on_a_new_database_installs_the_chains_and_places_what_it_adds(engine, tmp_path):
    load_all()
    assert _chains(engine) == set()
    path = write_csv(
        tmp_path / "o.csv",
        [
            row(1, 企业名称="天津测试座椅有限公司", 经营范围="生产汽车座椅、天窗", 行业代码="3670"),
            row(2, 企业名称="天津测试餐饮有限公司", 经营范围="餐饮服务", 行业代码="6210"),
        ],
    )
    report = do_import_organisations(engine, ADMIN, path, write_report=False)
    assert report.created == 2, report.errors
    assert _chains(engine) == {d.key for d in definitions.shipped()}
    got = _placed(engine)
    assert ("nev", "parts") in got["天津测试座椅有限公司"]
    assert "天津测试餐饮有限公司" not in got
    # an update that changes the scope re-places it
    path = write_csv(
        tmp_path / "u.csv",
        [row(1, 企业名称="天津测试座椅有限公司", 经营范围="生产中成药、中药饮片", 行业代码="2740")],
    )
    report = do_import_organisations(engine, ADMIN, path, write_report=False)
    assert report.updated == 1, report.errors
    got = _placed(engine)["天津测试座椅有限公司"]
    assert ("tcm", "patent_medicines") in got and ("nev", "parts") not in got


def test_an_import_on_the_web_and_an_edit_place_at_once(engine, tmp_path):
    make_admin(engine)
    client = signed_client(create_app(engine), "admin")
    path = write_csv(tmp_path / "w.csv", [row(3, 经营范围="研发、生产锂离子电池、储能系统")])
    r = client.post("/import", files={"file": ("w.csv", path.read_bytes(), "text/csv")})
    assert r.status_code == 200
    got = _placed(engine)["天津测试3号科技有限公司"]
    assert ("new_energy", "storage_cells") in got or ("new_energy", "storage_systems") in got
    with Session(engine) as s:  # one created through the service (the web form's path)
        do_create_organisation(
            s,
            OPERATOR,
            OrganisationCreate(
                name="天津测试光伏有限公司", region_code="120116", description="生产光伏组件"
            ),
        )
        s.commit()
    assert ("new_energy", "pv_modules") in _placed(engine)["天津测试光伏有限公司"]
    with Session(engine) as s:  # an edit through the ORM
        org = s.scalars(
            select(Organisation).where(Organisation.name == "天津测试光伏有限公司")
        ).one()
        org.description = "餐饮服务"
        s.commit()
    assert "天津测试光伏有限公司" not in _placed(engine)


def test_classify_on_a_new_database_says_what_it_did(tmp_path, monkeypatch):
    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    monkeypatch.setenv("HAIHE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("HAIHE_LANG", "zh")
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    try:
        r = CliRunner().invoke(app, ["chains", "classify"])
        assert r.exit_code == 0, r.output
        out = r.output.replace("\n", "")  # the console wraps long lines
        assert "已先安装随 Haihe 提供的 21 条" in out
        assert "登记库中还没有机构" in out  # why nobody was placed
    finally:
        get_settings.cache_clear()
        db.engine_for.cache_clear()


def test_a_classification_without_chains_says_so(engine, tmp_path, monkeypatch):
    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    monkeypatch.setattr(placements, "ensure_chains", lambda conn: [])  # e.g. none shipped
    with engine.begin() as conn:
        result = placements.classify_all(conn)
    assert result.chains == 0 and result.placements == 0
    monkeypatch.setenv("HAIHE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("HAIHE_LANG", "en")
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    try:
        r = CliRunner().invoke(app, ["chains", "classify"])
        assert r.exit_code == 0, r.output
        assert "There are no chains, so nobody was placed" in r.output.replace("\n", " ")
    finally:
        get_settings.cache_clear()
        db.engine_for.cache_clear()
