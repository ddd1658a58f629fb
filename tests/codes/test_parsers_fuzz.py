"""Property-based tests of the parsers users' data goes through (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from haihe.codes import regions, uscc
from haihe.registry.names import normalise

ALPHA = st.sampled_from(list(uscc.ALPHABET))


@given(st.lists(ALPHA, min_size=17, max_size=17), st.integers(0, 17), ALPHA)
def test_every_single_substitution_is_caught(chars, pos, new):
    code = uscc.make("".join(chars))
    assert uscc.validate(code).ok
    changed = code[:pos] + new + code[pos + 1 :]
    if changed != code:
        assert not uscc.validate(changed).ok


@given(st.text(max_size=30))
def test_uscc_validation_never_crashes_and_always_names_a_rule(text):
    check = uscc.validate(text)
    assert check.ok or check.rule in ("length", "charset", "check")


@settings(max_examples=200)
@given(st.text(max_size=20))
def test_region_lookup_never_crashes(text):
    r = regions.lookup(text)
    assert r is None or regions.get(r.code) is r
    regions.find_in_text(text)
    regions.resolve(province=text, district=text, address=text, uscc_region=text[:6])


NAME = st.text(
    alphabet=st.sampled_from(list("华宏泰瑞科技生物医药电子天津北京有限公司（）() ")),
    min_size=1,
    max_size=20,
)


@given(NAME)
def test_names_normalise_to_something_and_ignore_width_and_bracket_style(name):
    if not name.strip():
        return
    n = normalise(name)
    assert n
    full = name.replace("(", "（").replace(")", "）")
    assert normalise(full) == n
