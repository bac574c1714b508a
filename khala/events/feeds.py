"""Calendar feeds of the catalogue: ``/calendar.ics`` (every published upcoming event, filterable by category
and city like the catalogue) and the entry of one event (its "Add to calendar" download).

An event has one UID everywhere (``event-<id>@<host>``), so a downloaded entry and the subscribed feed are the
same appointment; its SEQUENCE grows with every change a calendar shows (``Event.sequence``) and its DTSTAMP
is the time of its last change, so the same catalogue gives the same bytes and the route's ETag holds.
Cancelled upcoming events stay in the feed with ``STATUS:CANCELLED``, so subscribers see the cancellation
(and, for calendars that ignore the status, a first line saying so). Our own words — the feed's name and
description, that line — are in the current language (the request's); titles and summaries stay as written.
Plain Python over the catalogue's reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from khala.events.catalogue import EventDetail, ListedEvent
from khala.lib import routes
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.ics import CalendarEntry, calendar, ics

FEED_NAME = N_("Khala events")  # the unfiltered feed; translated when served
REFRESH_MINUTES = 60


def _host(base_url: str) -> str:
    return base_url.split("://", 1)[-1].split("/")[0].split(":")[0] or "khala"


def event_uid(event_id: str, base_url: str) -> str:
    return f"event-{event_id}@{_host(base_url)}"


def _description(summary: str, url: str, *, cancelled: bool = False) -> str:
    lead = _("This event has been cancelled.") + "\n\n" if cancelled else ""
    return lead + (summary + "\n\n" if summary else "") + url


def listed_entry(e: ListedEvent, base_url: str) -> CalendarEntry:
    url = base_url + routes.event(e.slug)
    return CalendarEntry(
        uid=event_uid(e.id, base_url),
        title=e.title,
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        timezone=e.timezone,
        location=e.address,
        description=_description(e.summary, url, cancelled=e.status == "cancelled"),
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
            description=_description(d.summary, url, cancelled=d.status == "cancelled"),
            url=url,
            latitude=d.latitude,
            longitude=d.longitude,
            cancelled=d.status == "cancelled",
            sequence=sequence,
        )
    )


def listing_name(category_name: str | None = None, city: str | None = None) -> str:
    """What a filtered listing shows, in words: "Music events in Malmö", "Events in Malmö", "Music events"."""
    if category_name and city:
        return _("%(category)s events in %(city)s") % {"category": category_name, "city": city}
    if city:
        return _("Events in %(city)s") % {"city": city}
    if category_name:
        return _("%(category)s events") % {"category": category_name}
    return _("Events")


def feed_name(category_name: str | None = None, city: str | None = None) -> str:
    if not (category_name or city):
        return _(FEED_NAME)
    return f"Khala · {listing_name(category_name, city)}"


def public_feed(events: Iterable[ListedEvent], base_url: str, *, name: str | None = None) -> bytes:
    return calendar(
        (listed_entry(e, base_url) for e in events),
        name=_(FEED_NAME) if name is None else name,
        description=_("Upcoming events on Khala"),
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
