"""The first HTML paints the first screen's largest picture before any script has run (khala/lib/first_image.py,
khala/events/seo_http.py, rxconfig.py PrerenderEventPage): the event page is its shell and skeleton with the
poster, not a blank page; a listing's first skeleton card shows the first card's picture. With JavaScript,
React hydrates that HTML without an error, the real picture takes exactly the skeleton's box (no larger paint
after it), and an unknown slug is still a 404 that says so."""

from __future__ import annotations

import pytest

from khala.events import catalogue
from khala.lib import first_image
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 412, "height": 823}, "is_mobile": True, "has_touch": True}
SKELETON_IMG = f"img[{first_image.ATTR}]"
# every largest-contentful-paint candidate, as the page saw it
LCP = """
  window.__lcp = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lcp.push({url: e.url, size: e.size}); })
    .observe({type: "largest-contentful-paint", buffered: true});
"""


def _box(locator) -> tuple[int, int, int, int]:
    b = locator.bounding_box()
    assert b, "the picture has a box"
    return round(b["x"]), round(b["y"]), round(b["width"]), round(b["height"])


def _without_js(browser, url: str) -> tuple[str, tuple[int, int, int, int]]:
    """(src, box) of the skeleton's picture in the page as served, JavaScript off, once it has loaded."""
    ctx = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        pg = ctx.new_page()
        pg.goto(url)
        img = pg.locator(SKELETON_IMG).first
        wait_until(
            lambda: img.evaluate("i => i.complete && i.naturalWidth > 0"), 15, what="the picture to load"
        )
        return img.get_attribute("src"), _box(img)
    finally:
        ctx.close()


def _with_js(browser, url: str, ready: str, real: str):
    """Load ``url`` with JavaScript: (the real picture's src and box once ``ready`` shows, the LCP candidates,
    what the address's own picture reads in the page, the console errors and page errors)."""
    ctx = browser.new_context(**PHONE)
    problems: list[str] = []
    try:
        pg = ctx.new_page()
        pg.add_init_script(LCP)
        pg.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
        pg.on(
            "console",
            lambda m: (
                problems.append(f"{m.text} ({m.location.get('url')})")
                if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
                else None
            ),
        )
        pg.goto(url)
        pg.locator(ready).first.wait_for(timeout=30_000)
        pg.wait_for_load_state("networkidle")
        assert pg.locator(SKELETON_IMG).count() == 0, "the skeleton is gone"
        img = pg.locator(real).first
        wait_until(lambda: img.evaluate("i => i.complete && i.naturalWidth > 0"), 15, what="the picture")
        lcp = pg.evaluate("() => window.__lcp")
        own = pg.evaluate(f"() => {first_image.SRC_JS} ?? null")
        return img.get_attribute("src"), _box(img), lcp, own, problems, pg, ctx
    except BaseException:
        ctx.close()
        raise


def _one_picture_paint(lcp: list[dict], src: str) -> None:
    pictures = [e for e in lcp if e["url"]]
    assert [e["url"].split("://", 1)[1].split("/", 1)[1] for e in pictures] == [src.lstrip("/")], lcp
    assert lcp[-1] == pictures[0], "nothing paints larger than the picture"


def test_an_event_page_paints_its_poster_from_the_first_html(browser, live_app, app_db) -> None:
    slug = next(e.slug for e in catalogue.list_listed_events() if catalogue.get_shared_event(e.slug).poster)
    shared = catalogue.get_shared_event(slug)
    url = f"{live_app.url}/events/{slug}"

    src, box = _without_js(browser, url)
    assert "/modal.webp" in src  # the poster (the real one's URL is compared below)

    real_src, real_box, lcp, own, problems, pg, ctx = _with_js(
        browser, url, f'h1:has-text("{shared.detail.title}")', f'main img[alt="{shared.poster.alt_text}"]'
    )
    try:
        assert not problems, problems  # no hydration error (React reports its mismatches as errors)
        assert real_src == src and real_box == box  # the real poster where the served one was, as large
        _one_picture_paint(lcp, src)
        assert own == src
        assert pg.locator("a.khala-skip").get_attribute("href") == f"/events/{slug}/#main"
        # a client navigation to the list does not take the event's picture for the list's first card
        pg.get_by_role("link", name="All events").click()
        pg.locator("article.khala-card").first.wait_for(timeout=30_000)
        assert pg.evaluate(f"() => {first_image.SRC_JS} ?? null") is None
        assert not problems, problems
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/", "/events"])
def test_a_listing_paints_its_first_cards_picture_from_the_first_html(
    browser, live_app, app_db, path
) -> None:
    url = f"{live_app.url}{path}"
    src, box = _without_js(browser, url)
    assert "/card.webp" in src  # a card's picture (the first real card's URL is compared below)

    real_src, real_box, lcp, own, problems, _pg, ctx = _with_js(
        browser, url, "article.khala-card", "article.khala-card img"
    )
    try:
        assert not problems, problems
        assert real_src == src and real_box == box
        _one_picture_paint(lcp, src)
        assert own == src
    finally:
        ctx.close()


def test_an_unknown_slug_is_a_404_that_hydrates_into_not_found(browser, live_app) -> None:
    ctx = browser.new_context(**PHONE)
    problems: list[str] = []
    try:
        pg = ctx.new_page()
        pg.on("pageerror", lambda exc: problems.append(str(exc)))
        response = pg.goto(f"{live_app.url}/events/no-such-event-anywhere")
        assert response is not None and response.status == 404
        assert pg.locator(SKELETON_IMG).count() in (0, 1)
        assert pg.locator(SKELETON_IMG).evaluate_all("imgs => imgs.every(i => !i.getAttribute('src'))")
        pg.locator("#not-found").wait_for(timeout=30_000)
        assert "Event not found" in pg.title() and not problems, problems
    finally:
        ctx.close()
