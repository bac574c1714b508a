"""What a first visit loads: Radix's CSS without the per-breakpoint variants no page uses, and sonner (toasts)
only once a toast is shown (rxconfig.py LazyToasts, khala/ui/stylesheet.py)."""

from __future__ import annotations

import re
import urllib.request

SCRIPTS = "() => performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script' || e.name.endsWith('.js')).map(e => e.name)"


def test_the_stylesheet_keeps_only_the_breakpoint_variants_pages_use(page, live_app) -> None:
    page.goto("/")
    href = page.locator('link[rel="stylesheet"]').first.get_attribute("href")
    css = page.request.get(href).text()
    assert "@layer radix" in css
    # the admin's grids give columns per breakpoint (rx.breakpoints(initial="1", sm="2")) …
    assert re.search(r"@media \(width>=520px\)\{[^@]*\.xs\\:rt-r-gtc-2", css) or ".sm\\:rt-r-gtc-2" in css
    assert ".sm\\:rt-r-fw-wrap" in css
    # … no page gives a margin, a padding or a Text size per breakpoint
    assert "\\:rt-r-mx-" not in css and "\\:rt-r-p-" not in css
    assert ".rt-Text:where(.sm\\:rt-r-size-2)" not in css
    # the plain utilities and component sizes stay
    assert ".rt-r-mx-2" in css and ".rt-Text:where(.rt-r-size-2)" in css


def test_sonner_arrives_with_the_first_toast(page, live_app) -> None:
    page.goto("/")
    page.locator("main#main article").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-sonner-toaster]").count() == 0
    before = set(page.evaluate(SCRIPTS))
    page.evaluate("() => window.__reflex['$/utils/state'].refs.__toast.success('Saved, lazily')")
    page.locator("[data-sonner-toaster]").get_by_text("Saved, lazily").wait_for(timeout=10_000)
    assert set(page.evaluate(SCRIPTS)) - before, "sonner's chunk was already loaded before the first toast"
    # a dismiss before any toast (Reflex's connection banner does one at start) did not need sonner; after, it works
    page.evaluate("() => window.__reflex['$/utils/state'].refs.__toast.dismiss()")
    page.locator("[data-sonner-toaster]").get_by_text("Saved, lazily").wait_for(
        state="detached", timeout=10_000
    )


FLOATING_UI = "middlewareData"  # a property name of Floating UI's computePosition (kept by the minifier)


def _loaded_scripts(page) -> list[str]:
    return [page.request.get(url).text() for url in page.evaluate(SCRIPTS) if url.endswith(".js")]


def test_floating_ui_loads_only_with_a_page_that_positions_a_popup(page, live_app) -> None:
    # No page has a Radix Tooltip: <Theme>'s tooltip provider is a pass-through (rxconfig.py NoIdleTooltipProvider)
    page.goto("/")
    page.locator("main#main article").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert not any(FLOATING_UI in js for js in _loaded_scripts(page))
    # the list's filters (Radix Selects) position their menus with it: it comes with their code, when first needed
    page.goto("/events")
    page.locator("article.khala-card").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert not any(FLOATING_UI in js for js in _loaded_scripts(page))
    page.locator("#filter-when").click()
    page.get_by_role("option", name="This weekend").wait_for(timeout=30_000)
    assert any(FLOATING_UI in js for js in _loaded_scripts(page))


def test_a_filter_renders_the_same_before_its_code_and_opens_from_the_keyboard(page, live_app) -> None:
    """Before a Select's code is loaded its trigger is the button Radix renders while closed (rxconfig.py
    LazySelects); the first key press on it loads the code, and the real select opens, with focus kept."""
    page.goto("/events")
    page.locator("article.khala-card").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    sort = page.locator("#filter-sort")
    # every element of the trigger, its attributes and inline style (the prerendered and the client-rendered
    # markup write style differently), its text and its box
    attrs = """el => {
      const walk = (n) => [n.tagName, [...n.attributes].filter((a) => a.name !== "style")
        .map((a) => `${a.name}=${a.value}`).sort(), n.style?.cssText ?? "", [...n.children].map(walk)];
      const box = el.getBoundingClientRect();
      return [walk(el), el.innerText, box.width, box.height];
    }"""
    before = sort.evaluate(attrs)
    assert "role=combobox" in before[0][1] and "aria-expanded=false" in before[0][1] and before[1].strip()
    assert not any(FLOATING_UI in js for js in _loaded_scripts(page))
    sort.focus()  # focus alone fetches the code; the real trigger takes the stand-in's place, focused
    page.wait_for_function(
        "() => document.activeElement?.id === 'filter-sort' && !!document.querySelector('select[aria-hidden]')"
    )
    assert sort.evaluate(attrs) == before
    page.keyboard.press("Enter")
    page.get_by_role("listbox").wait_for(timeout=30_000)
    page.keyboard.press("Escape")
    page.get_by_role("listbox").wait_for(state="detached", timeout=10_000)


DIALOG_CODE = "Dialog.Close"  # the displayName Radix Themes gives Dialog.Close (kept by the minifier)


def test_a_dialogs_code_arrives_when_it_first_opens(page, live_app) -> None:
    page.goto("/events")
    card = page.locator("article.khala-card a.khala-stretched").first
    card.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert not any(DIALOG_CODE in js for js in _loaded_scripts(page))
    card.click()
    modal = page.locator("[role=dialog]#event-modal")
    modal.wait_for(timeout=30_000)
    assert any(DIALOG_CODE in js for js in _loaded_scripts(page))
    page.keyboard.press("Escape")  # the real Radix dialog: Escape closes it
    modal.wait_for(state="detached", timeout=10_000)


def test_the_scripts_are_requested_after_the_prerendered_page_paints(page, live_app) -> None:
    """The build defers every page's JavaScript to its first paint (khala/ops/paint_first.py): the listing paints
    from HTML and CSS, then its chunks load, and it hydrates with the CSP's hashes and no violation."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path in ("/", "/events"):
        page.goto(path)
        # the cards come with the websocket's data, after the scripts
        page.locator("article.khala-card").first.wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
        timing = page.evaluate(
            """() => ({
              paint: performance.getEntriesByType('paint').map((e) => e.startTime),
              scripts: performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js'))
                .map((e) => e.startTime),
              preloads: document.querySelectorAll('link[rel=modulepreload]').length,
            })"""
        )
        assert timing["paint"] and timing["scripts"] and timing["preloads"] > 3, timing
        assert min(timing["scripts"]) >= min(timing["paint"]), timing
    assert not problems


LODASH = "Expected a function"  # lodash's debounce throws this (react-debounce-input's dependency)
SENT_SEARCHES = """(() => {
  const send = WebSocket.prototype.send;
  window.__searches = [];
  WebSocket.prototype.send = function (data) {
    if (typeof data === "string" && data.includes(".set_search")) window.__searches.push(JSON.parse(data.slice(data.indexOf("["))));
    return send.call(this, data);
  };
})()"""
TYPE = """async ([values, enter]) => {
  const input = document.getElementById("search");
  const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  for (const v of values) { set.call(input, v); input.dispatchEvent(new Event("input", { bubbles: true })); }
  if (enter) input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  const sent = window.__searches.length;
  await new Promise((resolve) => setTimeout(resolve, 0));  // a 0 ms timer runs long before a 300 ms one
  return sent;
}"""


def test_the_search_box_waits_for_a_pause_and_enter_sends_at_once_without_lodash(page, live_app) -> None:
    """The debounced search input is our own (rxconfig.py OwnDebounceInput), with react-debounce-input's
    behaviour: keys typed in a row send one search after the pause, Enter sends it at once (and nothing after)."""
    page.add_init_script(SENT_SEARCHES)
    page.goto("/events")
    page.locator("article.khala-card").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert not any(LODASH in js for js in _loaded_scripts(page))
    values = lambda: [m[1]["payload"]["value"] for m in page.evaluate("() => window.__searches")]  # noqa: E731

    assert page.evaluate(TYPE, [["j", "ja", "jaz", "jazz"], False]) == 0  # four keys in one go: not yet
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'jazz'")
    assert values() == ["jazz"]  # then one search, with the whole text

    assert page.evaluate(TYPE, [["jazz ", "jazz t"], True]) == 2  # Enter: sent before the key's task ended
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'jazz t'")
    page.wait_for_timeout(600)  # past the debounce: the cancelled wait sends nothing more
    assert values() == ["jazz", "jazz t"]
    assert page.get_by_label("Search events").input_value() == "jazz t"


def _get(url: str, encoding: str) -> tuple[str | None, int]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": encoding})  # noqa: S310 - our own server
    with urllib.request.urlopen(req, timeout=15) as r:  # noqa: S310 - our own 127.0.0.1 server
        return r.headers.get("content-encoding"), len(r.read())


def test_scripts_and_styles_come_brotli_compressed_to_a_browser_that_takes_it(page, live_app) -> None:
    """rxconfig.py frontend_compression_formats: a .br beside every .gz; the static mount prefers it."""
    page.goto("/events")
    page.locator("article.khala-card").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assets = [e for e in page.evaluate(SCRIPTS) if "/assets/" in e]
    assets.append(page.locator('link[rel="stylesheet"]').first.get_attribute("href"))
    checked = 0
    for url in assets:
        url = url if url.startswith("http") else live_app.url + url
        plain = _get(url, "identity")
        if plain[1] < 1024:
            continue  # too small to be worth a compressed copy
        br, gz = _get(url, "gzip, deflate, br"), _get(url, "gzip")
        assert plain[0] is None and br[0] == "br" and gz[0] == "gzip", url
        assert br[1] < gz[1] < plain[1], url
        checked += 1
    assert checked >= 5


def test_the_first_load_does_not_rewrite_the_html_lang_it_was_served(page, live_app) -> None:
    """The server writes the visitor's language into <html lang> (events/seo_http.py); the app's html_lang
    command (ui/client_effects.js) then leaves it alone: writing it again, even unchanged, restyles the page."""
    page.add_init_script(
        """window.__langWrites = 0;
        new MutationObserver((records) => { window.__langWrites += records.length; })
          .observe(document, {subtree: true, attributes: true, attributeFilter: ["lang"]});"""
    )
    page.goto("/")
    page.locator("main article.khala-card").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("window.__langWrites") == 0
