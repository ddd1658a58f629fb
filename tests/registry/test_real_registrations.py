"""Real 2002 Beijing, Tianjin and Hebei registrations, exactly as exported (evaluation data,
read from ../shared/data, never copied into the project)."""

import csv
import shutil

import pytest
from sqlalchemy.orm import Session

from haihe.codes import regions, uscc
from haihe.registry.imports import do_import_organisations
from tests.registry.helpers import ADMIN, all_orgs, count

FILES = {"北京": "110000", "天津": "120000", "河北": "130000"}


@pytest.fixture
def registrations(shared_data, tmp_path):
    folder = shared_data / "eval" / "enterprise-registrations-2002"
    out = {}
    for name in FILES:
        out[name] = shutil.copy(folder / f"{name}.csv", tmp_path / f"{name}.csv")
    return out


def _county_supported(record: dict[str, str], province: str) -> bool:
    """Whether the district column, the address or the USCC names a county-level division."""
    district = regions.lookup(record["地区"], within=province) if record["地区"] != "N/A" else None
    if district is not None and district.level == "county":
        return True
    found = regions.find_in_text(record["注册地址"], within=province)
    if found is not None and found.level == "county":
        return True
    check = uscc.validate(record["统一社会信用代码"])
    if check.ok:
        r = regions.get(regions.successor(check.code[2:8]))
        if r is not None and r.level == "county" and regions.is_within(r.code, province):
            return True
    return False


def test_without_skip_invalid_nothing_is_written_and_garbled_rows_are_reported(
    engine, registrations
):
    for path in registrations.values():
        report = do_import_organisations(engine, ADMIN, path)
        assert not report.committed
        assert report.errors
        assert any(e.problem.key == "import.garbled" for e in report.errors)
    assert count(engine) == 0


def test_with_skip_invalid_almost_every_row_lands_in_its_most_specific_region(
    engine, registrations
):
    total = imported = 0
    for path in registrations.values():
        report = do_import_organisations(engine, ADMIN, path, skip_invalid=True)
        assert report.committed
        # Every row is either imported or named in the report with its reason.
        assert report.rows == report.created + len(report.bad_rows)
        assert all(e.message("zh") and e.message("en") for e in report.errors)
        total += report.rows
        imported += report.created
    assert imported / total >= 0.98, f"{imported}/{total}"

    with open(registrations["河北"], encoding="utf-8") as f:
        hebei = {r["统一社会信用代码"]: r for r in csv.DictReader(f)}
    records = {}
    for name, province in FILES.items():
        with open(registrations[name], encoding="utf-8") as f:
            for r in csv.DictReader(f):
                records[r["统一社会信用代码"].strip().upper()] = (r, province)
    assert hebei

    not_specific = []
    for org in all_orgs(engine):
        record, province = records[org.uscc]
        assert org.region_code is not None, org.name
        region = regions.require(org.region_code)
        assert regions.is_within(region.code, province), (org.name, region.code)
        if province == "130000":
            assert region.level in ("prefecture", "county"), (org.name, region.code)
        if _county_supported(record, province) and region.level != "county":
            not_specific.append((org.name, region.code))
        assert uscc.validate(org.uscc).ok
    assert not not_specific, not_specific[:10]


def test_capital_is_read_in_yuan_with_its_currency(engine, registrations):
    do_import_organisations(engine, ADMIN, registrations["天津"], skip_invalid=True)
    with Session(engine) as s:
        from sqlalchemy import select

        from haihe.registry.models import Organisation

        org = (
            s.execute(select(Organisation).where(Organisation.uscc == "91120116735441915N"))
            .unique()
            .scalar_one()
        )
        assert org.registered_capital == 300000  # 30(万元人民币)
        assert org.capital_currency == "CNY"
        assert org.region_code == "120116"  # 滨海
        usd = (
            s.execute(select(Organisation).where(Organisation.capital_currency == "USD"))
            .unique()
            .scalars()
            .first()
        )
        assert usd is not None
