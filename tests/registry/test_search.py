"""Searching the registry: names, normalised names, USCC, region with districts, park, industry."""

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from haihe.core.errors import InvalidInput
from haihe.registry import queries, service
from haihe.registry.queries import OrganisationFilter
from haihe.registry.schemas import OrganisationCreate, ParkCreate
from tests.registry.helpers import OPERATOR, code


@pytest.fixture
def registry(engine):
    with engine.begin() as conn:
        assert isinstance(conn, Connection)
        with Session(bind=conn) as s:
            park = service.do_create_park(
                s, OPERATOR, ParkCreate(name="天津滨海—中关村科技园", region="120116")
            )
            park_id = park.id
            s.flush()
        service.do_bulk_create_organisations(
            conn,
            OPERATOR,
            [
                OrganisationCreate(
                    name="天津瀚海生物医药有限公司",
                    uscc=code(1, "120116"),
                    region_code="120116",
                    park_id=park_id,
                    industry_codes=("2761",),
                ),
                OrganisationCreate(
                    name="瀚海生物医药（北京）有限公司",
                    uscc=code(2, "110108"),
                    region_code="110108",
                    industry_codes=("2761", "7340"),
                ),
                OrganisationCreate(
                    name="唐山精工数控机床有限公司",
                    uscc=code(3, "130203"),
                    region_code="130203",
                    industry_codes=("3421",),
                ),
                OrganisationCreate(
                    name="北京芯海集成电路设计有限公司",
                    region_code="110108",
                    industry_codes=("6520",),
                ),
            ],
        )
    return engine, park_id


def _names(engine, **kw):  # noqa: ANN001, ANN202
    with Session(engine) as s:
        page = queries.search_organisations(s, OrganisationFilter(**kw))
        assert page.total == len(page.items)
        return sorted(o.name for o in page.items)


def test_name_substring_finds_both_spellings(registry):
    engine, _ = registry
    assert _names(engine, q="瀚海生物医药") == [
        "天津瀚海生物医药有限公司",
        "瀚海生物医药（北京）有限公司",
    ]
    assert _names(engine, q="瀚海") == ["天津瀚海生物医药有限公司", "瀚海生物医药（北京）有限公司"]


def test_full_registered_name_finds_the_firm_through_normalisation(registry):
    engine, _ = registry
    assert _names(engine, q="瀚海生物医药(天津)有限公司") == [
        "天津瀚海生物医药有限公司",
        "瀚海生物医药（北京）有限公司",
    ]


def test_uscc_prefix(registry):
    engine, _ = registry
    assert _names(engine, q=code(3, "130203")) == ["唐山精工数控机床有限公司"]
    assert _names(engine, q=code(3, "130203")[:10].lower()) == ["唐山精工数控机床有限公司"]


def test_region_includes_its_districts(registry):
    engine, _ = registry
    assert len(_names(engine, region="110000")) == 2
    assert _names(engine, region="河北") == ["唐山精工数控机床有限公司"]
    assert _names(engine, region="唐山") == ["唐山精工数控机床有限公司"]
    assert _names(engine, region="滨海") == ["天津瀚海生物医药有限公司"]


def test_park_and_industry_filters(registry):
    engine, park_id = registry
    assert _names(engine, park_id=park_id) == ["天津瀚海生物医药有限公司"]
    assert len(_names(engine, industry="27")) == 2
    assert _names(engine, industry="652") == ["北京芯海集成电路设计有限公司"]
    assert len(_names(engine, industry="C")) == 3


def test_filters_combine(registry):
    engine, _ = registry
    assert _names(engine, q="瀚海", region="110000") == ["瀚海生物医药（北京）有限公司"]


def test_paging_and_total(registry):
    engine, _ = registry
    with Session(engine) as s:
        page = queries.search_organisations(s, OrganisationFilter(), page=2, page_size=3)
        assert page.total == 4 and len(page.items) == 1 and page.pages == 2


@pytest.mark.parametrize("bad", [{"region": "火星"}, {"industry": "9999"}, {"kind": "alien"}])
def test_bad_filters_are_refused_with_the_field_named(registry, bad):
    engine, _ = registry
    with Session(engine) as s, pytest.raises(InvalidInput) as exc:
        queries.search_organisations(s, OrganisationFilter(**bad))
    assert exc.value.field == next(iter(bad))


def test_special_characters_in_queries_are_not_syntax(registry):
    """Wildcards and the full-text engines' operators are neither wildcards nor syntax:
    punctuation separates words, as it does in the text searched."""
    engine, _ = registry
    assert _names(engine, q="%") == []
    assert _names(engine, q="_") == []
    assert _names(engine, q='"瀚海"') == _names(engine, q="瀚海") != []
    for q in ('瀚海" OR "', "瀚海 AND NOT", "瀚海*", "NEAR(瀚海)", "瀚海:*|!"):
        assert set(_names(engine, q=q)) <= set(_names(engine, q="瀚海")), q


def test_every_insert_path_keeps_the_name_index_complete(engine, tmp_path):
    """ORM insert, bulk insert and import all reach the search index."""
    from haihe.registry.imports import do_import_organisations
    from tests.registry.helpers import ADMIN, row, write_csv

    with Session(engine) as s:
        service.do_create_organisation(
            s, OPERATOR, OrganisationCreate(name="天津单个录入科技有限公司")
        )
        s.commit()
    with engine.begin() as conn:
        service.do_bulk_create_organisations(
            conn, OPERATOR, [OrganisationCreate(name="北京批量录入生物有限公司")]
        )
    do_import_organisations(
        engine, ADMIN, write_csv(tmp_path / "o.csv", [row(77, 企业名称="河北导入精工有限公司")])
    )
    for q in ("单个录入科技", "批量录入生物", "导入精工"):
        assert len(_names(engine, q=q)) == 1, q
