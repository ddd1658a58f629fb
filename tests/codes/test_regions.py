import pytest

from haihe.codes import regions


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("120116", "120116"),
        ("滨海新区", "120116"),
        ("天津市滨海新区", "120116"),
        ("天津滨海", "120116"),
        ("滨海", "120116"),
        ("Binhai", "120116"),
        ("Binhai New Area", "120116"),
        ("海淀", "110108"),
        ("Haidian District", "110108"),
        ("河北", "130000"),
        ("河北区", "120105"),
        ("唐山", "130200"),
        ("河北省唐山市玉田县", "130229"),
        ("朝阳", "110105"),
        ("保税区", "120116"),
        ("蓟县", "120119"),
        ("密云县", "110118"),
        ("１１０１０８", "110108"),
    ],
)
def test_lookup_accepts_codes_names_short_and_english_names(text, code):
    region = regions.lookup(text)
    assert region is not None, text
    assert region.code == code


def test_lookup_within_a_province_prefers_its_divisions():
    assert regions.lookup("河北", within="120000").code == "120105"
    assert regions.lookup("海淀", within="120000") is None


def test_unknown_names_are_none():
    assert regions.lookup("不存在的地方") is None
    assert regions.lookup("") is None


def test_beijing_tianjin_hebei_are_complete_with_parents_and_english_names():
    bj = [r for r in regions.children("110000")]
    tj = [r for r in regions.children("120000")]
    hb = regions.children("130000")
    assert len(bj) == 16 and len(tj) == 16
    assert len([r for r in hb if r.level == "prefecture"]) == 11
    counties = [c for p in hb for c in regions.children(p.code)]
    assert len(counties) > 150
    for r in bj + tj + hb + counties:
        assert r.name_en and r.name_en.isascii()
        assert r.parent is not None


def test_full_names_read_like_addresses():
    assert regions.require("130229").full_name_zh == "河北省唐山市玉田县"
    assert regions.require("130229").full_name_en == "Yutian County, Tangshan, Hebei"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"province": "北京", "district": "海淀"}, "110108"),
        ({"province": "天津", "district": "滨海"}, "120116"),
        ({"province": "天津", "district": "自贸区"}, "120116"),
        ({"province": "河北", "district": "唐山", "address": "玉田县杨家板桥镇孟钦庄"}, "130229"),
        ({"province": "河北", "district": "N/A", "uscc_region": "130229"}, "130229"),
        ({"province": "北京", "address": "北京市朝阳区建国门外大街8号"}, "110105"),
        ({"province": "河北", "district": "张家口", "address": "桥西区某路"}, "130703"),
        ({"province": "河北", "address": "桥西区某路"}, "130000"),  # three 桥西区 in Hebei
    ],
)
def test_resolve_takes_the_most_specific_consistent_clue(kwargs, code):
    assert regions.resolve(**kwargs).code == code


def test_resolve_ignores_a_contradicting_clue_and_says_so():
    res = regions.resolve(province="北京", district="海淀", uscc_region="120116")
    assert res.code == "110108"
    assert res.conflicts


def test_street_names_do_not_count_as_districts():
    assert regions.find_in_text("长安街1号", within="110000") is None
