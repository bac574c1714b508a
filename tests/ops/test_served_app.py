"""`python -m khala serve` answers pages, signals and media right after it starts, with no build step in
between; every response carries the security headers; /metrics is not public; production adds HSTS and
writes one JSON log line per request; unsafe production settings stop it before it binds a port."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from khala import db as khala_db
from khala.ops import build, launcher

TOKEN = "served-metrics-" + uuid.uuid4().hex
STRONG_SECRET = "vR7-Qm2pXw9LzT4kB8nJc1YhD6fS3aGeU0oKiW5tNq"
SLUG = "nordic-lights-festival"


def seed(database_url: str) -> None:
    from khala.demo.seed import seed_demo
    from khala.ops import migrations

    migrations.migrate(database_url)
    engine = khala_db.make_engine(database_url)
    khala_db.use_engine(engine)
    try:
        seed_demo(with_images=False)
    finally:
        khala_db.use_engine(None)
        engine.dispose()


@pytest.fixture(scope="module")
def served(frontend_build, tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{data_dir / 'khala.db'}"
    seed(url)
    stamp_before = build.STAMP.stat().st_mtime
    port = launcher.free_port()
    env = launcher.server_env(
        data_dir,
        port,
        KHALA_DATABASE_URL=url,
        KHALA_METRICS_TOKEN=TOKEN,
        KHALA_PUBLIC_URL=f"http://127.0.0.1:{port}",
        KHALA_CORS_ORIGINS=f'["http://127.0.0.1:{port}"]',
    )
    server = launcher.start(env, data_dir / "serve.log")
    try:
        server.wait_ready("/", timeout=60)
        yield server, stamp_before
    finally:
        server.stop()


def get(url: str, headers: dict[str, str] | None = None):
    import httpx

    return httpx.get(url, headers=headers or {}, timeout=10, follow_redirects=False)


def test_pages_and_signals_answer_right_after_start_without_building(served) -> None:
    server, stamp_before = served
    for path in ("/", f"/events/{SLUG}", "/events/", "/healthz", "/readyz"):
        r = get(server.url + path)
        assert r.status_code == 200, (path, r.status_code, server.log_tail())
    assert build.STAMP.stat().st_mtime == stamp_before  # serve did not rebuild
    log = server.log_path.read_text()
    assert "Compiling" not in log and "Creating Production Build" not in log
    assert "ready to fork after" in log
    ready = get(server.url + "/readyz").json()
    assert ready["status"] == "ok" and all(c["ok"] for c in ready["checks"].values())


def test_security_headers_on_pages_api_and_media(served) -> None:
    server, _ = served
    page = get(f"{server.url}/events/{SLUG}")
    ics = get(f"{server.url}/events/{SLUG}.ics")
    media = get(f"{server.url}/media/ev/none.webp?exp=1&sig=bad")
    asset = next(iter(re.findall(r'src="(/assets/[^"]+\.js)"', page.text)), None)
    assert ics.status_code == 200 and media.status_code == 403
    for r in (page, ics, media):
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["x-frame-options"] == "DENY", r.url
        assert r.headers["referrer-policy"], r.url
        assert r.headers["x-request-id"], r.url
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert media.headers["content-security-policy"].startswith("default-src 'none'")  # the route's own
    assert page.headers["cache-control"] == "no-cache"
    if asset:
        assert get(server.url + asset).headers["cache-control"] == "public, max-age=31536000, immutable"
    # Fonts and images keep their names across releases: cached for a day, then revalidated.
    for path in ("/fonts/inter-latin-400-normal.woff2", "/khala-logo.svg"):
        static = get(server.url + path)
        assert static.status_code == 200, path
        assert static.headers["cache-control"] == "public, max-age=86400, stale-while-revalidate=604800", path


def test_metrics_need_the_token(served) -> None:
    server, _ = served
    assert get(server.url + "/metrics").status_code == 401
    assert get(server.url + "/metrics", {"Authorization": "Bearer nope"}).status_code == 401
    r = get(server.url + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    assert 'khala_registrations{status="confirmed"}' in r.text
    assert 'route="/events/[slug]"' in r.text  # pages are counted by their route template


def _wait_js(page, expression: str, timeout: int) -> None:
    """Poll a JavaScript expression, across the navigation of a language switch (``page.wait_for_function`` with
    an expression string builds its predicate with eval, which this very CSP forbids, and a navigation ends it;
    ``page.evaluate`` goes through the DevTools protocol)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error as exc:  # a navigation (the language switch posts a form) replaced the document
            if "context was destroyed" not in str(exc):
                raise
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def test_the_app_works_in_chromium_under_its_csp(served) -> None:
    """No CSP violation (no 'unsafe-eval': nothing the server sends is run through eval) and no page error
    while browsing, opening an event (websocket events, the modal's history entry, its title and the focus
    given back to the card: khala/ui/client.py's commands), closing it, switching the language (a form POST
    asked for by the server) and seeing <html lang> follow."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    server, _ = served
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(base_url=server.url)
            ctx.add_init_script(
                "window.__csp=[];document.addEventListener('securitypolicyviolation',"
                "e=>window.__csp.push(e.violatedDirective+' '+e.blockedURI));"
            )
            page = ctx.new_page()
            errors: list[str] = []
            violations: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # Every document's violations, across the navigations below (window.__csp is per document).
            page.on(
                "console",
                lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
            )
            page.goto("/events")
            page.locator("article.khala-card a").first.click()
            page.wait_for_url(re.compile(r"/events/[a-z0-9-]+$"), timeout=30_000)
            page.get_by_role("dialog").wait_for(timeout=30_000)
            list_title = "Events · Khala"
            _wait_js(page, f"document.title !== {list_title!r} && document.title.length > 0", timeout=30_000)
            page.keyboard.press("Escape")
            page.wait_for_url(re.compile(r"/events/?$"), timeout=30_000)
            _wait_js(
                page,
                "document.activeElement && document.activeElement.matches('a.khala-stretched')",
                timeout=30_000,
            )
            page.goto("/events")
            _wait_js(page, "document.documentElement.lang === 'en'", timeout=30_000)
            page.get_by_role("button", name="Svenska").click()
            _wait_js(page, "document.documentElement.lang === 'sv'", timeout=30_000)
            page.get_by_role("button", name="English").click()
            _wait_js(page, "document.documentElement.lang === 'en'", timeout=30_000)
            page.goto("/")
            page.goto("/login")
            page.locator("#email").wait_for()
            violations += page.evaluate("window.__csp")
        finally:
            browser.close()
    assert violations == [], violations
    assert errors == [], errors


def test_production_mode_adds_hsts_and_logs_json(frontend_build, tmp_path: Path) -> None:
    port = launcher.free_port()
    env = launcher.server_env(
        tmp_path,
        port,
        KHALA_ENVIRONMENT="production",
        KHALA_PUBLIC_URL=f"https://localhost:{port}",
        KHALA_SECRET_KEY=STRONG_SECRET,
    )
    server = launcher.start(env, tmp_path / "serve.log")
    try:
        server.wait_ready("/readyz", timeout=60)
        r = get(server.url + "/", {"X-Request-ID": "probe-0123456789"})
        assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert r.headers["x-request-id"] == "probe-0123456789"
        line = launcher.wait_until(
            lambda: next(
                (
                    json.loads(x)
                    for x in server.log_path.read_text().splitlines()
                    if x.startswith("{") and '"probe-0123456789"' in x
                ),
                None,
            ),
            10,
            what="the request's JSON log line",
        )
    finally:
        server.stop()
    assert line["logger"] == "khala.request" and line["level"] == "INFO"
    assert line["request_id"] == "probe-0123456789"
    assert line["method"] == "GET" and line["path"] == "/" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"KHALA_SECRET_KEY": "a" * 40}, "too few distinct characters"),
        ({"KHALA_PUBLIC_URL": "http://events.example.org"}, "must be an https:// URL"),
        ({"KHALA_WORKERS": "2", "KHALA_REDIS_URL": "redis://127.0.0.1:6379/9"}, "SQLite serves one worker"),
    ],
)
def test_unsafe_production_settings_stop_serve_before_it_binds(tmp_path: Path, settings, reason) -> None:
    production = {
        "KHALA_ENVIRONMENT": "production",
        "KHALA_PUBLIC_URL": "https://events.example.org",
        "KHALA_SECRET_KEY": STRONG_SECRET,
    }
    env = launcher.server_env(tmp_path, launcher.free_port(), **{**production, **settings})
    done = subprocess.run(
        [sys.executable, "-m", "khala", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert reason in done.stderr and "Traceback" not in done.stderr


def test_run_seeds_an_empty_database_then_serves_and_builds_nothing_when_current(
    frontend_build, tmp_path: Path
) -> None:
    """`make run`'s command: a first start on an empty database migrates and loads the demo catalogue; the
    second finds everything done (no build, no seeding) and serves the same pages."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'khala.db'}"
    stamp_before = build.STAMP.stat().st_mtime
    logs = []
    for i in range(2):
        env = launcher.server_env(tmp_path, launcher.free_port(), KHALA_DATABASE_URL=url)
        server = launcher.start(env, tmp_path / f"run-{i}.log", command="run")
        try:
            server.wait_ready("/", timeout=120)
            assert get(f"{server.url}/events/{SLUG}").status_code == 200
        finally:
            assert server.stop() in (0, None)
        logs.append(server.log_path.read_text())
    with sqlite3.connect(tmp_path / "khala.db") as conn:
        assert conn.execute("SELECT count(*) FROM event").fetchone()[0] > 0
    assert "demo data created" in logs[0] and "demo data created" not in logs[1]
    assert "frontend is up to date" in logs[1] and "building the frontend" not in logs[1]
    assert build.STAMP.stat().st_mtime == stamp_before
