"""Money: one currency table, so parsing and showing agree for every exponent (0, 2 and 3 decimals)."""

from __future__ import annotations

import pytest

from khala.lib import i18n, money


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (0, "SEK", "Gratis"),
        (25000, "SEK", "250\u00a0kr"),
        (24950, "SEK", "249,50\u00a0kr"),
        (150000000, "SEK", "1\u00a0500\u00a0000\u00a0kr"),
        (1250, "EUR", "12,50\u00a0€"),
        (500, "JPY", "500\u00a0JPY"),
        (1999, "CHF", "19,99\u00a0CHF"),
        (12345, "TND", "12,345\u00a0TND"),
        (12000, "TND", "12\u00a0TND"),
        (12050, "tnd", "12,050\u00a0TND"),
        (-24950, "SEK", "-249,50\u00a0kr"),
        (None, "SEK", ""),
    ],
)
def test_format_price_in_swedish(minor, currency, expected) -> None:
    with i18n.use_language("sv"):
        assert money.format_price(minor, currency) == expected


@pytest.mark.parametrize(
    ("minor", "currency", "sv", "en"),
    [
        (125000, "SEK", "1\u00a0250\u00a0kr", "SEK\u00a01,250"),
        (124950, "SEK", "1\u00a0249,50\u00a0kr", "SEK\u00a01,249.50"),
        (1250, "EUR", "12,50\u00a0€", "€12.50"),
        (100000, "NOK", "1\u00a0000\u00a0Nkr", "NOK\u00a01,000"),
        (1250, "JPY", "1\u00a0250\u00a0JPY", "¥1,250"),  # no decimals: 1250 minor units are ¥1,250
        (1234567, "KWD", "1\u00a0234,567\u00a0KWD", "KWD\u00a01,234.567"),  # three decimals
        (1234000, "KWD", "1\u00a0234\u00a0KWD", "KWD\u00a01,234"),
        (0, "EUR", "Gratis", "Free"),
    ],
)
def test_format_price_in_both_languages(minor, currency, sv, en) -> None:
    with i18n.use_language("sv"):
        assert money.format_price(minor, currency) == sv
    with i18n.use_language("en"):
        assert money.format_price(minor, currency) == en


def test_format_price_english_locale_and_from_line() -> None:
    assert money.format_price(123456, "USD", "en-US") == "$1,234.56"
    assert money.format_price(1234567, "KWD", "en-US") == "KWD\u00a01,234.567"
    assert money.from_price(0, "SEK") == "Free"
    assert money.from_price(22000, "SEK") == "from SEK\u00a0220"
    assert money.from_price(None, "SEK") == ""
    with i18n.use_language("sv"):
        assert money.from_price(22000, "SEK") == "från 220\u00a0kr"


def test_cldr_currency_digits() -> None:
    assert [money.exponent(c) for c in ("SEK", "EUR", "JPY", "KWD", "TND", "ISK", "xyz")] == [
        2,
        2,
        0,
        3,
        3,
        0,
        2,
    ]


def test_the_default_currency_comes_from_settings(monkeypatch) -> None:
    from khala.settings import get_settings

    monkeypatch.setattr(get_settings(), "default_currency", "EUR")
    assert money.format_price(1250) == "€12.50"
    assert money.from_price(1250) == "from €12.50"


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
