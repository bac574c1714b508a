"""Formatting for people: money in minor units, dates in the event's own IANA timezone.

Plain Python (no Reflex) so the REST API, mails and tests can use the same wording.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# ISO 4217 minor-unit exponents that are not 2.
_EXPONENT = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}
_SYMBOL_BEFORE = {"EUR": "€", "USD": "$", "GBP": "£"}
_KRONA = {"SEK", "NOK", "DKK"}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _group(number: int, sep: str) -> str:
    return f"{number:,}".replace(",", sep)


def format_price(minor: int | None, currency: str = "SEK", locale: str = "sv-SE") -> str:
    """``25000, "SEK"`` → ``"250 kr"``; ``1250, "EUR"`` → ``"€12.50"``; ``0`` → ``"Free"``; None → ``""``.

    Whole amounts drop the decimals (``"250 kr"``), others keep them (``"249,50 kr"``). Unknown
    currencies use the ISO code (``"CHF 12.50"``).
    """
    if minor is None:
        return ""
    if minor == 0:
        return "Free"
    currency = (currency or "SEK").upper()
    exponent = _EXPONENT.get(currency, 2)
    whole, frac = divmod(abs(int(minor)), 10**exponent) if exponent else (abs(int(minor)), 0)
    swedish = locale.lower().startswith(("sv", "nb", "nn", "da"))
    thousands, decimal = ("\u00a0", ",") if swedish else (",", ".")
    number = _group(whole, thousands)
    if frac:
        number += decimal + str(frac).rjust(exponent, "0")
    sign = "-" if minor < 0 else ""
    if currency in _KRONA:
        return f"{sign}{number}\u00a0kr"
    if currency in _SYMBOL_BEFORE:
        return f"{sign}{_SYMBOL_BEFORE[currency]}{number}"
    return f"{sign}{currency}\u00a0{number}"


def from_price(minor: int | None, currency: str = "SEK") -> str:
    """The card's price line: ``"Free"``, ``"from 250 kr"`` or ``""`` when there are no packages."""
    if minor is None:
        return ""
    return "Free" if minor == 0 else f"from {format_price(minor, currency)}"


def local(dt: datetime, timezone: str | None) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(_zone(timezone))


def _tz_label(dt: datetime) -> str:
    name = dt.tzname() or ""
    return name


def format_date_short(dt: datetime, timezone: str | None) -> str:
    """``"Sat 14 Mar 2026 · 19:00 CET"`` (card line)."""
    d = local(dt, timezone)
    return f"{d:%a} {d.day} {d:%b %Y} · {d:%H:%M} {_tz_label(d)}".strip()


def format_date_long(start: datetime, end: datetime | None, timezone: str | None) -> str:
    """``"Saturday 14 March 2026, 19:00-23:00 CET"`` (en dash); spans over several days show both dates."""
    s = local(start, timezone)
    head = f"{s:%A} {s.day} {s:%B %Y}, {s:%H:%M}"
    if end is None:
        return f"{head} {_tz_label(s)}"
    e = local(end, timezone)
    if e.date() == s.date():
        return f"{head}–{e:%H:%M} {_tz_label(e)}"
    return f"{head} – {e:%A} {e.day} {e:%B %Y}, {e:%H:%M} {_tz_label(e)}"


def format_time(dt: datetime, timezone: str | None) -> str:
    return f"{local(dt, timezone):%H:%M}"


def format_datetime_short(dt: datetime | None, timezone: str | None) -> str:
    """``"12 Mar 2026, 10:00 CET"`` (sales windows)."""
    if dt is None:
        return ""
    d = local(dt, timezone)
    return f"{d.day} {d:%b %Y}, {d:%H:%M} {_tz_label(d)}"


def seats_badge(seats_left: int | None, sold_out: bool, few: int = 10) -> tuple[str, str]:
    """(label, tone) for a card badge: ``("Sold out", "soldout")``, ``("3 left", "few")`` or ``("", "")``."""
    if sold_out or seats_left == 0:
        return "Sold out", "soldout"
    if seats_left is not None and seats_left <= few:
        return f"{seats_left} left", "few"
    return "", ""
