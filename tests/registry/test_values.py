from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haihe.core.errors import InvalidInput
from haihe.core.money import format_yuan
from haihe.registry.values import (
    header_multiplier,
    is_missing,
    parse_capital,
    parse_date,
    parse_int,
)


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("500万", "5000000", "CNY"),
        ("500万元", "5000000", "CNY"),
        ("1.2亿", "120000000", "CNY"),
        ("5,000,000", "5000000", "CNY"),
        ("500（万元）", "5000000", "CNY"),
        ("30(万元人民币)", "300000", "CNY"),
        ("5,000(万元人民币)", "50000000", "CNY"),
        ("3万人民币", "30000", "CNY"),
        ("50(万美元)", "500000", "USD"),
        ("700(万香港元)", "7000000", "HKD"),
        ("100(万元欧元)", "1000000", "EUR"),
    ],
)
def test_capital_as_chinese_users_write_it(text, amount, currency):
    assert parse_capital(text) == (Decimal(amount), currency)


def test_bare_numbers_take_the_header_unit():
    unit = header_multiplier("注册资本(万元)")
    assert unit == 10000
    assert parse_capital("500", unit) == (Decimal(5000000), "CNY")
    assert parse_capital(500, unit) == (Decimal(5000000), "CNY")
    assert parse_capital("1.2亿", unit) == (Decimal(120000000), "CNY")


@pytest.mark.parametrize("text", ["一千万", "abc", "500万欧", "万"])
def test_unreadable_capital_is_an_error_with_a_reason(text):
    with pytest.raises(InvalidInput) as exc:
        parse_capital(text)
    assert text in exc.value.message("zh")


@pytest.mark.parametrize("text", ["", " ", "N/A", "n/a", "无", "-", "/", "--", "暂无", None])
def test_missing_values_are_missing_not_errors(text):
    assert is_missing(text)
    assert parse_capital(text) is None
    assert parse_date(text) is None
    assert parse_int(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "2002-01-01",
        "2002/1/1",
        "2002.1.1",
        "2002年1月1日",
        "20020101",
        datetime(2002, 1, 1, 0, 0),
        date(2002, 1, 1),
    ],
)
def test_dates(text):
    assert parse_date(text) == date(2002, 1, 1)


def test_future_and_impossible_dates_are_errors():
    with pytest.raises(InvalidInput, match="future"):
        parse_date("2999-01-01")
    with pytest.raises(InvalidInput):
        parse_date("2023-02-30")
    with pytest.raises(InvalidInput):
        parse_date("去年")


def test_head_counts():
    assert parse_int("1,200") == 1200
    assert parse_int("120人") == 120
    with pytest.raises(InvalidInput):
        parse_int("很多")


def test_amounts_display_in_wan_and_yi():
    assert format_yuan(Decimal(271) * 10**8) == "271亿元"
    assert format_yuan(Decimal(300000)) == "30万元"
    assert format_yuan(Decimal(500000), "USD") == "50万美元"
    assert format_yuan(Decimal(271) * 10**8, lang="en") == "27.1 billion yuan"


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
def test_capital_round_trips_through_its_text(amount):
    assert parse_capital(f"{amount:f}") == (amount.quantize(Decimal("0.01")), "CNY")
    wan = (amount / 10000).quantize(Decimal("0.000001"))
    parsed, _ = parse_capital(f"{wan:f}万元")
    assert parsed == (wan * 10000).quantize(Decimal("0.01"))


@given(st.text(max_size=30))
def test_capital_parser_never_crashes(text):
    try:
        parse_capital(text)
    except InvalidInput:
        pass


@given(st.text(max_size=30))
def test_date_parser_never_crashes(text):
    try:
        parse_date(text)
    except InvalidInput:
        pass


@pytest.mark.parametrize("text", ["100000000000000000000000000", "1e30", "99999999999亿"])
def test_absurd_amounts_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_capital(text)
