"""First-load bytes: everything a first visit (cold cache) to `/`, `/events` and an event page fetches in
Chromium from `python -m khala serve` over the demo catalogue (posters included), raw and gzip.

"raw" is the size of each decoded body; "gzip" is what it weighs compressed (gzip -6 for text: HTML, JS, CSS,
JSON, SVG; images and fonts as they are) — roughly what travels when the server or a proxy compresses.
"""

from __future__ import annotations

import contextlib
import gzip
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, table, write_json

from khala.ops import launcher

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SLUG = "nordic-lights-festival"
TEXT = ("text/", "javascript", "json", "svg", "xml")


def seed(env: dict[str, str]) -> None:
    """Migrate and load the demo catalogue with the server's own settings (``env``): its database and its data
    directory, where the posters' files go. Seeded in this process they would land in the checkout's data/ and
    the served pages would show the placeholder instead of the posters."""
    for command in ("migrate", "seed-demo"):
        subprocess.run(
            [sys.executable, "-m", "khala", command], cwd=ROOT, env=env, check=True, capture_output=True
        )


def visit(browser, url: str, wait_for: str) -> dict[str, object]:
    ctx = browser.new_context()
    page = ctx.new_page()
    bodies: list[tuple[str, str, bytes]] = []

    def on_response(resp) -> None:
        if resp.status == 200:
            with contextlib.suppress(Exception):
                bodies.append((resp.request.resource_type, resp.headers.get("content-type", ""), resp.body()))

    page.on("response", on_response)
    page.goto(url)
    page.locator(wait_for).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    ctx.close()
    by_kind: dict[str, list[int]] = {}
    raw = zipped = 0
    for kind, ctype, body in bodies:
        size = len(body)
        packed = len(gzip.compress(body, 6)) if any(t in ctype for t in TEXT) else size
        raw += size
        zipped += packed
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += size
        by_kind[kind][1] += packed
    return {
        "requests": len(bodies),
        "raw_kb": round(raw / 1024, 1),
        "gzip_kb": round(zipped / 1024, 1),
        "by_type_kb": {
            k: {"raw": round(v[0] / 1024, 1), "gzip": round(v[1] / 1024, 1)} for k, v in by_kind.items()
        },
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    pages = {
        "/": "main#main article.khala-card img",
        "/events": "article.khala-card img",
        f"/events/{SLUG}": "[data-package-id]",
    }
    results: dict[str, object] = {}
    with launcher.current_build(), tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = f"sqlite:///{data_dir / 'khala.db'}"
        port = launcher.free_port()
        env = launcher.server_env(
            data_dir, port, KHALA_DATABASE_URL=url, KHALA_PUBLIC_URL=f"http://127.0.0.1:{port}"
        )
        seed(env)
        server = launcher.start(env, data_dir / "serve.log")
        try:
            server.wait_ready("/readyz", timeout=120)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                try:
                    for path, selector in pages.items():
                        results[path] = visit(browser, server.url + path, selector)
                finally:
                    browser.close()
        finally:
            server.stop()
    table(
        "first load (cold cache, everything fetched)",
        ["page", "requests", "raw KB", "gzip KB", "JS gzip KB", "CSS gzip KB", "images KB"],
        [
            [
                p,
                r["requests"],
                r["raw_kb"],
                r["gzip_kb"],
                r["by_type_kb"].get("script", {}).get("gzip", 0),
                r["by_type_kb"].get("stylesheet", {}).get("gzip", 0),
                r["by_type_kb"].get("image", {}).get("raw", 0),
            ]
            for p, r in results.items()
        ],
    )
    write_json("first_load", results)


if __name__ == "__main__":
    main()
