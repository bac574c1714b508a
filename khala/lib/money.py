"""Money: integer minor units plus an ISO 4217 currency code, read from text and written for people.

One source for the whole app (the admin form's parser, the catalogue, the mails and the tickets): CLDR's
currency digits and symbols through Babel, so a currency with three decimals (TND, KWD …) or none (JPY, ISK …)
parses and shows the same everywhere, in the visitor's language (``khala.lib.i18n``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision

from khala.lib import i18n
from khala.settings import get_settings

_CODE = re.compile(r"[A-Z]{3}")
_AMOUNT = re.compile(r"-?\d{1,9}([.,]\d+)?")
# A currency written with letters right before the digits gets a no-break space ("SEK 1,250", not "SEK1,250").
_LETTERS_THEN_DIGIT = re.compile(r"^(-?)([^\W\d_]{2,})(?=\d)")


def default_currency() -> str:
    return get_settings().default_currency


@lru_cache(maxsize=256)
def exponent(currency: str | None) -> int:
    """How many decimals ``currency`` has, from CLDR (JPY 0, SEK 2, KWD 3; 2 for an unknown code)."""
    return get_currency_precision((currency or "").upper() or "XXX")


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


def _locale(locale: str | None) -> str:
    return locale.replace("-", "_") if locale else i18n.babel_locale()


def format_price(minor: int | None, currency: str | None = None, locale: str | None = None) -> str:
    """Minor units for people, in the current language (or the Babel/BCP 47 ``locale`` given).

    ``25000, "SEK"`` → ``"250 kr"`` in Swedish, ``"SEK 250"`` in English; ``1250, "EUR"`` → ``"12,50 €"`` /
    ``"€12.50"``; ``0`` → ``"Free"``/``"Gratis"``; None → ``""``. Whole amounts drop the decimals, others keep all
    of the currency's (CLDR digits: JPY none, KWD three). ``currency`` defaults to ``settings.default_currency``.
    """
    if minor is None:
        return ""
    if minor == 0:
        return i18n.gettext("Free")
    currency = (currency or default_currency()).upper()
    places = exponent(currency)
    amount = Decimal(int(minor)).scaleb(-places)
    loc = _locale(locale)
    if places and int(minor) % 10**places:
        text = format_currency(amount, currency, locale=loc)
    else:
        pattern = Locale.parse(loc).currency_formats["standard"].pattern
        pattern = re.sub(r"0\.0+", "0", pattern.split(";")[0])
        text = format_currency(amount, currency, format=pattern, locale=loc, currency_digits=False)
    return _LETTERS_THEN_DIGIT.sub("\\1\\2\u00a0", text.replace("\u2212", "-"), count=1)


def from_price(minor: int | None, currency: str | None = None) -> str:
    """The card's price line: ``"Free"``, ``"from 250 kr"`` (``"från 250 kr"``) or ``""`` with nothing to sell."""
    if minor is None:
        return ""
    if minor == 0:
        return i18n.gettext("Free")
    return i18n.gettext("from %(price)s") % {"price": format_price(minor, currency)}
