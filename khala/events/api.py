"""Event HTTP routes outside the versioned REST API: the .ics download ("Add to calendar")."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from icalendar import Calendar
from icalendar import Event as ICalEvent

from khala.errors import NotFound
from khala.events import service
from khala.settings import get_settings

router = APIRouter()
_SLUG = re.compile(r"^[A-Za-z0-9-]{1,120}$")


def build_ics(d: service.EventDetail, base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Khala//Events//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    ev = ICalEvent()
    ev.add("uid", f"{d.id}@khala")
    ev.add("dtstamp", datetime.now(UTC))
    ev.add("dtstart", d.starts_at.astimezone(UTC))
    ev.add("dtend", d.ends_at.astimezone(UTC))
    ev.add("summary", d.title)
    url = f"{base_url}/events/{d.slug}"
    ev.add("description", (d.summary + "\n\n" if d.summary else "") + url)
    ev.add("url", url)
    where = ", ".join(p for p in (d.venue, d.street, f"{d.postal_code} {d.city}".strip(), d.country) if p)
    if where:
        ev.add("location", where)
    if d.latitude is not None and d.longitude is not None:
        ev.add("geo", (d.latitude, d.longitude))
    if d.status == "cancelled":
        ev.add("status", "CANCELLED")
    cal.add_component(ev)
    return cal.to_ical()


@router.get("/events/{slug}.ics", include_in_schema=False)
async def event_ics(slug: str) -> Response:
    if not _SLUG.match(slug):
        return PlainTextResponse("Event not found", status_code=404)
    try:
        detail = await asyncio.to_thread(service.get_event, slug)
    except NotFound:
        return PlainTextResponse("Event not found", status_code=404)
    body = build_ics(detail, get_settings().public_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{detail.slug}.ics"',
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )
