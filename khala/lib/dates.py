"""Dates and times for people: shown in the event's own IANA time zone, read from form text as wall time.

Times are stored in UTC (timezone-aware); these helpers turn them into the words a page or a mail shows,
and turn what a person typed into a datetime-local field back into UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def format_date_short(dt: datetime, timezone: str | None) -> str:
    """``"Sat 14 Mar 2026 · 19:00 CET"`` (card line)."""
    d = local(dt, timezone)
    return f"{d:%a} {d.day} {d:%b %Y} · {d:%H:%M} {d.tzname() or ''}".strip()


def format_date_long(start: datetime, end: datetime | None, timezone: str | None) -> str:
    """``"Saturday 14 March 2026, 19:00-23:00 CET"`` (with an en dash); spans over several days show both dates."""
    s = local(start, timezone)
    head = f"{s:%A} {s.day} {s:%B %Y}, {s:%H:%M}"
    if end is None:
        return f"{head} {s.tzname() or ''}"
    e = local(end, timezone)
    if e.date() == s.date():
        return f"{head}–{e:%H:%M} {e.tzname() or ''}"
    return f"{head} – {e:%A} {e.day} {e:%B %Y}, {e:%H:%M} {e.tzname() or ''}"


def format_time(dt: datetime, timezone: str | None) -> str:
    return f"{local(dt, timezone):%H:%M}"


def format_datetime_short(dt: datetime | None, timezone: str | None) -> str:
    """``"12 Mar 2026, 10:00 CET"`` (sales windows, mails, tickets); None → ``""``."""
    if dt is None:
        return ""
    d = local(dt, timezone)
    return f"{d.day} {d:%b %Y}, {d:%H:%M} {d.tzname() or ''}"


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
