"""Browser journeys of the catalogue on the demo data: search, filters in the URL, the event modal that is
also a page, the calendar, live seat counts, keyboard use — with screenshots at 1280 px and 375 px."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import screenshot, wait_until

pytestmark = pytest.mark.e2e

CARD = "article.khala-card"
CARD_LINK = "article.khala-card a.khala-stretched"
DIALOG = "[role=dialog]#event-modal"


def _open_events(page, query: str = "") -> None:
    page.goto("/events" + query)
    page.wait_for_selector(CARD, timeout=30_000)


def _result_count(page) -> int:
    text = page.locator("#result-count").inner_text()
    m = re.match(r"(\d+) event", text)
    return int(m.group(1)) if m else -1


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _wait_location(page, condition: str, timeout: float = 10) -> None:
    """Wait in the page (like a visible tab would run) until ``condition`` on ``location``/``params`` holds."""
    page.wait_for_function(
        f"() => {{ const params = new URLSearchParams(location.search); return {condition}; }}",
        timeout=timeout * 1000,
    )


LIST_PATH = "location.pathname.replace(/\\/$/, '') === '/events'"


def test_search_narrows_the_grid(page, live_app) -> None:
    _open_events(page)
    total = wait_until(lambda: _result_count(page) if _result_count(page) > 0 else None, 15, what="count")
    screenshot(page, "catalogue-events-1280")
    page.get_by_label("Search events").fill("jazz")
    wait_until(lambda: 0 < _result_count(page) < total, 10, what="the search to narrow the results")
    titles = page.locator(f"{CARD} h3").all_inner_texts()
    assert "Copenhagen Jazz Sessions" in titles
    _wait_location(page, "params.get('q') === 'jazz'")
    # SQL wildcards are literal, and a search with no match shows the empty state with "Clear filters".
    page.get_by_label("Search events").fill("%_%")
    page.wait_for_selector("#empty-state")
    assert page.locator(CARD).count() == 0
    screenshot(page, "catalogue-empty-1280")
    page.locator("#empty-state").get_by_role("button", name="Clear filters").click()
    wait_until(lambda: _result_count(page) == total, 10, what="all events back")
    _wait_location(page, "!params.has('q')", 5)
    assert page.get_by_label("Search events").input_value() == ""
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "catalogue-events-375")


def test_filter_combination_is_in_the_url_and_survives_reload(page, live_app) -> None:
    _open_events(page)
    _choose(page, "Category", "Music")
    _wait_location(page, "params.get('category') === 'music'")
    _choose(page, "Price", "Paid")
    _choose(page, "Sort by", "Price")
    _wait_location(page, "params.get('price') === 'paid' && params.get('sort') === 'price'")
    page.wait_for_function("() => document.querySelectorAll('article.khala-card').length > 0")
    before = page.locator(f"{CARD} h3").all_inner_texts()
    url = page.url
    page.reload()
    page.wait_for_selector(CARD)
    assert urlsplit(page.url).path.rstrip("/") == "/events"
    assert _query(page) == parse_qs(urlsplit(url).query)
    assert page.get_by_label("Category", exact=True).inner_text() == "Music"
    assert page.get_by_label("Price", exact=True).inner_text() == "Paid"
    assert page.get_by_label("Sort by", exact=True).inner_text() == "Price"
    assert page.locator(f"{CARD} h3").all_inner_texts() == before
    prices = page.locator(f"{CARD} .khala-price").all_inner_texts()
    assert prices and all(p.startswith("from ") for p in prices)  # paid only: no "Free"
    numbers = [int(re.sub(r"\D", "", p)) for p in prices]
    assert numbers == sorted(numbers)
    # A shared link opens the same search in a new tab.
    other = page.context.new_page()
    other.goto(url)
    other.wait_for_selector(CARD)
    assert other.locator(f"{CARD} h3").all_inner_texts() == before
    other.close()


def test_card_opens_modal_with_url_and_escape_restores_the_list(page, live_app) -> None:
    _open_events(page)
    target = page.locator(CARD_LINK).nth(7)
    slug = target.get_attribute("href").rsplit("/", 1)[-1]
    title = target.inner_text()
    target.scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)
    page.wait_for_timeout(300)
    y_before = page.evaluate("window.scrollY")
    assert y_before > 300
    target.click()
    dialog = page.locator(DIALOG)
    dialog.wait_for()
    _wait_location(page, f"location.pathname === '/events/{slug}'", 5)
    dialog.get_by_role("heading", name=title).wait_for()
    dialog.get_by_text("Tickets", exact=True).wait_for()
    assert dialog.locator("[data-package-id]").count() >= 1
    list_title = "Events · Khala"
    page.wait_for_function("(t) => document.title.startsWith(t)", arg=title)  # the tab names the event
    screenshot(page, "catalogue-modal-1280")
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    _wait_location(page, LIST_PATH, 5)
    page.wait_for_function("(t) => document.title === t", arg=list_title)
    page.wait_for_timeout(700)  # past the router's own scroll restoration
    assert abs(page.evaluate("window.scrollY") - y_before) <= 2
    # Focus returns to the card that opened the modal.
    assert page.evaluate("document.activeElement && document.activeElement.getAttribute('href')") == (
        f"/events/{slug}"
    )
    # The browser's Back button closes it too, and the close button.
    target.click()
    dialog.wait_for()
    _wait_location(page, f"location.pathname === '/events/{slug}'", 5)
    page.go_back()
    dialog.wait_for(state="detached")
    assert urlsplit(page.url).path.rstrip("/") == "/events"
    page.wait_for_timeout(700)  # past the router's own scroll restoration
    assert abs(page.evaluate("window.scrollY") - y_before) <= 2
    target.click()
    dialog.wait_for()
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="detached")
    _wait_location(page, LIST_PATH, 5)
    page.set_viewport_size({"width": 375, "height": 800})
    target.click()
    dialog.wait_for()
    dialog.get_by_text("Tickets", exact=True).wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path="test-artifacts/catalogue-modal-375.png")


def test_keyboard_opens_modal_traps_focus_and_returns_it(page, live_app) -> None:
    _open_events(page)
    first = page.locator(CARD_LINK).first
    first.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement, '::after').outlineStyle")
    assert outline != "none"  # a visible focus indicator on the card
    page.keyboard.press("Enter")
    dialog = page.locator(DIALOG)
    dialog.wait_for()
    dialog.get_by_text("Tickets", exact=True).wait_for()
    for _ in range(25):  # Tab never leaves the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('#event-modal')")
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.evaluate("document.activeElement.classList.contains('khala-stretched')")


def test_direct_load_renders_the_event_page_and_unknown_slug_is_not_found(page, live_app, app_db) -> None:
    from khala.events import catalogue

    card = catalogue.search_events(text="jazz").items[0]
    detail = catalogue.get_event(card.slug)
    page.goto(f"/events/{card.slug}")
    page.get_by_role("heading", level=1, name=detail.title).wait_for(timeout=30_000)
    assert page.locator(DIALOG).count() == 0
    wait_until(lambda: detail.title in page.title(), 5, what="the page title")
    description = page.locator("meta[name=description]").last.get_attribute("content")
    assert description and detail.venue in description
    for p in detail.packages:
        row = page.locator(f"[data-package-id='{p.id}']")
        row.get_by_text(p.title, exact=True).wait_for()
        for perk in p.perks:
            row.get_by_text(perk).wait_for()
    map_href = page.get_by_role("link", name=re.compile("Show on map")).get_attribute("href")
    assert map_href == detail.map_url and map_href.startswith(
        "https://www.openstreetmap.org/"
    )  # one provider
    assert str(detail.id) not in map_href  # built from the address or coordinates, never an id
    ics = page.request.get(f"/events/{card.slug}.ics")
    assert ics.status == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text() and detail.title in ics.text()
    screenshot(page, "catalogue-event-page-1280")
    screenshot(page, "catalogue-event-page-375", width=375)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/events/no-such-event-here")
    page.get_by_role("heading", name="We could not find that event").wait_for()
    wait_until(lambda: "not found" in page.title().lower(), 5, what="not-found title")
    screenshot(page, "catalogue-not-found-1280")
    assert page.request.get("/events/no-such-event-here.ics").status == 404


def test_calendar_shows_this_months_demo_events(page, live_app, app_db) -> None:
    from khala.events import catalogue
    from khala.settings import get_settings

    zone = ZoneInfo(get_settings().default_timezone)
    now = datetime.now(zone)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (first + timedelta(days=32)).replace(day=1)
    expected = [
        e for e in catalogue.events_between(first, nxt) if first <= e.starts_at.astimezone(zone) < nxt
    ]
    assert expected, "the demo has events this month"
    page.goto("/calendar")
    page.locator("#calendar-month").get_by_text(f"{now:%B %Y}").wait_for(timeout=30_000)
    grid = page.locator("#calendar-grid")
    for e in expected:
        day = e.starts_at.astimezone(ZoneInfo(e.timezone)).date().isoformat()
        grid.locator(f"[data-day='{day}']").get_by_text(e.title).wait_for()
    screenshot(page, "catalogue-calendar-1280")
    # Clicking an event opens the modal over the calendar.
    grid.get_by_text(expected[0].title).first.click()
    page.locator(DIALOG).get_by_role("heading", name=expected[0].title).wait_for()
    page.keyboard.press("Escape")
    page.locator(DIALOG).wait_for(state="detached")
    page.get_by_role("button", name="Next month").click()
    page.locator("#calendar-month").get_by_text(f"{nxt:%B %Y}").wait_for()
    page.get_by_role("button", name="Today").click()
    page.locator("#calendar-month").get_by_text(f"{now:%B %Y}").wait_for()
    screenshot(page, "catalogue-calendar-375", width=375)


def _take_seat(package_id: str) -> None:
    from khala.accounts.models import User
    from khala.audit.service import Actor
    from khala.db import session_scope
    from khala.registrations import service as registrations

    with session_scope(write=True) as s:
        user = User(email=f"live-{uuid.uuid4().hex[:10]}@example.invalid", display_name="Live Seat")
        s.add(user)
        s.flush()
        user_id = str(user.id)
    registrations.register(user_id, package_id, 1, actor=Actor.user(user_id))


def test_a_seat_taken_elsewhere_updates_open_pages_within_two_seconds(browser, live_app, app_db) -> None:
    from khala.events import catalogue

    # An event with a limited package on sale, and one that is nearly full (its card shows "N left").
    candidates = catalogue.search_events(page_size=100).items
    chosen = None
    for card in candidates:
        detail = catalogue.get_event(card.slug)
        open_pkgs = [
            p for p in detail.packages if p.sales_state == "open" and p.seats_left and p.seats_left > 1
        ]
        if open_pkgs:
            chosen = (detail, open_pkgs[0])
            break
    assert chosen
    detail, package = chosen
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_app.url)
    try:
        event_page = context.new_page()
        event_page.goto(f"/events/{detail.slug}")
        seats = event_page.locator(f"[data-package-id='{package.id}'] .khala-seats")
        seats.get_by_text(f"{package.seats_left} seat").wait_for(timeout=30_000)
        modal_page = context.new_page()  # another tab: the modal over the list
        modal_page.goto("/events?q=" + detail.title.split()[0])
        modal_page.locator(f"{CARD} a[href='/events/{detail.slug}']").click()
        modal_seats = modal_page.locator(f"{DIALOG} [data-package-id='{package.id}'] .khala-seats")
        modal_seats.get_by_text(f"{package.seats_left} seat").wait_for()
        event_page.wait_for_timeout(1500)  # both tabs are watching

        started = time.monotonic()
        _take_seat(package.id)
        want = f"{package.seats_left - 1} seat"
        wait_until(lambda: want in seats.inner_text(), 2.0, interval=0.05, what="the event page count")
        wait_until(lambda: want in modal_seats.inner_text(), 2.0, interval=0.05, what="the modal count")
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, elapsed
        event_page.screenshot(path="test-artifacts/catalogue-live-seats-1280.png")
    finally:
        context.close()


def test_shell_navigation_and_mobile_menu(page, live_app) -> None:
    page.goto("/")
    page.get_by_role("heading", name="Upcoming highlights").wait_for(timeout=30_000)
    page.locator(CARD).first.wait_for()
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Discover", "Events", "Calendar", "My tickets"):
        nav.get_by_role("link", name=name).wait_for()
    assert nav.get_by_role("link", name="Admin").count() == 0  # only for admins
    assert page.locator("a[aria-current=page]").inner_text().strip() == "Discover"
    for img in page.locator(f"{CARD} img").all():
        assert img.get_attribute("alt") is not None
    screenshot(page, "catalogue-discover-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert not nav.is_visible()
    page.get_by_role("button", name="Open menu").click()
    nav.get_by_role("link", name="Calendar").wait_for()
    page.screenshot(path="test-artifacts/catalogue-mobile-menu-375.png")
    nav.get_by_role("link", name="Calendar").click()
    page.locator("#calendar-month").wait_for()
    assert not nav.is_visible()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    page.locator(CARD).first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    screenshot(page, "catalogue-discover-360")
