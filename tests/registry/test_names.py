import pytest

from haihe.registry.names import normalise


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("天津某某科技有限公司", "某某科技（天津）有限公司"),
        ("天津某某科技有限公司", "某某科技(天津)有限公司"),
        ("天津市某某科技有限公司", "某某科技有限公司"),
        ("北京某某生物技术股份有限公司", "某某生物技术有限责任公司"),
        ("某某集团有限公司", "某某集团"),
        ("ＡＢＣ智能（北京）有限公司", "abc智能有限公司"),
        ("天津市滨海新区安达电子有限公司", "安达电子有限公司"),
        ("某某投资基金（有限合伙）", "某某投资基金"),
    ],
)
def test_spellings_of_one_firm_normalise_alike(a, b):
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("天津某某科技有限公司", "天津某某生物有限公司"),
        ("北京大学", "天津大学"),
        ("北京华泰科技", "北京华泰生物"),
    ],
)
def test_different_firms_stay_apart(a, b):
    assert normalise(a) != normalise(b)


def test_region_is_not_stripped_when_it_is_the_name():
    assert normalise("北京大学") == "北京大学"
    assert normalise("天津医科大学") == "天津医科大学"


def test_never_empty():
    assert normalise("有限公司") != ""
    assert normalise("天津") != ""
