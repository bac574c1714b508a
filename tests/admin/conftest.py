"""Fixtures for the admin dashboard tests: fresh rate-limit counters, signed-in people, an image store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO

import pytest
from PIL import Image as PILImage

from khala.accounts import passwords, sessions, throttle
from khala.db import utcnow
from khala.images import service as images
from khala.images import storage

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


@pytest.fixture
def image_store(tmp_path) -> Iterator[storage.LocalStore]:
    """A local image store under ``tmp_path``, installed as the process's store."""
    store = storage.LocalStore(tmp_path / "media", secret_key="admin-tests-media-secret-0123456789abcdef")
    storage.use_store(store)
    images._exists_cache.clear()
    try:
        yield store
    finally:
        storage.use_store(None)
        images._exists_cache.clear()


@pytest.fixture
def png() -> Callable[..., bytes]:
    """png(size=(800, 600)) → the bytes of a small, valid PNG."""

    def make(size: tuple[int, int] = (800, 600)) -> bytes:
        buf = BytesIO()
        PILImage.new("RGB", size, (200, 40, 90)).save(buf, "PNG")
        return buf.getvalue()

    return make
