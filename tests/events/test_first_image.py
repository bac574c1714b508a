"""The first HTML shows the first screen's largest picture in the page's skeleton (khala/lib/first_image.py):
the event's poster in the event page's shell, the first card's picture on the listings, tied to the address it
belongs to; none where the server cannot know it. Raw HTTP over a stand-in build (tests/events/seo_helpers.py);
the browser side (hydration, what paints) is tests/e2e/test_first_paint.py."""

from __future__ import annotations

import html
import re

from khala.audit import service as audit
from khala.events import catalogue, presenter, seo_http
from khala.images import service as images
from tests.events.seo_helpers import png

HINT = re.compile(
    r'<link rel="preload" as="image" href="([^"]*)" fetchpriority="high"(?: data-khala-first="([^"]*)")?/>'
)
FIRST = re.compile(r'<img alt="" data-khala-first="" class="css-1nzh72x"(?: src="([^"]*)")?/>')


def _poster() -> str:
    return images.create_image(png(), actor=audit.SYSTEM, name="poster.png", alt_text="A stage").id


def _first(page: str) -> tuple[str | None, str | None, str | None]:
    """(preload href, the address it is for, the skeleton image's src), unescaped."""
    hint, img = HINT.search(page), FIRST.search(page)
    assert img, "the skeleton's picture is in the page"
    unescape = lambda v: html.unescape(v) if v is not None else None  # noqa: E731
    return (
        unescape(hint.group(1)) if hint else None,
        unescape(hint.group(2)) if hint else None,
        unescape(img.group(1)),
    )


def test_an_event_page_shows_its_poster_in_the_first_html(site, image_store, make_event) -> None:
    event = make_event("Nordic Lights Festival", image_id=_poster())
    r = site.get(f"/events/{event.slug}")
    assert r.status_code == 200
    href, key, src = _first(r.text)
    poster = presenter.event_detail(event.slug).image_url  # what the page shows once its data has come
    assert src == href == poster and "/modal.webp" in poster
    assert key == f"/events/{event.slug}"
    assert "<title>Nordic Lights Festival · Khala</title>" in r.text and "<h1>Event</h1>" in r.text
    # the address the browser compares is the whole one, query included
    assert _first(site.get(f"/events/{event.slug}?utm_source=mail").text)[1] == (
        f"/events/{event.slug}?utm_source=mail"
    )


def test_an_unknown_slug_is_still_404_with_the_shell_and_no_picture(site, image_store) -> None:
    r = site.get("/events/no-such-event")
    assert r.status_code == 404 and "<title>Event not found · Khala</title>" in r.text
    assert _first(r.text) == (None, None, None)
    assert 'href="/events/no-such-event/#main"' in r.text
    # the template's own path and other slugs no event can have are no events either
    for path in ("/events/_", "/events/not_a_slug"):
        r = site.get(path)
        assert r.status_code == 404 and f'href="{path}/#main"' in r.text, path


def test_a_build_without_the_event_template_serves_the_spa_fallback(site, make_event) -> None:
    event = make_event("Older build")
    (site.static_dir / seo_http.EVENT_FILE).unlink()
    r = site.get(f"/events/{event.slug}")
    assert r.status_code == 200 and "<div>404</div>" in r.text
    assert "<title>Older build · Khala</title>" in r.text


def test_a_listing_shows_its_first_cards_picture_only_where_the_first_card_is_known(
    site, image_store, make_event
) -> None:
    first = make_event("Jazz night", category="music", image_id=_poster())
    make_event("Data talk", category="talks", image_id=_poster())
    # the pictures of the cards the pages show first once their data has come
    [picture] = {
        presenter.discover().highlights[0].image_url,
        presenter.card_views(catalogue.search_events().items)[0].image_url,
    }
    assert "/card.webp" in picture and presenter.discover().highlights[0].id == str(first.id)

    assert _first(site.get("/").text) == (picture, "/", picture)
    assert _first(site.get("/events").text) == (picture, "/events", picture)
    assert _first(site.get("/events?category=music").text) == (picture, "/events?category=music", picture)
    # a search (or a sort, a date, a page) may put another event first: no picture rather than a wrong one
    assert _first(site.get("/events?q=talk").text) == (None, None, None)
    assert _first(site.get("/events?category=music&sort=popularity").text) == (None, None, None)


def test_only_the_first_skeleton_picture_is_filled_and_the_address_is_escaped() -> None:
    page = (
        '<html><head><link rel="modulepreload" href="/a.js"/></head><body>'
        '<img alt="" data-khala-first="" class="a"/><img alt="" data-khala-first="" class="b"/></body></html>'
    )
    out = seo_http.with_image_hint(page, "/m/1/card.webp?a=1&b=2", '/events?city="x"')
    assert 'data-khala-first="/events?city=&quot;x&quot;"/>' in out
    assert out.count('src="/m/1/card.webp?a=1&amp;b=2"') == 1
    assert '<img alt="" data-khala-first="" class="a" src="/m/1/card.webp?a=1&amp;b=2"/>' in out
    assert seo_http.with_image_hint(page, "/m/1/card.webp").count(" src=") == 0  # no address: a hint only
