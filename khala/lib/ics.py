"""One iCalendar builder for every ``.ics`` Khala serves: an event's "Add to calendar", a ticket's, and the
subscribable feeds (``calendar``: the public ``/calendar.ics`` and a person's own tickets).

Times are written in the event's own IANA zone with its VTIMEZONE, so every calendar client shows the local time
the organiser meant; UIDs are stable, so a re-import updates the entry instead of adding a copy. A feed's
entries carry a SEQUENCE that grows whenever the event changes (time, place, cancellation) and a DTSTAMP of the
event's last change, so subscribers see the update and the same data gives the same bytes (stable ETags).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, vDuration, vText
from icalendar import Event as IcsEvent

PRODID = "-//Khala//Khala events//EN"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str = ""
    description: str = ""
    url: str = ""
    latitude: float | None = None
    longitude: float | None = None
    cancelled: bool = False
    sequence: int = 0  # raised by every change a calendar should pick up
    changed_at: datetime | None = None  # DTSTAMP and LAST-MODIFIED; None = now (a one-off download)


def _vevent(entry: CalendarEntry) -> IcsEvent:
    zone = ZoneInfo(entry.timezone)
    ev = IcsEvent()
    ev.add("uid", entry.uid)
    ev.add("summary", entry.title)
    ev.add("dtstart", entry.starts_at.astimezone(zone))
    ev.add("dtend", entry.ends_at.astimezone(zone))
    ev.add("dtstamp", (entry.changed_at or datetime.now(UTC)).astimezone(UTC))
    if entry.changed_at is not None:
        ev.add("last-modified", entry.changed_at.astimezone(UTC))
    if entry.sequence or entry.changed_at is not None:  # feeds always say which version this is
        ev.add("sequence", entry.sequence)
    if entry.location:
        ev["location"] = vText(entry.location)
    if entry.latitude is not None and entry.longitude is not None:
        ev.add("geo", (entry.latitude, entry.longitude))
    if entry.description:
        ev.add("description", entry.description)
    if entry.url:
        ev.add("url", entry.url)
    if entry.cancelled:
        ev.add("status", "CANCELLED")
    return ev


def _new_calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    return cal


def ics(entry: CalendarEntry) -> bytes:
    """An iCalendar file with one event in the event's own time zone and a stable UID."""
    cal = _new_calendar()
    # The VTIMEZONE of the event's zone, limited to the years around the event and built once per zone and
    # year: the full 1970–2038 table costs ~5 ms and 700 lines.
    year = entry.starts_at.astimezone(ZoneInfo(entry.timezone)).year
    cal.add_component(_vtimezone(entry.timezone, year, year))
    cal.add_component(_vevent(entry))
    return cal.to_ical()


def calendar(
    entries: Iterable[CalendarEntry], *, name: str = "", description: str = "", refresh_minutes: int = 60
) -> bytes:
    """A subscribable calendar of many events: one VTIMEZONE per zone used (covering their years), the events
    in the order given, and how often a client should refresh (REFRESH-INTERVAL and X-PUBLISHED-TTL)."""
    entries = list(entries)
    cal = _new_calendar()
    if name:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
    if description:
        cal.add("description", description)
        cal.add("x-wr-caldesc", description)
    ttl = timedelta(minutes=max(1, refresh_minutes))
    cal.add("refresh-interval", ttl, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(ttl))
    years: dict[str, list[int]] = {}
    for e in entries:
        years.setdefault(e.timezone, []).append(e.starts_at.astimezone(ZoneInfo(e.timezone)).year)
    for tzid in sorted(years):
        cal.add_component(_vtimezone(tzid, min(years[tzid]), max(years[tzid])))
    for e in entries:
        cal.add_component(_vevent(e))
    return cal.to_ical()


@lru_cache(maxsize=128)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    return Timezone.from_tzid(
        tzid, first_date=date(first_year - 1, 1, 1), last_date=date(last_year + 2, 1, 1)
    )
