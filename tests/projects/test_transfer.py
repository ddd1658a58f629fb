"""Importing and exporting projects: round trip, all-or-nothing, bad rows reported."""

from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haihe.accounts.scopes import Principal
from haihe.chains import service as chains
from haihe.fairs import service as fairs
from haihe.projects import figures, queries
from haihe.projects.figures import FigureFilter
from haihe.projects.transfer import do_import_projects, export_projects
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate
from tests.registry.helpers import ADMIN, OPERATOR, code

HEADER = [
    "项目编号",
    "项目名称",
    "项目类型",
    "产业链",
    "签约日期",
    "意向投资(亿元)",
    "投资方",
    "承接方",
    "落地地区",
    "对接会",
    "负责人",
]


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        registry.do_bulk_create_organisations(
            conn,
            OPERATOR,
            [
                OrganisationCreate(
                    name="北京导入生物有限公司", uscc=code(1, "110108"), region_code="110108"
                ),
                OrganisationCreate(
                    name="天津导入制造有限公司", uscc=code(2, "120116"), region_code="120116"
                ),
            ],
        )
    with Session(engine) as s:
        fairs.do_create_fair(s, OPERATOR, name="导入对接会", starts_on=date(2023, 6, 15))
        chains.do_install_shipped(s, OPERATOR)  # projects name real chains
        s.commit()
    return engine


def _book(path, projects, milestones=None):  # noqa: ANN001, ANN202
    wb = Workbook()
    ws = wb.active
    ws.title = "项目"
    ws.append(HEADER)
    for r in projects:
        ws.append(r)
    if milestones is not None:
        ms = wb.create_sheet("节点")
        ms.append(["项目编号", "节点", "日期", "证明材料"])
        for r in milestones:
            ms.append(r)
    wb.save(path)
    return path


def _row(n, **over):  # noqa: ANN001, ANN003, ANN202
    base = {
        "项目编号": f"T{n}",
        "项目名称": f"导入项目{n}",
        "项目类型": "生产基地",
        "产业链": "biomedicine",
        "签约日期": date(2023, 6, 15),
        "意向投资(亿元)": 2.5,
        "投资方": code(1, "110108"),
        "承接方": "天津导入制造有限公司",
        "落地地区": "滨海新区",
        "对接会": "导入对接会",
        "负责人": "王磊",
    }
    base.update(over)
    return [base[h] for h in HEADER]


def test_import_creates_projects_with_milestones_and_reimport_changes_nothing(world, tmp_path):
    path = _book(
        tmp_path / "p.xlsx",
        [_row(1), _row(2, **{"意向投资(亿元)": "3000万"})],
        [["T1", "已投产", date(2023, 9, 1), "投产仪式"], ["T1", "已纳税", date(2023, 12, 1), None]],
    )
    r = do_import_projects(world, ADMIN, path, today=date(2024, 2, 8))
    assert r.committed, [e.line("en") for e in r.errors]
    assert (r.created, r.counts["milestones_recorded"]) == (2, 2)
    with Session(world) as s:
        f = figures.compute(s, FigureFilter(), today=date(2024, 2, 8))
        assert (f.signed, f.in_operation, f.paying_tax) == (2, 1, 1)
        assert str(f.intended_investment_yuan) == "280000000.00"
        p = queries.find_project(s, "T1")
        assert (p.origin_province, p.landing_region_code, p.project_type) == (
            "110000",
            "120116",
            "manufacturing_base",
        )
    again = do_import_projects(world, ADMIN, path, today=date(2024, 2, 8))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.counts == {"milestones_recorded": 0}


def test_one_bad_row_writes_nothing_and_reports_every_bad_row(world, tmp_path):
    path = _book(
        tmp_path / "bad.xlsx",
        [_row(1), _row(2, 投资方="不存在的公司"), _row(3, 落地地区="火星"), _row(1)],
        [["T1", "已纳税", date(2023, 7, 1), None], ["T9", "已投产", date(2023, 7, 1), None]],
    )
    r = do_import_projects(world, ADMIN, path, today=date(2024, 2, 8))
    assert not r.committed
    rows = {(e.row, e.problem.key) for e in r.errors}
    assert {
        (3, "projects.party_unknown"),
        (4, "import.region_unknown"),
        (5, "projects.duplicate_code"),
        (3, "projects.unknown_code"),
    } <= rows
    assert any(e.sheet == "节点" and e.row == 3 for e in r.errors)
    assert r.report_path and r.report_path.exists()
    with Session(world) as s:
        assert figures.compute(s, FigureFilter()).signed == 0


@pytest.mark.parametrize("content", [b"", None])
def test_empty_or_missing_file(world, tmp_path, content):
    path = tmp_path / "x.xlsx"
    if content is not None:
        path.write_bytes(content)
    r = do_import_projects(world, ADMIN, path)
    assert r.file_problem is not None and not r.committed


def test_export_reads_back(world, tmp_path):
    do_import_projects(
        world,
        ADMIN,
        _book(tmp_path / "p.xlsx", [_row(1), _row(2)], [["T1", "已开工", date(2023, 8, 1), None]]),
        today=date(2024, 2, 8),
    )
    out = tmp_path / "out.xlsx"
    assert export_projects(world, out) == 2
    r = do_import_projects(world, ADMIN, out, today=date(2024, 2, 8))
    assert r.committed and (r.created, r.updated, r.unchanged) == (0, 0, 2)


def test_projects_cli(world, tmp_path, monkeypatch):
    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    url = world.url.render_as_string(hide_password=False)
    if not url.startswith("sqlite"):
        pytest.skip("the CLI test drives the SQLite file the CLI opens")
    monkeypatch.setenv("HAIHE_DATABASE_URL", url)
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    runner = CliRunner()
    path = _book(tmp_path / "p.xlsx", [_row(1)])
    r = runner.invoke(app, ["projects", "import", str(path)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "projects",
            "milestone",
            "T1",
            "construction_started",
            "2023-08-01",
            "--evidence",
            "施工许可",
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["projects", "milestone", "T1", "at_capacity", "2023-09-01"])
    assert r.exit_code == 2  # refused by the lifecycle: bad input
    r = runner.invoke(app, ["projects", "figures"])
    assert "已开工" in r.output and r.exit_code == 0
    r = runner.invoke(app, ["projects", "show", "T1"])
    assert "施工许可" in r.output
    bad = _book(tmp_path / "bad.xlsx", [_row(5, 落地地区="火星")])
    r = runner.invoke(app, ["projects", "import", str(bad)])
    assert r.exit_code == 1 and "火星" in r.output
    get_settings.cache_clear()
    db.engine_for.cache_clear()


def test_skip_invalid_writes_every_good_row_and_leaves_each_bad_one_out_whole(world, tmp_path):
    path = _book(
        tmp_path / "skip.xlsx",
        [_row(1), _row(2, 落地地区="火星"), _row(3)],
        [
            ["T1", "已投产", date(2023, 9, 1), None],
            ["T3", "已纳税", date(2023, 7, 1), None],  # refused: T3 is not operating
            ["T2", "已投产", date(2023, 9, 1), None],  # T2 is left out, so is this row
        ],
    )
    r = do_import_projects(world, ADMIN, path, skip_invalid=True, today=date(2024, 2, 8))
    assert r.committed and (r.created, r.counts["milestones_recorded"]) == (2, 1)
    assert r.bad_rows == [3] and r.bad == 3
    assert {(e.sheet, e.row) for e in r.errors} == {(None, 3), ("节点", 3), ("节点", 4)}
    assert r.report_path.exists()
    with Session(world) as s:
        assert queries.find_project(s, "T2") is None
        assert queries.find_project(s, "T3").stage == "signed"
        assert queries.find_project(s, "T1").stage == "in_operation"
    again = do_import_projects(world, ADMIN, path, skip_invalid=True, today=date(2024, 2, 8))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.counts["milestones_recorded"] == 0


def test_a_title_row_and_unknown_columns(world, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024 年签约项目台账"])
    ws.append([*HEADER, "颜色"])
    ws.append([*_row(1), "蓝"])
    wb.save(tmp_path / "t.xlsx")
    r = do_import_projects(world, ADMIN, tmp_path / "t.xlsx", today=date(2024, 2, 8))
    assert r.committed and r.created == 1 and r.ignored_columns == ["颜色"]


@pytest.mark.parametrize("role", ["enterprise", "fair_organiser", None])
def test_who_may_edit_no_project_is_refused_outright(world, tmp_path, role):
    from haihe.accounts.scopes import Principal
    from haihe.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        do_import_projects(world, Principal(role=role), _book(tmp_path / "p.xlsx", [_row(1)]))


def test_the_import_is_one_audit_entry_with_its_counts(world, tmp_path):
    from sqlalchemy import select

    from haihe.audit.models import AuditEntry

    do_import_projects(world, ADMIN, _book(tmp_path / "p.xlsx", [_row(1)]), today=date(2024, 2, 8))
    with Session(world) as s:
        items = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "projects")).all()
    assert [(e.action, e.object_id) for e in items] == [("import", "p.xlsx")]
    assert '"created": 1' in items[0].changes


def test_a_row_naming_a_project_outside_the_importers_scope_is_refused(world, tmp_path):
    """Checked against the project as registered (landing in Binhai), not the row: a Hebei
    officer's file naming its code changes nothing; an allowed update is audited with the
    project's id and its fields before and after."""
    import json

    from sqlalchemy import select

    from haihe.audit.models import AuditEntry
    from haihe.projects.models import Project

    do_import_projects(world, ADMIN, _book(tmp_path / "a.xlsx", [_row(1)]), today=date(2024, 2, 8))
    hebei = Principal(user_id=9, username="hb", role="regional_officer", region_codes=("130000",))
    r = do_import_projects(
        world,
        hebei,
        _book(tmp_path / "b.xlsx", [_row(1, 项目名称="被改名", 负责人="外人")]),
        today=date(2024, 2, 8),
    )
    assert not r.committed and r.bad_rows == [2]
    with Session(world) as s:
        (p,) = s.scalars(select(Project)).all()
        assert (p.title, p.officer) == ("导入项目1", "王磊")
    tianjin = Principal(user_id=8, username="tj", role="regional_officer", region_codes=("120000",))
    r = do_import_projects(
        world, tianjin, _book(tmp_path / "c.xlsx", [_row(1, 负责人="李娜")]), today=date(2024, 2, 8)
    )
    assert r.committed and r.updated == 1
    with Session(world) as s:
        entries = s.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "project", AuditEntry.action == "update"
            )
        ).all()
    changes = [json.loads(e.changes) for e in entries]
    assert [(e.object_id, c.get("officer")) for e, c in zip(entries, changes, strict=True)] == [
        (str(p.id), ["王磊", "李娜"])
    ]
