"""What a ticket is made of besides its row: the QR code and the calendar entry."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import segno
from icalendar import Calendar, Timezone, vText
from icalendar import Event as IcsEvent

from khala.events.models import Event, Package
from khala.locations.models import Location
from khala.mail.service import absolute_url
from khala.registrations.models import Registration
from khala.settings import get_settings


def qr_png(ticket_code: str, *, scale: int = 6) -> bytes:
    """The ticket code as a QR code (error correction M), PNG."""
    out = io.BytesIO()
    segno.make(ticket_code, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg_data_uri(ticket_code: str) -> str:
    """The ticket code as an inline SVG data URI, for pages."""
    return segno.make(ticket_code, error="m", micro=False).svg_data_uri(scale=4, border=2, dark="#1c2346")


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    description: str
    url: str


def ics(entry: CalendarEntry) -> bytes:
    """An iCalendar file with one event in the event's own time zone and a stable UID."""
    zone = ZoneInfo(entry.timezone)
    cal = Calendar()
    cal.add("prodid", "-//Khala//Khala events//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    ev = IcsEvent()
    ev.add("uid", entry.uid)
    ev.add("summary", entry.title)
    ev.add("dtstart", entry.starts_at.astimezone(zone))
    ev.add("dtend", entry.ends_at.astimezone(zone))
    ev.add("dtstamp", datetime.now(ZoneInfo("UTC")))
    if entry.location:
        ev["location"] = vText(entry.location)
    if entry.description:
        ev.add("description", entry.description)
    if entry.url:
        ev.add("url", entry.url)
    # The VTIMEZONE of the event's zone (so every client shows the right local time), limited to the years
    # around the event and built once per zone and year: the full 1970–2038 table costs ~5 ms and 700 lines.
    cal.add_component(_vtimezone(entry.timezone, entry.starts_at.astimezone(zone).year))
    cal.add_component(ev)
    return cal.to_ical()


@lru_cache(maxsize=128)
def _vtimezone(tzid: str, year: int) -> Timezone:
    return Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


def registration_uid(registration_id: str) -> str:
    host = get_settings().public_origin.split("://", 1)[-1].split(":")[0] or "khala"
    return f"registration-{registration_id}@{host}"


def venue_line(location: Location | None) -> str:
    if location is None:
        return ""
    parts = [location.name, location.street, " ".join(p for p in (location.postal_code, location.city) if p)]
    return ", ".join(p for p in parts if p)


def calendar_entry(
    registration: Registration, event: Event, package: Package, location: Location | None
) -> CalendarEntry:
    """The calendar entry of one ticket (the same in the confirmation mail and the ``.ics`` download)."""
    return CalendarEntry(
        uid=registration_uid(str(registration.id)),
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        location=venue_line(location),
        description=f"{package.title} × {registration.quantity} — ticket {registration.ticket_code}",
        url=absolute_url(f"/tickets#{registration.ticket_code}"),
    )
