"""Dates and times for people: shown in the event's own IANA time zone, read from form text as wall time.

Times are stored in UTC (timezone-aware); these helpers turn them into the words a page or a mail shows,
and turn what a person typed into a datetime-local field back into UTC. Names and time styles come from CLDR (Babel),
in the current language (``khala.lib.i18n``) unless a ``locale`` is given.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates
from babel.lists import format_list as format_list_babel

from khala.lib import i18n
from khala.settings import get_settings

MAX_INPUT = 40


def default_timezone() -> str:
    return get_settings().default_timezone


def is_timezone(name: str | None) -> bool:
    """True when ``name`` is a known IANA zone such as ``Europe/Stockholm``."""
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str | None) -> ZoneInfo:
    """The zone called ``name``; an unknown or empty name gives UTC (for showing, never for storing)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(dt: datetime, timezone: str | None) -> datetime:
    """``dt`` (naive means UTC) as wall time in ``timezone``."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(zone(timezone))


# Date patterns per language (CLDR supplies the names: "lördag"/"Saturday", "dec."/"Dec"); times are CLDR's
# short time of the locale ("19:30" in Swedish, "7:30 PM" in English).
_PATTERNS: dict[str, dict[str, str]] = {
    "en": {"short": "EEE d MMM y", "long": "EEEE d MMMM y", "day": "EEEE d MMMM", "medium": "d MMM y"},
    "sv": {"short": "EEE d MMM y", "long": "EEEE d MMMM y", "day": "EEEE d MMMM", "medium": "d MMM y"},
}
# What joins a date and its time: "Saturday 5 December, 7:30 PM" / "lördag 5 december 19:30".
_DATE_TIME_SEP = {"en": ", ", "sv": " "}


def _lang(locale: str | None) -> str:
    return i18n.normalize(locale) or i18n.get_language()


def _date(d: datetime, kind: str, locale: str | None) -> str:
    lang = _lang(locale)
    pattern = _PATTERNS.get(lang, _PATTERNS["en"])[kind]
    return babel_dates.format_date(d.date(), pattern, locale=i18n.babel_locale(lang))


def _time(d: datetime, locale: str | None) -> str:
    text = babel_dates.format_time(d.time(), "short", locale=i18n.babel_locale(_lang(locale)))
    return text.replace("\u202f", "\u00a0")


def format_date_short(dt: datetime, timezone: str | None, locale: str | None = None) -> str:
    """``"Sat 14 Mar 2026 · 7:00 PM CET"`` / ``"lör 14 mars 2026 · 19:00 CET"`` (card line)."""
    d = local(dt, timezone)
    return f"{_date(d, 'short', locale)} · {_time(d, locale)} {d.tzname() or ''}".strip()


def format_date_long(
    start: datetime, end: datetime | None, timezone: str | None, locale: str | None = None
) -> str:
    """``"Saturday 14 March 2026, 7:00 PM-11:00 PM CET"`` / ``"lördag 14 mars 2026 19:00-23:00 CET"``.

    With an en dash between the times; spans over several days show both dates.
    """
    lang = _lang(locale)
    s = local(start, timezone)
    head = f"{_date(s, 'long', lang)}{_DATE_TIME_SEP.get(lang, ', ')}{_time(s, lang)}"
    if end is None:
        return f"{head} {s.tzname() or ''}".strip()
    e = local(end, timezone)
    if e.date() == s.date():
        return f"{head}–{_time(e, lang)} {e.tzname() or ''}".strip()
    tail = f"{_date(e, 'long', lang)}{_DATE_TIME_SEP.get(lang, ', ')}{_time(e, lang)}"
    return f"{head} – {tail} {e.tzname() or ''}".strip()


def format_day_time(dt: datetime, timezone: str | None, locale: str | None = None) -> str:
    """``"Saturday 5 December, 7:30 PM"`` / ``"lördag 5 december 19:30"`` (the event's zone, no year)."""
    lang = _lang(locale)
    d = local(dt, timezone)
    return f"{_date(d, 'day', lang)}{_DATE_TIME_SEP.get(lang, ', ')}{_time(d, lang)}"


def format_time(dt: datetime, timezone: str | None, locale: str | None = None) -> str:
    """``"7:00 PM"`` / ``"19:00"`` in ``timezone``."""
    return _time(local(dt, timezone), locale)


def format_datetime_short(dt: datetime | None, timezone: str | None, locale: str | None = None) -> str:
    """``"12 Mar 2026, 10:00 AM CET"`` / ``"12 mars 2026 10:00 CET"`` (sales windows, mails, tickets); None → ``""``."""
    if dt is None:
        return ""
    lang = _lang(locale)
    d = local(dt, timezone)
    return f"{_date(d, 'medium', lang)}{_DATE_TIME_SEP.get(lang, ', ')}{_time(d, lang)} {d.tzname() or ''}".strip()


def format_month(year: int, month: int, locale: str | None = None) -> str:
    """``"December 2026"`` / ``"december 2026"`` (a calendar's heading)."""
    return babel_dates.format_date(date(year, month, 1), "LLLL y", locale=i18n.babel_locale(_lang(locale)))


def format_day(day: date, locale: str | None = None) -> str:
    """``"Monday 3 November"`` / ``"måndag 3 november"`` (a calendar cell, for screen readers)."""
    return babel_dates.format_date(day, "EEEE d MMMM", locale=i18n.babel_locale(_lang(locale)))


def month_abbr(d: datetime, locale: str | None = None) -> str:
    """``"Dec"`` / ``"dec."`` (a calendar leaf)."""
    return babel_dates.format_date(d.date(), "MMM", locale=i18n.babel_locale(_lang(locale)))


def format_relative(dt: datetime, now: datetime | None = None, locale: str | None = None) -> str:
    """``"in 3 days"`` / ``"om 3 dagar"``, ``"2 hours ago"`` / ``"för 2 timmar sedan"`` (CLDR units, rounded)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - (now or datetime.now(UTC))
    return babel_dates.format_timedelta(
        delta, add_direction=True, threshold=1.5, locale=i18n.babel_locale(_lang(locale))
    )


def format_list(items: list[str], locale: str | None = None) -> str:
    """``["A", "B", "C"]`` → ``"A, B and C"`` / ``"A, B och C"``."""
    return format_list_babel(items, locale=i18n.babel_locale(_lang(locale))) if items else ""


def parse_local_datetime(value: str | None, timezone: str) -> datetime | None:
    """``"2026-12-01T19:00"`` (a datetime-local field) read as wall time in ``timezone`` → aware UTC.

    Text that carries its own offset keeps it. Empty → None; unreadable text → ValueError, an unknown
    zone → ``ZoneInfoNotFoundError``.
    """
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_INPUT:
        raise ValueError(text)
    parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(UTC)


def local_input(dt: datetime | None, timezone: str) -> str:
    """``dt`` as a datetime-local field shows it (``"2026-12-01T19:00"``, wall time in ``timezone``)."""
    if dt is None:
        return ""
    return local(dt, timezone).strftime("%Y-%m-%dT%H:%M")
