"""Languages in the browser (Debian's Chromium, as every journey): a Swedish browser gets the shell in Swedish
from its first visit; the switcher in the shell changes the words and <html lang> at once, and the choice holds
on the next visit."""

from __future__ import annotations

SIDEBAR = "nav#khala-sidebar"


def _wait_lang(page, lang: str) -> None:
    page.wait_for_function("(l) => document.documentElement.lang === l", arg=lang, timeout=30_000)


def test_a_swedish_browser_sees_swedish_from_the_first_visit(browser, live_app) -> None:
    context = browser.new_context(locale="sv-SE", base_url=live_app.url)  # Accept-Language: sv-SE
    try:
        page = context.new_page()
        page.goto("/events")
        page.locator(SIDEBAR).get_by_text("Evenemang", exact=True).wait_for(timeout=30_000)
        _wait_lang(page, "sv")
        assert page.locator(SIDEBAR).get_by_text("Kalender", exact=True).is_visible()
        assert page.get_by_role("heading", name="Evenemang", exact=True).is_visible()
    finally:
        context.close()


def test_switching_to_svenska_changes_the_shell_and_html_lang_and_is_remembered(browser, live_app) -> None:
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    try:
        page = context.new_page()
        first = page.request.get("/calendar", headers={"accept-language": "en-GB"}).text()
        assert (
            first.count("<title>") == 1 and "<title>Calendar · Khala</title>" in first
        )  # the prerendered head
        page.goto("/calendar")
        page.locator(SIDEBAR).get_by_text("Discover", exact=True).wait_for(timeout=30_000)
        _wait_lang(page, "en")

        page.get_by_role("button", name="Svenska").click()
        page.locator(SIDEBAR).get_by_text("Upptäck", exact=True).wait_for(timeout=30_000)
        _wait_lang(page, "sv")
        assert page.url.endswith("/calendar")  # the same URL
        assert page.get_by_role("heading", name="Kalender", exact=True).is_visible()
        page.wait_for_function("() => document.title === 'Kalender · Khala'", timeout=15_000)
        assert page.get_by_role("button", name="Svenska").get_attribute("aria-pressed") == "true"
        assert {c["name"]: c["value"] for c in context.cookies()}.get("khala_lang") == "sv"

        again = context.new_page()  # the next visit
        again.goto("/")
        again.locator(SIDEBAR).get_by_text("Mina biljetter", exact=True).wait_for(timeout=30_000)
        _wait_lang(again, "sv")

        again.get_by_role("button", name="English").click()
        again.locator(SIDEBAR).get_by_text("My tickets", exact=True).wait_for(timeout=30_000)
        _wait_lang(again, "en")
    finally:
        context.close()
