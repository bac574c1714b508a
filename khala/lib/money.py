"""Money: integer minor units plus an ISO 4217 currency code, read from text and written for people.

One currency table for the whole app (the admin form's parser, the catalogue, the mails and the tickets),
so a currency with three decimals (TND, KWD …) or none (JPY, ISK …) parses and shows the same everywhere.
"""

from __future__ import annotations

import re

from khala.settings import get_settings

# ISO 4217 minor-unit exponents that are not 2 (every other code has two decimals).
EXPONENTS: dict[str, int] = {
    # no minor unit
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # thousandths
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # ten-thousandths (units of account)
    "CLF": 4,
    "UYW": 4,
}

_CODE = re.compile(r"[A-Z]{3}")
_AMOUNT = re.compile(r"-?\d{1,9}([.,]\d+)?")
_SYMBOL_BEFORE = {"EUR": "€", "USD": "$", "GBP": "£"}
_KRONA = {"SEK", "NOK", "DKK"}
_COMMA_LOCALES = ("sv", "nb", "nn", "da")


def default_currency() -> str:
    return get_settings().default_currency


def exponent(currency: str | None) -> int:
    """How many decimals ``currency`` has (2 for anything not in the table)."""
    return EXPONENTS.get((currency or "").upper(), 2)


def is_currency_code(code: str | None) -> bool:
    """A three-letter upper-case ISO 4217 style code such as ``SEK``."""
    return bool(_CODE.fullmatch(code or ""))


def parse_amount(value: str | int | None, currency: str) -> int:
    """``"249.50"``/``"249,50"``/``"1 249.50"`` in ``currency`` → minor units (24950); empty → 0.

    An ``int`` is taken as minor units already. ValueError when the text is not a number, or has more
    decimals than the currency has (``"12.345"`` is refused for SEK and read as 12345 for TND).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return 0
    if not _AMOUNT.fullmatch(text):
        raise ValueError(text)
    places = exponent(currency)
    whole, _, frac = text.replace(",", ".").partition(".")
    if len(frac) > places:
        raise ValueError(text)
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 10**places + int(frac.ljust(places, "0") or 0))


def _group(number: int, sep: str) -> str:
    return f"{number:,}".replace(",", sep)


def format_price(minor: int | None, currency: str | None = None, locale: str = "sv-SE") -> str:
    """``25000, "SEK"`` → ``"250 kr"``; ``1250, "EUR"`` → ``"€12,50"``; ``0`` → ``"Free"``; None → ``""``.

    Whole amounts drop the decimals (``"250 kr"``), others keep all of the currency's (``"249,50 kr"``,
    ``"TND 12,345"``). Unknown currencies use the ISO code (``"CHF 12,50"``). ``currency`` defaults to
    ``settings.default_currency``.
    """
    if minor is None:
        return ""
    if minor == 0:
        return "Free"
    currency = (currency or default_currency()).upper()
    places = exponent(currency)
    whole, frac = divmod(abs(int(minor)), 10**places) if places else (abs(int(minor)), 0)
    comma = locale.lower().startswith(_COMMA_LOCALES)
    thousands, decimal = ("\u00a0", ",") if comma else (",", ".")
    number = _group(whole, thousands)
    if frac:
        number += decimal + str(frac).rjust(places, "0")
    sign = "-" if minor < 0 else ""
    if currency in _KRONA:
        return f"{sign}{number}\u00a0kr"
    if currency in _SYMBOL_BEFORE:
        return f"{sign}{_SYMBOL_BEFORE[currency]}{number}"
    return f"{sign}{currency}\u00a0{number}"


def from_price(minor: int | None, currency: str | None = None) -> str:
    """The card's price line: ``"Free"``, ``"from 250 kr"`` or ``""`` when there is nothing to sell."""
    if minor is None:
        return ""
    return "Free" if minor == 0 else f"from {format_price(minor, currency)}"
