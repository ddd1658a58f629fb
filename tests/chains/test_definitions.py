"""Chain definitions: the shipped ones meet the issue's shape; bad files are refused whole,
each problem named by its place; versions are kept and compared."""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.chains import definitions, queries, service
from haihe.chains.definitions import DefinitionError
from haihe.chains.models import Chain, ChainVersion
from haihe.codes import industries

SHARED = {"hydrogen", "nev", "biomedicine", "cybersecurity", "machine_tools", "robots"}
ADMIN = Principal(user_id=1, username="admin", role="admin")
TIANJIN = Principal(
    user_id=2, username="tianjin", role="regional_officer", region_codes=("120000",)
)
PARK = Principal(user_id=3, username="park", role="park_manager", park_id=1)
ENTERPRISE = Principal(user_id=4, username="firm", role="enterprise", organisation_id=1)


TIANJIN_TWELVE = {
    "xinchuang",  # 信创
    "high_end_equipment",  # 高端装备
    "integrated_circuits",  # 集成电路
    "connected_vehicles",  # 车联网
    "new_energy",  # 新能源
    "aerospace",  # 航空航天
    "new_materials",  # 新材料
    "automotive",  # 汽车及新能源汽车
    "biomedicine",  # 生物医药 (also one of the joint six)
    "tcm",  # 中医药
    "green_petrochemicals",  # 绿色石化
    "light_textile",  # 轻纺
}
BEIJING = {"next_gen_it", "medicine_health", "intelligent_manufacturing", "green_energy"}


def test_shipped_chains_are_every_chain_the_governments_name():
    chains = definitions.shipped()
    keys = {c.key for c in chains}
    assert SHARED | TIANJIN_TWELVE | BEIJING == keys
    assert {c.key for c in chains if c.group == "shared"} == SHARED
    assert {c.key for c in chains if c.group == "tianjin"} == TIANJIN_TWELVE - {"biomedicine"}
    assert {c.key for c in chains if c.group == "beijing"} == BEIJING
    for c in chains:  # each says which government names it
        assert c.named_by_zh and c.named_by_en, c.key
    assert "天津" in next(c for c in chains if c.key == "biomedicine").named_by_zh
    new_energy = next(c for c in chains if c.key == "new_energy")
    assert "氢能" in new_energy.description_zh  # hydrogen's place is said


def test_the_vocabulary_the_issue_found_missing_is_there():
    chains = {c.key: c for c in definitions.shipped()}
    parts = chains["nev"].segment("parts")
    assert {"座椅", "天窗", "组合仪表", "车窗升降器"} <= set(parts.keywords_zh)
    assert {"座椅", "天窗", "车窗升降器"} <= set(
        chains["automotive"].segment("body_trim").keywords_zh
    )
    assert "机床" in chains["machine_tools"].segment("cutting_machines").keywords_zh
    assert "集成电路" in chains["integrated_circuits"].segment("design").keywords_zh
    weak = {w for c in chains.values() for s in c.segments for w in s.weak}
    assert {"模具", "铸件", "铝合金", "塑料制品", "天然气", "系统集成"} <= weak
    strong = {w for c in chains.values() for s in c.segments for w in s.keywords_zh}
    assert not {"模具", "铸件", "铝合金", "塑料制品", "天然气", "系统集成"} & strong


def test_a_keyword_whose_activity_the_segment_does_not_take_is_refused():
    data = _data()
    seg = data["segments"][0]
    seg["activities"] = ["trade"]
    seg["implies"] = {"service": [seg["keywords"]["zh"][0]], "make": ["不在关键词里"]}
    got = _problems(data)
    assert any("implies service" in p and "could never place" in p for p in got), got
    assert any("不在关键词里" in p and "not one of the segment" in p for p in got), got


def test_weak_words_and_implied_activities_survive_yaml_and_xlsx():
    for defn in definitions.shipped():
        assert definitions.parse_yaml(defn.to_yaml()) == defn
    defn = next(c for c in definitions.shipped() if c.key == "automotive")
    back = definitions.parse_xlsx(definitions.to_xlsx(defn))
    assert back == defn and back.segment("aftermarket").implies and back.segment("sales").weak


@pytest.mark.parametrize("chain", definitions.shipped(), ids=lambda c: c.key)
def test_each_shipped_chain_is_a_complete_tree(chain):
    assert 8 <= len(chain.segments) <= 30
    assert chain.name_zh and chain.name_en
    for s in chain.segments:
        assert s.stage in definitions.STAGES
        assert s.name_zh and s.name_en
        assert s.keywords_zh and s.keywords_en, s.id
        assert all(industries.get(c) for c in s.industries), s.id
        assert s.parent is None or chain.segment(s.parent) is not None
    assert {s.stage for s in chain.segments} == set(definitions.STAGES)
    assert chain.edges and definitions.find_cycle(list(chain.edges)) is None
    linked = {x for e in chain.edges for x in e}
    assert len(linked) >= len(chain.segments) * 0.7  # the supply graph reaches most segments


def _data() -> dict:
    return copy.deepcopy(definitions.shipped()[0].to_data())


def _problems(data: dict) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        definitions.from_data(data, "my.yaml")
    return exc.value.details("en")


def test_a_cycle_in_the_supply_edges_is_named():
    data = _data()
    a, b = data["edges"][0]
    data["edges"].append([b, a])
    msgs = _problems(data)
    assert any("cycle" in m and a in m and b in m for m in msgs), msgs


def test_a_longer_cycle_is_found_too():
    data = _data()
    ids = [s["id"] for s in data["segments"][:3]]
    data["edges"] = [[ids[0], ids[1]], [ids[1], ids[2]], [ids[2], ids[0]]]
    msgs = _problems(data)
    assert any("cycle" in m for m in msgs), msgs


def test_a_segment_without_a_stage_is_named_by_its_place():
    data = _data()
    del data["segments"][2]["stage"]
    sid = data["segments"][2]["id"]
    msgs = _problems(data)
    assert any(f"segments[3] (id: {sid})" in m and "stage" in m for m in msgs), msgs


def test_an_unknown_industry_code_is_named():
    data = _data()
    data["segments"][0]["industries"] = ["9999"]
    msgs = _problems(data)
    assert any("9999" in m and "segments[1]" in m for m in msgs), msgs


def test_duplicate_segment_ids_are_named():
    data = _data()
    data["segments"][4]["id"] = data["segments"][1]["id"]
    msgs = _problems(data)
    assert any("duplicate" in m and "segments[5]" in m and "segments[2]" in m for m in msgs), msgs


def test_an_edge_to_a_missing_segment_is_named():
    data = _data()
    data["edges"].append([data["segments"][0]["id"], "no_such_segment"])
    msgs = _problems(data)
    assert any("no_such_segment" in m and f"edges[{len(data['edges'])}]" in m for m in msgs), msgs


def test_every_problem_is_reported_at_once_in_both_languages():
    data = _data()
    del data["segments"][0]["stage"]
    data["segments"][1]["industries"] = ["0000"]
    with pytest.raises(DefinitionError) as exc:
        definitions.from_data(data, "x.yaml")
    assert len(exc.value.problems) >= 2
    zh = exc.value.details("zh")
    assert any("环节位置" in m for m in zh) and any("行业代码" in m for m in zh)


def test_yaml_syntax_errors_name_the_line():
    with pytest.raises(DefinitionError) as exc:
        definitions.parse_yaml("key: x\nsegments: [\n  - a: b\n", "bad.yaml")
    assert "bad.yaml: line" in exc.value.details("en")[0]


def test_yaml_and_xlsx_round_trips_keep_the_definition():
    for chain in definitions.shipped():
        assert definitions.parse_yaml(chain.to_yaml()) == chain
        again = definitions.parse_xlsx(definitions.to_xlsx(chain))
        assert again.to_data() == chain.to_data()


def test_xlsx_problems_name_the_sheet_and_row():
    from io import BytesIO

    from openpyxl import load_workbook

    chain = definitions.shipped()[0]
    wb = load_workbook(BytesIO(definitions.to_xlsx(chain)))
    wb["环节"].cell(3, 3).value = None  # row 3 loses its stage
    out = BytesIO()
    wb.save(out)
    with pytest.raises(DefinitionError) as exc:
        definitions.parse_xlsx(out.getvalue(), "mine.xlsx")
    assert any("mine.xlsx" in m and "stage" in m for m in exc.value.details("en"))


def _counts(engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Chain)),
            s.scalar(select(func.count()).select_from(ChainVersion)),
        )


def test_a_bad_import_changes_nothing_and_a_good_one_adds_a_version(engine):
    with Session(engine) as s:
        service.do_install_shipped(s, ADMIN)
        s.commit()
    before = _counts(engine)
    data = _data()
    data["edges"].append([data["edges"][0][1], data["edges"][0][0]])
    bad = yaml.safe_dump(data, allow_unicode=True).encode()
    with Session(engine) as s, pytest.raises(DefinitionError):
        service.do_import_definition(s, ADMIN, "bad.yaml", bad)
    assert _counts(engine) == before

    data = _data()
    data["segments"][0]["keywords"]["zh"].append("新关键词")
    good = yaml.safe_dump(data, allow_unicode=True).encode()
    with Session(engine) as s:
        info = service.do_import_definition(s, TIANJIN, "good.yaml", good)
        s.commit()
        assert info.version == 2
        vs = queries.versions(s, data["key"])
        assert [v.version for v in vs] == [2, 1] and vs[0].created_by == "tianjin"
        changes = definitions.compare(
            queries.version_definition(s, data["key"], 1),
            queries.version_definition(s, data["key"], 2),
        )
        assert [(c.kind, c.segment, c.field) for c in changes] == [
            ("changed", data["segments"][0]["id"], "keywords_zh")
        ]
        assert "新关键词" in changes[0].after
    assert _counts(engine) == (before[0], before[1] + 1)


def test_two_officers_editing_one_chain_cannot_overwrite_each_other(engine):
    with Session(engine) as s:
        service.do_install_shipped(s, ADMIN)
        s.commit()
        chain = queries.get_chain(s, "hydrogen")
        first = definitions.from_data(
            {**chain.definition.to_data(), "description": {"zh": "甲", "en": "A"}}
        )
        second = definitions.from_data(
            {**chain.definition.to_data(), "description": {"zh": "乙", "en": "B"}}
        )
        service.do_save_definition(s, ADMIN, first, based_on=chain.version)
        with pytest.raises(service.ChainVersionConflict):
            service.do_save_definition(s, TIANJIN, second, based_on=chain.version)


@pytest.mark.parametrize("who", [PARK, ENTERPRISE, Principal()])
def test_only_administrators_and_officers_change_chains(engine, who):
    """The service refuses whoever may not edit chains, whichever door they come by."""
    from haihe.core.errors import NotAllowed

    with Session(engine) as s:
        with pytest.raises(NotAllowed):
            service.do_install_shipped(s, who)
        service.do_install_shipped(s, ADMIN)
        s.commit()
        chain = queries.get_chain(s, "hydrogen")
        text = chain.definition.to_yaml()
        with pytest.raises(NotAllowed):
            service.do_save_definition(s, who, chain.definition, based_on=chain.version)
        with pytest.raises(NotAllowed):
            service.do_import_definition(s, who, "hydrogen.yaml", text.encode())
        with pytest.raises(NotAllowed):
            service.do_edit_definition(s, who, "hydrogen", text, based_on=chain.version)
    before = _counts(engine)
    with Session(engine) as s:  # an officer may, and is the version's author
        edited = text.replace("制氢", "制氢与提纯", 1)
        info = service.do_edit_definition(
            s, TIANJIN, "hydrogen", edited, based_on=chain.version, note="改名"
        )
        s.commit()
        assert info.version == chain.version + 1 and info.updated_by == "tianjin"
        assert queries.versions(s, "hydrogen")[0].note == "改名"
    assert _counts(engine) == (before[0], before[1] + 1)


def test_an_edit_must_keep_the_chain_key_and_a_file_its_size(engine):
    from haihe.core.errors import InvalidInput

    with Session(engine) as s:
        service.do_install_shipped(s, ADMIN)
        chain = queries.get_chain(s, "hydrogen")
        other = chain.definition.to_yaml().replace("key: hydrogen", "key: hydrogen2", 1)
        with pytest.raises(DefinitionError) as exc:
            service.do_edit_definition(s, ADMIN, "hydrogen", other, based_on=chain.version)
        assert exc.value.problems[0].key == "chains.key_mismatch"
        with pytest.raises(InvalidInput) as too_big:
            service.do_import_definition(s, ADMIN, "big.yaml", b" " * (service.MAX_FILE_BYTES + 1))
        assert too_big.value.field == "file"
