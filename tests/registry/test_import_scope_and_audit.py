"""An organisation import writes only organisations the importer may change — as they are
registered now, not as the row says — and its audit entries name every organisation it
changed, with the changed fields before and after (issue 11, point 2)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.audit.models import AuditEntry
from haihe.registry import service
from haihe.registry.imports import do_import_organisations
from haihe.registry.schemas import ParkCreate
from tests.registry.helpers import ADMIN, HEADER, all_orgs, code, row, write_csv

PARK_HEADER = [*HEADER, "所属园区"]


def _parks(engine) -> tuple[int, int]:  # noqa: ANN001
    with Session(engine) as s:
        ours = service.do_create_park(s, ADMIN, ParkCreate(name="滨海测试园", region="120116"))
        theirs = service.do_create_park(s, ADMIN, ParkCreate(name="东丽测试园", region="120110"))
        s.commit()
        return ours.id, theirs.id


def _entries(engine, action: str) -> list[dict]:  # noqa: ANN001
    with Session(engine) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [json.loads(e.changes) for e in rows]


def test_a_row_naming_another_citys_organisation_is_refused_with_the_rest(engine, tmp_path):
    """The attack: a park manager's file carries the USCC of another city's organisation,
    with a new name and their own park; the organisation must not be renamed and moved."""
    ours, _ = _parks(engine)
    beijing = row(
        1, 统一社会信用代码=code(1, "110108"), 企业名称="北京被盯上的公司", 所属地区="海淀区"
    )
    do_import_organisations(engine, ADMIN, write_csv(tmp_path / "a.csv", [beijing]))
    manager = Principal(user_id=5, username="pm", role="park_manager", park_id=ours)
    attack = [
        [*row(2), "滨海测试园"],  # a good row of their own …
        [code(1, "110108"), "改名后的公司", "滨海新区", "3973", "", "", "", "", "滨海测试园"],
    ]
    report = do_import_organisations(
        engine, manager, write_csv(tmp_path / "b.csv", attack, header=PARK_HEADER)
    )
    assert not report.committed and report.bad_rows == [3]
    problem = report.errors[0].problem
    assert problem.key == "import.match_out_of_scope"
    assert "北京被盯上的公司" in problem.message("zh") and "管辖范围" in problem.message("zh")
    assert "outside your scope" in problem.message("en")
    assert [(o.name, o.region_code, o.park_id) for o in all_orgs(engine)] == [
        ("北京被盯上的公司", "110108", None)
    ]  # … and nothing of the file is written (all or nothing)
    assert _entries(engine, "import_update") == []


def test_a_row_matching_by_name_and_region_is_checked_against_the_match(engine, tmp_path):
    ours, theirs = _parks(engine)
    other = [row(3, 统一社会信用代码="", 企业名称="东丽某厂", 所属地区="东丽区") + ["东丽测试园"]]
    do_import_organisations(engine, ADMIN, write_csv(tmp_path / "a.csv", other, header=PARK_HEADER))
    # A manager of another park in the same district could match it by name and region.
    with Session(engine) as s:
        third = service.do_create_park(s, ADMIN, ParkCreate(name="东丽二园", region="120110")).id
        s.commit()
    manager = Principal(user_id=6, username="pm2", role="park_manager", park_id=third)
    mine = [
        row(3, 统一社会信用代码="", 企业名称="东丽某厂", 所属地区="东丽区", 从业人数="1")
        + ["东丽二园"]
    ]
    report = do_import_organisations(
        engine, manager, write_csv(tmp_path / "b.csv", mine, header=PARK_HEADER)
    )
    assert not report.committed and report.errors[0].problem.key == "import.match_out_of_scope"
    assert [(o.park_id, o.employees) for o in all_orgs(engine)] == [(theirs, 120)]
    assert ours != third


def test_the_audit_names_each_changed_organisation_with_before_and_after(engine, tmp_path):
    do_import_organisations(
        engine, ADMIN, write_csv(tmp_path / "a.csv", [row(n) for n in range(1, 5)])
    )
    ids = {o.uscc: o.id for o in all_orgs(engine)}
    again = [
        row(1, 企业名称="天津测试1号科技股份有限公司"),
        row(2, 从业人数="150", 行业代码="3973,3974"),
        row(3),
        row(4),
        row(5),
    ]
    report = do_import_organisations(engine, ADMIN, write_csv(tmp_path / "b.csv", again))
    assert (report.created, report.updated, report.unchanged) == (1, 2, 2)
    summary = _entries(engine, "import")[-1]
    assert summary["updated"] == 2 and sorted(summary["updated_ids"]) == sorted(
        [ids[code(1)], ids[code(2)]]
    )
    new_id = next(o.id for o in all_orgs(engine) if o.uscc == code(5))
    assert summary["created_ids"] == [[new_id, new_id]]
    (entry,) = _entries(engine, "import_update")
    changed = {c["id"]: c for c in entry["organisations"]}
    assert changed[ids[code(1)]]["before"] == {"name": "天津测试1号科技有限公司"}
    assert changed[ids[code(1)]]["after"] == {"name": "天津测试1号科技股份有限公司"}
    assert changed[ids[code(2)]]["before"] == {"industry_codes": ["3973"], "employees": 120}
    assert changed[ids[code(2)]]["after"] == {
        "industry_codes": ["3973", "3974"],
        "employees": 150,
    }
