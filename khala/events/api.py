"""Event HTTP routes outside the versioned REST API: the .ics download ("Add to calendar")."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from khala.errors import NotFound
from khala.events import catalogue
from khala.lib.ics import CalendarEntry, ics
from khala.settings import get_settings

router = APIRouter()
_SLUG = re.compile(r"^[A-Za-z0-9-]{1,120}$")


def build_ics(d: catalogue.EventDetail, base_url: str) -> bytes:
    """The event's "Add to calendar" file, from the same builder as the tickets (time zone included)."""
    url = f"{base_url}/events/{d.slug}"
    host = base_url.split("://", 1)[-1].split("/")[0].split(":")[0] or "khala"
    return ics(
        CalendarEntry(
            uid=f"event-{d.id}@{host}",
            title=d.title,
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            timezone=d.timezone,
            location=", ".join(p for p in (d.venue, d.address) if p),
            description=(d.summary + "\n\n" if d.summary else "") + url,
            url=url,
            latitude=d.latitude,
            longitude=d.longitude,
            cancelled=d.status == "cancelled",
        )
    )


@router.get("/events/{slug}.ics", include_in_schema=False)
async def event_ics(slug: str) -> Response:
    if not _SLUG.match(slug):
        return PlainTextResponse("Event not found", status_code=404)
    try:
        detail = await asyncio.to_thread(catalogue.get_event, slug)
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
