"""What search engines, link unfurlers and crawlers read without running JavaScript.

- the head of a shared page: ``<title>``, description, canonical URL, Open Graph and Twitter card tags, and a
  schema.org ``Event`` (JSON-LD) for an event, or an ``ItemList`` of upcoming events for a listing page;
- ``/sitemap.xml`` (published upcoming events with ``lastmod``) and ``/robots.txt``.

Plain Python over the catalogue's reads (no Reflex, no web framework, no SQL): ``khala/events/seo_http.py``
puts the head into the prebuilt page's HTML, ``khala/events/api.py`` serves the rest. Every URL is absolute,
made from ``settings.public_url``; a poster is named by its stable public address
(``/media/public/<image id>/<size>.webp``), never by a signed URL that would expire in the shared link.
Drafts never appear: every read here is of published (or cancelled) events. Our own words in a head ("Add to
calendar", "Cancelled", the not-found page) and its dates are in the current language (the request's).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

import nh3

from khala.events.catalogue import EventCard, EventDetail, ListedEvent, PackageView, SharedEvent
from khala.events.markdown import render_markdown
from khala.lib import dates, money, routes
from khala.lib.i18n import gettext as _

SITE_NAME = "Khala"
DESCRIPTION_LENGTH = 200  # meta/og description
LD_DESCRIPTION_LENGTH = 2000
POSTER_SIZE = "modal"  # 1200 px wide at most: what unfurlers want for a large card
SCHEMA = "https://schema.org/"
DISALLOWED = (  # robots.txt: pages that are nobody's business but their owner's
    routes.ADMIN,
    routes.ACCOUNT,
    routes.TICKETS,
    routes.TICKETS_FEED,
    routes.LOGIN,
    routes.SIGNUP,
    routes.VERIFY,
    routes.FORGOT_PASSWORD,
    routes.RESET_PASSWORD,
    "/auth/",
    "/api/",
    "/embed",
    "/_event",
    "/_upload",
)


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def poster_path(image_id: str, size: str = POSTER_SIZE) -> str:
    """The stable public address of an event poster's rendition (served by ``khala/events/api.py``)."""
    return f"/media/public/{image_id}/{size}.webp"


_BLOCK_END = re.compile(r"</(?:p|h\d|li|blockquote|pre|tr|th|td)>|<br\s*/?>|<hr\s*/?>", re.I)


def plain_text(markdown: str) -> str:
    """A description's words without its Markdown or HTML, on one line."""
    blocks = _BLOCK_END.sub(" ", render_markdown(markdown or ""))
    text = html.unescape(nh3.clean(blocks, tags=set()))
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:–-")
    return cut + "…"


def iso_local(dt: datetime, timezone: str) -> str:
    """``2026-03-14T19:00:00+01:00``: the wall time in the event's zone, with that zone's offset."""
    return dates.local(dt, timezone).isoformat(timespec="seconds")


def decimal_price(minor: int, currency: str) -> str:
    """Minor units as schema.org wants a price: ``25000, "SEK"`` → ``"250.00"``, ``"JPY"`` keeps none."""
    places = money.exponent(currency)
    return str(Decimal(int(minor)).scaleb(-places).quantize(Decimal(1).scaleb(-places)))


def json_for_script(data: object) -> str:
    """JSON that cannot close its ``<script>`` element (``<``, ``>`` and ``&`` escaped)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------------------------------------------------
# The head


@dataclass(frozen=True)
class Head:
    """The tags a page's first HTML response carries (``render`` gives the HTML)."""

    title: str
    description: str
    canonical: str
    og_type: str = "website"
    image: str = ""
    image_alt: str = ""
    image_width: int | None = None
    image_height: int | None = None
    json_ld: Mapping[str, Any] | None = None
    alternates: tuple[tuple[str, str, str], ...] = ()  # (type, title, href)
    noindex: bool = False

    def render(self) -> str:
        tags = [f"<title>{html.escape(self.title)}</title>"]
        meta: list[tuple[str, str, object]] = [("name", "description", self.description)]
        if self.noindex:
            meta.append(("name", "robots", "noindex"))
        meta += [
            ("property", "og:site_name", SITE_NAME),
            ("property", "og:type", self.og_type),
            ("property", "og:title", self.title),
            ("property", "og:description", self.description),
            ("property", "og:url", self.canonical),
        ]
        if self.image:
            meta += [("property", "og:image", self.image), ("property", "og:image:type", "image/webp")]
            if self.image_width and self.image_height:
                meta += [
                    ("property", "og:image:width", self.image_width),
                    ("property", "og:image:height", self.image_height),
                ]
            if self.image_alt:
                meta.append(("property", "og:image:alt", self.image_alt))
        meta += [
            ("name", "twitter:card", "summary_large_image" if self.image else "summary"),
            ("name", "twitter:title", self.title),
            ("name", "twitter:description", self.description),
        ]
        if self.image:
            meta.append(("name", "twitter:image", self.image))
            if self.image_alt:
                meta.append(("name", "twitter:image:alt", self.image_alt))
        tags += [f'<meta {kind}="{_attr(key)}" content="{_attr(value)}"/>' for kind, key, value in meta]
        if not self.noindex:
            tags.append(f'<link rel="canonical" href="{_attr(self.canonical)}"/>')
        tags += [
            f'<link rel="alternate" type="{_attr(t)}" title="{_attr(title)}" href="{_attr(href)}"/>'
            for t, title, href in self.alternates
        ]
        return "".join(tags)

    def render_json_ld(self) -> str:
        if not self.json_ld:
            return ""
        return f'<script type="application/ld+json">{json_for_script(self.json_ld)}</script>'


def availability(package: PackageView) -> str:
    """schema.org availability of a package: sold out, on sale, or not on sale yet (the sales window).

    A package whose sales closed, or whose event started or was cancelled, can no longer be had: SoldOut.
    """
    if package.sold_out or package.sales_state in ("closed", "event_past", "event_cancelled"):
        return SCHEMA + "SoldOut"
    if package.sales_state == "not_yet":
        return SCHEMA + "PreOrder"
    return SCHEMA + "InStock"


def event_description(d: EventDetail) -> str:
    return d.summary.strip() or plain_text(d.description)


def event_json_ld(shared: SharedEvent, base_url: str) -> dict[str, Any]:
    """The schema.org ``Event`` of an event page (https://schema.org/Event; Google's event rich results)."""
    d = shared.detail
    url = absolute(base_url, routes.event(d.slug))
    address = {
        "@type": "PostalAddress",
        "streetAddress": d.street,
        "postalCode": d.postal_code,
        "addressLocality": d.city,
        "addressRegion": d.region,
        "addressCountry": d.country,
    }
    place: dict[str, Any] = {
        "@type": "Place",
        "name": d.venue or d.city,
        "address": {k: v for k, v in address.items() if v},
    }
    if d.latitude is not None and d.longitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": d.latitude, "longitude": d.longitude}
    offers = []
    for p in d.packages:
        offer: dict[str, Any] = {
            "@type": "Offer",
            "name": p.title,
            "price": decimal_price(p.price_minor, p.currency),
            "priceCurrency": p.currency,
            "availability": availability(p),
            "validFrom": (p.opens_at or shared.created_at).astimezone(UTC).isoformat(timespec="seconds"),
            "url": url,
        }
        if p.closes_at:
            offer["validThrough"] = p.closes_at.astimezone(UTC).isoformat(timespec="seconds")
        offers.append(offer)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url + "#event",
        "name": d.title,
        "description": shorten(event_description(d), LD_DESCRIPTION_LENGTH),
        "url": url,
        "startDate": iso_local(d.starts_at, d.timezone),
        "endDate": iso_local(d.ends_at, d.timezone),
        "eventStatus": SCHEMA + ("EventCancelled" if d.status == "cancelled" else "EventScheduled"),
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "location": place,
        "organizer": {"@type": "Organization", "name": SITE_NAME, "url": base_url + "/"},
        "offers": offers,
    }
    if shared.poster is not None:
        data["image"] = [absolute(base_url, poster_path(shared.poster.image_id))]
    if d.min_price_minor == 0:
        data["isAccessibleForFree"] = True
    return data


def event_head(shared: SharedEvent, base_url: str) -> Head:
    d = shared.detail
    when = dates.format_date_short(d.starts_at, d.timezone)
    where = ", ".join(p for p in (d.venue, d.city) if p)
    lead = " · ".join(p for p in ((_("Cancelled") if d.status == "cancelled" else ""), when, where) if p)
    about = event_description(d)
    poster = shared.poster
    return Head(
        title=f"{d.title} · {SITE_NAME}",
        description=shorten(f"{lead} — {about}" if about else lead, DESCRIPTION_LENGTH),
        canonical=absolute(base_url, routes.event(d.slug)),
        image=absolute(base_url, poster_path(poster.image_id)) if poster else "",
        image_alt=poster.alt_text if poster else "",
        image_width=poster.width if poster else None,
        image_height=poster.height if poster else None,
        json_ld=event_json_ld(shared, base_url),
        alternates=(("text/calendar", _("Add to calendar"), absolute(base_url, routes.event_ics(d.slug))),),
    )


def not_found_head(base_url: str) -> Head:
    return Head(
        title=f"{_('Event not found')} · {SITE_NAME}",
        description=_("We could not find that event. It may have been removed or the link is wrong."),
        canonical=absolute(base_url, routes.EVENTS),
        noindex=True,
    )


def item_list(cards: Iterable[EventCard], base_url: str) -> dict[str, Any]:
    """A schema.org ``ItemList`` of event pages (a listing's summary page for search engines)."""
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": i,
                "url": absolute(base_url, routes.event(c.slug)),
                "name": c.title,
            }
            for i, c in enumerate(cards, start=1)
        ],
    }


def feed_query(category: str | None = None, city: str | None = None) -> str:
    query = {k: v for k, v in (("category", category), ("city", city)) if v}
    return "?" + urlencode(query) if query else ""


def listing_head(
    path: str,
    title: str,
    description: str,
    cards: list[EventCard],
    base_url: str,
    *,
    category: str | None = None,
    city: str | None = None,
) -> Head:
    """The head of /, /events (with its category and city filters) and /calendar."""
    query = feed_query(category, city) if path != routes.HOME else ""
    poster = next((c.image_id for c in cards if c.image_id), None)
    return Head(
        title=title,
        description=shorten(description, DESCRIPTION_LENGTH),
        canonical=absolute(base_url, path + query),
        image=absolute(base_url, poster_path(poster)) if poster else "",
        json_ld=item_list(cards, base_url) if cards else None,
        alternates=(("text/calendar", _("Khala events"), absolute(base_url, routes.CALENDAR_FEED + query)),),
    )


# ---------------------------------------------------------------------------------------------------------
# Sitemap and robots


def _lastmod(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sitemap_xml(events: Iterable[ListedEvent], base_url: str, *, pages: Iterable[str] | None = None) -> bytes:
    """The sitemap (https://www.sitemaps.org/protocol.html): the public pages and every listed event page."""
    rows = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in pages if pages is not None else (routes.HOME, routes.EVENTS, routes.CALENDAR):
        rows.append(f"<url><loc>{xml_escape(absolute(base_url, path))}</loc></url>")
    for e in events:
        loc = xml_escape(absolute(base_url, routes.event(e.slug)))
        rows.append(f"<url><loc>{loc}</loc><lastmod>{_lastmod(e.updated_at)}</lastmod></url>")
    rows.append("</urlset>")
    return ("\n".join(rows) + "\n").encode()


def robots_txt(base_url: str) -> str:
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in DISALLOWED), "Allow: /", ""]
    lines.append(f"Sitemap: {absolute(base_url, '/sitemap.xml')}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# The HTML of a prebuilt page

_TITLE = re.compile(r"<title\b[^>]*>.*?</title>", re.S | re.I)
_META = re.compile(r"<meta\b[^>]*>", re.I)
_REPLACED = re.compile(r'\b(?:name|property)="(?:description|robots|og:[^"]*|twitter:[^"]*)"', re.I)
_CANONICAL = re.compile(r'<link\b[^>]*\brel="canonical"[^>]*>', re.I)
_HEAD_START = re.compile(r"<head\b[^>]*>(?:\s*<meta\s+charSet=\"utf-8\"\s*/?>)?", re.I)


def prebuilt_title(page: str) -> str:
    """The ``<title>`` the build gave a page (empty when none)."""
    m = _TITLE.search(page)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(0))).strip() if m else ""


def prebuilt_description(page: str) -> str:
    for tag in _META.findall(page):
        if re.search(r'\bname="description"', tag, re.I):
            m = re.search(r'\bcontent="([^"]*)"', tag)
            return html.unescape(m.group(1)) if m else ""
    return ""


def with_head(page: str, head: Head) -> str:
    """The prebuilt page with its title, description, social tags and canonical replaced by ``head``'s,
    placed first in ``<head>`` (some unfurlers read only the first kilobytes), and the JSON-LD last.

    The JSON-LD goes after every element React renders into ``<head>``: hydration matches an inline
    ``<script>`` it renders (the theme script) to the first inline script it meets, so a data block before it
    would be taken for it, fail to match its text and make React render the whole page again. Extra
    ``<title>``/``<meta>``/``<link>`` tags are hoistables React skips or adopts."""
    end = page.find("</head>")
    if end < 0:
        return page
    top = _TITLE.sub("", page[:end])
    top = _META.sub(lambda m: "" if _REPLACED.search(m.group(0)) else m.group(0), top)
    top = _CANONICAL.sub("", top)
    start = _HEAD_START.search(top)
    at = start.end() if start else 0
    return top[:at] + head.render() + top[at:] + head.render_json_ld() + page[end:]
