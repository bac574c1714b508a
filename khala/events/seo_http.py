"""The first HTML response of a shared page carries its facts: an ASGI wrapper (an ``api_transformer`` in
``khala/khala.py``) that answers ``GET``/``HEAD`` for ``/events/<slug>``, ``/``, ``/events`` and ``/calendar``
with the prebuilt page of the build on disk and the page's head (``khala/events/seo.py``) put into it, and the
first screen's largest picture into the page's skeleton (``khala/lib/first_image.py``).

Link unfurlers and most crawlers never run JavaScript; the React app hydrates over this HTML as it does over
the plain prebuilt file (React leaves extra tags in ``<head>`` alone). The page file is the one Reflex's
static mount would have served: ``index.html``, ``events.html``, ``calendar.html``; for an event (no
prerendered file per slug) the event route prerendered at ``routes.EVENT_TEMPLATE`` (``rxconfig.py``
``PrerenderEventPage``: the shell and the event's skeleton), its placeholder path replaced by the event's, or
with an older build ``404.html``, the app's SPA fallback (an empty root). An unknown slug or a draft answers 404 in the
HTTP status, not only on screen; the head depends on public data only, never on who asks — apart from its
language: our words and dates in it, and ``<html lang>``, follow the request's (``khala.lib.i18n``), so the
answer says ``Vary: Accept-Language, Cookie``.

Without a build on disk (``reflex run`` in development serves pages from Vite) the request passes through;
if the catalogue cannot be read, the plain page is served rather than an error.
"""

from __future__ import annotations

import asyncio
import gzip
import html
import logging
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from reflex.utils import prerequisites
from reflex_base import constants
from starlette.types import ASGIApp, Receive, Scope, Send

from khala.errors import NotFound
from khala.events import catalogue, feeds, seo
from khala.images import service as images
from khala.lib import first_image, i18n, routes
from khala.settings import get_settings

log = logging.getLogger(__name__)

LISTING_FILES = {routes.HOME: "index.html", routes.EVENTS: "events.html", routes.CALENDAR: "calendar.html"}
EVENT_FILE = routes.EVENT_TEMPLATE.lstrip("/") + ".html"  # the event route prerendered once (rxconfig.py)
SPA_FALLBACK = "404.html"  # what the static mount serves for a path with no prerendered file
# Where the event template names its own path (the skip link's href="/events/_/#main"): the event's path there.
_TEMPLATE_PATH = re.compile(r'(?<=")' + re.escape(routes.EVENT_TEMPLATE) + r'(?=[/"#?])')
_FIRST_IMG = re.compile(r"<img\b[^>]*\s" + first_image.ATTR + r'=""[^>]*?(?=/?>)')
# A slug's letters, digits and dashes, and underscores (no slug has one: the template's own path, a mistyped
# link): every such path is answered here, one that is no event's with a 404, not the static mount's 200 page.
_EVENT_PATH = re.compile(r"^/events/([A-Za-z0-9_-]{1,120})$")
_HTML_LANG = re.compile(r'(<html\b[^>]*?\blang=")[^"]*(")', re.I)
LISTED = 20  # events in a listing page's ItemList
# The query keys of /events that do not change which event comes first (the ones that do — a search, a date,
# a price, a sort, a page — leave the page without an image hint rather than hint at the wrong picture).
SAME_FIRST_CARD = {"category", "city"}
GZIP_MIN = 1024


def page_file(path: str) -> tuple[str, str | None] | None:
    """(prebuilt file, event slug or None) for the paths whose head we write, else None."""
    if path in LISTING_FILES:
        return LISTING_FILES[path], None
    m = _EVENT_PATH.match(path)
    return (EVENT_FILE, m.group(1)) if m else None


@lru_cache(maxsize=16)
def _read(path: str, mtime_ns: int, size: int) -> str:
    return Path(path).read_text(encoding="utf-8")


def template(static_dir: Path, name: str) -> str | None:
    """The prebuilt page ``name`` (read once per build), or None without a build."""
    path = static_dir / name
    if not path.is_file() and name.endswith(".html") and name != SPA_FALLBACK:
        path = static_dir / name.removesuffix(".html") / "index.html"
    if name == EVENT_FILE and not path.is_file():  # a build from before the event template
        path = static_dir / SPA_FALLBACK
    try:
        st = path.stat()
    except OSError:
        return None
    return _read(str(path), st.st_mtime_ns, st.st_size)


def _one(query: dict[str, list[str]], key: str, size: int) -> str | None:
    value = " ".join((query.get(key) or [""])[0].split())[:size]
    return value or None


def _ours(title: str) -> str:
    """A prebuilt title ("Khala · Discover events", "Events · Khala") in the request's language."""
    return " · ".join(i18n.gettext(part) if part else part for part in title.split(" · "))


def listing_page(path: str, page: str, query: dict[str, list[str]], key: str = "") -> str:
    base = get_settings().public_url
    # The build wrote the English head; a Swedish visitor's first HTML carries the Swedish one.
    title = _ours(seo.prebuilt_title(page)) or f"{seo.SITE_NAME}"
    description = seo.prebuilt_description(page)
    description = i18n.gettext(description) if description else description
    category = city = None
    if path == routes.EVENTS:
        names = dict(catalogue.list_categories())
        wanted = _one(query, "category", 60)
        category = wanted if wanted in names else None
        city = _one(query, "city", 100)
        if category or city:
            title = f"{feeds.listing_name(names[category] if category else None, city)} · {seo.SITE_NAME}"
    cards = catalogue.search_events(category=category, city=city, page_size=LISTED).items
    head = seo.listing_head(path, title, description, cards, base, category=category, city=city)
    hinted = bool(cards) and path != routes.CALENDAR and set(query) <= SAME_FIRST_CARD
    return with_image_hint(
        seo.with_head(page, head), _image_url(cards[0].image_id, "card") if hinted else None, key or path
    )


def event_page(slug: str, page: str, key: str = "") -> tuple[int, str]:
    base = get_settings().public_url
    path = routes.event(slug)
    page = _TEMPLATE_PATH.sub(path, page)
    try:
        shared = catalogue.get_shared_event(slug)
    except NotFound:
        return 404, seo.with_head(page, seo.not_found_head(base))
    poster = _image_url(shared.detail.image_id, "modal")
    return 200, with_image_hint(seo.with_head(page, seo.event_head(shared, base)), poster, key or path)


def _image_url(image_id: str | None, size: str) -> str:
    """The URL the page's state gives the picture (the same signed URL within its expiry step)."""
    rows = images.images_by_id([image_id]) if image_id else {}
    return images.image_url(rows.get(image_id or ""), size).url  # type: ignore[arg-type]


def with_image_hint(page: str, url: str | None, key: str | None = None) -> str:
    """Ask for the first screen's largest picture (the first card's, the event's poster) with the page itself,
    and show it in the page's skeleton (``khala/lib/first_image.py``) for the page at ``key`` (its path and query).

    The React app renders the real picture only once the websocket has brought the data; the skeleton's
    ``<img>`` paints it with the first HTML. The ``<link>`` goes before the scripts' ``modulepreload`` links so
    it is not queued behind them; where the build defers them until the first paint (``khala/ops/paint_first.py``
    makes them inert ``khala-modulepreload`` links) it ends ``<head>``, requested with the stylesheet all the same.
    """
    if not url:
        return page
    src = html.escape(url)
    mark = f' {first_image.ATTR}="{html.escape(key)}"' if key else ""
    tag = f'<link rel="preload" as="image" href="{src}" fetchpriority="high"{mark}/>'
    at = page.find('<link rel="modulepreload"')
    if at < 0:
        at = page.find("</head>")
    if at < 0:
        return page
    page = page[:at] + tag + page[at:]
    return _FIRST_IMG.sub(lambda m: m.group(0) + f' src="{src}"', page, count=1) if key else page


def render(
    path: str, page: str, slug: str | None, query: dict[str, list[str]], key: str = ""
) -> tuple[int, str]:
    page = _HTML_LANG.sub(lambda m: m.group(1) + i18n.get_language() + m.group(2), page, count=1)
    if slug is not None:
        return event_page(slug, page, key)
    return 200, listing_page(path, page, query, key)


def _header(scope: Scope, name: bytes) -> str:
    for k, v in scope.get("headers", []):
        if k.lower() == name:
            return v.decode("latin-1")
    return ""


def frontend_dir() -> Path:
    """Where Reflex's static mount serves the built pages from (``REFLEX_WEB_WORKDIR``/build/client)."""
    return (prerequisites.get_web_dir() / constants.Dirs.STATIC).resolve()


class SeoPages:
    def __init__(self, app: ASGIApp, static_dir: Path | None = None) -> None:
        self.app = app
        self._static_dir = static_dir

    @property
    def static_dir(self) -> Path:
        if self._static_dir is None:  # at the first request: ``serve`` sets the build's location before
            self._static_dir = frontend_dir()
        return self._static_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        found = page_file(path)
        page = template(self.static_dir, found[0]) if found else None
        if found is None or page is None:
            await self.app(scope, receive, send)
            return
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query = parse_qs(raw_query)
        key = first_image.page_key(path, raw_query)
        try:
            status, html = await asyncio.to_thread(render, path, page, found[1], query, key)
        except Exception:  # the catalogue is unreadable: the plain page still works
            log.exception("could not write the head of %s; serving the plain page", path)
            await self.app(scope, receive, send)
            return
        await self._respond(scope, send, status, html.encode())

    async def _respond(self, scope: Scope, send: Send, status: int, body: bytes) -> None:
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"vary", b"Accept-Encoding, Accept-Language, Cookie"),
        ]
        tag = feeds.etag(body)
        if len(body) >= GZIP_MIN and "gzip" in _header(scope, b"accept-encoding").lower():
            body = gzip.compress(body, compresslevel=6, mtime=0)
            tag = tag[:-1] + '-gz"'
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"etag", tag.encode()))
        if status == 200 and feeds.not_modified(_header(scope, b"if-none-match"), tag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def seo_pages(app: ASGIApp) -> ASGIApp:
    """The ``api_transformer`` entry (``khala/khala.py``)."""
    return SeoPages(app)
