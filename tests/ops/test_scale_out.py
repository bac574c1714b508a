"""Two `python -m khala serve` processes on two ports, one PostgreSQL and one Redis, act as one site:

- a user signed in on one is signed in on the other;
- a registration through one updates the live seat count on a page served by the other;
- their mail workers never send a message twice;
- SIGKILL one (supervisor and workers at once): no registration and no mail is lost.

Skipped without PostgreSQL + Redis, a failure under CI=true (tests/conftest.py `unavailable`).
"""

from __future__ import annotations

import asyncio
import collections
import re
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text

from khala import db as khala_db
from khala.ops import launcher
from tests.conftest import PG_ADMIN_URL, REDIS_URL, migrate, unavailable

SECRET = "scaleOut-7Qm2pXw9LzT4kB8nJc1YhD6fS3aGeU0oK"
PASSWORD = "scale out journey 42"
SLUG = "nordic-lights-festival"
MAILS = 40


@pytest.fixture(scope="module")
def shared_backends() -> Iterator[tuple[str, str]]:
    """A fresh migrated PostgreSQL database with the demo catalogue, and an empty Redis database."""
    import redis

    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/13"
    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    name = f"khala_scale_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        unavailable("PostgreSQL", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    client.flushdb()
    engine = khala_db.make_engine(url)
    try:
        migrate(url)
        khala_db.use_engine(engine)
        from khala.demo.seed import seed_demo

        seed_demo(with_images=False)
        yield url, redis_url
    finally:
        khala_db.use_engine(None)
        engine.dispose()
        khala_db._engine_for.cache_clear()
        client.flushdb()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def sink():
    from aiosmtpd.controller import Controller

    from tests.ops.conftest import SmtpSink

    box = SmtpSink("127.0.0.1", launcher.free_port(), delay=0.05)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(box.delay)
            box.add(envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Handler(), hostname=box.host, port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def pair(frontend_build, shared_backends, sink, tmp_path_factory: pytest.TempPathFactory):
    database_url, redis_url = shared_backends
    ports = [launcher.free_port(), launcher.free_port()]
    origins = ", ".join(f'"http://127.0.0.1:{p}"' for p in ports)
    servers = []
    try:
        for port in ports:
            data_dir = tmp_path_factory.mktemp(f"replica-{port}")
            env = launcher.server_env(
                data_dir,
                port,
                KHALA_DATABASE_URL=database_url,
                KHALA_REDIS_URL=redis_url,
                KHALA_SECRET_KEY=SECRET,
                KHALA_SMTP_URL=sink.url,
                KHALA_PUBLIC_URL=f"http://127.0.0.1:{port}",
                KHALA_CORS_ORIGINS=f"[{origins}]",
            )
            servers.append(launcher.start(env, data_dir / "serve.log"))
        for s in servers:  # they started together: one migrated (nothing to do here), both serve
            s.wait_ready("/readyz", timeout=90)
        yield servers
    finally:
        for s in servers:
            s.stop(timeout=20)


def _seats_left(page, package_id: str) -> int | None:
    text_ = page.locator(f'[data-package-id="{package_id}"] .khala-seats').first.inner_text().strip()
    match = re.search(r"(\d+) seats? left", text_)
    return int(match.group(1)) if match else None


def test_a_session_and_a_registration_cross_processes(pair, shared_backends, sink) -> None:
    from playwright.sync_api import sync_playwright

    from khala.accounts import passwords
    from khala.accounts.models import User
    from khala.db import session_scope, utcnow
    from khala.events import catalogue
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    a, b = pair
    email = f"replica-{uuid.uuid4().hex[:8]}@example.com"
    with session_scope(write=True) as s:
        s.add(
            User(
                email=email,
                display_name="Two Sites",
                password_hash=passwords.hash_password(PASSWORD),
                email_verified_at=utcnow(),
            )
        )
    package = catalogue.get_event(SLUG).packages[0]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            ctx.set_default_timeout(30_000)
            on_a = ctx.new_page()
            # Sign in through A.
            on_a.goto(f"{a.url}/login?next=/account")
            on_a.locator("#email").fill(email)
            on_a.locator("#password").fill(PASSWORD)
            on_a.locator("#login-submit").click()
            on_a.wait_for_url(re.compile(f"^{re.escape(a.url)}/account/?$"))
            on_a.locator("#account-email").get_by_text(email).wait_for()
            # Signed in on B too: B finds the session A created (PostgreSQL) for the cookie of this host.
            on_b = ctx.new_page()
            on_b.goto(f"{b.url}/account")
            on_b.locator("#account-email").get_by_text(email).wait_for()
            assert on_b.url.rstrip("/") == f"{b.url}/account"

            # B shows the event; a registration through A changes its seat count without a reload.
            on_b.goto(f"{b.url}/events/{SLUG}")
            before = launcher.wait_until(lambda: _seats_left(on_b, package.id), 30, what="seats on B")
            on_a.goto(f"{a.url}/events/{SLUG}")
            on_a.get_by_test_id(f"register-{package.id}").first.click()
            on_a.get_by_test_id("confirm-registration").click()
            on_a.get_by_text(f"You're in — confirmation sent to {email}").wait_for()
            after = launcher.wait_until(
                lambda: (n := _seats_left(on_b, package.id)) is not None and n < before and n,
                30,
                what="B's live seat count to drop",
            )
            assert after == before - 1
        finally:
            browser.close()
    confirmations = [m for m in sink.messages if email in str(m["To"])]
    assert len(confirmations) == 1, [m["Subject"] for m in confirmations]


def test_mail_workers_never_send_twice_and_a_killed_replica_loses_nothing(pair, sink) -> None:
    from khala.db import session_scope
    from khala.mail import service as mail
    from khala.mail.models import OutboxMessage
    from khala.registrations.models import Registration
    from tests.mail.mail_helpers import CONTEXT

    a, b = pair
    confirmed_before = _count(Registration)

    def enqueue(n: int, tag: str) -> set[str]:
        ids = set()
        with session_scope(write=True) as s:
            for i in range(n):
                m = mail.enqueue(
                    s,
                    to=f"{tag}-{i}@example.test",
                    subject=f"{tag} {i}",
                    template="verify_email",
                    context=CONTEXT,
                )
                ids.add(str(m.id))
        return ids  # enqueue NOTIFYs on commit: both replicas' workers wake at once

    def delivered(ids: set[str]) -> collections.Counter:
        return collections.Counter(i for i in sink.outbox_ids() if i in ids)

    # Both workers running: every message exactly once.
    first = enqueue(MAILS, "calm")
    launcher.wait_until(lambda: set(delivered(first)) == first, 60, what="the first batch")
    launcher.wait_until(lambda: _all_sent(first), 30, what="the first batch marked sent")
    counts = delivered(first)
    assert max(counts.values()) == 1, {k: v for k, v in counts.items() if v > 1}
    with session_scope() as s:
        owners = set(s.scalars(select(OutboxMessage.lease_owner).where(OutboxMessage.id.in_(_uuids(first)))))
    assert owners  # who sent what is recorded (usually both replicas share the batch)

    # SIGKILL A while both deliver a slow batch: B finishes it, taking over A's leases once they expire.
    second = enqueue(MAILS, "storm")
    launcher.wait_until(lambda: len(delivered(second)) >= 5, 60, what="the second batch to start")
    a.kill()
    assert a.proc.returncode is not None
    launcher.wait_until(
        lambda: set(delivered(second)) == second, 150, interval=0.5, what="every mail of the second batch"
    )
    counts = delivered(second)
    # At-least-once: only a message A handed to the SMTP server in the instant it died may come twice.
    assert sum(v - 1 for v in counts.values()) <= 1, {k: v for k, v in counts.items() if v > 1}
    launcher.wait_until(lambda: _all_sent(second), 30, what="the second batch marked sent")
    # The registration made through A before it died is still there, and B still serves.
    assert _count(Registration) == confirmed_before >= 1
    assert launcher.http_status(b.url + "/readyz") == 200


def _uuids(ids: set[str]) -> list[uuid.UUID]:
    return [uuid.UUID(i) for i in ids]


def _all_sent(ids: set[str]) -> bool:
    from khala.db import session_scope
    from khala.mail.models import OutboxMessage

    with session_scope() as s:
        statuses = set(s.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(_uuids(ids)))))
    return statuses == {"sent"}


def _count(model) -> int:
    from khala.db import session_scope

    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)
