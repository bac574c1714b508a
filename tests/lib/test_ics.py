"""One iCalendar builder: the event's and the ticket's .ics both carry the event's zone and a stable UID."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from khala.lib.ics import CalendarEntry, ics


def _entry(**fields) -> CalendarEntry:
    base = dict(
        uid="event-1@example.com",
        title="Jazz",
        starts_at=datetime(2026, 12, 5, 18, 30, tzinfo=UTC),
        ends_at=datetime(2026, 12, 5, 21, 0, tzinfo=UTC),
        timezone="Europe/Stockholm",
    )
    return CalendarEntry(**(base | fields))


def test_times_are_local_to_the_event_with_its_vtimezone() -> None:
    cal = Calendar.from_ical(ics(_entry(location="Fasching, Stockholm", latitude=59.3, longitude=18.06)))
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Stockholm"
    [ev] = cal.walk("VEVENT")
    start = ev.decoded("DTSTART")
    assert (start.hour, str(start.tzinfo)) == (19, "Europe/Stockholm")  # 18:30 UTC = 19:30 in Stockholm
    assert ev.decoded("DTSTART") == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    assert str(ev["UID"]) == "event-1@example.com" and str(ev["LOCATION"]) == "Fasching, Stockholm"
    assert ev.decoded("GEO") == (59.3, 18.06) or tuple(ev["GEO"].to_ical().decode().split(";")) == (
        "59.3",
        "18.06",
    )
    assert "STATUS" not in ev


def test_a_cancelled_event_says_so() -> None:
    [ev] = Calendar.from_ical(ics(_entry(cancelled=True))).walk("VEVENT")
    assert str(ev["STATUS"]) == "CANCELLED"
