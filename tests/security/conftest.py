"""Fixtures for the security review's regression tests (one test module per finding, named after it).

Each test here failed before its fix (see the docstrings for what the code did then). Rate limits start from
fresh in-memory counters in every test; ``person`` makes a verified, signed-in account through the real
sign-in path and returns it with its session cookie value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from khala.accounts import passwords, sessions, throttle
from khala.accounts.models import User
from khala.db import utcnow

PASSWORD = "security review passphrase 7"


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    throttle.use_storage("memory://")
    yield
    throttle.use_storage(None)


@pytest.fixture
def person(make_user) -> Callable[..., tuple[User, str]]:
    """person(admin=False, verified=True, email=None) → (user row, session token)."""
    counter = iter(range(1, 10_000))

    def make(*, admin: bool = False, verified: bool = True, email: str | None = None) -> tuple[User, str]:
        user = make_user(
            email,
            display_name="Grace Hopper",
            password_hash=passwords.hash_password(PASSWORD),
            email_verified_at=utcnow() if verified else None,
            is_admin=admin,
        )
        ip = f"10.44.{next(counter) % 250}.1"
        code = sessions.authenticate(user.email, PASSWORD, ip=ip)
        token, _ = sessions.complete_login(code, user_agent="pytest", ip=ip)
        return user, token

    return make


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free port: what the recipients actually got."""
    from tests.mail.mail_helpers import SinkHandler, SmtpSink, free_port

    sink = SmtpSink(port=free_port(), handler=SinkHandler()).start()
    try:
        yield sink
    finally:
        sink.stop()


def database_dump(engine) -> str:
    """Every value of every table as text: what a backup, a replica or an SQL console would show."""
    from sqlalchemy import select

    from khala.models import metadata

    lines = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)
