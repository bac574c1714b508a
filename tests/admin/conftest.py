"""Fixtures for the admin dashboard tests: fresh rate-limit counters and signed-in people."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from khala.accounts import passwords, sessions, throttle
from khala.db import utcnow

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    throttle.use_storage("memory://")
    yield
    throttle.use_storage(None)


@pytest.fixture
def person(make_user):
    """person(admin=False) → (user, session token): a verified account, signed in."""

    def make(*, admin: bool = False):
        user = make_user(
            password_hash=passwords.hash_password(PASSWORD), email_verified_at=utcnow(), is_admin=admin
        )
        code = sessions.authenticate(user.email, PASSWORD, ip="10.7.0.1")
        token, _ = sessions.complete_login(code, user_agent="pytest", ip="10.7.0.1")
        return user, token

    return make
