"""Importing organisation files: good files, every kind of bad input, re-imports."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from haihe.accounts.scopes import Principal
from haihe.core.errors import NotAllowed
from haihe.core.importing import error_report_path
from haihe.registry.imports import do_import_organisations
from tests.registry.helpers import (
    ADMIN,
    HEADER,
    all_orgs,
    code,
    count,
    row,
    write_csv,
    write_xlsx,
)


def test_a_good_csv_is_imported_with_parsed_values(engine, tmp_path):
    path = write_csv(tmp_path / "orgs.csv", [row(1), row(2, 所属地区="海淀", 注册资本="1.2亿")])
    report = do_import_organisations(engine, ADMIN, path)
    assert report.ok and report.committed
    assert report.created == 2
    orgs = all_orgs(engine)
    assert [o.region_code for o in orgs] == ["120116", "110108"]
    assert orgs[0].registered_capital == Decimal(5000000)
    assert orgs[0].capital_currency == "CNY"
    assert orgs[0].founded == date(2015, 3, 1)
    assert orgs[0].employees == 120
    assert orgs[0].industry_codes == ["3973"]
    assert orgs[0].name_norm == "测试1号科技"


def test_reimporting_the_same_file_changes_nothing(engine, tmp_path):
    path = write_csv(tmp_path / "orgs.csv", [row(i) for i in range(1, 6)])
    do_import_organisations(engine, ADMIN, path)
    before = [(o.id, o.updated_at) for o in all_orgs(engine)]
    again = do_import_organisations(engine, ADMIN, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert [(o.id, o.updated_at) for o in all_orgs(engine)] == before


def test_changed_rows_update_in_place_by_uscc_then_by_name_and_region(engine, tmp_path):
    do_import_organisations(
        engine, ADMIN, write_csv(tmp_path / "a.csv", [row(1), row(2, 统一社会信用代码="")])
    )
    report = do_import_organisations(
        engine,
        ADMIN,
        write_csv(
            tmp_path / "b.csv",
            [
                row(1, 从业人数="300"),
                row(2, 统一社会信用代码=code(2), 企业名称="测试2号科技（天津）有限公司"),
            ],
        ),
    )
    assert (report.created, report.updated) == (0, 2)
    orgs = all_orgs(engine)
    assert len(orgs) == 2
    assert orgs[0].employees == 300
    assert orgs[1].uscc == code(2)  # matched by normalised name + region, USCC added


def test_xlsx_with_a_title_row_above_the_header(engine, tmp_path):
    path = write_xlsx(
        tmp_path / "orgs.xlsx",
        [
            row(1),
            [
                code(2),
                "北京某某生物有限公司",
                "110108",
                "2761",
                date(2010, 5, 4),
                300,
                50,
                "生物药品制造",
            ],
        ],
        title="2024年园区企业名录（内部）",
    )
    report = do_import_organisations(engine, ADMIN, path)
    assert report.ok, [e.line("en") for e in report.errors]
    assert report.created == 2
    orgs = all_orgs(engine)
    assert orgs[1].founded == date(2010, 5, 4)
    assert orgs[1].registered_capital == Decimal(3000000)


def test_gbk_file_is_detected(engine, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [row(1), row(2)], encoding="gbk")
    report = do_import_organisations(engine, ADMIN, path)
    assert report.encoding == "gb18030"
    assert report.created == 2
    assert all_orgs(engine)[0].name == "天津测试1号科技有限公司"


def test_utf8_with_bom(engine, tmp_path):
    path = write_csv(tmp_path / "bom.csv", [row(1)], encoding="utf-8-sig")
    assert do_import_organisations(engine, ADMIN, path).created == 1


def test_english_headers(engine, tmp_path):
    header = ["USCC", "Name", "Region", "Industry", "Founded", "Registered capital", "Employees"]
    path = write_csv(
        tmp_path / "en.csv",
        [[code(1), "Tianjin Test Co., Ltd.", "Binhai", "3973", "2015-01-01", "5,000,000", "12"]],
        header=header,
    )
    report = do_import_organisations(engine, ADMIN, path)
    assert report.created == 1
    assert all_orgs(engine)[0].registered_capital == Decimal(5000000)


@pytest.mark.parametrize("blank", ["", "N/A", "无", "-", "/"])
def test_missing_optional_values_in_any_spelling(engine, tmp_path, blank):
    path = write_csv(
        tmp_path / "m.csv",
        [row(1, 成立日期=blank, 从业人数=blank, **{"注册资本(万元)": blank}, 行业代码=blank)],
    )
    report = do_import_organisations(engine, ADMIN, path)
    assert report.ok
    org = all_orgs(engine)[0]
    assert org.founded is None and org.employees is None and org.registered_capital is None


def test_empty_file(engine, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    report = do_import_organisations(engine, ADMIN, path)
    assert report.file_problem.key == "file.empty"
    assert count(engine) == 0


def test_header_only(engine, tmp_path):
    report = do_import_organisations(engine, ADMIN, write_csv(tmp_path / "h.csv", []))
    assert report.file_problem.key == "file.header_only"
    assert count(engine) == 0


def test_missing_required_name_column(engine, tmp_path):
    header = ["统一社会信用代码", "所属地区"]
    report = do_import_organisations(
        engine, ADMIN, write_csv(tmp_path / "n.csv", [[code(1), "滨海"]], header=header)
    )
    assert report.file_problem.key == "import.missing_column"
    assert "name" in report.file_problem.message("en")
    assert count(engine) == 0


def _bad(engine, tmp_path, bad_row, column):  # noqa: ANN001, ANN202
    path = write_csv(tmp_path / "bad.csv", [row(1), bad_row, row(3)])
    report = do_import_organisations(engine, ADMIN, path)
    assert not report.committed
    assert count(engine) == 0, "nothing may be written when a row is bad"
    assert report.bad_rows == [3]  # header is row 1
    error = report.errors[0]
    assert error.row == 3 and error.column == column
    assert error.message("zh") and error.message("en")
    return report


def test_duplicate_uscc_inside_the_file(engine, tmp_path):
    report = _bad(engine, tmp_path, row(1, 企业名称="另一家公司"), "统一社会信用代码")
    assert "row 2" in report.errors[0].message("en")


def test_duplicate_name_and_region_inside_the_file(engine, tmp_path):
    path = write_csv(
        tmp_path / "dup.csv",
        [
            row(1, 统一社会信用代码=""),
            row(2, 统一社会信用代码="", 企业名称="测试1号科技（天津）有限公司"),
        ],
    )
    report = do_import_organisations(engine, ADMIN, path)
    assert report.bad_rows == [3]
    assert report.errors[0].problem.key == "import.duplicate_name"


def test_invalid_uscc_check_character(engine, tmp_path):
    bad = code(2)[:17] + ("0" if code(2)[17] != "0" else "1")
    report = _bad(engine, tmp_path, row(2, 统一社会信用代码=bad), "统一社会信用代码")
    assert f"'{code(2)[17]}'" in report.errors[0].message("en")


def test_unknown_region(engine, tmp_path):
    report = _bad(engine, tmp_path, row(2, 所属地区="火星新区"), "所属地区")
    assert "火星新区" in report.errors[0].message("zh")


@pytest.mark.parametrize("capital", ["一千万", "abc"])
def test_unparseable_capital(engine, tmp_path, capital):
    _bad(engine, tmp_path, row(2, **{"注册资本(万元)": capital}), "注册资本(万元)")


def test_future_founding_date(engine, tmp_path):
    future = (date.today() + timedelta(days=30)).isoformat()
    report = _bad(engine, tmp_path, row(2, 成立日期=future), "成立日期")
    assert "future" in report.errors[0].message("en")


def test_unknown_industry_code(engine, tmp_path):
    _bad(engine, tmp_path, row(2, 行业代码="9999"), "行业代码")


def test_shifted_columns(engine, tmp_path):
    path = write_csv(tmp_path / "s.csv", [row(1), [*row(2), "多出的一列"], row(3)])
    report = do_import_organisations(engine, ADMIN, path)
    assert report.bad_rows == [3] and count(engine) == 0


def test_every_bad_row_is_reported_not_just_the_first(engine, tmp_path):
    rows = [row(1), row(2, 所属地区="火星"), row(3, 成立日期="昨天"), row(4), row(5, 企业名称="")]
    report = do_import_organisations(engine, ADMIN, write_csv(tmp_path / "many.csv", rows))
    assert report.bad_rows == [3, 4, 6]
    assert count(engine) == 0


def test_skip_invalid_writes_the_good_rows_and_reports_the_rest(engine, tmp_path):
    rows = [row(1), row(2, 所属地区="火星"), row(3)]
    report = do_import_organisations(
        engine, ADMIN, write_csv(tmp_path / "s.csv", rows), skip_invalid=True
    )
    assert report.committed and report.created == 2 and report.bad_rows == [3]
    assert sorted(o.uscc for o in all_orgs(engine)) == sorted([code(1), code(3)])


def test_error_report_can_be_fixed_in_excel_and_reimported(engine, tmp_path):
    path = write_csv(tmp_path / "orgs.csv", [row(1), row(2, 所属地区="火星"), row(3)])
    report = do_import_organisations(engine, ADMIN, path)
    assert report.report_path == error_report_path(path) and report.report_path.exists()
    wb = load_workbook(report.report_path)
    ws = wb.worksheets[0]
    values = list(ws.values)
    assert list(values[0][: len(HEADER)]) == HEADER
    assert values[1][2] == "火星"
    assert "火星" in values[1][len(HEADER)]
    ws.cell(row=2, column=3, value="滨海")  # the user fixes the region in Excel
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    do_import_organisations(engine, ADMIN, write_csv(tmp_path / "good.csv", [row(1), row(3)]))
    again = do_import_organisations(engine, ADMIN, fixed)
    assert again.ok and again.created == 1
    assert count(engine) == 3


def test_garbled_text_is_rejected(engine, tmp_path):
    report = _bad(engine, tmp_path, row(2, 企业名称="����ΰ��ɻ�����޹�˾"), "企业名称")
    assert report.errors[0].problem.key == "import.garbled"


def test_truncated_business_scope_keeps_its_good_part(engine, tmp_path):
    path = write_csv(tmp_path / "t.csv", [row(1, 经营范围="生产电子元件及相关咨询\ufffd")])
    assert do_import_organisations(engine, ADMIN, path).created == 1
    assert all_orgs(engine)[0].description == "生产电子元件及相关咨询"


def test_unsupported_file_type(engine, tmp_path):
    path = tmp_path / "orgs.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert do_import_organisations(engine, ADMIN, path).file_problem.key == "file.unsupported"


def test_parsing_in_worker_processes_gives_the_same_result(engine, tmp_path, sqlite_template):
    """Large files are parsed on every core; the outcome must not depend on it."""
    import shutil

    from haihe.core.db import make_engine

    rows = [row(i) for i in range(1, 3000)]
    rows[1500] = row(1501, 所属地区="火星")
    path = write_csv(tmp_path / "big.csv", rows)
    one = do_import_organisations(engine, ADMIN, path, workers=1, skip_invalid=True)
    other_path = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_path)
    other = make_engine(f"sqlite:///{other_path}")
    two = do_import_organisations(other, ADMIN, path, workers=2, skip_invalid=True)
    assert (one.created, one.bad_rows) == (two.created, two.bad_rows) == (2998, [1502])
    assert [e.message("en") for e in one.errors] == [e.message("en") for e in two.errors]
    assert [(o.uscc, o.name_norm, o.region_code) for o in all_orgs(engine)] == [
        (o.uscc, o.name_norm, o.region_code) for o in all_orgs(other)
    ]


# Who may import which rows: the registry's door decides ------------------------------------


@pytest.fixture
def parks(engine):
    from sqlalchemy.orm import Session

    from haihe.registry import service
    from haihe.registry.schemas import ParkCreate

    with Session(engine) as s:
        ours = service.do_create_park(s, ADMIN, ParkCreate(name="滨海测试园", region="120116"))
        theirs = service.do_create_park(s, ADMIN, ParkCreate(name="海淀测试园", region="110108"))
        s.commit()
        return ours.id, theirs.id


def _rows(n_from: int, park: str, n: int = 2) -> tuple[list[list[str]], list[str]]:
    header = [*HEADER, "所属园区"]
    return [[*row(i), park] for i in range(n_from, n_from + n)], header


def test_a_park_manager_writes_only_the_rows_of_their_park(engine, tmp_path, parks):
    ours, _theirs = parks
    manager = Principal(username="pm", role="park_manager", park_id=ours)
    good, header = _rows(1, "滨海测试园")
    other, _ = _rows(3, "海淀测试园", 1)
    path = write_csv(tmp_path / "p.csv", [*good, *other], header=header)
    report = do_import_organisations(engine, manager, path)
    assert not report.committed and count(engine) == 0
    assert report.bad_rows == [4] and report.errors[0].problem.key == "auth.out_of_scope"
    report = do_import_organisations(engine, manager, path, skip_invalid=True)
    assert report.committed and report.created == 2 and count(engine) == 2
    assert {o.park_id for o in all_orgs(engine)} == {ours}


def test_a_park_manager_cannot_take_over_another_parks_organisation(engine, tmp_path, parks):
    ours, theirs = parks
    theirs_rows, header = _rows(7, "海淀测试园", 1)
    do_import_organisations(
        engine, ADMIN, write_csv(tmp_path / "a.csv", theirs_rows, header=header)
    )
    manager = Principal(username="pm", role="park_manager", park_id=ours)
    mine = [[*theirs_rows[0][:-1], "滨海测试园"]]  # the same USCC, moved into their park
    report = do_import_organisations(
        engine, manager, write_csv(tmp_path / "b.csv", mine, header=header)
    )
    assert not report.committed and report.bad_rows == [2]
    assert report.errors[0].problem.key == "import.match_out_of_scope"
    assert report.report_path.exists()
    assert {o.park_id for o in all_orgs(engine)} == {theirs}


def test_a_regional_officer_writes_only_rows_in_their_regions(engine, tmp_path):
    officer = Principal(username="tj", role="regional_officer", region_codes=("120000",))
    path = write_csv(tmp_path / "r.csv", [row(1), row(2, 所属地区="海淀")])
    report = do_import_organisations(engine, officer, path, skip_invalid=True)
    assert report.created == 1 and report.bad_rows == [3]
    assert [o.region_code for o in all_orgs(engine)] == ["120116"]


@pytest.mark.parametrize("role", ["enterprise", "fair_organiser", None])
def test_who_may_import_no_organisation_is_refused_outright(engine, tmp_path, role):
    path = write_csv(tmp_path / "o.csv", [row(1)])
    with pytest.raises(NotAllowed):
        do_import_organisations(engine, Principal(username="u", role=role, organisation_id=1), path)
    assert count(engine) == 0 and not error_report_path(path).exists()
