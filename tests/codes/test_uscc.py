import csv

import pytest

from haihe.codes import uscc
from tests.conftest import ROOT, SHARED_DATA

VECTORS = SHARED_DATA / "uscc" / "uscc_test_vectors.csv"


def test_all_public_test_vectors_are_judged_as_published():
    if not VECTORS.exists():
        pytest.skip(f"{VECTORS} not present")
    with VECTORS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 200
    for row in rows:
        check = uscc.validate(row["code"])
        if row["expected"] == "valid":
            assert check.ok, (row, check)
        else:
            assert not check.ok, row


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("9112011673544191", "length"),
        ("91120116735441915NX", "length"),
        ("91120116735441915I", "charset"),
        ("9112011673544191SN", "charset"),
        ("91120116735441915A", "check"),
    ],
)
def test_each_rule_is_named(code, rule):
    check = uscc.validate(code)
    assert not check.ok
    assert check.rule == rule
    assert check.problem is not None
    assert check.problem.message("zh") and check.problem.message("en")


def test_wrong_check_character_says_what_it_should_be():
    check = uscc.validate("91120116735441915A")
    assert check.expected_check == "N"
    assert "'N'" in check.error


def test_check_character_matches_the_standard_weights():
    assert uscc.WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert uscc.check_character("91120116735441915") == "N"


def test_full_width_and_spaces_are_tolerated():
    assert uscc.validate(" ９１１２０１１６７３５４４１９１５Ｎ ").ok


def test_decode_names_the_parts():
    parts = uscc.decode("91120116735441915N")
    assert parts.authority_zh == "工商"
    assert parts.org_type_zh == "企业"
    assert parts.region_code == "120116"
    assert parts.region_name_zh == "天津市滨海新区"


def test_unknown_region_part_is_a_warning_not_an_error():
    code = uscc.make("91999999MA0000000")
    check = uscc.validate(code)
    assert check.ok
    assert any("999999" in w for w in check.warnings)


def test_abolished_region_is_still_decoded():
    code = uscc.make("91120225MA0000000")  # 蓟县, became 蓟州区 in 2016
    assert uscc.validate(code).ok
    assert uscc.decode(code).region_name_zh is not None


def test_shipped_data_do_not_include_evaluation_files():
    shipped = {p.name for p in (ROOT / "src" / "haihe").rglob("*.csv")}
    assert not any(name in shipped for name in ("北京.csv", "天津.csv", "河北.csv", "addr.csv"))
