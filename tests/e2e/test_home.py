"""The first page a newcomer sees after `make run`: the shell and the demo's upcoming events."""

from __future__ import annotations

from khala.demo.seed import DEMOS
from tests.e2e.conftest import screenshot


def test_home_shows_the_shell_and_demo_events(page, live_app) -> None:
    page.goto("/")
    page.wait_for_selector("text=Khala", timeout=30_000)
    # The soonest demo events appear as cards.
    soonest = sorted((d for d in DEMOS if isinstance(d.day, int)), key=lambda d: d.day)[:2]
    for demo in soonest:
        page.get_by_text(demo.title).first.wait_for(timeout=30_000)
    # Inter is served by the app itself (no font CDN) and the page asks for it.
    font = page.request.get("/fonts/inter-latin-400-normal.woff2")
    assert font.status == 200 and len(font.body()) > 10_000
    assert page.evaluate("() => document.fonts.check('16px Inter')")
    screenshot(page, "home-1280")
    screenshot(page, "home-375", width=375)
