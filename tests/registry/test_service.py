"""The registry's writes check the principal themselves, refuse bad input naming the field,
and are audited with the principal as the actor."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import ANONYMOUS, Principal
from haihe.audit import queries as audit
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.models import load_all
from haihe.registry import queries, service
from haihe.registry.models import Organisation, Park
from haihe.registry.schemas import OrganisationCreate, ParkCreate
from tests.registry.helpers import OPERATOR, code

BINHAI_OFFICER = Principal(
    user_id=11, username="binhai", role="regional_officer", region_codes=("120116",), ip="10.0.0.2"
)
ENTERPRISE = Principal(user_id=12, username="winute", role="enterprise", organisation_id=1)


@pytest.fixture
def park_id(engine):
    load_all()
    with Session(engine) as s:
        park = service.do_create_park(s, OPERATOR, ParkCreate(name="测试园区", region="120116"))
        s.commit()
        return park.id


def _manager(park: int) -> Principal:
    return Principal(user_id=13, username="park", role="park_manager", park_id=park)


def _count(engine, model) -> int:  # noqa: ANN001
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_create_organisation_refuses_a_principal_out_of_scope(engine, park_id):
    with Session(engine) as s:
        for who, data in [
            (ANONYMOUS, OrganisationCreate(name="天津甲有限公司", region_code="120116")),
            (ENTERPRISE, OrganisationCreate(name="天津甲有限公司", region_code="120116")),
            (BINHAI_OFFICER, OrganisationCreate(name="北京甲有限公司", region_code="110108")),
            (_manager(park_id), OrganisationCreate(name="天津乙有限公司", region_code="120116")),
            (_manager(park_id + 1), OrganisationCreate(name="天津丙有限公司", park_id=park_id)),
        ]:
            with pytest.raises(NotAllowed):
                service.do_create_organisation(s, who, data)
        s.commit()
    assert _count(engine, Organisation) == 0


def _actor_ids(engine, items) -> list:  # noqa: ANN001
    from haihe.audit.models import AuditEntry

    with Session(engine) as s:
        return [s.get(AuditEntry, e.id).user_id for e in items]


def test_create_organisation_in_scope_is_audited_with_the_principal(engine, park_id):
    with Session(engine) as s:
        org = service.do_create_organisation(
            s, BINHAI_OFFICER, OrganisationCreate(name="天津滨海甲有限公司", region_code="120116")
        )
        service.do_create_organisation(
            s, _manager(park_id), OrganisationCreate(name="园区乙有限公司", park_id=park_id)
        )
        s.commit()
        items, _ = audit.list_entries(s, object_type="organisation", object_id=str(org.id))
    assert [(e.action, e.username, e.ip) for e in items] == [("create", "binhai", "10.0.0.2")]
    assert _actor_ids(engine, items) == [11]
    assert items[0].changes["name"] == "天津滨海甲有限公司"


def test_create_organisation_names_the_bad_field_and_a_taken_uscc(engine):
    with Session(engine) as s:
        for data, field in [
            (OrganisationCreate(name="  "), "name"),
            (OrganisationCreate(name="甲", kind="alien"), "kind"),
            (OrganisationCreate(name="甲", uscc="91120116735441915A"), "uscc"),
            (OrganisationCreate(name="甲", region_code="999999"), "region_code"),
            (OrganisationCreate(name="甲", industry_codes=("9999",)), "industry_codes"),
            (OrganisationCreate(name="甲", employees=-1), "employees"),
            (OrganisationCreate(name="甲", registered_capital=-5), "registered_capital"),
            (OrganisationCreate(name="甲", founded="2999-01-01"), "founded"),
        ]:
            with pytest.raises(InvalidInput) as exc:
                service.do_create_organisation(s, OPERATOR, data)
            assert exc.value.field == field
            assert exc.value.message("zh") != exc.value.message("en")
        service.do_create_organisation(s, OPERATOR, OrganisationCreate(name="甲", uscc=code(1)))
        with pytest.raises(InvalidInput) as exc:
            service.do_create_organisation(s, OPERATOR, OrganisationCreate(name="乙", uscc=code(1)))
        assert exc.value.field == "uscc" and code(1) in exc.value.message("en")


def test_create_park_refuses_a_principal_out_of_scope(engine):
    load_all()
    with Session(engine) as s:
        for who, region in [
            (ANONYMOUS, "120116"),
            (ENTERPRISE, "120116"),
            (_manager(1), "120116"),
            (BINHAI_OFFICER, "110108"),
        ]:
            with pytest.raises(NotAllowed):
                service.do_create_park(s, who, ParkCreate(name="新园区", region=region))
        park = service.do_create_park(s, BINHAI_OFFICER, ParkCreate(name="新园区", region="滨海"))
        s.commit()
        assert park.region_code == "120116"
        items, _ = audit.list_entries(s, object_type="park", object_id=str(park.id))
        assert [(e.action, e.username) for e in items] == [("create", "binhai")]
        with pytest.raises(InvalidInput) as exc:
            service.do_create_park(s, OPERATOR, ParkCreate(name="新园区", region="120116"))
        assert exc.value.field == "name"
    assert _count(engine, Park) == 1


def test_bulk_create_refuses_the_whole_batch_if_one_item_is_out_of_scope(engine, park_id):
    items = [
        OrganisationCreate(name="天津批量甲有限公司", region_code="120116"),
        OrganisationCreate(name="北京批量乙有限公司", region_code="110108"),
    ]
    with engine.begin() as conn:
        for who in (ANONYMOUS, ENTERPRISE, BINHAI_OFFICER, _manager(park_id)):
            with pytest.raises(NotAllowed):
                service.do_bulk_create_organisations(conn, who, items)
    assert _count(engine, Organisation) == 0


def test_bulk_create_is_audited_once_with_the_principal(engine):
    load_all()
    with engine.begin() as conn:
        ids = service.do_bulk_create_organisations(
            conn,
            BINHAI_OFFICER,
            [
                OrganisationCreate(name=f"天津批量{i}有限公司", region_code="120116")
                for i in range(3)
            ],
        )
    with Session(engine) as s:
        assert queries.count_organisations(s) == 3
        items, _ = audit.list_entries(s, object_type="organisation")
    assert [(e.action, e.username) for e in items] == [("bulk_create", "binhai")]
    assert _actor_ids(engine, items) == [11]
    assert items[0].changes == {"count": 3, "first_id": ids[0], "last_id": ids[-1]}
