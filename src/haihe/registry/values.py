"""Parsers for values as Chinese users and real exports write them.

Each parser returns None for a missing value (empty, N/A, 无, -, /) and raises
ValueError with a reason a user can act on when the value is present but unreadable.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from haihe.core.errors import InvalidInput
from haihe.core.limits import is_digits
from haihe.core.money import checked_amount

MISSING = {
    "",
    "n/a",
    "na",
    "n.a.",
    "none",
    "null",
    "nil",
    "nan",
    "无",
    "暂无",
    "不详",
    "未知",
    "-",
    "--",
    "—",
    "——",
    "/",
    "\\",
    "空",
    "#n/a",
}

CURRENCIES = (
    ("人民币", "CNY"),
    ("美元", "USD"),
    ("香港元", "HKD"),
    ("港币", "HKD"),
    ("港元", "HKD"),
    ("日元", "JPY"),
    ("欧元", "EUR"),
    ("英镑", "GBP"),
    ("澳元", "AUD"),
    ("加元", "CAD"),
    ("瑞士法郎", "CHF"),
    ("新加坡元", "SGD"),
    ("韩元", "KRW"),
    ("rmb", "CNY"),
    ("cny", "CNY"),
    ("usd", "USD"),
    ("hkd", "HKD"),
    ("eur", "EUR"),
    ("jpy", "JPY"),
    ("yuan", "CNY"),
)
MULTIPLIERS = (
    ("千万", Decimal(10**7)),
    ("百万", Decimal(10**6)),
    ("亿", Decimal(10**8)),
    ("万", Decimal(10**4)),
    ("千", Decimal(10**3)),
)
_NUMBER = re.compile(r"^[+]?(\d+(?:\.\d+)?)")


def clean(value: object) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        if len(value) > 12:  # every missing-value marker is short
            return False
        return value.strip().lower() in MISSING or clean(value).lower() in MISSING
    if isinstance(value, float) and value != value:  # NaN from spreadsheets
        return True
    return clean(value).lower() in MISSING


def header_multiplier(header: str) -> Decimal:
    """注册资本(万元) → 10,000: the unit a header gives to bare numbers below it."""
    h = clean(header)
    for token, mult in MULTIPLIERS:
        if token in h:
            return mult
    return Decimal(1)


def parse_capital(value: object, unit: Decimal = Decimal(1)) -> tuple[Decimal, str] | None:
    """Registered capital as (amount in whole currency units, ISO currency).

    500万, 500万元, 1.2亿, 5,000,000, 500（万元）, 30(万元人民币), 50(万美元). A bare number
    takes the header's unit (`unit`, e.g. 10,000 for a 万元 column).
    """
    if is_missing(value):
        return None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return _bounded(Decimal(value) * unit, value), "CNY"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or value < 0:
            raise InvalidInput("value.amount_unreadable", value=repr(value))
        return _bounded(Decimal(repr(value)) * unit, value), "CNY"
    text = clean(value).lower().replace(",", "").replace("，", "").replace(" ", "")
    m = _NUMBER.match(text)
    if not m:
        raise InvalidInput("value.amount_unreadable", value=clean(value))
    try:
        number = Decimal(m.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise InvalidInput("value.amount_unreadable", value=clean(value)) from exc
    rest = re.sub(r"[()（）\[\]]", "", text[m.end() :])
    mult = None
    for token, factor in MULTIPLIERS:
        if rest.startswith(token):
            mult = factor
            rest = rest[len(token) :]
            break
    currency = "CNY"
    rest = rest.replace("元", "", 1) if rest.startswith("元") else rest
    for token, code in CURRENCIES:
        if token in rest:
            currency = code
            rest = rest.replace(token, "", 1)
            break
    rest = rest.replace("元", "").replace("整", "")
    if rest:
        raise InvalidInput("value.amount_unit", unit=rest, value=clean(value))
    amount = number * (mult if mult is not None else unit)
    return _bounded(amount, value), currency


def _bounded(amount: Decimal, value: object) -> Decimal:
    return checked_amount(amount, clean(value))


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ tT].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(
    value: object, *, today: date | None = None, allow_future: bool = False
) -> date | None:
    """2002-01-01, 2002/1/1, 2002.1.1, 2002年1月1日, 20020101, or a spreadsheet date."""
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    else:
        text = clean(value)
        for pat in _DATE_PATTERNS:
            m = pat.match(text)
            if m:
                try:
                    d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError as exc:
                    raise InvalidInput("value.date_unreal", value=text) from exc
                break
        else:
            raise InvalidInput("value.date_unreadable", value=text)
    if not allow_future and d > (today or date.today()):
        raise InvalidInput("value.date_future", value=d.isoformat())
    if d.year < 1900:
        raise InvalidInput("value.date_too_old", value=d.isoformat())
    return d


def parse_int(value: object) -> int | None:
    """Head counts such as 120, 1,200 or 120人."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise InvalidInput("value.int_unreadable", value=str(value))
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        text = clean(value).replace(",", "").replace("，", "")
        text = re.sub(r"(人|名)$", "", text)
        if not is_digits(text):
            raise InvalidInput("value.int_unreadable", value=clean(value))
        n = int(text)
    if n < 0:
        raise InvalidInput("value.negative", value=n)
    return n
