"""Browser journeys: the real app (production build) on 127.0.0.1 with a seeded temporary database, a real
SMTP sink (aiosmtpd) it sends mail to, and Debian's Chromium driven by Playwright.

One app server per test session. Its `.web` build directory is shared by every checkout process, so the
server holds an exclusive file lock for its lifetime (parallel runs queue instead of clobbering the build).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from khala.ops import launcher

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# ---------------------------------------------------------------------------------------------------------
# SMTP sink


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def add(self, raw: bytes) -> None:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.messages.append(msg)  # type: ignore[arg-type]

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, subject_contains: str = "", timeout: float = 15) -> EmailMessage:
        def found() -> EmailMessage | None:
            for m in reversed(self.to(address)):
                if subject_contains.lower() in str(m["Subject"]).lower():
                    return m
            return None

        return wait_until(found, timeout, what=f"mail to {address} ({subject_contains!r})")


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            sink.add(envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


# ---------------------------------------------------------------------------------------------------------
# The app


@dataclass
class LiveApp:
    url: str
    data_dir: Path
    database_url: str
    env: dict[str, str]
    log_path: Path

    def log_tail(self, n: int = 60) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        return ""


def _get(url: str, timeout: float = 2) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - our own 127.0.0.1 server
            return resp.status
    except Exception:  # noqa: BLE001
        return 0


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, smtp_sink: SmtpSink) -> Iterator[LiveApp]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium")
    bun_dir = ROOT / ".tools" / "node_modules" / ".bin"
    if not (bun_dir / "bun").exists():
        pytest.fail("bun not installed; `make test` installs it from the npm registry into .tools/")
    ARTIFACTS.mkdir(exist_ok=True)
    data_dir = tmp_path_factory.mktemp("app-data")
    port = free_port()
    database_url = f"sqlite:///{data_dir / 'khala.db'}"
    env = {
        **os.environ,
        "PATH": f"{bun_dir}:{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "KHALA_DATA_DIR": str(data_dir),
        "KHALA_DATABASE_URL": database_url,
        "KHALA_PUBLIC_URL": f"http://localhost:{port}",
        "KHALA_CORS_ORIGINS": f'["http://localhost:{port}", "http://127.0.0.1:{port}"]',
        "KHALA_SMTP_URL": smtp_sink.url,
        # the embed widget may be framed by pages on 127.0.0.1 (any port), not by other sites (tests/e2e/test_seo.py)
        "KHALA_EMBED_ORIGINS": "http://127.0.0.1:*",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("KHALA_REDIS_URL", None)
    env.pop("REFLEX_REDIS_URL", None)
    py = sys.executable
    for cmd in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [py, "-m", "khala", *cmd], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
        )

    # The journeys run the app as production does: the frontend built once (only when its sources changed),
    # then `python -m khala serve` (migrations, prebuilt pages and backend on one port). The shared .web lock
    # keeps a concurrent rebuild from swapping the build under a running server.
    env["KHALA_HOST"] = "127.0.0.1"
    with launcher.current_build():
        server = launcher.start(env, ARTIFACTS / "server.log")
        app = LiveApp(f"http://localhost:{port}", data_dir, database_url, env, server.log_path)
        try:
            try:
                server.wait_ready("/", timeout=120)
            except (RuntimeError, TimeoutError) as exc:
                raise AssertionError(f"the app server did not start: {exc}\n{app.log_tail()}") from None
            yield app
        finally:
            server.stop(timeout=20)


@pytest.fixture
def app_db(live_app: LiveApp) -> Iterator[None]:
    """Point this process's services at the live app's database (to act on it as another client would)."""
    from khala import db as khala_db

    engine = khala_db.make_engine(live_app.database_url)
    khala_db.use_engine(engine)
    try:
        yield
    finally:
        khala_db.use_engine(None)
        engine.dispose()


# ---------------------------------------------------------------------------------------------------------
# Browser


@pytest.fixture(scope="session")
def browser(live_app: LiveApp):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, live_app: LiveApp, request: pytest.FixtureRequest):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_app.url)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            with contextlib.suppress(Exception):
                pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def wait_for_path(pg, path: str, *, timeout: float = 30_000) -> None:
    """Wait until the browser's URL has exactly this path (and this query, when ``path`` has one).

    Not ``wait_for_url(re.compile(path + "$"))``: ``/login?next=/tickets`` ends with ``/tickets`` too, so such a
    wait returns at once on the sign-in page, and the next ``goto`` aborts the sign-in still in flight.
    """
    want = urlsplit(path)

    def there(url: str) -> bool:
        at = urlsplit(url)
        return at.path.rstrip("/") == want.path.rstrip("/") and (not want.query or at.query == want.query)

    pg.wait_for_url(there, timeout=timeout)


def screenshot(pg, name: str, *, width: int | None = None) -> Path:
    """Save a full-page screenshot under test-artifacts/ (optionally at another viewport width)."""
    if width is not None:
        pg.set_viewport_size({"width": width, "height": 800})
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path
