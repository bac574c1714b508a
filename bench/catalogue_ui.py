"""Catalogue UI in Chromium at 10,000 events: p50/p95 from typing a search to the grid showing the results,
and from clicking a card to the modal showing the event; plus the first-load JS + CSS of /events.

Starts the real app (production build, one port) on a throwaway SQLite database filled like
``bench/catalogue.py``, and drives Debian's Chromium with Playwright. The search time includes the search
box's 300 ms debounce (what a person waits); the table also shows it without the debounce.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import ROOT, summary_ms, table, using, write_json
from catalogue import WORDS, populate

RUNS = 30
DEBOUNCE_MS = 300
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - our own 127.0.0.1 server
            return r.status == 200
    except Exception:  # noqa: BLE001
        return False


@contextlib.contextmanager
def app_server(data_dir: Path, database_url: str):
    """`python -m khala serve` over the prebuilt frontend (built first when its sources changed)."""
    from khala.ops import launcher

    port = launcher.free_port()
    env = launcher.server_env(
        data_dir,
        port,
        KHALA_DATABASE_URL=database_url,
        KHALA_PUBLIC_URL=f"http://127.0.0.1:{port}",
        KHALA_CORS_ORIGINS=f'["http://127.0.0.1:{port}"]',
    )
    with launcher.current_build():
        server = launcher.start(env, data_dir / "server.log")
        try:
            server.wait_ready("/readyz", timeout=120)
            yield server.url
        finally:
            server.stop()


def first_load(browser, url: str) -> dict[str, object]:
    """JS and CSS fetched by a first visit to /events (cold cache), raw and gzip-compressed."""
    ctx = browser.new_context()
    page = ctx.new_page()
    bodies: dict[str, bytes] = {}
    encodings: dict[str, str] = {}

    def on_response(resp) -> None:
        kind = resp.request.resource_type
        if kind in ("script", "stylesheet") and resp.ok:
            with contextlib.suppress(Exception):
                bodies[resp.url] = resp.body()
                encodings[resp.url] = resp.headers.get("content-encoding", "")

    page.on("response", on_response)
    page.goto(f"{url}/events")
    page.wait_for_selector("article.khala-card", timeout=60_000)
    page.wait_for_load_state("networkidle")
    ctx.close()
    out: dict[str, object] = {}
    for kind, suffix in (("js", ".js"), ("css", ".css")):
        files = {u: b for u, b in bodies.items() if u.split("?")[0].endswith(suffix)}
        out[f"{kind}_files"] = len(files)
        out[f"{kind}_raw_kb"] = round(sum(len(b) for b in files.values()) / 1024, 1)
        out[f"{kind}_gzip_kb"] = round(sum(len(gzip.compress(b, 9)) for b in files.values()) / 1024, 1)
    out["total_raw_kb"] = round(float(out["js_raw_kb"]) + float(out["css_raw_kb"]), 1)  # type: ignore[arg-type]
    out["total_gzip_kb"] = round(float(out["js_gzip_kb"]) + float(out["css_gzip_kb"]), 1)  # type: ignore[arg-type]
    out["served_precompressed"] = sorted({e for e in encodings.values() if e})
    largest = sorted(bodies.items(), key=lambda kv: -len(kv[1]))[:5]
    out["largest"] = [
        {
            "file": u.rsplit("/", 1)[-1],
            "raw_kb": round(len(b) / 1024, 1),
            "gzip_kb": round(len(gzip.compress(b, 9)) / 1024, 1),
        }
        for u, b in largest
    ]
    return out


def measure(browser, url: str, rng: random.Random) -> dict[str, dict[str, float]]:
    from khala.events import catalogue

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{url}/events")
    page.wait_for_selector("article.khala-card", timeout=60_000)
    box = page.get_by_label("Search events")
    searches: list[float] = []
    terms = [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
    rng.shuffle(terms)
    previous = ""
    for term in terms[: RUNS + 3]:
        result = catalogue.search_events(text=term)
        first = result.items[0].title if result.items else ""
        if not first or first == previous:
            continue
        expected = f"{result.total} event"
        page.evaluate("window.__t0 = performance.now()")
        box.fill(term)
        page.wait_for_function(
            """([expected, first]) => {
                const c = document.querySelector('#result-count');
                const h = document.querySelector('article.khala-card h3');
                if (c && h && c.textContent.startsWith(expected) && h.textContent === first) {
                    window.__t1 = performance.now(); return true;
                }
                return false;
            }""",
            arg=[expected, first],
            polling="raf",
            timeout=15_000,
        )
        searches.append(page.evaluate("(window.__t1 - window.__t0) / 1000"))
        previous = first
        if len(searches) >= RUNS:
            break
    box.fill("")
    everything = f"{catalogue.search_events().total} event"
    page.wait_for_function(
        "(t) => document.querySelector('#result-count').textContent.startsWith(t)", arg=everything
    )
    modals: list[float] = []
    links = page.locator("article.khala-card a.khala-stretched")
    for i in range(RUNS):
        link = links.nth(i % 24)
        title = link.inner_text()
        link.scroll_into_view_if_needed()
        page.evaluate("window.__t0 = performance.now()")
        link.click()
        page.wait_for_function(
            """(title) => {
                const h = document.querySelector('#event-modal h2');
                if (h && h.textContent === title && document.querySelector('#event-modal [data-package-id]')) {
                    window.__t1 = performance.now(); return true;
                }
                return false;
            }""",
            arg=title,
            polling="raf",
            timeout=15_000,
        )
        modals.append(page.evaluate("(window.__t1 - window.__t0) / 1000"))
        page.keyboard.press("Escape")
        page.locator("#event-modal").wait_for(state="detached")
    ctx.close()
    without = [max(0.0, s - DEBOUNCE_MS / 1000) for s in searches]
    return {
        "search_to_grid": summary_ms(searches),
        "search_to_grid_minus_debounce": summary_ms(without),
        "card_to_modal": summary_ms(modals),
    }


def hub_rounds(rng: random.Random, tabs: int = 1000, per_tab: int = 24) -> dict[str, object]:
    """The live-seat poller with ``tabs`` open pages of ``per_tab`` events each (no browser)."""
    import asyncio
    import uuid

    from khala.db import session_scope
    from khala.events import catalogue, service
    from khala.events.live import SeatHub

    ids = [c.id for p in range(1, 21) for c in catalogue.search_events(page=p, page_size=100).items]
    hub = SeatHub()
    delivered = 0

    async def deliver(token, newer) -> None:
        nonlocal delivered
        delivered += 1

    async def run() -> dict[str, object]:
        for t in range(tabs):
            hub.watch(f"tab{t}", dict.fromkeys(rng.sample(ids, per_tab), 0))
        await hub.poll_once()  # first sight of every watched event
        hub.deliver = deliver
        await hub.fan_out()
        quiet: list[float] = []
        for _ in range(20):
            t0 = time.perf_counter()
            await hub.poll_once()
            await hub.fan_out()
            quiet.append(time.perf_counter() - t0)
        busy: list[float] = []
        fanned: list[int] = []
        for _ in range(20):
            changed = rng.sample(sorted({i for s in hub._watch.values() for sc in s.values() for i in sc}), 5)
            with session_scope(write=True) as s:
                for event_id in changed:
                    service.bump_seats(s, uuid.UUID(event_id), 0)
            t0 = time.perf_counter()
            await hub.poll_once()
            fanned.append(await hub.fan_out())
            busy.append(time.perf_counter() - t0)
        return {
            "tabs": tabs,
            "watched_events": len({i for s in hub._watch.values() for sc in s.values() for i in sc}),
            "quiet_round": summary_ms(quiet),
            "round_with_5_changes": summary_ms(busy),
            "tabs_updated_per_busy_round_mean": round(sum(fanned) / len(fanned), 1),
            "queries_per_quiet_round": 1,
        }

    return asyncio.run(run())


def main() -> None:
    from playwright.sync_api import sync_playwright

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url_db = f"sqlite:///{data_dir / 'khala.db'}"
        env_db = {"KHALA_DATABASE_URL": url_db, "KHALA_DATA_DIR": str(data_dir)}
        subprocess.run(
            [sys.executable, "-m", "khala", "migrate"],
            cwd=ROOT,
            env={**os.environ, **env_db},
            check=True,
            capture_output=True,
        )
        with using(url_db):
            started = time.monotonic()
            populate(rng)
            print(f"populated 10,000 events in {time.monotonic() - started:.1f}s")
            with app_server(data_dir, url_db) as url, sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    bundle = first_load(browser, url)
                    timings = measure(browser, url, rng)
                finally:
                    browser.close()
            hub = hub_rounds(rng)
    table(
        "Catalogue UI in Chromium, 10,000 events (SQLite, one worker)",
        ["measure", "n", "p50 ms", "p95 ms", "mean ms"],
        [[k, v["n"], v["p50_ms"], v["p95_ms"], v["mean_ms"]] for k, v in timings.items()],
    )
    table(
        "First load of /events (cold cache)",
        ["kind", "files", "raw KB", "gzip KB"],
        [
            ["JavaScript", bundle["js_files"], bundle["js_raw_kb"], bundle["js_gzip_kb"]],
            ["CSS", bundle["css_files"], bundle["css_raw_kb"], bundle["css_gzip_kb"]],
            ["total", "", bundle["total_raw_kb"], bundle["total_gzip_kb"]],
        ],
    )
    table(
        f"Live seats: one poller round, {hub['tabs']} open tabs x 24 events ({hub['watched_events']} distinct)",
        ["round", "n", "p50 ms", "p95 ms"],
        [
            [k, v["n"], v["p50_ms"], v["p95_ms"]]  # type: ignore[index]
            for k, v in hub.items()
            if k in ("quiet_round", "round_with_5_changes")
        ],
    )
    print(f"tabs updated per round with 5 changed events: {hub['tabs_updated_per_busy_round_mean']}")
    write_json(
        "catalogue_ui", {"events": 10_000, "timings": timings, "first_load_events": bundle, "seat_hub": hub}
    )


if __name__ == "__main__":
    main()
