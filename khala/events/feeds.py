"""Calendar feeds of the catalogue: ``/calendar.ics`` (every published upcoming event, filterable by category
and city like the catalogue) and the entry of one event (its "Add to calendar" download).

An event has one UID everywhere (``event-<id>@<host>``), so a downloaded entry and the subscribed feed are the
same appointment; its SEQUENCE grows with every change a calendar shows (``Event.sequence``) and its DTSTAMP
is the time of its last change, so the same catalogue gives the same bytes and the route's ETag holds.
Cancelled upcoming events stay in the feed with ``STATUS:CANCELLED``, so subscribers see the cancellation.
Plain Python over the catalogue's reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from khala.events.catalogue import EventDetail, ListedEvent
from khala.lib import routes
from khala.lib.ics import CalendarEntry, calendar, ics

FEED_NAME = "Khala events"
REFRESH_MINUTES = 60


def _host(base_url: str) -> str:
    return base_url.split("://", 1)[-1].split("/")[0].split(":")[0] or "khala"


def event_uid(event_id: str, base_url: str) -> str:
    return f"event-{event_id}@{_host(base_url)}"


def _description(summary: str, url: str) -> str:
    return (summary + "\n\n" if summary else "") + url


def listed_entry(e: ListedEvent, base_url: str) -> CalendarEntry:
    url = base_url + routes.event(e.slug)
    return CalendarEntry(
        uid=event_uid(e.id, base_url),
        title=e.title,
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        timezone=e.timezone,
        location=e.address,
        description=_description(e.summary, url),
        url=url,
        latitude=e.latitude,
        longitude=e.longitude,
        cancelled=e.status == "cancelled",
        sequence=e.sequence,
        changed_at=e.updated_at,
    )


def event_ics(d: EventDetail, base_url: str, *, sequence: int = 0) -> bytes:
    """One event's "Add to calendar" file (the same UID as in the feed)."""
    url = base_url + routes.event(d.slug)
    return ics(
        CalendarEntry(
            uid=event_uid(d.id, base_url),
            title=d.title,
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            timezone=d.timezone,
            location=", ".join(p for p in (d.venue, d.address) if p),
            description=_description(d.summary, url),
            url=url,
            latitude=d.latitude,
            longitude=d.longitude,
            cancelled=d.status == "cancelled",
            sequence=sequence,
        )
    )


def feed_name(category_name: str | None = None, city: str | None = None) -> str:
    what = f"{category_name} events" if category_name else "Events"
    return f"Khala · {what} in {city}" if city else (f"Khala · {what}" if category_name else FEED_NAME)


def public_feed(events: Iterable[ListedEvent], base_url: str, *, name: str = FEED_NAME) -> bytes:
    return calendar(
        (listed_entry(e, base_url) for e in events),
        name=name,
        description="Upcoming events on Khala",
        refresh_minutes=REFRESH_MINUTES,
    )


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (weak comparison, ``*`` included)."""
    if not if_none_match:
        return False
    wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in wanted or tag in wanted
