"""The one import kernel: column specs, named sheets, the report, the error file, and the
three imports that share them."""

from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from haihe.core.errors import InvalidInput
from haihe.core.importing import (
    DETAIL_SHEET,
    FIX_SHEET,
    Column,
    Columns,
    ImportReport,
    RowError,
    error_report_path,
    open_sheet,
)
from tests.registry.helpers import ADMIN, row, write_csv

SPEC = Columns(
    [
        Column("code", ("项目编号", "code"), required=True),
        Column("amount", ("金额", "amount")),
    ],
    unused=("序号",),
)


def _book(path, sheets):  # noqa: ANN001, ANN202
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_headers_in_chinese_or_english_and_unknown_columns_are_ignored(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("序号,Code,金额（万元）,备注\n1,A1,5,x\n", encoding="utf-8")
    sheet = open_sheet(path, SPEC)
    assert sheet.columns.index == {"code": 1, "amount": 2}
    assert sheet.columns.header("amount") == "金额（万元）"
    assert sheet.columns.ignored == ["备注"]  # 序号 is known and not stored
    assert list(sheet.rows) == [(2, ["1", "A1", "5", "x"])]


def test_a_missing_required_column_is_a_problem_with_the_whole_file(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("金额\n5\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        open_sheet(path, SPEC)
    assert caught.value.key == "import.missing_column"
    assert "项目编号 / code" in caught.value.message("en")


def test_a_named_sheet_is_read_below_its_title_row(tmp_path):
    path = _book(
        tmp_path / "b.xlsx",
        {"说明": [["这是说明"]], "数据": [["2024 年台账"], ["项目编号", "金额"], ["A1", 3]]},
    )
    sheet = open_sheet(path, SPEC, sheet="数据", label="数据")
    assert sheet.table.header_row == 2
    assert list(sheet.rows) == [(3, ["A1", 3])]
    with pytest.raises(InvalidInput) as caught:
        open_sheet(path, SPEC, sheet=0)
    assert caught.value.key == "file.no_header"


def test_all_or_nothing_unless_bad_rows_are_skipped(tmp_path):
    path = write_csv(tmp_path / "a.csv", [])
    sheet = open_sheet(path, Columns([Column("x", ("统一社会信用代码",))]))
    done: list[str] = []
    for skip in (False, True):
        report = ImportReport(path, skip_invalid=skip, rows=2, created=1)
        report.reject(sheet, 3, ["a"], [RowError(3, "x", "a", InvalidInput("import.garbled"))])
        assert not report.writing or skip
        report.settle(lambda: done.append("commit"), lambda: done.append("rollback"))
        assert report.committed is skip and report.created == int(skip) and report.bad == 1
    assert done == ["rollback", "commit"]
    empty = ImportReport(path)
    empty.settle(lambda: None, lambda: None)
    assert empty.file_problem.key == "file.header_only" and not empty.committed


def test_the_error_file_holds_each_sheets_rows_to_fix_and_every_error(tmp_path):
    path = _book(
        tmp_path / "c.xlsx",
        {"项目": [["项目编号", "金额"], ["A1", "x"]], "节点": [["项目编号", "金额"], ["B9", 1]]},
    )
    report = ImportReport(path)
    main = open_sheet(path, SPEC, sheet=0)
    other = open_sheet(path, SPEC, sheet=1, label="节点")
    report.read(main)
    report.read(other)
    report.rows = 2
    bad = InvalidInput("value.amount_unreadable", value="x")
    report.reject(other, 2, ["B9", 1], [RowError(2, "项目编号", "B9", InvalidInput("file.empty"))])
    report.reject(main, 2, ["A1", "x"], [RowError(2, "金额", "x", bad)])
    report.settle(lambda: None, lambda: None)
    lines = [e.line("en") for e in report.errors]  # the main sheet's rows first
    assert lines[0].startswith("row 2, column '金额', value 'x': ")
    assert lines[1] == "row 2, column '节点:项目编号', value 'B9': the file is empty"
    report.finish()
    assert report.report_path == error_report_path(path)
    wb = load_workbook(report.report_path)
    assert wb.sheetnames == [FIX_SHEET, "节点", DETAIL_SHEET, "说明 about"]
    assert list(wb[FIX_SHEET].values)[1][:2] == ("A1", "x")
    assert list(wb["节点"].values)[1][:2] == ("B9", 1)
    details = list(wb[DETAIL_SHEET].values)[1:]
    assert [d[1] for d in details] == ["金额", "节点:项目编号"]
    assert all(d[3] and d[4] for d in details)  # the reason in Chinese and in English


# The three imports answer the same way -----------------------------------------------------


@pytest.fixture
def world(engine):
    from haihe.chains import service as chains
    from haihe.fairs import service as fairs
    from haihe.registry import service as registry
    from haihe.registry.schemas import OrganisationCreate
    from tests.registry.helpers import code

    with engine.begin() as conn:
        registry.do_bulk_create_organisations(
            conn,
            ADMIN,
            [
                OrganisationCreate(
                    name="北京导入生物有限公司", uscc=code(901, "110108"), region_code="110108"
                )
            ],
        )
    with Session(engine) as s:
        chains.do_install_shipped(s, ADMIN)
        fairs.do_create_fair(s, ADMIN, name="导入对接会", starts_on=date(2023, 6, 15))
        s.commit()
    return engine


def _organisations(tmp_path):  # noqa: ANN001, ANN202
    return write_csv(tmp_path / "orgs.csv", [row(1), row(2, 所属地区="火星")])


def _projects(tmp_path):  # noqa: ANN001, ANN202
    return _book(
        tmp_path / "projects.xlsx",
        {
            "项目": [
                ["项目编号", "项目名称", "落地地区"],
                ["K1", "好项目", "滨海新区"],
                ["K2", "坏项目", "火星"],
            ]
        },
    )


def _declared(tmp_path):  # noqa: ANN001, ANN202
    path = tmp_path / "declared.csv"
    path.write_text(
        "名称,产业链,环节\n北京导入生物有限公司,生物医药,不存在的环节\n", encoding="utf-8"
    )
    return path


def test_every_import_answers_with_the_one_report_and_writes_the_rows_to_fix(world, tmp_path):
    from haihe.chains.declared import do_import_declared
    from haihe.projects.transfer import do_import_projects
    from haihe.registry.imports import do_import_organisations

    reports = {
        "organisations": do_import_organisations(world, ADMIN, _organisations(tmp_path)),
        "projects": do_import_projects(world, ADMIN, _projects(tmp_path)),
        "declared": do_import_declared(world, ADMIN, _declared(tmp_path)),
    }
    for name, report in reports.items():
        assert type(report) is ImportReport, name
        assert not report.committed and report.bad == 1 and report.written == 0, name
        error = report.errors[0]
        assert error.row and error.column and error.message("zh") and error.message("en")
        assert report.report_path == error_report_path(report.path), name
        fix = list(load_workbook(report.report_path)[FIX_SHEET].values)
        assert len(fix) == 2 and fix[1][-1] == error.row, name  # the row, and where it was
