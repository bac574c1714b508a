"""Money: one currency table, so parsing and showing agree for every exponent (0, 2 and 3 decimals)."""

from __future__ import annotations

import pytest

from khala.lib import money


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (0, "SEK", "Free"),
        (25000, "SEK", "250\u00a0kr"),
        (24950, "SEK", "249,50\u00a0kr"),
        (150000000, "SEK", "1\u00a0500\u00a0000\u00a0kr"),
        (1250, "EUR", "€12,50"),
        (500, "JPY", "JPY\u00a0500"),
        (1999, "CHF", "CHF\u00a019,99"),
        (12345, "TND", "TND\u00a012,345"),
        (12000, "TND", "TND\u00a012"),
        (12050, "tnd", "TND\u00a012,050"),
        (-24950, "SEK", "-249,50\u00a0kr"),
        (None, "SEK", ""),
    ],
)
def test_format_price(minor, currency, expected) -> None:
    assert money.format_price(minor, currency) == expected


def test_format_price_english_locale_and_from_line() -> None:
    assert money.format_price(123456, "USD", "en-US") == "$1,234.56"
    assert money.format_price(1234567, "KWD", "en-US") == "KWD\u00a01,234.567"
    assert money.from_price(0, "SEK") == "Free"
    assert money.from_price(22000, "SEK") == "from 220\u00a0kr"
    assert money.from_price(None, "SEK") == ""


def test_the_default_currency_comes_from_settings(monkeypatch) -> None:
    from khala.settings import get_settings

    monkeypatch.setattr(get_settings(), "default_currency", "EUR")
    assert money.format_price(1250) == "€12,50"
    assert money.from_price(1250) == "from €12,50"


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("250", "SEK", 25000),
        ("249.50", "SEK", 24950),
        ("249,5", "EUR", 24950),
        ("1 249.50", "SEK", 124950),
        ("1\u00a0249,50", "SEK", 124950),
        ("", "SEK", 0),
        (None, "SEK", 0),
        ("900", "JPY", 900),
        ("12.345", "TND", 12345),
        ("12,3", "tnd", 12300),
        ("12", "TND", 12000),
        ("0.001", "KWD", 1),
        (4200, "SEK", 4200),  # already minor units
    ],
)
def test_parse_amount(text, currency: str, minor: int) -> None:
    assert money.parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.345", "SEK"), ("abc", "SEK"), ("1e5", "SEK"), ("10.5", "JPY"), ("1.2345", "TND"), ("1..2", "SEK")],
)
def test_parse_amount_refuses(text: str, currency: str) -> None:
    with pytest.raises(ValueError):
        money.parse_amount(text, currency)


def test_tnd_round_trips_with_three_decimals() -> None:
    minor = money.parse_amount("249.875", "TND")
    assert minor == 249875
    assert money.format_price(minor, "TND", "en-US") == "TND\u00a0249.875"
    assert money.parse_amount(money.format_price(minor, "TND").removeprefix("TND\u00a0"), "TND") == minor


def test_exponents_and_codes() -> None:
    assert [money.exponent(c) for c in ("SEK", "JPY", "ISK", "TND", "KWD", "CLF", "xxx", None)] == [
        2,
        0,
        0,
        3,
        3,
        4,
        2,
        2,
    ]
    assert money.is_currency_code("SEK") and not money.is_currency_code("sek")
    assert not money.is_currency_code("KRONA") and not money.is_currency_code(None)
