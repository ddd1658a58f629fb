"""The one table of text limits and the one cleaning of text (core/limits.py)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from haihe.core.errors import InvalidInput
from haihe.core.i18n import catalogue
from haihe.core.limits import LIMITS, Text, clean_text
from haihe.registry.names import normalise


@pytest.mark.parametrize("ch", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_invisible_characters_go_from_text_and_names(ch: str) -> None:
    assert clean_text(f"海河{ch}科技", "organisation.name", name=True) == "海河科技"
    assert normalise(f"天津海{ch}河科技有限公司") == normalise("天津海河科技有限公司")


def test_control_characters_go_but_line_breaks_stay() -> None:
    assert clean_text("a\x00b\x1fc\nd\te", "project.notes") == "abc\nd\te"


@pytest.mark.parametrize("ch", [*"\u202a\u202b\u202c\u202d\u202e", "\u2066", "\u2069"])
def test_bidi_controls_are_refused_in_names(ch: str) -> None:
    with pytest.raises(InvalidInput) as e:
        clean_text(f"海河{ch}科技", "organisation.name", name=True)
    assert e.value.key == "limits.bidi"
    assert "组织名称" in e.value.message("zh") and "organisation" in e.value.message("en")


def test_too_long_names_the_field_and_the_limit() -> None:
    clean_text("x" * 300, "project.title")
    with pytest.raises(InvalidInput) as e:
        clean_text("x" * 10_000, "project.title")
    assert e.value.field == "title"
    assert "项目名称" in e.value.message("zh") and "300" in e.value.message("zh")
    assert "project title" in e.value.message("en")


def test_pydantic_type_refuses_with_our_error() -> None:
    class Body(BaseModel):
        notes: Text("project.notes") | None = None

    assert Body(notes=" a\u200b ").notes == "a"
    assert Body().notes is None
    with pytest.raises(InvalidInput):
        Body(notes="x" * (LIMITS["project.notes"].max + 1))


def test_every_label_is_in_both_languages() -> None:
    for limit in LIMITS.values():
        assert limit.label in catalogue("zh") and limit.label in catalogue("en")


@pytest.mark.parametrize("text", ["²", "١٢", "１２", "", " 1", "1.0", "-1", None])
def test_is_digits_is_ascii_digits_only(text) -> None:  # noqa: ANN001
    from haihe.core.limits import is_digits

    assert not is_digits(text)


def test_is_digits_accepts_what_int_reads() -> None:
    from haihe.core.limits import is_digits

    assert is_digits("0123") and int("0123") == 123


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e17", "1e30", "-5"])
def test_checked_amount_refuses_with_the_field(value: str) -> None:
    from decimal import Decimal

    from haihe.core.money import checked_amount

    with pytest.raises(InvalidInput) as e:
        checked_amount(Decimal(value), value, field="contracted_investment")
    assert e.value.field == "contracted_investment"


def test_checked_amount_rounds_to_fen() -> None:
    from decimal import Decimal

    from haihe.core.money import checked_amount

    assert checked_amount(Decimal("99999999999999999.994"), "x") == Decimal("99999999999999999.99")
