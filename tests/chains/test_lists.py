"""The three lists' entries: who may add, set aside and withdraw them (the service checks,
whichever door a request comes by), and what is refused with the field it names."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import queries, service
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.registry.schemas import OrganisationCreate
from haihe.registry.service import do_bulk_create_organisations

ADMIN = Principal(user_id=1, username="admin", role="admin")
TIANJIN = Principal(
    user_id=2, username="tianjin", role="regional_officer", region_codes=("120000",)
)
BINHAI = Principal(user_id=3, username="binhai", role="regional_officer", region_codes=("120116",))
HEBEI = Principal(user_id=4, username="hebei", role="regional_officer", region_codes=("130000",))
PARK = Principal(user_id=5, username="park", role="park_manager", park_id=1)


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        (org,) = do_bulk_create_organisations(
            conn, ADMIN, [OrganisationCreate(name="天津甲生物科技有限公司", region_code="120116")]
        )
    with Session(engine) as s:
        service.do_install_shipped(s, ADMIN)
        s.commit()
    return engine, org


def _bottleneck(session: Session, who: Principal, region: str = "120000", **kw):  # noqa: ANN202
    return service.do_add_list_entry(
        session,
        who,
        "biomedicine",
        list_kind="bottleneck",
        region=region,
        segment_id="api",
        technology=kw.pop("technology", "连续流合成"),
        **kw,
    )


def test_officers_keep_their_regions_lists(world):
    engine, org = world
    with Session(engine) as s:
        entry = _bottleneck(s, TIANJIN)
        assert entry.created_by == "tianjin" and entry.active
        assert _bottleneck(s, BINHAI, "120116").region_code == "120116"
        for who, region in ((BINHAI, "120000"), (HEBEI, "120000"), (PARK, "120116")):
            with pytest.raises(NotAllowed):
                _bottleneck(s, who, region)
        aside = service.do_set_aside_list_entry(
            s, TIANJIN, "biomedicine", list_kind="gap", region="120000", segment_id="api"
        )
        assert not aside.active
        with pytest.raises(NotAllowed):
            service.do_set_aside_list_entry(
                s, HEBEI, "biomedicine", list_kind="gap", region="120000", segment_id="api"
            )
        with pytest.raises(NotAllowed):
            service.do_withdraw_list_entry(s, BINHAI, entry.id)
        assert service.do_withdraw_list_entry(s, TIANJIN, entry.id) == "120000"
        with pytest.raises(NotFound):
            service.do_withdraw_list_entry(s, TIANJIN, entry.id)
        chain = queries.get_chain(s, "biomedicine").definition
        _diag, got = queries.chain_lists(s, chain, "120000")
        assert [e.id for e in got.set_aside] == [aside.id]


def test_bad_entries_name_their_field_and_change_nothing(world):
    engine, org = world
    cases = [
        (dict(list_kind="bottleneck", segment_id="nope", technology="x"), "segment_id"),
        (dict(list_kind="bottleneck", segment_id="api", technology=" "), "technology"),
        (dict(list_kind="gap"), "segment_id"),
        (dict(list_kind="key"), "organisation_id"),
        (dict(list_kind="key", organisation_id=org + 1000), "organisation_id"),
        (dict(list_kind="wish"), "list_kind"),
        (dict(list_kind="gap", segment_id="api", region="999999"), "region"),
    ]
    with Session(engine) as s:
        for kw, field in cases:
            with pytest.raises(InvalidInput) as exc:
                service.do_add_list_entry(s, ADMIN, "biomedicine", **{"region": "120000", **kw})
            assert exc.value.field == field, (kw, exc.value.key)
        with pytest.raises(NotFound):
            service.do_add_list_entry(s, ADMIN, "nope", list_kind="gap", region="120000")
        key = service.do_add_list_entry(
            s, ADMIN, "biomedicine", list_kind="key", region="120116", organisation_id=org
        )
        chain = queries.get_chain(s, "biomedicine").definition
        _diag, got = queries.chain_lists(s, chain, "120116")
        assert [(k.organisation_id, k.name, k.entry_id) for k in got.key_enterprises] == [
            (org, "天津甲生物科技有限公司", key.id)
        ]


def test_a_bottleneck_lists_only_those_whose_own_text_names_the_technology(engine):
    """Not the segment's five largest for every technology: an orthopaedics firm is not
    working on CT detectors (the issue's example), and the words found are shown."""
    from haihe.chains import placements
    from haihe.chains.lists import technology_terms

    assert technology_terms("高端CT探测器") == ["高端ct探测器", "ct探测器"]
    assert technology_terms("抗体偶联药物（ADC）") == ["抗体偶联药物", "adc"]
    orgs = [
        OrganisationCreate(
            name="天津甲医学影像有限公司",
            region_code="120116",
            employees=50,
            description="研发、生产CT探测器、医学影像设备",
        ),
        OrganisationCreate(
            name="天津乙超导科技有限公司",
            region_code="120116",
            employees=80,
            description="生产超导磁体、磁共振设备",
        ),
        OrganisationCreate(
            name="天津丙骨科器械有限公司",
            region_code="120116",
            employees=900,
            description="生产医学影像设备、骨科植入物",
        ),
    ]
    with engine.begin() as conn:
        ct, magnet, ortho = do_bulk_create_organisations(conn, ADMIN, orgs)
    with Session(engine) as s:
        service.do_install_shipped(s, ADMIN)
        s.commit()
    with engine.begin() as conn:
        placements.classify_all(conn)
    with Session(engine) as s:
        _diag, got = queries.chain_lists(
            s, queries.get_chain(s, "biomedicine").definition, "120000"
        )
    by_tech = {b.technology: b for b in got.bottlenecks}
    detector, magnets = by_tech["高端CT探测器"], by_tech["超导磁体"]
    assert [o.id for o in detector.organisations] == [ct]
    assert detector.matched[ct] == ["ct探测器"]
    assert [o.id for o in magnets.organisations] == [magnet]
    assert ortho not in {o.id for b in got.bottlenecks for o in b.organisations}
