"""Money as users read it: Decimal yuan shown in 万元/亿元 (Chinese) or million/billion."""

from __future__ import annotations

from decimal import Decimal

from haihe.core.errors import InvalidInput

# Amounts are stored as NUMERIC(20, 2): anything at or beyond 10^17 yuan is a typing error
# (and 1e30 would not even round to fen in Decimal's default precision).
MAX_AMOUNT = Decimal(10) ** 17


def checked_amount(amount: Decimal, value: object, *, field: str | None = None) -> Decimal:
    """`amount` rounded to fen, or InvalidInput naming `field` for NaN, an infinity, a
    negative amount or one at or beyond MAX_AMOUNT (`value` is what the user wrote)."""
    shown = str(value)[:40]
    if not amount.is_finite():
        raise InvalidInput("value.amount_unreadable", field=field, value=shown)
    if amount < 0:
        raise InvalidInput("value.negative", field=field, value=shown)
    if amount >= MAX_AMOUNT:
        raise InvalidInput("value.amount_too_large", field=field, value=shown)
    return amount.quantize(Decimal("0.01"))


def format_yuan(amount: Decimal | None, currency: str = "CNY", lang: str = "zh") -> str:
    """5000000 → 500万元 / 1.2亿元; other currencies keep their name (50万美元)."""
    if amount is None:
        return ""
    names = {
        "CNY": ("元", "yuan"),
        "USD": ("美元", "USD"),
        "HKD": ("港元", "HKD"),
        "JPY": ("日元", "JPY"),
        "EUR": ("欧元", "EUR"),
        "GBP": ("英镑", "GBP"),
    }
    zh, en = names.get(currency, (currency, currency))
    if lang == "en":
        if amount >= 10**9:
            return f"{(amount / 10**9).quantize(Decimal('0.001')).normalize():f} billion {en}"
        if amount >= 10**6:
            return f"{(amount / 10**6).quantize(Decimal('0.01')).normalize():f} million {en}"
        return f"{amount.quantize(Decimal('1')):,} {en}"
    if amount >= 10**8:
        return f"{(amount / 10**8).quantize(Decimal('0.01')).normalize():f}亿{zh}"
    if amount >= 10**4:
        return f"{(amount / 10**4).quantize(Decimal('0.01')).normalize():f}万{zh}"
    return f"{amount.quantize(Decimal('0.01')).normalize():f}{zh}"
