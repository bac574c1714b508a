"""Event HTTP routes outside the versioned REST API: what calendars, crawlers and other sites read.

- ``/events/{slug}.ics``: one event's "Add to calendar" file;
- ``/calendar.ics``: the subscribable feed of published upcoming events (``?category=…&city=…``);
- ``/sitemap.xml`` and ``/robots.txt``;
- ``/embed`` (the widget page other sites frame) and ``/embed.js`` (the snippet's loader);
- ``/media/public/{image_id}/{size}.webp``: an event poster at a stable public address (link previews need
  one that does not expire, unlike the signed ``/media`` URLs), only while its event is published or cancelled.

Feeds, sitemap and widget answer ``ETag``/``304``. The feeds', the widget's and the refusals' own words are in
the request's language (``khala.lib.i18n.asgi_middleware``), so those answers say ``Vary: Accept-Language,
Cookie``. The head of the pages themselves is ``khala/events/seo_http.py``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from khala.errors import DomainError, NotFound
from khala.events import catalogue, embed, feeds, seo
from khala.images import service as images
from khala.images.storage import get_store
from khala.lib.i18n import gettext as _
from khala.settings import get_settings

router = APIRouter(include_in_schema=False)
_SLUG = re.compile(r"^[A-Za-z0-9-]{1,120}$")
GET_HEAD = ["GET", "HEAD"]
FEED_CACHE = "public, max-age=900"
POSTER_CACHE = "public, max-age=86400"
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
BY_LANGUAGE = {"Vary": "Accept-Language, Cookie"}  # the words follow the visitor's language (cookie, browser)


def _not_found(text: str | None = None) -> Response:
    return PlainTextResponse(
        text or _("Not found"), status_code=404, headers={"Cache-Control": "no-store", **NOSNIFF}
    )


def _conditional(
    request: Request, body: bytes, media_type: str, cache: str, headers: Mapping[str, str] | None = None
) -> Response:
    """``body`` with an ETag, or ``304 Not Modified`` when the client already has it."""
    tag = feeds.etag(body)
    out = {"ETag": tag, "Cache-Control": cache, **NOSNIFF, **(headers or {})}
    if feeds.not_modified(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=out)
    return Response(body, media_type=media_type, headers=out)


@router.get("/events/{slug}.ics")
async def event_ics(slug: str) -> Response:
    if not _SLUG.match(slug):
        return _not_found(_("Event not found"))
    try:
        shared = await asyncio.to_thread(catalogue.get_shared_event, slug)
    except NotFound:
        return _not_found(_("Event not found"))
    body = feeds.event_ics(shared.detail, get_settings().public_url, sequence=shared.sequence)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{shared.detail.slug}.ics"',
            "Cache-Control": "public, max-age=300",
            **NOSNIFF,
            **BY_LANGUAGE,
        },
    )


def _filters(request: Request) -> tuple[str | None, str | None]:
    q = request.query_params
    category = (q.get("category") or "").strip()[:60] or None
    city = " ".join((q.get("city") or "").split())[:100] or None
    return category, city


def _calendar_feed(category: str | None, city: str | None) -> bytes:
    events = catalogue.list_listed_events(category=category, city=city, include_cancelled=True)
    names = dict(catalogue.list_categories()) if category else {}
    return feeds.public_feed(
        events, get_settings().public_url, name=feeds.feed_name(names.get(category or ""), city)
    )


@router.api_route("/calendar.ics", methods=GET_HEAD)
async def calendar_feed(request: Request) -> Response:
    category, city = _filters(request)
    body = await asyncio.to_thread(_calendar_feed, category, city)
    return _conditional(
        request,
        body,
        "text/calendar; charset=utf-8",
        FEED_CACHE,
        {"Content-Disposition": 'inline; filename="khala-events.ics"', **BY_LANGUAGE},
    )


@router.api_route("/sitemap.xml", methods=GET_HEAD)
async def sitemap(request: Request) -> Response:
    events = await asyncio.to_thread(catalogue.list_listed_events)
    body = seo.sitemap_xml(events, get_settings().public_url)
    return _conditional(request, body, "application/xml", "public, max-age=3600")


@router.api_route("/robots.txt", methods=GET_HEAD)
async def robots(request: Request) -> Response:
    body = seo.robots_txt(get_settings().public_url).encode()
    return _conditional(request, body, "text/plain; charset=utf-8", "public, max-age=3600")


def _widget(params: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    filters = embed.clean_filters(params)
    limit = embed.clean_limit(params.get("limit"))
    try:
        cards = catalogue.search_events(
            text=filters.get("q"),
            category=filters.get("category"),
            city=filters.get("city"),
            price=filters.get("price"),
            page_size=limit,
        ).items
    except DomainError:
        cards = []
    heading = ""
    if filters.get("category"):
        heading = dict(catalogue.list_categories()).get(filters["category"], "")
        heading = _("Upcoming %(category)s events") % {"category": heading.lower()} if heading else ""
    return embed.page(cards, get_settings().public_url, filters=filters, heading=heading), filters


@router.api_route("/embed", methods=GET_HEAD)
async def embed_page(request: Request) -> Response:
    body, _filters = await asyncio.to_thread(_widget, dict(request.query_params))
    settings = get_settings()
    return _conditional(
        request,
        body.encode(),
        "text/html; charset=utf-8",
        "public, max-age=300",
        {
            # Framable by the configured sites only; the ops middleware leaves a route's own CSP alone.
            "Content-Security-Policy": embed.content_security_policy(settings.embed_origins),
            "Referrer-Policy": "strict-origin-when-cross-origin",
            **BY_LANGUAGE,
        },
    )


@router.api_route("/embed.js", methods=GET_HEAD)
async def embed_script(request: Request) -> Response:
    return _conditional(
        request,
        embed.SCRIPT.encode(),
        "text/javascript; charset=utf-8",
        "public, max-age=3600",
        {"Cross-Origin-Resource-Policy": "cross-origin", "Access-Control-Allow-Origin": "*"},
    )


def _poster_bytes(image_id: str, size: str) -> bytes | None:
    poster = catalogue.public_poster(image_id)
    if poster is None:
        return None
    try:
        return get_store().get(images.rendition_key(poster.storage_key, size))
    except (DomainError, ValueError):
        return None


@router.api_route("/media/public/{image_id}/{size}.webp", methods=GET_HEAD)
async def public_poster(request: Request, image_id: str, size: str) -> Response:
    if size not in ("card", "modal"):
        return _not_found()
    data = await asyncio.to_thread(_poster_bytes, image_id, size)
    if data is None:
        return _not_found()
    return _conditional(
        request,
        data,
        "image/webp",
        POSTER_CACHE,
        {
            "Content-Disposition": "inline",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )
