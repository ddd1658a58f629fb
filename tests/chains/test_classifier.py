"""The classifier reads business scopes the way they are written: what a firm makes vs
sells, what it excludes, and catch-all scopes that list everything."""

from __future__ import annotations

import pytest

from haihe.chains.classifier import Classifier, OrgFacts, clauses, strip_exclusions
from haihe.chains.definitions import shipped


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier(shipped())


def places(clf: Classifier, **kw) -> dict[tuple[str, str], object]:
    return {(h.chain_key, h.segment_id): h for h in clf.classify(OrgFacts(**kw))}


def test_a_maker_is_placed_with_a_readable_reason(clf):
    got = places(
        clf,
        name="天津康泰生物技术有限公司",
        description="生产单克隆抗体药物、重组蛋白药物；技术开发、技术咨询；货物进出口。",
        industry_codes=("2761",),
    )
    h = got[("biomedicine", "biologics")]
    assert h.role == "make" and h.confidence > 0.7
    assert "单克隆抗体" in h.reason_zh and "2761" in h.reason_zh and "生产" in h.reason_zh
    assert "makes" in h.reason_en and "2761" in h.reason_en


def test_a_seller_is_not_a_maker(clf):
    maker = places(clf, name="甲医疗公司", description="生产III类医疗器械（骨科植入物）")
    seller = places(clf, name="乙商贸公司", description="销售医疗器械（III类除外）")
    assert ("biomedicine", "implants") in maker
    assert not any(seg in ("implants", "med_devices", "imaging") for _, seg in seller)
    assert ("biomedicine", "distribution") in seller  # a distribution segment takes sellers
    assert seller[("biomedicine", "distribution")].role == "trade"


def test_exclusions_are_honoured(clf):
    text, excluded = strip_exclusions("生产化妆品（不含药品）；卫星接收设备除外；销售日用品")
    assert "药品" not in text and "卫星接收设备" not in text
    assert excluded == ["不含药品", "卫星接收设备除外"]
    got = places(clf, name="某日化公司", description="销售日用品、化妆品（不含药品）")
    assert ("biomedicine", "distribution") not in got
    got = places(clf, name="某导航公司", description="生产导航终端（卫星接收设备除外）")
    assert ("aerospace", "ground_systems") not in got


def test_a_catch_all_trading_scope_does_not_place_a_firm_on_many_chains(clf):
    scope = (
        "销售电子产品、医疗器械、汽车零配件、化工产品、计算机软硬件及辅助设备、机床及配件、"
        "塑料制品、金属材料、建材、电子元器件、集成电路、日用百货、五金交电、服装鞋帽"
    )
    got = places(clf, name="天津某某商贸有限公司", description=scope, industry_codes=("5179",))
    assert len({chain for chain, _ in got}) <= 1, got


def test_research_bodies_are_research_even_when_their_scope_says_make(clf):
    got = places(
        clf,
        name="北京某研究院",
        kind="research_institute",
        description="医学研究和试验发展；生物药品技术开发",
        industry_codes=("7340",),
    )
    assert got and all(h.role == "research" for h in got.values())


def test_name_words_alone_do_not_place(clf):
    assert not places(clf, name="天津生物医药科技有限公司", description="企业管理咨询；会议服务")


def test_a_verb_carries_on_to_the_following_clauses():
    parts = clauses("生产锂离子电池，电池模组；销售汽车")
    assert [r for _, r, _ in parts] == ["make", None, "trade"]


def test_licence_boilerplate_is_not_read_as_business():
    text, _ = strip_exclusions("生产服务器（依法须经批准的项目，经相关部门批准后方可开展经营活动）")
    assert "批准" not in text


def test_the_vocabulary_gaps_the_issue_found_are_closed(clf):
    chip = places(clf, name="北京某微电子有限公司", description="设计、开发、销售集成电路产品")
    assert ("integrated_circuits", "design") in chip
    tool = places(clf, name="某机床附件厂", description="生产销售机床附件")
    assert ("machine_tools", "functional_parts") in tool
    seat = places(clf, name="某汽车座椅有限公司", description="生产汽车座椅、天窗、车窗升降器")
    assert ("nev", "parts") in seat and ("automotive", "body_trim") in seat


def test_an_over_broad_word_needs_a_second_signal(clf):
    cluster = places(
        clf,
        name="某汽车仪表有限公司",
        description="生产组合仪表、汽车电子产品、塑料制品、模具",
    )
    assert ("nev", "parts") in cluster
    assert not {c for c, _ in cluster} & {"green_petrochemicals", "new_materials", "machine_tools"}
    # a plastics maker whose first business is plastic goods is on the plastics segment
    plastics = places(
        clf, name="某塑料制品厂", description="塑料制品、塑料包装品的生产、加工、销售"
    )
    assert ("green_petrochemicals", "plastics") in plastics
    # but a sanitary-ware maker listing plastic goods among others is not
    other = places(
        clf, name="某洁具公司", description="生产销售：卫生洁具及配件、五金产品、塑料制品"
    )
    assert ("green_petrochemicals", "plastics") not in other
    gas = places(clf, name="某燃气公司", description="天然气销售；燃气灶具维修")
    assert not any(c == "green_petrochemicals" for c, _ in gas)


def test_a_list_of_goods_before_a_trailing_verb_is_traded():
    parts = clauses("中成药；中药饮片；生物制品批发")
    assert [r for _, r, _ in parts] == [None, None, "trade"]
    got = {
        (h.chain_key, h.segment_id): h.role
        for h in Classifier(shipped()).classify(
            OrgFacts("某医药公司", description="中成药；中药饮片；生物制品批发")
        )
    }
    assert got and all(r == "trade" for r in got.values()), got


def _roles(text: str) -> list[tuple[str, list[str]]]:
    from haihe.chains.classifier import read_items

    return [(text[a:b], sorted(r)) for a, b, r, _ in read_items(text)]


def test_each_item_has_its_own_verbs():
    # a trailing verb applies to its own item, not to the whole clause's list
    assert _roles("制剂药销售、原料药销售") == [
        ("制剂药销售", ["trade"]),
        ("原料药销售", ["trade"]),
    ]
    # a leading verb governs the items after it, until another verb
    assert _roles("生产塑料制品、模具、销售化工产品") == [
        ("生产塑料制品", ["make"]),
        ("模具", ["make"]),
        ("销售化工产品", ["trade"]),
    ]
    # verbs standing together are kept together, and govern the goods before them
    got = dict(_roles("塑料片材、塑料制品的生产、加工、销售"))
    assert got["塑料片材"] == ["make", "trade"]
    assert dict(_roles("汽车零部件的研发、生产及销售"))["汽车零部件的研发"] == [
        "make",
        "research",
        "trade",
    ]
    assert dict(_roles("生产、销售医疗器械"))["销售医疗器械"] == ["make", "trade"]
    # a verb inside a noun is no activity: 加工中心 is a machine
    assert dict(_roles("销售加工中心、机床配件")) == {
        "销售加工中心": ["trade"],
        "机床配件": ["trade"],
    }


def test_a_maker_that_sells_its_goods_is_a_maker_not_a_distributor(clf):
    got = places(clf, name="某医疗器械公司", description="生产、销售医疗器械")
    assert ("biomedicine", "med_devices") in got
    assert ("biomedicine", "distribution") not in got
    parts = places(clf, name="某汽车部件公司", description="汽车零部件的研发、生产及销售")
    assert parts[("nev", "parts")].role == "make"


def test_every_exclusion_form_is_honoured(clf):
    for scope in (
        "因特网信息服务（除新闻、出版、教育、医疗保健、药品、医疗器械以外的内容）",
        "因特网信息服务（除药品、医疗器械）",
        "除药品、医疗器械以外的因特网信息服务",
        "因特网信息服务（不含药品、医疗器械）",
        "因特网信息服务；药品、医疗器械除外",
    ):
        text, excluded = strip_exclusions(scope)
        assert "药品" not in text and "医疗器械" not in text, (scope, text)
        got = places(clf, name="某网络公司", description=scope)
        assert not any(c in ("biomedicine", "medicine_health") for c, _ in got), (scope, got)


# --- the error classes of docs/placement-errors.md (scopes paraphrased, not copied) -------


def chains_of(clf: Classifier, description: str, name: str = "某某有限公司") -> set[str]:
    return {h.chain_key for h in clf.classify(OrgFacts(name, description=description))}


def test_a_seller_is_on_a_chain_only_when_those_goods_lead_its_scope(clf):
    dealer = places(clf, name="甲汽车销售公司", description="销售汽车、汽车配件；汽车装饰")
    assert ("automotive", "sales") in dealer
    # car parts first, textiles third of three: a parts shop, not a textile seller
    shop = chains_of(clf, "销售汽车配件、日用品、纺织品；汽车装饰")
    assert "automotive" in shop and "light_textile" not in shop
    # a generic chemicals trader is on no chain (guide §6), whatever comes first
    assert "green_petrochemicals" not in chains_of(clf, "销售化工产品（不含危险化学品）、建筑材料")
    # goods late in a long list count for nothing
    catch_all = chains_of(
        clf, "销售五金交电、建筑材料、日用百货、装饰材料、家具、汽车配件、针纺织品、电子产品"
    )
    assert not catch_all & {"automotive", "nev", "light_textile", "next_gen_it"}


def test_repair_rental_and_installation_take_only_service_segments(clf):
    yard = places(clf, name="某园林公司", description="园林绿化；租赁建筑工程机械设备")
    assert ("high_end_equipment", "construction_machinery") not in yard
    garage = places(clf, name="某汽修厂", description="汽车维修；汽车装饰")
    assert ("automotive", "aftermarket") in garage
    assert garage[("automotive", "aftermarket")].role == "service"
    # generic repair of equipment is not an equipment-service firm without a second signal
    assert not chains_of(clf, "金属结构加工；机械电器设备维修、安装、租赁")


def test_generic_software_is_not_xinchuang_and_computer_is_often_a_modifier(clf):
    it = chains_of(clf, "技术开发、技术服务；基础软件服务；应用软件服务；计算机系统服务")
    assert "next_gen_it" in it and "xinchuang" not in it
    consultancy = places(
        clf, name="某工程咨询公司", description="工程勘察设计；技术开发、技术咨询；计算机技术培训"
    )
    assert ("next_gen_it", "computers") not in consultancy
    assert ("next_gen_it", "computers") in places(clf, name="某公司", description="组装计算机")


def test_a_minor_item_past_the_main_clauses_needs_a_second_signal(clf):
    dispatch = (
        "劳务派遣；投资管理；企业策划；餐饮管理；市场调查；组织文化艺术交流；软件开发；零售日用品"
    )
    assert "next_gen_it" not in chains_of(clf, dispatch)
    assert "next_gen_it" in chains_of(clf, "软件开发；技术咨询；技术服务")


def test_an_over_broad_word_on_many_chains_is_not_made_specific_by_the_name(clf):
    assert not chains_of(clf, "制造模具", name="某模具制造厂")
    plastics = places(clf, name="某塑料制品厂", description="生产销售：系列塑料制品")
    assert ("green_petrochemicals", "plastics") in plastics
    assert not any(ck == "new_materials" for ck, _ in plastics)  # guide §8


def test_keywords_stand_for_themselves_only_at_word_boundaries(clf):
    assert "green_energy" not in chains_of(clf, "销售电子产品、电线电缆")  # no 售电
    assert "high_end_equipment" not in chains_of(clf, "船舶保险代理")  # an insurer
    lathe_shop = places(clf, name="某机加工厂", description="机床加工、车床加工")
    assert ("machine_tools", "cutting_machines") not in lathe_shop
