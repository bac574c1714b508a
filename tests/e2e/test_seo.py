"""Discoverability against the real production build: the first HTML response of an event page carries its
head and a schema.org Event (raw HTTP, as a link unfurler reads it), 404 for unknown slugs and drafts, the
feeds, sitemap and robots; in Chromium the page still hydrates without CSP violations, and the embed widget
renders on a page of another origin, its links open the event page, and an origin KHALA_EMBED_ORIGINS does not
list is refused by frame-ancestors."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from icalendar import Calendar

from khala.audit import service as audit
from khala.db import session_scope
from khala.events import catalogue
from khala.events import service as events
from khala.events.models import Category, EventStatus
from tests.e2e.conftest import ARTIFACTS, free_port, screenshot, wait_until

pytestmark = pytest.mark.e2e

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """A plain HTTP GET without JavaScript or cookies, like a link unfurler or a crawler."""
    agent = {"User-Agent": "Slackbot-LinkExpanding 1.0"}
    req = urllib.request.Request(url, headers={**agent, **(headers or {})})  # noqa: S310 - our own server
    try:
        with urllib.request.urlopen(req, timeout=15) as r:  # noqa: S310 - our own 127.0.0.1 server
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def _meta(page: str, key: str) -> str | None:
    m = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"/>', page)
    return m.group(1) if m else None


def test_an_event_link_unfurls_from_the_first_response(live_app, app_db) -> None:
    listed = catalogue.list_listed_events()
    shared = next(
        catalogue.get_shared_event(e.slug) for e in listed if catalogue.get_shared_event(e.slug).poster
    )
    d = shared.detail
    status, headers, body = fetch(f"{live_app.url}/events/{d.slug}")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "content-security-policy" in headers and headers.get("etag")
    assert f"<title>{d.title} · Khala</title>" in page.replace("&amp;", "&")
    assert _meta(page, "og:url") == f"{live_app.url}/events/{d.slug}"
    image = _meta(page, "og:image")
    assert image == f"{live_app.url}/media/public/{shared.poster.image_id}/modal.webp"
    assert _meta(page, "twitter:card") == "summary_large_image"
    img_status, img_headers, img = fetch(image)
    assert img_status == 200 and img_headers["content-type"] == "image/webp" and img[:4] == b"RIFF"
    [ld] = [json.loads(x) for x in LD.findall(page)]
    assert ld["@type"] == "Event" and ld["name"] == d.title
    assert re.search(r"[+-]\d\d:\d\d$", ld["startDate"]) and ld["location"]["@type"] == "Place"
    assert len(ld["offers"]) == len(d.packages)
    # the prebuilt app is still all there: its module scripts load and hydrate as before
    assert 'type="module"' in page or "modulepreload" in page

    assert fetch(f"{live_app.url}/events/no-such-event-at-all")[0] == 404
    with session_scope(write=True) as s:
        category = s.query(Category).first()
        draft = events.create_event(
            s,
            title="Unannounced reunion",
            starts_at=d.starts_at,
            category_id=category.id,
            status=EventStatus.draft,
            actor=audit.SYSTEM,
        )
    status, _, body = fetch(f"{live_app.url}/events/{draft.slug}")
    assert status == 404 and b"Unannounced reunion" not in body


def test_feeds_sitemap_and_robots(live_app, app_db) -> None:
    status, headers, body = fetch(f"{live_app.url}/calendar.ics")
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    uids = [str(ev["UID"]) for ev in Calendar.from_ical(body).walk("VEVENT")]
    assert len(uids) == len(set(uids)) >= len(catalogue.list_listed_events())
    assert fetch(f"{live_app.url}/calendar.ics", {"If-None-Match": headers["etag"]})[0] == 304
    status, _, body = fetch(f"{live_app.url}/sitemap.xml")
    assert status == 200 and body.count(b"<url>") == 3 + len(catalogue.list_listed_events())
    status, _, body = fetch(f"{live_app.url}/robots.txt")
    assert status == 200 and f"Sitemap: {live_app.url}/sitemap.xml".encode() in body


def test_pages_with_a_written_head_hydrate_cleanly(page, live_app, app_db) -> None:
    """React hydrates over the served HTML without a mismatch (no client re-render: React's #418/#423 errors
    reach the page as errors), no CSP violation, and the shell keeps its layout (sidebar beside the content)."""
    card = catalogue.search_events().items[0]
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"/events/{card.slug}")
    page.get_by_role("heading", level=1, name=card.title).wait_for(timeout=30_000)
    wait_until(lambda: card.title in page.title(), 5, what="the page title")
    assert page.locator('script[type="application/ld+json"]').count() >= 1
    for path in ("/", "/events", "/calendar"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        nav = page.get_by_role("link", name="Discover").first.bounding_box()
        heading = page.locator("h1").first.bounding_box()
        assert nav and heading and heading["x"] > nav["x"] + nav["width"], path  # content beside the sidebar
    assert not problems, problems


# ------------------------------------------------------------------------------------------- the widget


@contextlib.contextmanager
def host_site(html: str) -> Iterator[int]:
    """A plain web site on another loopback port that serves one page (the organiser's club site)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            data = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


def _club_page(live_url: str, category: str) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Jazz club</title></head>
<body style="font-family: serif; background: #fffbe6; margin: 2rem">
<h1>Our jazz club</h1><p>What's on near us:</p>
<div style="max-width: 520px"><script src="{live_url}/embed.js" data-category="{category}" data-limit="4"
 async></script></div>
<p>Thanks for visiting.</p></body></html>"""


def test_the_widget_renders_on_another_origin_and_links_to_the_event(browser, live_app, app_db) -> None:
    card = catalogue.search_events().items[0]
    expected = [c.slug for c in catalogue.search_events(category=card.category_slug, page_size=4).items]
    with host_site(_club_page(live_app.url, card.category_slug)) as port:
        context = browser.new_context(viewport={"width": 900, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            frame_el = page.wait_for_selector("iframe[title='Upcoming events']", timeout=15_000)
            frame = frame_el.content_frame()
            frame.wait_for_selector("a.ev", timeout=15_000)
            hrefs = [a.get_attribute("href") for a in frame.query_selector_all("a.ev")]
            assert hrefs == [f"{live_app.url}/events/{slug}" for slug in expected]
            # the frame grew to its content (embed.js follows the height the page reports)
            wait_until(lambda: frame_el.bounding_box()["height"] > 150, 5, what="the frame to grow")
            assert frame.locator("h2").inner_text().startswith("Upcoming")
            page.wait_for_timeout(300)  # fonts settle before the picture
            page.screenshot(path=str(ARTIFACTS / "seo-widget-on-foreign-page.png"), full_page=True)
            with context.expect_page() as popup:
                frame.locator("a.ev").first.click()
            event_page = popup.value
            event_page.wait_for_url(f"{live_app.url}/events/{expected[0]}", timeout=15_000)
            event_page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
        finally:
            context.close()


def test_a_site_the_settings_do_not_list_may_not_frame_the_widget(browser, live_app, app_db) -> None:
    with host_site(_club_page(live_app.url, "music")) as port:
        context = browser.new_context()
        try:
            page = context.new_page()
            # Playwright delivers console events only inside its own calls (not during a time.sleep poll):
            # wait for the refusal with expect_console_message, set up before the page loads.
            with page.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=30_000):
                page.goto(f"http://localhost:{port}/")  # localhost:<port> is not http://127.0.0.1:*
                frame_el = page.wait_for_selector("iframe[title='Upcoming events']", timeout=15_000)
            frame = frame_el.content_frame()
            assert frame is None or frame.query_selector("a.ev") is None
        finally:
            context.close()


def test_calendar_page_offers_the_subscription(page, live_app) -> None:
    page.goto("/calendar")
    link = page.locator("#calendar-subscribe")
    wait_until(lambda: (link.get_attribute("href") or "").startswith("webcal://"), 30, what="the webcal link")
    assert link.get_attribute("href").endswith("/calendar.ics")
    screenshot(page, "seo-calendar-subscribe")
