"""Fixtures for the accounts tests: fresh rate-limit counters, the outbox as a mailbox, user factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from accounts_helpers import STRONG, link_token
from sqlmodel import select

from khala.accounts import service, sessions, throttle
from khala.audit.service import Actor
from khala.db import session_scope
from khala.mail.models import OutboxMessage


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    throttle.use_storage("memory://")
    yield
    throttle.use_storage(None)


@pytest.fixture
def mailbox() -> Callable[[str], list[OutboxMessage]]:
    """mailbox(address) → the outbox messages to that address, oldest first."""

    def read(address: str) -> list[OutboxMessage]:
        with session_scope() as session:
            rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == address)).all()
        return sorted(rows, key=lambda m: m.created_at)

    return read


@pytest.fixture
def make_user(mailbox) -> Callable[..., sessions.CurrentUser]:
    """make_user(email=..., password=..., verified=True, admin=False) → CurrentUser, created through sign-up."""
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        password: str = STRONG,
        *,
        display_name: str = "Ada Lovelace",
        verified: bool = True,
        admin: bool = False,
    ) -> sessions.CurrentUser:
        email = email or f"user{next(counter)}@example.com"
        service.sign_up(email, display_name, password, ip=f"10.9.{next(counter) % 250}.1")
        if verified:
            service.confirm_email_token(link_token(mailbox(email)[-1], "/verify"))
        if admin:
            service.create_admin(email, actor=Actor.system("cli"))
        throttle.reset()
        with session_scope() as session:
            from khala.accounts.models import User

            user = session.exec(select(User).where(User.email == email)).one()
        return service.get_user(user.id)

    return make
