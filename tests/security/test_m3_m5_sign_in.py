"""M5 (targeted lockout), M3 (security events) and L9 (throttle race).

Before: 50 wrong passwords a day for an address (from anywhere) refused even the right password for the
rest of the day, and 10 anonymous mail requests used up the owner's account mails; failed sign-ins and
lockouts left no trace; ``check`` … verify … ``hit`` let parallel attempts slip past a tier.
Now attempts are counted per address *and* client (someone else's failures do not lock you out), the
per-address tier is a short growing delay that a browser which signed in before ("known device") skips,
mail quotas per address count only mails really sent and a known device skips them, every failure writes
``user.sign_in_failed`` and the failure that fills a tier ``user.locked_out`` (with the client address).
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlmodel import select

from khala.accounts import service, sessions, throttle
from khala.audit.models import AuditEntry
from khala.db import session_scope
from khala.errors import InvalidInput, RateLimited
from khala.mail.models import OutboxMessage
from tests.security.conftest import PASSWORD


def _entries(action: str) -> list[AuditEntry]:
    with session_scope() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def _fail(email: str, ip: str) -> None:
    with pytest.raises((InvalidInput, RateLimited)):
        sessions.authenticate(email, "not my password at all", ip=ip)


def test_an_attacker_on_many_addresses_cannot_lock_the_owner_out(db, person) -> None:
    victim, _ = person()
    device = sessions.device_token(victim.id)  # the cookie the owner's browser got at its last sign-in
    for i in range(60):  # spread over many clients: every per-client limit stays open
        _fail(victim.email, f"203.0.113.{i}")
    # From a browser that never signed in here the right password waits a while (never a day) …
    with pytest.raises(RateLimited) as wait:
        sessions.authenticate(victim.email, PASSWORD, ip="192.0.2.77")
    assert wait.value.retry_after <= 3600
    # … but the owner's own browser signs in at once, right password only.
    assert sessions.authenticate(victim.email, PASSWORD, ip="192.0.2.77", device=device)
    with pytest.raises(InvalidInput):
        sessions.authenticate(victim.email, "still not the password", ip="192.0.2.78", device=device)
    # A device cookie is bound to its account and signed.
    other, _ = person()
    assert not sessions.known_device(device, other.id)
    assert not sessions.known_device(device[:-2] + "xx", victim.id)


def test_anonymous_mail_requests_cannot_use_up_the_owners_mail(db, person) -> None:
    victim, _ = person()
    for i in range(60):  # reset requests for the victim's address from many clients
        with contextlib.suppress(RateLimited):
            service.request_password_reset(victim.email, ip=f"203.0.113.{i}")
    # The anonymous quota is spent: mails stop (same answer as before, nothing sent) …
    sent_before = _count_mail(victim.email)
    assert service.request_password_reset(victim.email, ip="198.51.100.1")
    assert _count_mail(victim.email) == sent_before
    # … but the owner's browser still gets its reset link.
    device = sessions.device_token(victim.id)
    service.request_password_reset(victim.email, ip="198.51.100.2", device=device)
    assert _count_mail(victim.email) == sent_before + 1


def _count_mail(address: str) -> int:
    with session_scope() as s:
        return len(s.exec(select(OutboxMessage).where(OutboxMessage.recipient == address)).all())


def test_failures_and_lockouts_are_security_events(db, person) -> None:
    victim, _ = person()
    for _ in range(5):
        _fail(victim.email, "198.51.100.9")
    _fail(victim.email, "198.51.100.9")  # refused by the full tier: not checked, not logged again
    failed = _entries("user.sign_in_failed")
    assert len(failed) == 5
    assert all(e.object_id == str(victim.id) and e.data["ip"] == "198.51.100.9" for e in failed)
    (locked,) = _entries("user.locked_out")
    assert locked.object_id == str(victim.id) and locked.data["ip"] == "198.51.100.9"
    assert locked.data["scopes"] == ["address_and_client"]
    # An unknown address: an entry without any address in it.
    _fail("nobody@example.com", "198.51.100.10")
    unknown = [e for e in _entries("user.sign_in_failed") if e.data["reason"] == "unknown_address"]
    assert len(unknown) == 1 and "nobody" not in str(unknown[0].data)


def test_parallel_attempts_cannot_slip_past_a_tier(db, person) -> None:
    victim, _ = person()
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            sessions.authenticate(victim.email, "wrong guess number x", ip="198.51.100.20")
        except RateLimited:
            outcomes.append("refused")
        except InvalidInput:
            outcomes.append("checked")

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("checked") == 5 and outcomes.count("refused") == 7  # 5 per minute, exactly


def test_throttle_consume_is_one_atomic_hit_per_tier() -> None:
    t = throttle.Throttle("test-atomic", "3/minute", "wait {wait}")
    results = [t.try_consume("x") for _ in range(5)]
    assert results == [True, True, True, False, False]
